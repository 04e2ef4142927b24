package backpropamine.nn;

import static backpropamine.nn.Simd.L;
import static backpropamine.nn.Simd.load;

import backpropamine.model.ParameterLayout.Entry;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import jdk.incubator.vector.FloatVector;

/**
 * RETRO: retroactive neuromodulation through an eligibility trace E (one N x N matrix per batch element):
 *
 * <pre>
 *   Hebb(t+1) = Clip(Hebb(t) + M(t) * u_ij * E_ij(t))                         (eq. 4)
 *   E(t+1)    = (1 - lambda) * E(t) + lambda * x_i(t-1) * x_j(t)              (eq. 5)
 * </pre>
 *
 * Hebb is updated with the old trace E(t), then E is updated. lambda is one trainable scalar per layer.
 */
final class Retroactive extends ModulatedTrace {
    private final Entry lambdaEntry;
    private final float[] lambda = new float[1];
    private final float[][] dLambda = Shards.parts(1);
    private final Map<Integer, TraceHistory> eligibilityByBatch = new HashMap<>();
    private final Map<Integer, float[]> dEByBatch = new HashMap<>();
    private TraceHistory e;

    /** dL/dE(s) while going backward. */
    private float[] dE;

    Retroactive(Parameters params, Entry alpha, Entry u, Entry lambda, Modulator modulator, double clip,
                Shards shards) {
        super(params, alpha, u, modulator, clip, shards);
        this.lambdaEntry = lambda;
    }

    @Override
    void beginRule(int steps, boolean train) {
        super.beginRule(steps, train);
        params.read(lambdaEntry, lambda, 1);
        Shards.clear(dLambda);
        e = eligibilityByBatch.computeIfAbsent(batch, b -> new TraceHistory(b * n * np));
        e.begin(steps, train, 1);
        if (train) {
            dE = dEByBatch.computeIfAbsent(batch, b -> new float[b * n * np]);
            Arrays.fill(dE, 0);
        }
    }

    /** Not for RETRO: its backward pass reads E(s-1) across block boundaries; it keeps every step. */
    @Override
    void recomputeTraces(boolean on) {
        if (!on) {
            return;
        }
        throw new UnsupportedOperationException("RETRO keeps every step of its traces; recomputation is for PLASTIC and SIMPLE");
    }

    @Override
    void endRule(int steps) {
        e.end(steps);
    }

    @Override
    double[] carriedEligibility(int batch) {
        return dense(eligibilityByBatch.get(batch), batch);
    }

    @Override
    void resetRule(int batch) {
        TraceHistory t = eligibilityByBatch.get(batch);
        if (t != null) {
            t.reset();
        }
    }

    @Override
    void pushRuleGradients() {
        super.pushRuleGradients();
        params.accumulate(lambdaEntry, Shards.sum(dLambda), 1);
    }

    /** Eqs. 4 and 5 for one pre-synaptic neuron's connections: Hebb from the old E, then E. */
    @Override
    void updateRow(int t, int b, float pre, float[] hebbNow, float[] next, int row, int arow, float[] act, int g) {
        float[] el = e.at(t);
        float[] elNext = e.at(t + 1);
        FloatVector vm = Simd.all(m[t][b]);
        FloatVector lamPre = Simd.all(lambda[0] * pre);
        FloatVector keep = Simd.all(1 - lambda[0]);
        for (int j = 0; j < np; j += L) {
            FloatVector eij = load(el, row + j);
            clip(load(hebbNow, row + j).add(vm.mul(load(u, arow + j)).mul(eij))).intoArray(next, row + j);
            keep.mul(eij).add(lamPre.mul(load(act, g + j))).intoArray(elNext, row + j);
        }
    }

    /**
     * Step s's plastic input, then step s-1's eqs. 4-5 backward. Two loops over the row, each its own method: one
     * loop exceeds C2's inlining node budget and then boxes vectors (see {@link SoftmaxOutput}); the row is in L1,
     * so the second loop costs no memory traffic.
     */
    @Override
    void backwardRow(int p, int s, int b, float hs, float pre, float[] hebbNow, int row, int arow, float[] dPre,
                     float[] act, int ga, float[] dg) {
        float[] acc = this.acc[p];
        eligibilityBackward(acc, b, pre, e.at(s - 1), row, act, ga, dg);
        hebbBackward(p, acc, s, b, hs, hebbNow, row, arow, dPre, ga);
        rowOut[p][0] = Simd.drain(acc, 0);
        rowOut[p][1] = Simd.drain(acc, 1);
        dm[p][b] += Simd.drain(acc, 2);
        dLambda[p][0] += Simd.drain(acc, 3);
    }

    /** E(s) = (1 - lambda) E(s-1) + lambda pre post: dL/dlambda (acc 3), dL/dpre (acc 1) and dL/dpost from dL/dE(s). */
    private void eligibilityBackward(float[] acc, int b, float pre, float[] el, int row, float[] act, int ga, float[] dg) {
        FloatVector vpre = Simd.all(pre);
        FloatVector lam = Simd.all(lambda[0]);
        for (int j = 0; j < np; j += L) {
            FloatVector post = load(act, ga + j);
            FloatVector dNext = load(dE, row + j); // dL/dE(s)
            Simd.fmaInto(acc, 3, dNext, vpre.mul(post).sub(load(el, row + j)));
            FloatVector dOuter = dNext.mul(lam);
            Simd.fmaInto(acc, 1, dOuter, post);
            Simd.addInto(dg, b * np + j, dOuter.mul(vpre));
        }
    }

    /**
     * The plastic input of step s, and Hebb(s) = Clip(Hebb(s-1) + M u E(s-1)): dL/du, dL/dM (acc 2), dL/dHebb(s-1)
     * and dL/dE(s-1) = (1 - lambda) dL/dE(s) + dL/dHebb(s) M u.
     */
    private void hebbBackward(int p, float[] acc, int s, int b, float hs, float[] hebbNow, int row, int arow,
                              float[] dPre, int ga) {
        float[] el = e.at(s - 1);
        float[] dU = this.dU[p];
        FloatVector vhs = Simd.all(hs);
        FloatVector vm = Simd.all(m[s - 1][b]);
        FloatVector keep = Simd.all(1 - lambda[0]);
        for (int j = 0; j < np; j += L) {
            FloatVector d = backwardInputLanes(p, dPre, ga, hebbNow, row, arow, j, vhs); // dL/dHebb(s) after the clip
            FloatVector uij = load(u, arow + j);
            FloatVector eij = load(el, row + j);
            Simd.addInto(dU, arow + j, d.mul(vm).mul(eij));
            Simd.fmaInto(acc, 2, d.mul(uij), eij);
            keep.mul(load(dE, row + j)).add(d.mul(vm).mul(uij)).intoArray(dE, row + j);
            d.intoArray(dHebb, row + j);
        }
    }
}
