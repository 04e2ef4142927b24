package backpropamine.nn;

import static backpropamine.nn.Simd.L;
import static backpropamine.nn.Simd.load;

import backpropamine.model.ParameterLayout.Entry;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/** PLASTIC: Hebb(t+1) = Clip(Hebb(t) + eta_ij * x_i(t-1) * x_j(t))   (eq. 2), eta trainable per connection. */
final class PlainHebbian extends HebbianTrace {
    private final Entry etaEntry;
    private final float[] eta;
    private final float[][] dEta;

    PlainHebbian(Parameters params, Entry alpha, Entry eta, double clip, Shards shards) {
        super(params, alpha, clip, shards);
        this.etaEntry = eta;
        this.eta = new float[n * np];
        this.dEta = Shards.parts(n * np);
    }

    @Override
    void beginRule(int steps, boolean train) {
        params.read(etaEntry, eta, np);
        Shards.clear(dEta);
    }

    @Override
    void pushRuleGradients() {
        params.accumulate(etaEntry, Shards.sum(dEta), np);
    }

    /** next = Clip(hebb + eta * pre * post). */
    @Override
    void updateRow(int t, int b, float pre, float[] hebbNow, float[] next, int row, int arow, float[] act, int g) {
        FloatVector vpre = Simd.all(pre);
        for (int j = 0; j < np; j += L) {
            FloatVector post = load(act, g + j);
            clip(load(hebbNow, row + j).add(load(eta, arow + j).mul(vpre).mul(post))).intoArray(next, row + j);
        }
    }

    @Override
    void backwardRow(int p, int s, int b, float hs, float pre, float[] hebbNow, int row, int arow, float[] dPre,
                     float[] act, int ga, float[] dg) {
        FloatVector vhs = Simd.all(hs);
        FloatVector vpre = Simd.all(pre);
        float[] a = acc[p];
        float[] de = dEta[p];
        for (int j = 0; j < np; j += L) {
            FloatVector d = backwardInputLanes(p, dPre, ga, hebbNow, row, arow, j, vhs); // plastic input of step s
            // update of step s-1: Hebb(s) = Clip(Hebb(s-1) + eta * pre * post)
            FloatVector post = load(act, ga + j);
            Simd.addInto(de, arow + j, d.mul(vpre).mul(post));
            FloatVector dOuter = d.mul(load(eta, arow + j));
            Simd.fmaInto(a, 1, dOuter, post);
            Simd.addInto(dg, b * np + j, dOuter.mul(vpre));
            d.intoArray(dHebb, row + j);
        }
        rowOut[p][0] = Simd.drain(a, 0);
        rowOut[p][1] = Simd.drain(a, 1);
    }
}
