package backpropamine.nn;

import java.util.Arrays;

/**
 * One per-batch-element N x N trace (Hebb or E) over the steps of a segment. When training, every step's value
 * is kept for the backward pass; when evaluating, two slots alternate. At the start of a segment, slot 0 holds
 * the state carried from the end of the previous one; the move happens then, not at the end of the segment,
 * so the backward pass still sees the history of the segment it differentiates.
 */
final class TraceHistory {
    private final int size;
    private float[][] slots;
    private boolean keep;
    private int current; // slot holding the carried state

    TraceHistory(int size) {
        this.size = size;
        this.slots = new float[][] {new float[size], new float[size]};
    }

    /** Prepares for a segment of {@code steps} steps, moving the carried state into slot 0. */
    void begin(int steps, boolean keepHistory) {
        float[] carried = slots[current];
        slots[current] = slots[0];
        slots[0] = carried;
        current = 0;
        keep = keepHistory;
        int need = keepHistory ? steps + 1 : 2;
        if (slots.length < need) {
            float[][] grown = Arrays.copyOf(slots, need);
            for (int k = slots.length; k < need; k++) {
                grown[k] = new float[size];
            }
            slots = grown;
        }
    }

    /** The trace before step t's update (t = 0 is the carried state). */
    float[] at(int t) {
        return slots[slot(t)];
    }

    /** Marks the trace after the last step as the state carried into the next segment. */
    void end(int steps) {
        current = slot(steps);
    }

    /** The state carried into the next segment (after {@link #end}). */
    float[] carried() {
        return slots[current];
    }

    /** Zeroes the carried state. */
    void reset() {
        Arrays.fill(slots[current], 0);
    }

    private int slot(int t) {
        return keep ? t : t & 1;
    }
}
