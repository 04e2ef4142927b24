package backpropamine.train;

/** Cooperative cancellation: the trainer checks it between batches and stops cleanly. */
public final class Cancellation {
    private volatile boolean cancelled;

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled || Thread.currentThread().isInterrupted();
    }
}
