package backpropamine.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The deterministic SIMD exp, tanh and sigmoid against java.lang.Math over their whole useful range. */
class SimdTest {
    @Test
    void transcendentalsAreAccurateToAFewUlps() {
        int n = 4096 * Simd.L;
        float[] x = new float[n];
        for (int k = 0; k < n; k++) {
            x[k] = -90f + 180f * k / n;
        }
        float[] e = new float[Simd.L];
        double worstExp = 0;
        double worstTanh = 0;
        double worstSigmoid = 0;
        for (int k = 0; k < n; k += Simd.L) {
            Simd.exp(Simd.load(x, k)).intoArray(e, 0);
            for (int l = 0; l < Simd.L; l++) {
                double xv = x[k + l];
                if (xv > -86 && xv < 88) {
                    worstExp = Math.max(worstExp, Math.abs(e[l] - Math.exp(xv)) / Math.exp(xv));
                }
            }
            Simd.tanh(Simd.load(x, k)).intoArray(e, 0);
            for (int l = 0; l < Simd.L; l++) {
                worstTanh = Math.max(worstTanh, Math.abs(e[l] - Math.tanh(x[k + l])));
            }
            Simd.sigmoid(Simd.load(x, k)).intoArray(e, 0);
            for (int l = 0; l < Simd.L; l++) {
                double s = 1 / (1 + Math.exp(-x[k + l]));
                worstSigmoid = Math.max(worstSigmoid, Math.abs(e[l] - s));
            }
        }
        assertTrue(worstExp < 4e-7, "exp relative error " + worstExp);
        assertTrue(worstTanh < 3e-7, "tanh absolute error " + worstTanh);
        assertTrue(worstSigmoid < 2e-7, "sigmoid absolute error " + worstSigmoid);
        Simd.tanh(Simd.all(1000f)).intoArray(e, 0);
        assertEquals(1f, e[0]);
        Simd.tanh(Simd.all(-1000f)).intoArray(e, 0);
        assertEquals(-1f, e[0]);
    }

    @Test
    void clipMaskPassesOnlyStrictlyInside() {
        float[] h = new float[Simd.L];
        float[] g = new float[Simd.L];
        for (int l = 0; l < Simd.L; l++) {
            h[l] = l % 4 == 0 ? 1f : l % 4 == 1 ? -1f : l % 4 == 2 ? 0.999f : -0.5f;
            g[l] = l + 1;
        }
        float[] out = new float[Simd.L];
        Simd.whereInside(Simd.load(h, 0), 1f, Simd.load(g, 0)).intoArray(out, 0);
        for (int l = 0; l < Simd.L; l++) {
            assertEquals(l % 4 < 2 ? 0f : g[l], out[l], "lane " + l);
        }
    }
}
