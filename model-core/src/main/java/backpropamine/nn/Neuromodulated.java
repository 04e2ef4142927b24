package backpropamine.nn;

import static backpropamine.nn.Simd.L;
import static backpropamine.nn.Simd.load;

import backpropamine.model.ParameterLayout.Entry;
import jdk.incubator.vector.FloatVector;

/**
 * SIMPLE: Hebb(t+1) = Clip(Hebb(t) + M(t) * u_ij * x_i(t-1) * x_j(t))   (eq. 3 with per-connection fan-out u),
 * M(t) from the layer's {@link Modulator}.
 */
final class Neuromodulated extends ModulatedTrace {
    Neuromodulated(Parameters params, Entry alpha, Entry u, Modulator modulator, double clip, Shards shards) {
        super(params, alpha, u, modulator, clip, shards);
    }

    /** next = Clip(hebb + M * pre * u * post). */
    @Override
    void updateRow(int t, int b, float pre, float[] hebbNow, float[] next, int row, int arow, float[] act, int g) {
        FloatVector vmPre = Simd.all(m[t][b] * pre);
        for (int j = 0; j < np; j += L) {
            FloatVector post = load(act, g + j);
            clip(load(hebbNow, row + j).add(load(u, arow + j).mul(vmPre).mul(post))).intoArray(next, row + j);
        }
    }

    @Override
    void backwardRow(int p, int s, int b, float hs, float pre, float[] hebbNow, int row, int arow, float[] dPre,
                     float[] act, int ga, float[] dg) {
        float[] acc = this.acc[p];
        float[] dU = this.dU[p];
        FloatVector vhs = Simd.all(hs);
        FloatVector vpre = Simd.all(pre);
        FloatVector vm = Simd.all(m[s - 1][b]);
        for (int j = 0; j < np; j += L) {
            FloatVector d = backwardInputLanes(p, dPre, ga, hebbNow, row, arow, j, vhs); // plastic input of step s
            // update of step s-1: Hebb(s) = Clip(Hebb(s-1) + M * u * pre * post)
            FloatVector post = load(act, ga + j);
            FloatVector du = d.mul(load(u, arow + j)); // dL/d(M * pre * post) per connection
            FloatVector prePost = vpre.mul(post);
            Simd.addInto(dU, arow + j, d.mul(vm).mul(prePost));
            Simd.fmaInto(acc, 2, du, prePost);
            FloatVector dOuter = du.mul(vm);
            Simd.fmaInto(acc, 1, dOuter, post);
            Simd.addInto(dg, b * np + j, dOuter.mul(vpre));
            d.intoArray(dHebb, row + j);
        }
        rowOut[p][0] = Simd.drain(acc, 0);
        rowOut[p][1] = Simd.drain(acc, 1);
        dm[p][b] += Simd.drain(acc, 2);
    }
}
