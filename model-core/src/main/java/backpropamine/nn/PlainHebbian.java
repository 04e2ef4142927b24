package backpropamine.nn;

import backpropamine.model.ParameterLayout.Entry;
import java.util.Arrays;

/** PLASTIC: Hebb(t+1) = Clip(Hebb(t) + eta_ij * x_i(t-1) * x_j(t))   (eq. 2), eta trainable per connection. */
final class PlainHebbian extends HebbianTrace {
    private final Entry etaEntry;
    private final float[] eta;
    private final float[] dEta;

    PlainHebbian(Parameters params, Entry alpha, Entry eta, double clip) {
        super(params, alpha, clip);
        this.etaEntry = eta;
        this.eta = new float[n * n];
        this.dEta = new float[n * n];
    }

    @Override
    void beginRule(int batch, int steps, boolean train) {
        params.read(etaEntry, eta);
        Arrays.fill(dEta, 0);
    }

    @Override
    void pushRuleGradients() {
        params.accumulate(etaEntry, dEta);
    }

    @Override
    void update(int t, float[] hPrev, float[] act, int gOff, int stride) {
        float[] h = hebb.at(t);
        float[] next = hebb.at(t + 1);
        for (int b = 0; b < batch; b++) {
            int g = b * stride + gOff;
            for (int i = 0; i < n; i++) {
                float pre = hPrev[b * n + i];
                int row = b * n * n + i * n;
                for (int j = 0; j < n; j++) {
                    next[row + j] = clip(h[row + j] + eta[i * n + j] * pre * act[g + j]);
                }
            }
        }
    }

    @Override
    void backwardUpdate(int t, float[] hPrev, float[] act, int gOff, int stride, float[] dAct, float[] dhPrev) {
        float[] next = hebb.at(t + 1);
        for (int b = 0; b < batch; b++) {
            int g = b * stride + gOff;
            for (int i = 0; i < n; i++) {
                float pre = hPrev[b * n + i];
                int row = b * n * n + i * n;
                float dpre = 0;
                for (int j = 0; j < n; j++) {
                    float d = passed(next[row + j], dHebb[row + j]);
                    float post = act[g + j];
                    dEta[i * n + j] += d * pre * post;
                    float dOuter = d * eta[i * n + j];
                    dpre += dOuter * post;
                    dAct[g + j] += dOuter * pre;
                    dHebb[row + j] = d;
                }
                dhPrev[b * n + i] += dpre;
            }
        }
    }
}
