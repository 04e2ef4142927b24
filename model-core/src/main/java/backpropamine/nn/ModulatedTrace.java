package backpropamine.nn;

import backpropamine.model.ParameterLayout.Entry;

/**
 * The part SIMPLE (eq. 3) and RETRO (eq. 4) share: the trace update is gated per batch element by the layer's
 * neuromodulator M(t) ({@link Modulator}) and per connection by the fan-out u. (The large model fans M out per
 * neuron instead: {@link NeuronModulated}.) This class owns u, M(t) of every
 * step of the segment, dL/du and dL/dM; the rules add their own state by overriding and calling up.
 */
abstract class ModulatedTrace extends HebbianTrace {
    private final Modulator modulator;
    private final Entry uEntry;
    final float[] u;
    /** dL/du, one part per shard. */
    final float[][] dU;
    /** M(t) per step and batch element. */
    float[][] m = new float[0][];
    /** dL/dM(s) per batch element, written by the shard that holds the element. */
    float[][] dm;

    ModulatedTrace(Parameters params, Entry alpha, Entry u, Modulator modulator, double clip, Shards shards) {
        super(params, alpha, clip, shards);
        this.modulator = modulator;
        this.uEntry = u;
        this.u = new float[n * np];
        this.dU = Shards.parts(n * np);
    }

    @Override
    void beginRule(int steps, boolean train) {
        params.read(uEntry, u, np);
        Shards.clear(dU);
        modulator.pull();
        if (m.length < steps || m[0].length != batch) {
            m = new float[Math.max(steps, m.length)][batch];
            dm = Shards.parts(batch);
        }
    }

    @Override
    void pushRuleGradients() {
        params.accumulate(uEntry, Shards.sum(dU), np);
        modulator.push();
    }

    @Override
    final void beforeUpdate(int t, float[] hPrev) {
        modulator.forward(hPrev, batch, m[t]);
    }

    @Override
    final void beforeBackward(int s) {
        Shards.clear(dm);
    }

    @Override
    final void afterBackward(int s, float[][] h, float[][] dhAcc) {
        if (s > 0) {
            modulator.backward(h[s - 1], m[s - 1], Shards.sum(dm), batch, dhAcc[s - 1]);
        }
    }
}
