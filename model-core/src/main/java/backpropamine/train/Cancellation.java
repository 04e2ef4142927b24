package backpropamine.train;

import java.util.function.BooleanSupplier;

/**
 * Cooperative cancellation: the trainer checks it between batches and stops cleanly. It fires on
 * {@link #cancel()}, on interruption of the training thread, or when an external signal (a killed Spark task)
 * says so.
 */
public final class Cancellation {
    private volatile boolean cancelled;
    private final BooleanSupplier external;

    public Cancellation() {
        this(() -> false);
    }

    public Cancellation(BooleanSupplier external) {
        this.external = external;
    }

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled || Thread.currentThread().isInterrupted() || external.getAsBoolean();
    }
}
