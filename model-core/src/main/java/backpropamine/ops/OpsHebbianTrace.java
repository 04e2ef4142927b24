package backpropamine.ops;

import backpropamine.model.ParameterLayout.Entry;
import backpropamine.model.Variant;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The plastic recurrent path into g of one layer, as whole-batch tensor ops ([B, N, N] traces, batched products);
 * the same equations as {@code backpropamine.nn.HebbianTrace} and its subclasses:
 *
 * <pre>
 *   plastic input  h(t-1) . (alpha * Hebb(t))                 added to a_g
 *   PLASTIC        Hebb(t+1) = Clip(Hebb(t) + eta * outer(h(t-1), g(t)))             (eq. 2)
 *   SIMPLE         Hebb(t+1) = Clip(Hebb(t) + M(t) u * outer(h(t-1), g(t)))          (eq. 3)
 *   RETRO          Hebb(t+1) = Clip(Hebb(t) + M(t) u * E(t))                         (eq. 4)
 *                  E(t+1)    = (1 - lambda) E(t) + lambda outer(h(t-1), g(t))        (eq. 5)
 *   M(t) = tanh(v . h(t-1) + b_m)
 * </pre>
 *
 * The large model's layers (appendix A.3) have alpha per post-synaptic neuron ([1, N], broadcast over the rows)
 * and SIMPLE's fan-out per neuron with a bias: {@code eta_j(t) = u_j M(t) + b_j}, the increment
 * {@code eta_j * outer(h(t-1), g(t))} (as {@code backpropamine.nn.NeuronModulated}).
 *
 * Indexing {@code [b, i, j]}: i pre-synaptic, j post-synaptic. Traces are kept per batch size and carried across
 * segments; every step's traces are kept while training, for the backward pass.
 */
final class OpsHebbianTrace {
    private final Variant variant;
    private final double clip;
    private final INDArray alpha;
    private final INDArray dAlpha;
    private final INDArray rate;     // eta (PLASTIC) or the fan-out u (SIMPLE, RETRO)
    private final INDArray dRate;
    private final INDArray v;        // modulator weights [1, N]
    private final INDArray dv;
    private final INDArray dbm;
    private final INDArray dLambda;
    private final INDArray fanBias;  // per-neuron fan-out: b_j, [1, N]; null per connection
    private final INDArray dFanBias;
    private final boolean perNeuron;
    private final OpsParameters params;
    private final Entry modulatorB;
    private final Entry lambdaEntry;
    private final Map<Integer, INDArray[]> carried = new HashMap<>(); // {Hebb, E} per batch size

    private int batch;
    private int n;
    private double bm;
    private double lambda;
    private INDArray[] hebb;   // Hebb(0..T)
    private INDArray[] elig;   // E(0..T), RETRO
    private INDArray[] m;      // M(t) as [B, 1, 1]
    private INDArray[] eta;    // per-neuron fan-out: eta(t) as [B, 1, N]
    private INDArray dHebb;    // dL/dHebb(s+1) while going backward
    private INDArray dE;       // dL/dE(s+1)

    /**
     * @param alpha   [N, N], or [1, N] per post-synaptic neuron (then {@code rate} is the fan-out u, [1, N], and
     *                {@code fanBias} its bias b)
     * @param rate    eta (PLASTIC) or the fan-out u (SIMPLE, RETRO)
     * @param fanBias the per-neuron fan-out's bias, or null
     */
    OpsHebbianTrace(Variant variant, OpsParameters params, Entry alpha, Entry rate, Entry fanBias, Entry modulatorV,
                    Entry modulatorB, Entry lambda, double clip) {
        this.variant = variant;
        this.params = params;
        this.modulatorB = modulatorB;
        this.lambdaEntry = lambda;
        this.clip = clip;
        this.perNeuron = alpha.rows() == 1 && alpha.cols() > 1;
        if (perNeuron && (variant != Variant.SIMPLE || fanBias == null)) {
            throw new IllegalArgumentException("per-neuron alpha comes with SIMPLE's per-neuron fan-out and its bias");
        }
        this.alpha = perNeuron ? params.value(alpha).reshape(1, 1, alpha.cols()) : params.value(alpha);
        this.dAlpha = params.gradient(alpha);
        this.rate = params.value(rate);
        this.dRate = params.gradient(rate);
        this.fanBias = params.valueOrNull(fanBias);
        this.dFanBias = params.gradientOrNull(fanBias);
        this.v = variant.modulated() ? params.value(modulatorV) : null;
        this.dv = variant.modulated() ? params.gradient(modulatorV) : null;
        this.dbm = variant.modulated() ? params.gradient(modulatorB) : null;
        this.dLambda = variant == Variant.RETRO ? params.gradient(lambda) : null;
    }

    void begin(int batch, int steps) {
        releaseHistory();
        this.batch = batch;
        this.n = (int) alpha.size(-1);
        INDArray[] state = carried.computeIfAbsent(batch, b -> new INDArray[] {zeros(), zeros()});
        hebb = new INDArray[steps + 1];
        elig = new INDArray[steps + 1];
        m = new INDArray[steps];
        eta = new INDArray[steps];
        hebb[0] = state[0];
        elig[0] = state[1];
        bm = variant.modulated() ? params.scalar(modulatorB) : 0;
        lambda = variant == Variant.RETRO ? params.scalar(lambdaEntry) : 0;
    }

    /**
     * Frees the previous segment's traces (all but the carried ones) now rather than when the garbage collector
     * gets to them: B x N x N per step adds up to gigabytes of device memory, which Java's heap does not see.
     */
    private void releaseHistory() {
        if (hebb == null) {
            return;
        }
        Set<INDArray> keep = Collections.newSetFromMap(new IdentityHashMap<>());
        carried.values().forEach(s -> keep.addAll(Arrays.asList(s)));
        Set<INDArray> done = Collections.newSetFromMap(new IdentityHashMap<>());
        for (INDArray[] history : new INDArray[][] {hebb, elig}) {
            for (INDArray a : history) {
                if (a != null && !keep.contains(a) && done.add(a)) {
                    a.close();
                }
            }
        }
        closeAll(dHebb, dE);
        dHebb = null;
        dE = null;
    }

    void end(int steps) {
        carried.put(batch, new INDArray[] {hebb[steps], elig[steps]});
    }

    /** The carried {Hebb, E (RETRO) or null} of a batch size, dense [B][N][N] (zeros if none). */
    double[][] carried(int batch) {
        INDArray[] s = carried.get(batch);
        int n = (int) alpha.size(-1);
        double[] hebbNow = s == null ? new double[batch * n * n] : Nd4j.toFlattened('c', s[0]).toDoubleVector();
        double[] eNow = variant != Variant.RETRO ? null
                : s == null ? new double[batch * n * n] : Nd4j.toFlattened('c', s[1]).toDoubleVector();
        return new double[][] {hebbNow, eNow};
    }

    /** Zeroes (drops) the carried traces of one batch size. */
    void reset(int batch) {
        releaseHistory();
        hebb = null;
        INDArray[] dropped = carried.remove(batch);
        if (dropped != null) {
            closeAll(dropped);
        }
    }

    /** h(t-1) . (alpha * Hebb(t)), [B, N]. */
    INDArray input(int t, INDArray hPrev) {
        try (INDArray w = hebb[t].mul(alpha)) {
            return Nd4j.matmul(hPrev.reshape(batch, 1, n), w).reshape(batch, n);
        }
    }

    /** Hebb(t+1) (and E(t+1)) from pre-synaptic h(t-1) and post-synaptic g(t). */
    void update(int t, INDArray hPrev, INDArray g) {
        INDArray outer = outer(hPrev, g);
        INDArray next = switch (variant) { // the increment, in a fresh array that becomes Hebb(t+1)
            case PLASTIC -> outer.mul(rate);
            case SIMPLE -> perNeuron ? outer.mul(fanOut(t, hPrev)) : outer.mul(rate).muli(modulate(t, hPrev));
            case RETRO -> elig[t].mul(rate).muli(modulate(t, hPrev));
            case LSTM -> throw new IllegalStateException("LSTM has no trace");
        };
        hebb[t + 1] = Transforms.min(Transforms.max(next.addi(hebb[t]), -clip, false), clip, false);
        if (variant == Variant.RETRO) {
            // (1 - lambda) E + lambda outer, in place in outer
            try (INDArray kept = elig[t].mul(1 - lambda)) {
                elig[t + 1] = outer.muli(lambda).addi(kept);
            }
        } else {
            elig[t + 1] = elig[t];
            outer.close();
        }
    }

    /** M(t) = tanh(v . h(t-1) + b_m), kept as [B, 1, 1] to scale each element's N x N matrix. */
    private INDArray modulate(int t, INDArray hPrev) {
        m[t] = Transforms.tanh(hPrev.mmul(v.transpose()).addi(bm), false).reshape(batch, 1, 1);
        return m[t];
    }

    /** eta_j(t) = u_j M(t) + b_j per batch element, [B, 1, N]: the per-neuron fan-out of M(t). */
    private INDArray fanOut(int t, INDArray hPrev) {
        INDArray mt = modulate(t, hPrev).reshape(batch, 1);
        eta[t] = Nd4j.gemm(mt, rate, false, false).addiRowVector(fanBias).reshape(batch, 1, n);
        return eta[t];
    }

    void beginBackward() {
        closeAll(dHebb, dE);
        dHebb = zeros(); // nothing flows back from the next segment
        dE = variant == Variant.RETRO ? zeros() : null;
    }

    /**
     * Backward of the update of step s, given dL/dHebb(s+1) (and dL/dE(s+1)): accumulates the rule's parameter
     * gradients, adds dL/dh(s-1 as pre-synaptic) into {@code dhPrev} and returns dL/dg(s) through the trace.
     * Leaves dL/dHebb(s) (partial: {@link #inputBackward} adds the plastic input's share) for the next call.
     */
    INDArray updateBackward(int s, INDArray hPrev, INDArray g, INDArray dhPrev) {
        // the clip passes the gradient only where Hebb(s+1) lies strictly inside (-c, c)
        INDArray d = dHebb;
        try (INDArray abs = Transforms.abs(hebb[s + 1], true); INDArray inside = abs.lt(clip);
             INDArray mask = inside.castTo(d.dataType())) {
            d.muli(mask);
        }
        INDArray outer = outer(hPrev, g);
        INDArray dOuter;
        INDArray dm = null;
        switch (variant) {
            case PLASTIC -> {
                addSum(dRate, d.mul(outer));
                dOuter = d.mul(rate);
            }
            case SIMPLE -> {
                if (perNeuron) {
                    // dL/deta_j per batch element, then u, b and M from eta = u M + b
                    INDArray dEta = outer.muli(d).sum(1); // [B, N]
                    INDArray ms = m[s].reshape(batch, 1);
                    dRate.addi(dEta.mulColumnVector(ms).sum(true, 0));
                    dFanBias.addi(dEta.sum(true, 0));
                    dm = dEta.mmul(rate.transpose()).reshape(batch);
                    dEta.close();
                    dOuter = d.mul(eta[s]);
                } else {
                    dOuter = d.mul(rate);
                    dm = sum12(dOuter.mul(outer));
                    addSum(dRate, outer.muli(d).muli(m[s]));
                    dOuter.muli(m[s]);
                }
            }
            case RETRO -> {
                INDArray du = d.mul(rate);
                dm = sum12(du.mul(elig[s]));
                dOuter = du.muli(m[s]); // dL/dE(s) through eq. 4, until it becomes dL/d(outer)
                addSum(dRate, d.mul(elig[s]).muli(m[s]));
                try (INDArray x = dE.mul(outer.subi(elig[s]))) {
                    dLambda.addi(x.reshape(1, x.length()).sum(true, 1)); // on the device: no sync per step
                }
                INDArray dEPrev = dE.mul(1 - lambda).addi(dOuter);
                dOuter.assign(dE).muli(lambda);
                dE.close();
                dE = dEPrev;
            }
            default -> throw new IllegalStateException("LSTM has no trace");
        }
        outer.close();
        dhPrev.addi(Nd4j.matmul(dOuter, g.reshape(batch, n, 1)).reshape(batch, n));
        if (dm != null) {
            // M = tanh(z), z = v . h(t-1) + b_m
            INDArray dz = dm.reshape(batch, 1).muli(m[s].reshape(batch, 1).mul(m[s].reshape(batch, 1)).rsubi(1));
            dbm.addi(dz.sum(true, 0));
            dv.addi(dz.transpose().mmul(hPrev));
            dhPrev.addi(dz.mmul(v));
        }
        INDArray dg = Nd4j.matmul(hPrev.reshape(batch, 1, n), dOuter).reshape(batch, n);
        dOuter.close();
        return dg;
    }

    /**
     * Backward of the plastic input of step s, given dL/da_g(s): dL/dalpha, dL/dHebb(s) and dL/dh(s-1) (into
     * {@code dhPrev}).
     */
    void inputBackward(int s, INDArray hPrev, INDArray dag, INDArray dhPrev) {
        INDArray outer = outer(hPrev, dag);
        if (perNeuron) { // every connection into neuron j shares alpha_j: sum over the batch and the rows
            try (INDArray x = outer.mul(hebb[s])) {
                dAlpha.addi(x.sum(0, 1).reshape(1, n));
            }
        } else {
            addSum(dAlpha, outer.mul(hebb[s]));
        }
        dHebb.addi(outer.muli(alpha));
        outer.close();
        try (INDArray w = hebb[s].mul(alpha)) {
            dhPrev.addi(Nd4j.matmul(w, dag.reshape(batch, n, 1)).reshape(batch, n));
        }
    }

    /** into += the sum over the batch of a [B, N, N] temporary, which is then freed. */
    private static void addSum(INDArray into, INDArray perElement) {
        into.addi(perElement.sum(0));
        perElement.close();
    }

    /** Per batch element: the sum over a [B, N, N] temporary, which is then freed. */
    private static INDArray sum12(INDArray perElement) {
        INDArray s = perElement.sum(1, 2);
        perElement.close();
        return s;
    }

    private static void closeAll(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null && !a.wasClosed()) {
                a.close();
            }
        }
    }

    /** outer(x, y) per batch element: [B, N, N]. */
    private INDArray outer(INDArray x, INDArray y) {
        return Nd4j.matmul(x.reshape(batch, n, 1), y.reshape(batch, 1, n));
    }

    private INDArray zeros() {
        return Nd4j.create(params.dtype, batch, n, n);
    }
}
