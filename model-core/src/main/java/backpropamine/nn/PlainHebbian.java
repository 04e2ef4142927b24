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
    private final float[] dEta;

    PlainHebbian(Parameters params, Entry alpha, Entry eta, double clip) {
        super(params, alpha, clip);
        this.etaEntry = eta;
        this.eta = new float[n * np];
        this.dEta = new float[n * np];
    }

    @Override
    void beginRule(int steps, boolean train) {
        params.read(etaEntry, eta, np);
        Arrays.fill(dEta, 0);
    }

    @Override
    void pushRuleGradients() {
        params.accumulate(etaEntry, dEta, np);
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
    void backwardRow(int s, int b, float hs, float pre, float[] hebbNow, int row, int arow, float[] dPre, float[] act,
                     int ga, float[] dg) {
        FloatVector vhs = Simd.all(hs);
        FloatVector vpre = Simd.all(pre);
        for (int j = 0; j < np; j += L) {
            FloatVector d = backwardInputLanes(dPre, ga, hebbNow, row, arow, j, vhs); // plastic input of step s
            // update of step s-1: Hebb(s) = Clip(Hebb(s-1) + eta * pre * post)
            FloatVector post = load(act, ga + j);
            Simd.addInto(dEta, arow + j, d.mul(vpre).mul(post));
            FloatVector dOuter = d.mul(load(eta, arow + j));
            Simd.fmaInto(acc, 1, dOuter, post);
            Simd.addInto(dg, b * np + j, dOuter.mul(vpre));
            d.intoArray(dHebb, row + j);
        }
        rowOut[0] = Simd.drain(acc, 0);
        rowOut[1] = Simd.drain(acc, 1);
    }
}
