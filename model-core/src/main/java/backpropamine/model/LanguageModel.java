package backpropamine.model;

/**
 * A recurrent language model trained by truncated BPTT. State (h, c and the plastic traces) is kept per batch
 * size and carried from one segment to the next; gradients stop at segment boundaries.
 *
 * <p>Segments are time-major token ids: {@code inputs[t*batch + b]}.
 */
public interface LanguageModel extends AutoCloseable {
    Shape shape();

    Precision precision();

    /** All parameters as one flat vector (weights first, see {@link #layout()}); updated in place by the optimizer. */
    ParameterVector parameters();

    /** Gradient of the last {@link #trainSegment}, same layout as {@link #parameters()}. */
    ParameterVector gradients();

    ParameterLayout layout();

    /**
     * Forward and backward over one segment; the gradient of the model's training objective is left in
     * {@link #gradients()}. Basic model: the per-step mean cross-entropy over the batch, summed over the steps
     * (Zaremba's convention). Large model: the mean cross-entropy over the segment's tokens plus AR and TAR, under
     * fresh dropout masks (Merity et al.'s convention).
     *
     * @return the summed cross-entropy over all {@code batch*steps} predicted tokens (nats)
     */
    double trainSegment(int[] inputs, int[] targets, int batch, int steps);

    /** Forward only; advances the state of this batch size. Returns the summed cross-entropy (nats). */
    double evaluateSegment(int[] inputs, int[] targets, int batch, int steps);

    /** Cumulative nanoseconds spent in each phase of {@link #trainSegment} since creation (OPTIMIZER is 0). */
    long[] phaseNanos();

    /**
     * Restarts the model's own random stream (the large model's dropout masks) from a seed; the trainer calls it at
     * the start of every epoch, so a trial resumed from a checkpoint draws what the uninterrupted one drew. Models
     * without randomness ignore it.
     */
    default void reseed(long seed) {
    }

    /**
     * Bytes the plastic traces of one batch size hold now (the memory that grows with the segment length; for
     * memory reports). 0 for a model without plasticity or for implementations that do not track it.
     */
    default long traceBytes(int batch) {
        return 0;
    }

    /** Zeroes h, c, Hebb and E for every batch size. */
    void resetState();

    /**
     * Zeroes h, c, Hebb and E of one batch size: the stream that starts afresh (the training batch at the start of
     * an epoch, an evaluation batch at the start of a pass), leaving the others as they are.
     */
    void resetState(int batch);

    /**
     * The state carried into the next segment at this batch size, per layer (a copy; zeros where no segment of
     * this batch size has run since the last reset). For checks against other implementations and tests.
     */
    java.util.List<LayerState> state(int batch);

    /** Releases what the model holds outside the Java heap (a GPU's memory); the trainer calls it when a trial ends. */
    @Override
    default void close() {
    }
}
