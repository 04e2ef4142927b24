package backpropamine.nn;

import backpropamine.model.ParameterLayout.Entry;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

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
final class Retroactive extends HebbianTrace {
    private final Modulator modulator;
    private final Entry uEntry;
    private final Entry lambdaEntry;
    private final float[] u;
    private final float[] dU;
    private final float[] lambda = new float[1];
    private final float[] dLambda = new float[1];
    private final Map<Integer, TraceHistory> eligibilityByBatch = new HashMap<>();
    private final Map<Integer, float[]> dEByBatch = new HashMap<>();
    private TraceHistory e;
    private float[] dE;
    private float[][] m = new float[0][];
    private float[] dm;

    Retroactive(Parameters params, Entry alpha, Entry u, Entry lambda, Modulator modulator, double clip) {
        super(params, alpha, clip);
        this.modulator = modulator;
        this.uEntry = u;
        this.lambdaEntry = lambda;
        this.u = new float[n * n];
        this.dU = new float[n * n];
    }

    @Override
    void beginRule(int batch, int steps, boolean train) {
        params.read(uEntry, u);
        params.read(lambdaEntry, lambda);
        Arrays.fill(dU, 0);
        dLambda[0] = 0;
        modulator.pull();
        e = eligibilityByBatch.computeIfAbsent(batch, b -> new TraceHistory(b * n * n));
        e.begin(steps, train);
        if (train) {
            dE = dEByBatch.computeIfAbsent(batch, b -> new float[b * n * n]);
            Arrays.fill(dE, 0);
        }
        if (m.length < steps || m[0].length != batch) {
            m = new float[Math.max(steps, m.length)][batch];
            dm = new float[batch];
        }
    }

    @Override
    void endRule(int steps) {
        e.end(steps);
    }

    @Override
    void resetRule() {
        eligibilityByBatch.values().forEach(TraceHistory::reset);
    }

    @Override
    void pushRuleGradients() {
        params.accumulate(uEntry, dU);
        params.accumulate(lambdaEntry, dLambda);
        modulator.push();
    }

    @Override
    void update(int t, float[] hPrev, float[] act, int gOff, int stride) {
        modulator.forward(hPrev, batch, m[t]);
        float lam = lambda[0];
        float[] h = hebb.at(t);
        float[] next = hebb.at(t + 1);
        float[] el = e.at(t);
        float[] elNext = e.at(t + 1);
        for (int b = 0; b < batch; b++) {
            int g = b * stride + gOff;
            float mb = m[t][b];
            for (int i = 0; i < n; i++) {
                float pre = hPrev[b * n + i];
                int row = b * n * n + i * n;
                for (int j = 0; j < n; j++) {
                    float eij = el[row + j];
                    next[row + j] = clip(h[row + j] + mb * u[i * n + j] * eij);
                    elNext[row + j] = (1 - lam) * eij + lam * pre * act[g + j];
                }
            }
        }
    }

    @Override
    void backwardUpdate(int t, float[] hPrev, float[] act, int gOff, int stride, float[] dAct, float[] dhPrev) {
        float lam = lambda[0];
        float[] next = hebb.at(t + 1);
        float[] el = e.at(t);
        double dLam = 0;
        for (int b = 0; b < batch; b++) {
            int g = b * stride + gOff;
            float mb = m[t][b];
            float dmb = 0;
            for (int i = 0; i < n; i++) {
                float pre = hPrev[b * n + i];
                int row = b * n * n + i * n;
                float dpre = 0;
                for (int j = 0; j < n; j++) {
                    float d = passed(next[row + j], dHebb[row + j]);
                    float eij = el[row + j];
                    float uij = u[i * n + j];
                    float post = act[g + j];
                    float dNext = dE[row + j]; // dL/dE(t+1)
                    dU[i * n + j] += d * mb * eij;
                    dmb += d * uij * eij;
                    dLam += dNext * (pre * post - eij);
                    float dOuter = dNext * lam;
                    dpre += dOuter * post;
                    dAct[g + j] += dOuter * pre;
                    dE[row + j] = (1 - lam) * dNext + d * mb * uij;
                    dHebb[row + j] = d;
                }
                dhPrev[b * n + i] += dpre;
            }
            dm[b] = dmb;
        }
        dLambda[0] += (float) dLam;
        modulator.backward(hPrev, m[t], dm, batch, dhPrev);
    }
}
