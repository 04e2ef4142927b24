package backpropamine.model;

/**
 * The sizes of a language model, whichever its architecture: the basic model of section 4.3 ({@link ModelShape})
 * or the large AWD-LSTM-style model of appendix A.3 ({@link LargeShape}). Trials report the hidden size and the
 * exact parameter count it gives.
 */
public interface Shape {
    Variant variant();

    int vocab();

    /** Width of the (plastic) recurrent layers: both layers of the basic model, the first two of the large one. */
    int hidden();

    long parameterCount();

    /** Estimated arithmetic of one training token, forward and backward (FLOPs). */
    double trainingFlopsPerToken();
}
