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

    /**
     * Parameter matching: the largest size whose parameter count ({@code count}, increasing in the size) does not
     * exceed {@code budget}, or 0 if none does.
     */
    static int largestWithin(long budget, java.util.function.IntToLongFunction count) {
        int lo = 0;
        int hi = 1;
        while (count.applyAsLong(hi) <= budget) {
            lo = hi;
            hi *= 2;
        }
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (count.applyAsLong(mid) <= budget) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
