package backpropamine.nn;

import static backpropamine.nn.Simd.L;
import static backpropamine.nn.Simd.load;

import backpropamine.model.ParameterLayout.Entry;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import jdk.incubator.vector.FloatVector;

/**
 * The plastic recurrent path into the cell input g of one layer (appendix A.1):
 *
 * <pre>
 *   g = tanh(W_xg x + b_g + h(t-1) . (w + alpha * Hebb(t)))      effective weight w_ij + alpha_ij Hebb_ij
 *   Hebb(t+1) = Clip(Hebb(t) + rule)                               rule: see subclasses (eqs. 2-5)
 * </pre>
 *
 * The fixed part h(t-1) . w is an ordinary matrix product done with the other gates; this class adds the
 * per-batch-element part, the "plastic input" h(t-1) . (alpha * Hebb(t)), and updates the trace with
 * pre-synaptic h(t-1) and post-synaptic g(t). Hebb holds one N x N matrix per batch element, kept per batch
 * size and carried across segments; indexing {@code [(b*N + i)*Np + j]}, i pre-synaptic, j post-synaptic.
 *
 * <p>Each step makes one pass over the traces: forward, the update of step t is fused with the plastic input
 * of step t+1 (both read Hebb(t+1) as it is written); backward, the plastic input of step s is fused with the
 * update of step s-1 (both need dL/dHebb(s)). Subclasses write those two passes for their rule.
 */
abstract class HebbianTrace {
    final Parameters params;
    final int n;
    final int np;
    final float clip;
    final Shards shards;
    private final Entry alphaEntry;
    /** alpha, [N][Np] per connection or [1][Np] per post-synaptic neuron; row i of connection (i, j) starts at i * aStride. */
    final float[] alpha;
    /** 0 when alpha is per post-synaptic neuron (every pre-synaptic row reads row 0), else Np. */
    final int aStride;
    /** dL/dalpha, one part per shard of the batch (see {@link Shards}). */
    final float[][] dAlpha;

    private final Map<Integer, TraceHistory> hebbByBatch = new HashMap<>();
    private final Map<Integer, float[]> dHebbByBatch = new HashMap<>();
    TraceHistory hebb;
    /** dL/dHebb(s) while going backward. */
    float[] dHebb;
    int batch;
    /** Plastic input of the current step and, being accumulated, of the next one: [B][Np]. */
    float[] input;
    float[] nextInput;
    /** Per shard: scalar results of the last row kernel (sums over a row), to keep vectors inside the kernel. */
    final float[][] rowOut = Shards.parts(4);
    /** Per shard: lane accumulators of the row kernels (see {@link Simd#fmaInto}). */
    final float[][] acc = Shards.parts(4 * L);

    /** Whether training keeps Hebb only every sqrt(T) steps and recomputes the rest backward (see {@link TraceHistory}). */
    private boolean recompute;

    /** @param alpha N x N (per connection: the basic model) or 1 x N (per post-synaptic neuron: the large model) */
    HebbianTrace(Parameters params, Entry alpha, double clip, Shards shards) {
        this.params = params;
        this.n = alpha.cols();
        this.np = Simd.padded(n);
        if (alpha.rows() != n && alpha.rows() != 1) {
            throw new IllegalArgumentException(alpha.name() + " is " + alpha.rows() + " x " + n + ": need N x N or 1 x N");
        }
        this.aStride = alpha.rows() == n ? np : 0;
        this.clip = (float) clip;
        this.shards = shards;
        this.alphaEntry = alpha;
        this.alpha = new float[alpha.rows() * np];
        this.dAlpha = Shards.parts(alpha.rows() * np);
    }

    /**
     * Bounds the memory of training: Hebb is kept at every k-th step of a segment of T steps, k = ceil(sqrt(T)),
     * and recomputed block by block in the backward pass (exact: the same arithmetic runs again). Only for rules
     * whose backward pass reads Hebb alone (PLASTIC, SIMPLE).
     */
    void recomputeTraces(boolean on) {
        recompute = on;
    }

    /** Steps between kept traces for a training segment of {@code steps} steps. */
    final int stride(int steps) {
        return recompute ? (int) Math.ceil(Math.sqrt(steps)) : 1;
    }

    /** Floats held by the traces of a batch size (for memory reports). */
    long heldFloats(int batch) {
        TraceHistory h = hebbByBatch.get(batch);
        return h == null ? 0 : h.heldFloats();
    }

    /** Loads the parameters, selects the state of this batch size and computes the plastic input of step 0. */
    final void begin(int batch, int steps, boolean train, float[] h0) {
        this.batch = batch;
        hebb = hebbByBatch.computeIfAbsent(batch, b -> new TraceHistory(b * n * np));
        hebb.begin(steps, train, stride(steps));
        params.read(alphaEntry, alpha, np);
        if (train) {
            dHebb = dHebbByBatch.computeIfAbsent(batch, b -> new float[b * n * np]);
            Arrays.fill(dHebb, 0); // gradients stop at the segment boundary
            Shards.clear(dAlpha);
        }
        if (input == null || input.length != batch * np) {
            input = new float[batch * np];
            nextInput = new float[batch * np];
        }
        beginRule(steps, train);
        Arrays.fill(input, 0);
        float[] h = hebb.at(0);
        shards.run(batch, (p, from, to) -> {
            for (int b = from; b < to; b++) {
                for (int i = 0; i < n; i++) {
                    accumulateInput(input, b, h0[b * np + i], h, (b * n + i) * np, i * aStride);
                }
            }
        });
    }

    /** in[b, :] += post_i * alpha[i, :] * hebb[row, :]: one pre-synaptic row's share of the plastic input. */
    final void accumulateInput(float[] in, int b, float pre, float[] hebbNow, int row, int arow) {
        FloatVector vpre = Simd.all(pre);
        for (int j = 0; j < np; j += L) {
            Simd.addInto(in, b * np + j, vpre.mul(load(alpha, arow + j)).mul(load(hebbNow, row + j)));
        }
    }

    /** Plastic input of the current step, [B][Np]. */
    final float[] input() {
        return input;
    }

    /**
     * Hebb(t+1) = Clip(Hebb(t) + rule(h(t-1), g(t))), fused with the plastic input of step t+1 when
     * {@code more}. {@code act} holds the gates of step t ([B][4][Np], g last).
     */
    final void step(int t, float[] hPrev, float[] act, float[] hNew, boolean more) {
        if (more) {
            Arrays.fill(nextInput, 0);
        }
        update(t, hPrev, act, hNew, more ? nextInput : null);
        float[] tmp = input;
        input = nextInput;
        nextInput = tmp;
    }

    /** Carries the final traces into the next segment. */
    final void end(int steps) {
        hebb.end(steps);
        endRule(steps);
    }

    /** Adds the accumulated parameter gradients into the flat gradient. */
    final void pushGradients() {
        params.accumulate(alphaEntry, Shards.sum(dAlpha), np);
        pushRuleGradients();
    }

    /** The carried Hebb of a batch size, dense [B][N][N] (zeros if none). */
    final double[] carriedHebb(int batch) {
        return dense(hebbByBatch.get(batch), batch);
    }

    /** The carried eligibility trace E of a batch size (RETRO), or null for rules without one. */
    double[] carriedEligibility(int batch) {
        return null;
    }

    /** A carried trace as a dense [B][N][N] copy, without the row padding (zeros for a missing one). */
    final double[] dense(TraceHistory trace, int batch) {
        double[] out = new double[batch * n * n];
        if (trace != null) {
            float[] s = trace.carried();
            for (int r = 0; r < batch * n; r++) {
                for (int j = 0; j < n; j++) {
                    out[r * n + j] = s[r * np + j];
                }
            }
        }
        return out;
    }

    /** Zeroes the carried traces of one batch size. */
    final void reset(int batch) {
        TraceHistory t = hebbByBatch.get(batch);
        if (t != null) {
            t.reset();
        }
        resetRule(batch);
    }

    /**
     * Backward of the plastic input alone (step 0 of a segment, where no update precedes it): dAlpha, dHebb(0)
     * is not needed, and the returned dL/dh_i(pre) = sum_j da_j * alpha_ij * Hebb_ij.
     */
    final float backwardInput(int p, float pre, float[] hebbNow, int row, int arow, float[] dPre, int ga) {
        FloatVector vpre = Simd.all(pre);
        float[] da0 = dAlpha[p];
        float[] a0 = acc[p];
        for (int j = 0; j < np; j += L) {
            FloatVector da = load(dPre, ga + j);
            FloatVector hij = load(hebbNow, row + j);
            Simd.addInto(da0, arow + j, da.mul(vpre).mul(hij));
            Simd.fmaInto(a0, 0, da.mul(load(alpha, arow + j)), hij);
        }
        return Simd.drain(a0, 0);
    }

    /**
     * The plastic-input part of a backward row kernel, lanes j..j+L: accumulates dAlpha and (in accumulator 0)
     * dL/dh_i(s) = sum_j da_j alpha_ij Hebb_ij, and returns dL/dHebb(s) complete and passed through the clip of
     * the update that produced Hebb(s) - the incoming gradient of the rule's own backward.
     */
    final FloatVector backwardInputLanes(int p, float[] dPre, int ga, float[] hebbNow, int row, int arow, int j,
                                         FloatVector vhs) {
        FloatVector da = load(dPre, ga + j);
        FloatVector a = load(alpha, arow + j);
        FloatVector hij = load(hebbNow, row + j);
        Simd.addInto(dAlpha[p], arow + j, da.mul(vhs).mul(hij));
        Simd.fmaInto(acc[p], 0, da.mul(a), hij);
        return passed(hij, load(dHebb, row + j).add(da.mul(vhs).mul(a)));
    }

    final FloatVector clip(FloatVector x) {
        return x.max(-clip).min(clip);
    }

    /** The clip passes the gradient only where the clipped value lies strictly inside (-c, c). */
    final FloatVector passed(FloatVector clipped, FloatVector grad) {
        return Simd.whereInside(clipped, clip, grad);
    }

    /**
     * One forward pass over the traces: Hebb(t+1) from Hebb(t), and if {@code in} is not null, the plastic input
     * of step t+1 accumulated into it (see {@link #accumulateInput}) from {@code hNew} and Hebb(t+1).
     */
    final void update(int t, float[] hPrev, float[] act, float[] hNew, float[] in) {
        beforeUpdate(t, hPrev);
        updatePass(t, hPrev, act, hNew, in);
    }

    /** The pass over the traces of {@link #update}, without the modulator's forward (M(t) is kept per step). */
    private void updatePass(int t, float[] hPrev, float[] act, float[] hNew, float[] in) {
        float[] hebbNow = hebb.at(t);
        float[] next = hebb.at(t + 1);
        shards.run(batch, (p, from, to) -> {
            for (int b = from; b < to; b++) {
                int g = (b * 4 + LstmCell.G) * np;
                for (int i = 0; i < n; i++) {
                    int row = (b * n + i) * np;
                    updateRow(t, b, hPrev[b * np + i], hebbNow, next, row, i * aStride, act, g);
                    if (in != null) {
                        accumulateInput(in, b, hNew[b * np + i], next, row, i * aStride);
                    }
                }
            }
        });
    }

    /**
     * One backward pass for step s: the plastic input of step s (dAlpha, dHebb(s), dL/dh into {@code dhAcc[s]}),
     * then, for s >= 1, the update of step s-1 (rule gradients, dHebb(s-1), dL/dg(s-1) into {@code dgAcc[s-1]},
     * dL/dh into {@code dhAcc[s-1]}).
     *
     * @param h     h(0..T) of the layer; h[s] is the pre-synaptic input of step s
     * @param act   gates of every step
     * @param dPre  dL/da of step s ([B][4][Np], g last)
     */
    final void backward(int s, float[][] h, float[][] act, float[] dPre, float[][] dhAcc, float[][] dgAcc) {
        beforeBackward(s);
        if (hebb.needsBlock(s)) {
            // Hebb(s) was not kept: recompute its block from the checkpoint, with the same inputs as forward
            for (int t = hebb.enterBlock(s); t < s; t++) {
                updatePass(t, h[t], act[t], null, null);
            }
        }
        float[] hebbNow = hebb.at(s);
        shards.run(batch, (p, from, to) -> {
            float[] out = rowOut[p];
            for (int b = from; b < to; b++) {
                int ga = (b * 4 + LstmCell.G) * np;
                for (int i = 0; i < n; i++) {
                    int row = (b * n + i) * np;
                    float hs = h[s][b * np + i];
                    if (s == 0) {
                        dhAcc[0][b * np + i] += backwardInput(p, hs, hebbNow, row, i * aStride, dPre, ga);
                    } else {
                        backwardRow(p, s, b, hs, h[s - 1][b * np + i], hebbNow, row, i * aStride, dPre, act[s - 1], ga,
                                dgAcc[s - 1]);
                        dhAcc[s][b * np + i] += out[0];
                        dhAcc[s - 1][b * np + i] += out[1];
                    }
                }
            }
        });
        afterBackward(s, h, dhAcc);
    }

    /** The rule for one pre-synaptic neuron i of batch element b: next[row] = Clip(hebbNow[row] + ...). */
    abstract void updateRow(int t, int b, float pre, float[] hebbNow, float[] next, int row, int arow, float[] act, int g);

    /**
     * Backward of one pre-synaptic neuron's connections: the plastic input of step s (pre-synaptic {@code hs}),
     * fused with the rule's update of step s-1 (pre-synaptic {@code pre}, post-synaptic g in {@code act}).
     * Runs in shard {@code p} (its gradient parts and accumulators). Writes dL/dhs to rowOut[p][0] and dL/dpre
     * to rowOut[p][1]; adds dL/dg into {@code dg}.
     */
    abstract void backwardRow(int p, int s, int b, float hs, float pre, float[] hebbNow, int row, int arow, float[] dPre,
                              float[] act, int ga, float[] dg);

    /** Before the update of step t (the modulator computes M(t) here). */
    void beforeUpdate(int t, float[] hPrev) {
    }

    /** Before the backward pass of step s. */
    void beforeBackward(int s) {
    }

    /** After the backward pass of step s (the modulator's own backward goes here). */
    void afterBackward(int s, float[][] h, float[][] dhAcc) {
    }

    void beginRule(int steps, boolean train) {
    }

    void endRule(int steps) {
    }

    void pushRuleGradients() {
    }

    /** Zeroes the rule's own carried state of one batch size (RETRO's E). */
    void resetRule(int batch) {
    }
}
