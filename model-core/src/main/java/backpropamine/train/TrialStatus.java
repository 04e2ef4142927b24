package backpropamine.train;

/** How a trial ended. */
public enum TrialStatus {
    /** All epochs and the test evaluation ran. */
    COMPLETED,
    /** The loss or gradient became NaN/infinite, or perplexity exploded (see {@link Trainer#EXPLOSION}). */
    DIVERGED,
    /** Stopped on request; the last complete epoch is checkpointed (when a directory was given). */
    CANCELLED,
    /** The trial threw; recorded by the caller (the sweep service). */
    FAILED,
    /**
     * Not a result: the sweep service gave up on the trial's task (it failed on every attempt, as when its
     * executors keep dying). Recorded so that it is visible; the next run of the sweep retries it.
     */
    LOST
}
