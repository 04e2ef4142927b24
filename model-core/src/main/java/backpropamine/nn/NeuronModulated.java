package backpropamine.nn;

import static backpropamine.nn.Simd.L;
import static backpropamine.nn.Simd.load;

import backpropamine.model.ParameterLayout.Entry;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * SIMPLE as the large model has it (appendix A.3): alpha per post-synaptic neuron (every connection into neuron j
 * shares alpha_j; Hebb stays per connection), and the modulator's output fanned out per neuron through a weight and a
 * bias,
 *
 * <pre>
 *   eta_j(t) = u_j M(t) + b_j                                   (per batch element: M(t) is)
 *   Hebb(t+1) = Clip(Hebb(t) + eta_j(t) * x_i(t-1) * x_j(t))
 * </pre>
 *
 * eta of every step is kept (B x N per step); the backward pass gathers dL/deta per batch element and neuron, from
 * which the gradients of u, b and M follow once per step.
 */
final class NeuronModulated extends HebbianTrace {
    private final Modulator modulator;
    private final Entry uEntry;
    private final Entry fanBiasEntry;
    private final float[] u;
    private final float[] fanBias;
    private final float[] du;
    private final float[] dFanBias;
    /** M(t) per step and batch element. */
    private float[][] m = new float[0][];
    /** eta(t) per step, [B][Np]. */
    private float[][] eta = new float[0][];
    /** dL/deta of the update being differentiated, [B][Np]; a batch element's lanes are written by its shard only. */
    private float[] dEta = new float[0];
    private float[] dm = new float[0];

    /** @param alpha, u, fanBias 1 x N: one value per post-synaptic neuron */
    NeuronModulated(Parameters params, Entry alpha, Entry u, Entry fanBias, Modulator modulator, double clip,
                    Shards shards) {
        super(params, alpha, clip, shards);
        if (alpha.rows() != 1 || u.rows() != 1 || fanBias.rows() != 1) {
            throw new IllegalArgumentException("per-neuron neuromodulation needs 1 x N alpha, u and fan-out bias");
        }
        this.modulator = modulator;
        this.uEntry = u;
        this.fanBiasEntry = fanBias;
        this.u = new float[np];
        this.fanBias = new float[np];
        this.du = new float[np];
        this.dFanBias = new float[np];
    }

    @Override
    void beginRule(int steps, boolean train) {
        params.read(uEntry, u, np);
        params.read(fanBiasEntry, fanBias, np);
        Arrays.fill(du, 0);
        Arrays.fill(dFanBias, 0);
        modulator.pull();
        if (m.length < steps || m[0].length != batch) {
            m = new float[Math.max(steps, m.length)][batch];
            eta = new float[m.length][batch * np];
            dEta = new float[batch * np];
            dm = new float[batch];
        }
    }

    @Override
    void pushRuleGradients() {
        params.accumulate(uEntry, du, np);
        params.accumulate(fanBiasEntry, dFanBias, np);
        modulator.push();
    }

    /** M(t) from h(t-1), then eta_j(t) = u_j M(t) + b_j for every batch element (zero in the padding lanes). */
    @Override
    void beforeUpdate(int t, float[] hPrev) {
        modulator.forward(hPrev, batch, m[t]);
        for (int b = 0; b < batch; b++) {
            FloatVector vm = Simd.all(m[t][b]);
            for (int j = 0; j < np; j += L) {
                load(u, j).fma(vm, load(fanBias, j)).intoArray(eta[t], b * np + j);
            }
        }
    }

    /** next = Clip(hebb + eta * pre * post). */
    @Override
    void updateRow(int t, int b, float pre, float[] hebbNow, float[] next, int row, int arow, float[] act, int g) {
        FloatVector vpre = Simd.all(pre);
        float[] e = eta[t];
        for (int j = 0; j < np; j += L) {
            FloatVector post = load(act, g + j);
            clip(load(hebbNow, row + j).add(load(e, b * np + j).mul(vpre).mul(post))).intoArray(next, row + j);
        }
    }

    @Override
    void beforeBackward(int s) {
        Arrays.fill(dEta, 0);
    }

    @Override
    void backwardRow(int p, int s, int b, float hs, float pre, float[] hebbNow, int row, int arow, float[] dPre,
                     float[] act, int ga, float[] dg) {
        float[] acc = this.acc[p];
        FloatVector vhs = Simd.all(hs);
        FloatVector vpre = Simd.all(pre);
        float[] e = eta[s - 1];
        for (int j = 0; j < np; j += L) {
            FloatVector d = backwardInputLanes(p, dPre, ga, hebbNow, row, arow, j, vhs); // plastic input of step s
            // update of step s-1: Hebb(s) = Clip(Hebb(s-1) + eta * pre * post)
            FloatVector post = load(act, ga + j);
            Simd.addInto(dEta, b * np + j, d.mul(vpre).mul(post));
            FloatVector dOuter = d.mul(load(e, b * np + j)); // dL/d(pre * post)
            Simd.fmaInto(acc, 1, dOuter, post);
            Simd.addInto(dg, b * np + j, dOuter.mul(vpre));
            d.intoArray(dHebb, row + j);
        }
        rowOut[p][0] = Simd.drain(acc, 0);
        rowOut[p][1] = Simd.drain(acc, 1);
    }

    /** From dL/deta(s-1): du_j += dEta M, db_j += dEta, dM = sum_j dEta u_j, then the modulator's own backward. */
    @Override
    void afterBackward(int s, float[][] h, float[][] dhAcc) {
        if (s == 0) {
            return;
        }
        float[] ms = m[s - 1];
        float[] acc = this.acc[0];
        for (int b = 0; b < batch; b++) {
            FloatVector vm = Simd.all(ms[b]);
            for (int j = 0; j < np; j += L) {
                FloatVector de = load(dEta, b * np + j);
                Simd.addInto(du, j, de.mul(vm));
                Simd.addInto(dFanBias, j, de);
                Simd.fmaInto(acc, 0, de, load(u, j));
            }
            dm[b] = Simd.drain(acc, 0);
        }
        modulator.backward(h[s - 1], ms, dm, batch, dhAcc[s - 1]);
    }
}
