package backpropamine.data;

/**
 * A token stream cut into B parallel columns for truncated BPTT (Zaremba et al.): column b holds tokens
 * [b*L, (b+1)*L) of the stream, L = len/B, and a segment is the next T positions of every column.
 * Hidden state and traces flow from one segment into the next, so segments must be visited in order.
 *
 * <p>Segment layouts are time-major: {@code inputs[t*B + b]}. The last segment is shorter when L-1 is not a
 * multiple of T, so every token but the first of each column is predicted exactly once.
 */
public final class TokenBatches {
    private final int[] columns; // [B][L] row-major
    private final int batch;
    private final int length;
    private final int steps;

    public TokenBatches(int[] stream, int batch, int steps) {
        if (batch < 1 || steps < 1) {
            throw new IllegalArgumentException("batch and steps must be >= 1");
        }
        this.batch = batch;
        this.steps = steps;
        this.length = stream.length / batch;
        if (length < 2) {
            throw new IllegalArgumentException("stream of " + stream.length + " tokens is too short for batch " + batch);
        }
        this.columns = new int[batch * length];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(stream, b * length, columns, b * length, length);
        }
    }

    public int batch() {
        return batch;
    }

    public int steps() {
        return steps;
    }

    /** Number of segments in one pass. */
    public int segments() {
        return (length - 1 + steps - 1) / steps;
    }

    /** Number of predicted tokens in one pass. */
    public long predictedTokens() {
        return (long) (length - 1) * batch;
    }

    /** Steps in segment {@code s} (T, or fewer for the last). */
    public int stepsOf(int s) {
        return Math.min(steps, length - 1 - s * steps);
    }

    /** Positions a pass predicts per column: L - 1 (segments of any lengths that add up to it cover the pass). */
    public int positions() {
        return length - 1;
    }

    /** Fills time-major inputs and targets of segment {@code s}; returns its number of steps. */
    public int segment(int s, int[] inputs, int[] targets) {
        return segmentAt(s * steps, stepsOf(s), inputs, targets);
    }

    /**
     * Fills the segment of {@code n} steps starting at position {@code start} of every column (variable-length
     * BPTT); returns n.
     */
    public int segmentAt(int start, int n, int[] inputs, int[] targets) {
        if (start < 0 || n < 1 || start + n > length - 1) {
            throw new IllegalArgumentException("segment [" + start + ", " + (start + n) + ") outside the "
                    + (length - 1) + " positions of a column");
        }
        for (int t = 0; t < n; t++) {
            for (int b = 0; b < batch; b++) {
                inputs[t * batch + b] = columns[b * length + start + t];
                targets[t * batch + b] = columns[b * length + start + t + 1];
            }
        }
        return n;
    }
}
