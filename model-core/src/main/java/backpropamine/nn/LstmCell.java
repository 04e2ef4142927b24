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

    /**
     * @param plastic the plastic recurrent input h(t-1) . (alpha * Hebb) to a_g, [B][Np], or null
     *
     * <p>One small loop per gate: five exponentials in one loop exceed C2's inlining node budget, and the
     * Vector API values then handed to calls that were not inlined are boxed (see {@link SoftmaxOutput}).
     */
    static void forward(float[] pre, float[] bias, float[] plastic, float[] cPrev, float[] act, float[] c, float[] tc,
                        float[] h, int batch, int np) {
        for (int b = 0; b < batch; b++) {
            int r = b * 4 * np;
            sigmoidGate(pre, bias, act, r + I * np, I * np, np);
            sigmoidGate(pre, bias, act, r + F * np, F * np, np);
            sigmoidGate(pre, bias, act, r + O * np, O * np, np);
            cellInput(pre, bias, plastic, act, r + G * np, b * np, np);
            cellState(act, cPrev, c, tc, h, r, b * np, np);
        }
    }

    /** act = sigmoid(pre + bias) over one gate's row. */
    private static void sigmoidGate(float[] pre, float[] bias, float[] act, int r, int br, int np) {
        for (int j = 0; j < np; j += L) {
            Simd.sigmoid(load(pre, r + j).add(load(bias, br + j))).intoArray(act, r + j);
        }
    }

    /** g = tanh(a_g + b_g + plastic input). */
    private static void cellInput(float[] pre, float[] bias, float[] plastic, float[] act, int r, int k, int np) {
        for (int j = 0; j < np; j += L) {
            FloatVector ag = load(pre, r + j).add(load(bias, G * np + j));
            if (plastic != null) {
                ag = ag.add(load(plastic, k + j));
            }
            Simd.tanh(ag).intoArray(act, r + j);
        }
    }

    /** c = f * c(t-1) + i * g ;  h = o * tanh(c). */
    private static void cellState(float[] act, float[] cPrev, float[] c, float[] tc, float[] h, int r, int k, int np) {
        for (int j = 0; j < np; j += L) {
            FloatVector cn = load(act, r + F * np + j).mul(load(cPrev, k + j))
                    .add(load(act, r + I * np + j).mul(load(act, r + G * np + j)));
            FloatVector t = Simd.tanh(cn);
            cn.intoArray(c, k + j);
            t.intoArray(tc, k + j);
            load(act, r + O * np + j).mul(t).intoArray(h, k + j);
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
