package backpropamine.nn;

import static backpropamine.nn.Simd.L;
import static backpropamine.nn.Simd.ONE;
import static backpropamine.nn.Simd.load;

import jdk.incubator.vector.FloatVector;

/**
 * The LSTM cell equations of one step over a batch (appendix A.1), and their backward:
 *
 * <pre>
 *   i = sigmoid(a_i)   f = sigmoid(a_f)   o = sigmoid(a_o)   g = tanh(a_g + plastic input)
 *   c = f * c(t-1) + i * g ;  h = o * tanh(c)
 * </pre>
 *
 * Pre-activations {@code pre} are [B][4][Np] (gates i, f, o, g; Np the padded width), the bias [4][Np].
 */
final class LstmCell {
    static final int I = 0;
    static final int F = 1;
    static final int O = 2;
    static final int G = 3;

    private LstmCell() {
    }

    /** @param plastic the plastic recurrent input h(t-1) . (alpha * Hebb) to a_g, [B][Np], or null */
    static void forward(float[] pre, float[] bias, float[] plastic, float[] cPrev, float[] act, float[] c, float[] tc,
                        float[] h, int batch, int np) {
        for (int b = 0; b < batch; b++) {
            int r = b * 4 * np;
            for (int j = 0; j < np; j += L) {
                int k = b * np + j;
                FloatVector ig = Simd.sigmoid(load(pre, r + I * np + j).add(load(bias, I * np + j)));
                FloatVector fg = Simd.sigmoid(load(pre, r + F * np + j).add(load(bias, F * np + j)));
                FloatVector og = Simd.sigmoid(load(pre, r + O * np + j).add(load(bias, O * np + j)));
                FloatVector ag = load(pre, r + G * np + j).add(load(bias, G * np + j));
                if (plastic != null) {
                    ag = ag.add(load(plastic, k));
                }
                FloatVector gg = Simd.tanh(ag);
                ig.intoArray(act, r + I * np + j);
                fg.intoArray(act, r + F * np + j);
                og.intoArray(act, r + O * np + j);
                gg.intoArray(act, r + G * np + j);
                FloatVector cn = fg.mul(load(cPrev, k)).add(ig.mul(gg));
                FloatVector t = Simd.tanh(cn);
                cn.intoArray(c, k);
                t.intoArray(tc, k);
                og.mul(t).intoArray(h, k);
            }
        }
    }

    /**
     * @param dh     dL/dh(t), [B][Np]
     * @param dc     in: dL/dc(t) from step t+1; out: dL/dc(t-1)
     * @param dgHebb dL/dg(t) through the Hebbian update (g is its post-synaptic activity), or null
     * @param dPre   out: dL/da for the four gates, [B][4][Np]
     */
    static void backward(float[] act, float[] cPrev, float[] tc, float[] dh, float[] dc, float[] dgHebb, float[] dPre,
                         int batch, int np) {
        for (int b = 0; b < batch; b++) {
            int r = b * 4 * np;
            for (int j = 0; j < np; j += L) {
                int k = b * np + j;
                FloatVector ig = load(act, r + I * np + j);
                FloatVector fg = load(act, r + F * np + j);
                FloatVector og = load(act, r + O * np + j);
                FloatVector gg = load(act, r + G * np + j);
                FloatVector t = load(tc, k);
                FloatVector dhv = load(dh, k);
                FloatVector dcv = load(dc, k).add(dhv.mul(og).mul(ONE.sub(t.mul(t))));
                FloatVector dg = dcv.mul(ig);
                if (dgHebb != null) {
                    dg = dg.add(load(dgHebb, k));
                }
                dcv.mul(gg).mul(ig).mul(ONE.sub(ig)).intoArray(dPre, r + I * np + j);
                dcv.mul(load(cPrev, k)).mul(fg).mul(ONE.sub(fg)).intoArray(dPre, r + F * np + j);
                dhv.mul(t).mul(og).mul(ONE.sub(og)).intoArray(dPre, r + O * np + j);
                dg.mul(ONE.sub(gg.mul(gg))).intoArray(dPre, r + G * np + j);
                dcv.mul(fg).intoArray(dc, k);
            }
        }
    }
}
