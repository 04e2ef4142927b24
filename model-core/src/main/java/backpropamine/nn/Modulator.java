package backpropamine.nn;

import static backpropamine.nn.Simd.L;
import static backpropamine.nn.Simd.load;

import backpropamine.model.ParameterLayout.Entry;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * The layer's neuromodulatory neuron (appendix A.1): M(t) = tanh(v . h(t-1) + b_m), one value per batch element,
 * read from the layer's previous hidden state.
 */
final class Modulator {
    private final Parameters params;
    private final Entry vEntry;
    private final Entry bEntry;
    private final int np;
    private final float[] v;
    private final float[] bm = new float[1];
    private final float[] dv;
    private final float[] dbm = new float[1];
    private final float[] acc = new float[L];

    Modulator(Parameters params, Entry v, Entry b) {
        this.params = params;
        this.vEntry = v;
        this.bEntry = b;
        this.np = Simd.padded(v.cols());
        this.v = new float[np];
        this.dv = new float[np];
    }

    void pull() {
        params.read(vEntry, v, np);
        params.read(bEntry, bm, 1);
        Arrays.fill(dv, 0);
        dbm[0] = 0;
    }

    void push() {
        params.accumulate(vEntry, dv, np);
        params.accumulate(bEntry, dbm, 1);
    }

    /** m[b] = tanh(v . hPrev[b] + b_m). */
    void forward(float[] hPrev, int batch, float[] m) {
        for (int b = 0; b < batch; b++) {
                for (int i = 0; i < np; i += L) {
                Simd.fmaInto(acc, 0, load(v, i), load(hPrev, b * np + i));
            }
            m[b] = Tensors.tanh(Simd.drain(acc, 0) + bm[0]);
        }
    }

    /** Given dL/dm[b], accumulates dv and db_m and adds v * dz into dhPrev. */
    void backward(float[] hPrev, float[] m, float[] dm, int batch, float[] dhPrev) {
        for (int b = 0; b < batch; b++) {
            float dz = dm[b] * (1 - m[b] * m[b]);
            dbm[0] += dz;
            FloatVector vdz = Simd.all(dz);
            for (int i = 0; i < np; i += L) {
                Simd.addInto(dv, i, vdz.mul(load(hPrev, b * np + i)));
                Simd.addInto(dhPrev, b * np + i, vdz.mul(load(v, i)));
            }
        }
    }
}
