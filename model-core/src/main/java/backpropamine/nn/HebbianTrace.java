package backpropamine.nn;

import backpropamine.model.ParameterLayout.Entry;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The plastic recurrent path into the cell input g of one layer (appendix A.1):
 *
 * <pre>
 *   g = tanh(W_xg x + b_g + h(t-1) . (w + alpha * Hebb(t)))      effective weight w_ij + alpha_ij Hebb_ij
 *   Hebb(t+1) = Clip(Hebb(t) + rule)                               rule: see subclasses (eqs. 2-5)
 * </pre>
 *
 * The fixed part h(t-1) . w is an ordinary matrix product done with the other gates; this class adds the
 * per-batch-element part h(t-1) . (alpha * Hebb) and updates the trace with pre-synaptic h(t-1) and
 * post-synaptic g(t). Hebb has one N x N matrix per batch element, kept per batch size and carried across
 * segments. Indexing: {@code [b*N*N + i*N + j]}, i pre-synaptic, j post-synaptic.
 */
abstract class HebbianTrace {
    final Parameters params;
    final int n;
    final float clip;
    private final Entry alphaEntry;
    final float[] alpha;
    final float[] dAlpha;

    private final Map<Integer, TraceHistory> hebbByBatch = new HashMap<>();
    private final Map<Integer, float[]> dHebbByBatch = new HashMap<>();
    /** Trace of the current segment and its gradient dL/dHebb(t) while going backward. */
    TraceHistory hebb;
    float[] dHebb;
    int batch;

    HebbianTrace(Parameters params, Entry alpha, double clip) {
        this.params = params;
        this.n = alpha.rows();
        this.clip = (float) clip;
        this.alphaEntry = alpha;
        this.alpha = new float[n * n];
        this.dAlpha = new float[n * n];
    }

    /** Loads the parameters for a segment and selects the state of this batch size. */
    void begin(int batch, int steps, boolean train) {
        this.batch = batch;
        hebb = hebbByBatch.computeIfAbsent(batch, b -> new TraceHistory(b * n * n));
        hebb.begin(steps, train);
        params.read(alphaEntry, alpha);
        if (train) {
            dHebb = dHebbByBatch.computeIfAbsent(batch, b -> new float[b * n * n]);
            Arrays.fill(dHebb, 0); // gradients stop at the segment boundary
            Arrays.fill(dAlpha, 0);
        }
        beginRule(batch, steps, train);
    }

    /** Carries the final traces into the next segment. */
    void end(int steps) {
        hebb.end(steps);
        endRule(steps);
    }

    /** Adds the accumulated parameter gradients into the flat gradient. */
    void pushGradients() {
        params.accumulate(alphaEntry, dAlpha);
        pushRuleGradients();
    }

    void reset() {
        hebbByBatch.values().forEach(TraceHistory::reset);
        resetRule();
    }

    /** pre_g[b, j] += sum_i hPrev[b, i] * alpha_ij * Hebb_ij(t). {@code gOff} is the g block inside pre. */
    final void addPlasticInput(int t, float[] hPrev, float[] pre, int gOff, int stride) {
        float[] h = hebb.at(t);
        for (int b = 0; b < batch; b++) {
            int pg = b * stride + gOff;
            for (int i = 0; i < n; i++) {
                float hi = hPrev[b * n + i];
                int row = b * n * n + i * n;
                int arow = i * n;
                for (int j = 0; j < n; j++) {
                    pre[pg + j] += hi * alpha[arow + j] * h[row + j];
                }
            }
        }
    }

    /** Backward of {@link #addPlasticInput}: dAlpha, dHebb(t) and dhPrev from dPre_g. */
    final void backwardPlasticInput(int t, float[] hPrev, float[] dPre, int gOff, int stride, float[] dhPrev) {
        float[] h = hebb.at(t);
        for (int b = 0; b < batch; b++) {
            int pg = b * stride + gOff;
            for (int i = 0; i < n; i++) {
                float hi = hPrev[b * n + i];
                int row = b * n * n + i * n;
                int arow = i * n;
                float dhi = 0;
                for (int j = 0; j < n; j++) {
                    float da = dPre[pg + j];
                    float a = alpha[arow + j];
                    float hij = h[row + j];
                    dAlpha[arow + j] += da * hi * hij;
                    dHebb[row + j] += da * hi * a;
                    dhi += da * a * hij;
                }
                dhPrev[b * n + i] += dhi;
            }
        }
    }

    /** Clip(x) to [-c, c]. */
    final float clip(float x) {
        return Math.max(-clip, Math.min(clip, x));
    }

    /** The clip passes the gradient only where the clipped value lies strictly inside (-c, c). */
    final float passed(float clipped, float grad) {
        return clipped > -clip && clipped < clip ? grad : 0;
    }

    /**
     * Hebb(t+1) = Clip(Hebb(t) + rule(hPrev, g)). {@code g} is read from {@code act} at {@code gOff + b*stride}.
     */
    abstract void update(int t, float[] hPrev, float[] act, int gOff, int stride);

    /**
     * Backward of {@link #update}: on entry {@code dHebb} holds dL/dHebb(t+1); on exit the part of dL/dHebb(t)
     * that flows through the update. Adds into dg (same layout as act) and dhPrev.
     */
    abstract void backwardUpdate(int t, float[] hPrev, float[] act, int gOff, int stride, float[] dAct, float[] dhPrev);

    void beginRule(int batch, int steps, boolean train) {
    }

    void endRule(int steps) {
    }

    void pushRuleGradients() {
    }

    void resetRule() {
    }
}
