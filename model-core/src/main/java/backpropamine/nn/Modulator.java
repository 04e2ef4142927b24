package backpropamine.nn;

import backpropamine.model.ParameterLayout.Entry;

/**
 * The layer's neuromodulatory neuron (appendix A.1): M(t) = tanh(v . h(t-1) + b_m), one value per batch element,
 * read from the layer's previous hidden state.
 */
final class Modulator {
    private final Parameters params;
    private final Entry vEntry;
    private final Entry bEntry;
    private final int n;
    private final float[] v;
    private final float[] bm = new float[1];
    private final float[] dv;
    private final float[] dbm = new float[1];

    Modulator(Parameters params, Entry v, Entry b) {
        this.params = params;
        this.vEntry = v;
        this.bEntry = b;
        this.n = v.cols();
        this.v = new float[n];
        this.dv = new float[n];
    }

    void pull() {
        params.read(vEntry, v);
        params.read(bEntry, bm);
        java.util.Arrays.fill(dv, 0);
        dbm[0] = 0;
    }

    void push() {
        params.accumulate(vEntry, dv);
        params.accumulate(bEntry, dbm);
    }

    /** m[b] = tanh(v . hPrev[b] + b_m). */
    void forward(float[] hPrev, int batch, float[] m) {
        for (int b = 0; b < batch; b++) {
            double z = bm[0];
            for (int i = 0; i < n; i++) {
                z += v[i] * hPrev[b * n + i];
            }
            m[b] = Tensors.tanh((float) z);
        }
    }

    /** Given dL/dm[b], accumulates dv, db_m and adds v * dz into dhPrev. */
    void backward(float[] hPrev, float[] m, float[] dm, int batch, float[] dhPrev) {
        for (int b = 0; b < batch; b++) {
            float dz = dm[b] * (1 - m[b] * m[b]);
            dbm[0] += dz;
            for (int i = 0; i < n; i++) {
                dv[i] += dz * hPrev[b * n + i];
                dhPrev[b * n + i] += dz * v[i];
            }
        }
    }
}
