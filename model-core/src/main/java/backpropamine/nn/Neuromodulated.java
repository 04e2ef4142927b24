package backpropamine.nn;

import backpropamine.model.ParameterLayout.Entry;
import java.util.Arrays;

/**
 * SIMPLE: Hebb(t+1) = Clip(Hebb(t) + M(t) * u_ij * x_i(t-1) * x_j(t))   (eq. 3 with per-connection fan-out u),
 * M(t) from the layer's {@link Modulator}.
 */
final class Neuromodulated extends HebbianTrace {
    private final Modulator modulator;
    private final Entry uEntry;
    private final float[] u;
    private final float[] dU;
    private float[][] m = new float[0][];
    private float[] dm;

    Neuromodulated(Parameters params, Entry alpha, Entry u, Modulator modulator, double clip) {
        super(params, alpha, clip);
        this.modulator = modulator;
        this.uEntry = u;
        this.u = new float[n * n];
        this.dU = new float[n * n];
    }

    @Override
    void beginRule(int batch, int steps, boolean train) {
        params.read(uEntry, u);
        Arrays.fill(dU, 0);
        modulator.pull();
        if (m.length < steps || m[0].length != batch) {
            m = new float[Math.max(steps, m.length)][batch];
            dm = new float[batch];
        }
    }

    @Override
    void pushRuleGradients() {
        params.accumulate(uEntry, dU);
        modulator.push();
    }

    @Override
    void update(int t, float[] hPrev, float[] act, int gOff, int stride) {
        modulator.forward(hPrev, batch, m[t]);
        float[] h = hebb.at(t);
        float[] next = hebb.at(t + 1);
        for (int b = 0; b < batch; b++) {
            int g = b * stride + gOff;
            float mb = m[t][b];
            for (int i = 0; i < n; i++) {
                float pre = mb * hPrev[b * n + i];
                int row = b * n * n + i * n;
                for (int j = 0; j < n; j++) {
                    next[row + j] = clip(h[row + j] + pre * u[i * n + j] * act[g + j]);
                }
            }
        }
    }

    @Override
    void backwardUpdate(int t, float[] hPrev, float[] act, int gOff, int stride, float[] dAct, float[] dhPrev) {
        float[] next = hebb.at(t + 1);
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
                    float post = act[g + j];
                    float uij = u[i * n + j];
                    dU[i * n + j] += d * mb * pre * post;
                    dmb += d * uij * pre * post;
                    float dOuter = d * mb * uij;
                    dpre += dOuter * post;
                    dAct[g + j] += dOuter * pre;
                    dHebb[row + j] = d;
                }
                dhPrev[b * n + i] += dpre;
            }
            dm[b] = dmb;
        }
        modulator.backward(hPrev, m[t], dm, batch, dhPrev);
    }
}
