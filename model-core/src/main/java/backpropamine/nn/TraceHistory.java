package backpropamine.nn;

import java.util.Arrays;

/**
 * One per-batch-element N x N trace (Hebb or E) over the steps of a segment: the values the backward pass needs,
 * within a bounded memory.
 *
 * <p>When training with stride k, the trace is stored at every k-th step (the checkpoints t = 0, k, 2k, ...), the
 * steps in between pass through two alternating slots, and the backward pass gets them back by recomputing one
 * block [c, c+k) at a time from its checkpoint ({@link #needsBlock}, {@link #enterBlock}): same code, same inputs,
 * so the recomputed values are bit for bit those of the forward pass. A segment of T steps holds about T/k + k
 * traces instead of T + 1 (k = sqrt(T) minimises it); stride 1 keeps every step and never recomputes. When
 * evaluating, two slots alternate.
 *
 * <p>At the start of a segment, checkpoint 0 receives the state carried from the end of the previous one; the
 * move happens then, not at the end of the segment, so the backward pass still sees the history of the segment
 * it differentiates. The carried state never lives in a block slot, so recomputation cannot overwrite it.
 */
final class TraceHistory {
    private final int size;
    private float[][] checkpoints = new float[1][];
    private final float[][] rolling = new float[2][];
    private float[][] block = new float[0][];
    private boolean keep;
    private int stride = 1;
    private boolean backward;
    private int loadedBlock = -1;
    private float[] carried;

    TraceHistory(int size) {
        this.size = size;
        checkpoints[0] = new float[size];
        rolling[0] = new float[size];
        rolling[1] = new float[size];
        carried = checkpoints[0];
    }

    /**
     * Prepares for a segment of {@code steps} steps, moving the carried state into checkpoint 0.
     *
     * @param stride with {@code keepHistory}, keep the trace every {@code stride} steps (1: every step)
     */
    void begin(int steps, boolean keepHistory, int stride) {
        moveCarriedToCheckpointZero();
        keep = keepHistory;
        this.stride = keepHistory ? Math.max(1, stride) : steps + 1;
        backward = false;
        loadedBlock = -1;
        int need = keepHistory ? steps / this.stride + 1 : 1;
        if (checkpoints.length < need) {
            checkpoints = grow(checkpoints, need);
        }
        if (keepHistory && block.length < this.stride - 1) {
            block = grow(block, this.stride - 1);
        }
    }

    private void moveCarriedToCheckpointZero() {
        float[] zero = checkpoints[0];
        if (carried == zero) {
            return;
        }
        for (int k = 0; k < checkpoints.length; k++) {
            if (checkpoints[k] == carried) {
                checkpoints[k] = zero;
            }
        }
        for (int k = 0; k < 2; k++) {
            if (rolling[k] == carried) {
                rolling[k] = zero;
            }
        }
        checkpoints[0] = carried;
    }

    private float[][] grow(float[][] slots, int need) {
        float[][] grown = Arrays.copyOf(slots, need);
        for (int k = slots.length; k < need; k++) {
            grown[k] = new float[size];
        }
        return grown;
    }

    /** The trace before step t's update (t = 0 is the carried state). In the backward pass, t must be loaded. */
    float[] at(int t) {
        if (t % stride == 0) {
            return checkpoints[t / stride];
        }
        if (!backward) {
            return rolling[t & 1];
        }
        if (t / stride != loadedBlock) {
            throw new IllegalStateException("trace of step " + t + " is not loaded (block " + loadedBlock + ")");
        }
        return block[t % stride - 1];
    }

    /** Marks the trace after the last step as the state carried into the next segment. */
    void end(int steps) {
        carried = at(steps);
    }

    /** Whether step t of the backward pass needs its block recomputed first (see {@link #enterBlock}). */
    boolean needsBlock(int t) {
        return keep && t % stride != 0 && (!backward || t / stride != loadedBlock);
    }

    /**
     * Switches to the backward pass over the block holding step t and returns its first step c: the caller then
     * re-runs the updates of steps c, c+1, ... up to t-1, which write {@code at(c+1) .. at(t)} into the block.
     */
    int enterBlock(int t) {
        backward = true;
        loadedBlock = t / stride;
        return loadedBlock * stride;
    }

    /** The state carried into the next segment (after {@link #end}). */
    float[] carried() {
        return carried;
    }

    /** Zeroes the carried state. */
    void reset() {
        Arrays.fill(carried, 0);
    }

    /** Traces held now (for memory reports): checkpoints, the two alternating slots and the block. */
    long heldFloats() {
        return (long) (checkpoints.length + 2 + block.length) * size;
    }
}
