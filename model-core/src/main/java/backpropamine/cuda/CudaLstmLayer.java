package backpropamine.cuda;

import backpropamine.model.LargeLayout;
import backpropamine.model.LayerState;
import backpropamine.model.LayeredModel;
import backpropamine.model.ModelLayout;
import backpropamine.model.ParameterLayout.Entry;
import backpropamine.model.Variant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One (plastic) LSTM layer on the device: the host side of {@code lstm.cu}, {@code hebbian.cu} and
 * {@code neuromodulated.cu}, a list of launches in the order of {@code nn.LstmLayer}'s forward and backward.
 * Nothing here computes; it lays out buffers and names the kernel, and the equation, of each step. The same class
 * serves the basic model's layers (one bias per gate, the four variants) and the large model's (two biases per
 * gate; LSTM or per-neuron neuromodulation).
 */
final class CudaLstmLayer implements LayeredModel.StatefulLayer {
    private static final int ROW_LANES = 32; // hebbian.cu
    private static final int MOD_LANES = 32; // hebbian.cu
    /** Ranges of i per trace pass of the per-neuron rule (neuromodulated.cu): enough threads at N = 1149. */
    private static final int MAX_CHUNKS = 16;

    /** A layer's plastic rule: hebbian.cu's backward kernels number the first four 0..3; NEURON has its own. */
    enum Rule {
        NONE, PLAIN, MODULATED, RETROACTIVE, NEURON;

        static Rule of(Variant v) {
            return switch (v) {
                case LSTM -> NONE;
                case PLASTIC -> PLAIN;
                case SIMPLE -> MODULATED;
                case RETRO -> RETROACTIVE;
            };
        }

        boolean plastic() {
            return this != NONE;
        }

        boolean modulated() {
            return this == MODULATED || this == RETROACTIVE || this == NEURON;
        }
    }

    /**
     * Where one layer's parameters are in the flat vector; null for what the layer does not have. {@code rate} is
     * eta (PLASTIC) or u (the modulated rules: per connection in the basic model, per neuron in the large one);
     * {@code bias2} is the large model's b_hh beside b_ih; {@code fanBias} the per-neuron fan-out's bias.
     */
    record Weights(Entry wx, Entry wh, Entry bias, Entry bias2, Entry alpha, Entry rate, Entry modulatorV,
                   Entry modulatorB, Entry lambda, Entry fanBias) {
        static Weights of(ModelLayout.Layer l) {
            return new Weights(l.wx(), l.wh(), l.bias(), null, l.alpha(), l.rate(), l.modulatorV(), l.modulatorB(),
                    l.lambda(), null);
        }

        static Weights of(LargeLayout.Layer l) {
            return new Weights(l.wx(), l.wh(), l.biasIh(), l.biasHh(), l.alpha(), l.u(), l.modulatorV(),
                    l.modulatorB(), null, l.fanBias());
        }
    }

    private final Device device;
    private final Rule rule;
    private final int nIn;
    private final int n;
    private final int chunks;
    private final float clip;
    // parameters and their gradients (device addresses into the flat vectors; 0 where the layer has none)
    private final long wx, wh, bias, bias2, alpha, rate, modV, modB, lambda, fanBias;
    private final long gWx, gWh, gBias, gBias2, gAlpha, gRate, gModV, gModB, gLambda, gFanBias;
    private final int bias2Count;
    /** b_ih + b_hh, summed at the start of every segment (two-bias layers only). */
    private final long biasSum;
    /** The carried state per batch size: h, c [B][N], Hebb and E [B][N][N] (zeros where the rule has none). */
    private final Map<Integer, Carried> carried = new HashMap<>();

    CudaLstmLayer(Device device, Rule rule, Weights l, DeviceVector theta, DeviceVector grad, double clip) {
        this.device = device;
        this.rule = rule;
        this.nIn = l.wx().rows();
        this.n = l.wh().rows();
        this.chunks = chunks(n);
        this.clip = (float) clip;
        wx = at(theta, l.wx());
        wh = at(theta, l.wh());
        bias = at(theta, l.bias());
        bias2 = at(theta, l.bias2());
        alpha = at(theta, l.alpha());
        rate = at(theta, l.rate());
        modV = at(theta, l.modulatorV());
        modB = at(theta, l.modulatorB());
        lambda = at(theta, l.lambda());
        fanBias = at(theta, l.fanBias());
        gWx = at(grad, l.wx());
        gWh = at(grad, l.wh());
        gBias = at(grad, l.bias());
        gBias2 = at(grad, l.bias2());
        gAlpha = at(grad, l.alpha());
        gRate = at(grad, l.rate());
        gModV = at(grad, l.modulatorV());
        gModB = at(grad, l.modulatorB());
        gLambda = at(grad, l.lambda());
        gFanBias = at(grad, l.fanBias());
        bias2Count = l.bias2() == null ? 0 : Math.toIntExact(l.bias2().length());
        biasSum = l.bias2() == null ? 0 : device.allocate(4L * n * Float.BYTES);
    }

    /** Ranges of i the per-neuron rule's trace passes split N into. */
    static int chunks(int n) {
        return Math.min(MAX_CHUNKS, n);
    }

    private static long at(DeviceVector v, Entry e) {
        return e == null ? 0 : v.at(e.offset());
    }

    /** Output width N. */
    int width() {
        return n;
    }

    private final class Carried {
        final long h, c, hebb, elig;

        Carried(int batch) {
            long bn = (long) batch * n * Float.BYTES;
            h = device.allocate(bn);
            c = device.allocate(bn);
            hebb = rule.plastic() ? device.allocate(bn * n) : 0;
            elig = rule == Rule.RETROACTIVE ? device.allocate(bn * n) : 0;
        }

        void zero(int batch) {
            long bn = (long) batch * n * Float.BYTES;
            device.zero(h, bn);
            device.zero(c, bn);
            if (hebb != 0) {
                device.zero(hebb, bn * n);
            }
            if (elig != 0) {
                device.zero(elig, bn * n);
            }
        }
    }

    private Carried carried(int batch) {
        return carried.computeIfAbsent(batch, Carried::new);
    }

    /**
     * Buffers of one batch size for segments of up to {@code steps} steps ({@link #cut} gives a shorter segment the
     * same memory: variable BPTT changes the length nearly every segment). Evaluation keeps two trace slots that
     * alternate; training keeps every step's trace, which the backward pass reads ({@link #ensureTraining}).
     */
    final class Buffers {
        final int batch;
        final int steps;
        private final List<Long> owned;  // what free() releases (empty in a cut)
        long xa;     // [T*B][4N] x W_x, then + h(t-1) W_h step by step
        long hs;     // [(T+1)*B][N] h(0..T); block 0 is a copy of the carried h
        long cs;     // [(T+1)*B][N] c(0..T)
        long act;    // [T*B][4N] i, f, o, g
        long tc;     // [T*B][N] tanh(c(1..T))
        long pin;    // [B][N] the plastic input of the current step
        long slots;  // two [B][N][N] traces that alternate in evaluation (Hebb; E follows in eligSlots)
        long eligSlots;
        long m;      // [T][B] M(t)
        long modParts, dz;     // [B][MOD_LANES] partial sums of the modulator, [B] its dL/dz
        long chunkParts;       // [chunks][B][N] partials of the per-neuron rule's sums over i (NEURON)
        long hebb;   // training: Hebb(1..T), [T][B][N][N] (Hebb(0) is the carried trace)
        long elig;   // training: E(1..T) (RETRO)
        long dA, dRec, dc, dX, dhAcc, dgAcc, dHebb, dE, partS, partPrev, dmParts, dLambdaParts, lambdaRows, partD;

        Buffers(int batch, int steps) {
            this.batch = batch;
            this.steps = steps;
            this.owned = new ArrayList<>();
            long tb = (long) steps * batch;
            long bn = (long) batch * n;
            xa = floats(tb * 4 * n);
            hs = floats((tb + batch) * n);
            cs = floats((tb + batch) * n);
            act = floats(tb * 4 * n);
            tc = floats(tb * n);
            if (rule.plastic()) {
                pin = floats(bn);
                slots = floats(2 * bn * n);
            }
            if (rule == Rule.RETROACTIVE) {
                eligSlots = floats(2 * bn * n);
            }
            if (rule.modulated()) {
                m = floats(tb);
                modParts = floats((long) batch * MOD_LANES);
                dz = floats(batch);
            }
            if (rule == Rule.NEURON) {
                chunkParts = floats(chunks * bn);
            }
        }

        /** The first {@code steps} steps of {@code full}: the same memory, owned by {@code full}. */
        private Buffers(Buffers full, int steps) {
            this.batch = full.batch;
            this.steps = steps;
            this.owned = List.of();
            xa = full.xa;
            hs = full.hs;
            cs = full.cs;
            act = full.act;
            tc = full.tc;
            pin = full.pin;
            slots = full.slots;
            eligSlots = full.eligSlots;
            m = full.m;
            modParts = full.modParts;
            dz = full.dz;
            chunkParts = full.chunkParts;
            hebb = full.hebb;
            elig = full.elig;
            dA = full.dA;
            dRec = full.dRec;
            dc = full.dc;
            dX = full.dX;
            dhAcc = full.dhAcc;
            dgAcc = full.dgAcc;
            dHebb = full.dHebb;
            dE = full.dE;
            partS = full.partS;
            partPrev = full.partPrev;
            dmParts = full.dmParts;
            dLambdaParts = full.dLambdaParts;
            lambdaRows = full.lambdaRows;
            partD = full.partD;
        }

        Buffers cut(int fewer) {
            if (fewer > steps) {
                throw new IllegalArgumentException("a segment of " + fewer + " steps in buffers of " + steps);
            }
            return fewer == steps ? this : new Buffers(this, fewer);
        }

        /** Allocates what training needs beside evaluation (every step's traces, the backward's buffers). */
        void ensureTraining() {
            if (dA != 0) {
                return;
            }
            long tb = (long) steps * batch;
            long bn = (long) batch * n;
            dA = floats(tb * 4 * n);
            dRec = floats(bn);
            dc = floats(bn);
            dX = floats(tb * nIn);
            dhAcc = floats(tb * n + bn);
            dgAcc = floats(tb * n);
            if (rule.plastic()) {
                hebb = floats(tb * n * n);
                dHebb = floats(2 * bn * n);
                partS = floats(bn * ROW_LANES);
                partPrev = floats(bn * ROW_LANES);
            }
            if (rule.modulated()) {
                dmParts = floats(bn);
            }
            if (rule == Rule.NEURON) {
                partD = floats(chunks * bn);
            }
            if (rule == Rule.RETROACTIVE) {
                elig = floats(tb * n * n);
                dE = floats(2 * bn * n);
                dLambdaParts = floats((long) n * n);
                lambdaRows = floats(n);
            }
        }

        private long floats(long count) {
            long address = device.allocate(count * Float.BYTES);
            owned.add(address);
            return address;
        }

        /** Frees what these buffers allocated (a cut frees nothing). */
        void free() {
            owned.forEach(device::free);
            owned.clear();
        }

        /** Output h(1..T) of the layer, [T*B][N]: the next layer's input. */
        long out() {
            return row(hs, batch, n);
        }

        long hAt(int t) {
            return row(hs, (long) t * batch, n);
        }

        long cAt(int t) {
            return row(cs, (long) t * batch, n);
        }

        long actAt(int t) {
            return row(act, (long) t * batch, 4L * n);
        }

        /** Hebb(t): the carried trace for t = 0, else step t-1's slot of the history (training) or of the two slots. */
        long hebbAt(int t, boolean train) {
            return t == 0 ? carried(batch).hebb : trace(train ? hebb : slots, train ? t - 1 : (t - 1) % 2);
        }

        long eligAt(int t, boolean train) {
            return t == 0 ? carried(batch).elig : trace(train ? elig : eligSlots, train ? t - 1 : (t - 1) % 2);
        }

        private long trace(long base, int slot) {
            return row(base, (long) slot * batch * n, n);
        }

        long mAt(int t) {
            return row(m, (long) t * batch, 1);
        }

        long bn() {
            return (long) batch * n;
        }

        /** Bytes of trace memory these buffers hold (history and slots). */
        long traceBytes() {
            long per = bn() * n * Float.BYTES;
            long count = 0;
            if (rule.plastic()) {
                count += 2 + (hebb != 0 ? steps : 0);
            }
            if (rule == Rule.RETROACTIVE) {
                count += 2 + (elig != 0 ? steps : 0);
            }
            return per * count;
        }
    }

    private static long row(long base, long rows, long width) {
        return base + rows * width * Float.BYTES;
    }

    Buffers buffers(int batch, int steps) {
        return new Buffers(batch, steps);
    }

    private void launch(String kernel, long threads, Object... args) {
        device.launchThreads(kernel, threads, args);
    }

    /** Runs the layer over the segment; {@code x} is [T*B][nIn]; the output is {@link Buffers#out()}. */
    void forward(long x, Buffers w, boolean train) {
        int batch = w.batch;
        int steps = w.steps;
        Carried s = carried(batch);
        long bytes = w.bn() * Float.BYTES;
        device.copy(w.hAt(0), s.h, bytes);
        device.copy(w.cAt(0), s.c, bytes);
        // x W_x for all T steps at once
        device.gemm(false, false, steps * batch, 4 * n, nIn, 1f, x, nIn, wx, 4 * n, 0f, w.xa, 4 * n);
        long gateBias = bias;
        if (biasSum != 0) { // b_ih + b_hh, as nn.LstmLayer adds them
            launch("add_biases", 4L * n, 4 * n, bias2Count, bias, bias2, biasSum);
            gateBias = biasSum;
        }
        if (rule == Rule.NEURON) {
            launch("neuron_plastic_input", chunks * w.bn(), batch, n, chunks, w.hAt(0), alpha, w.hebbAt(0, train),
                    w.chunkParts);
            launch("chunk_sums", w.bn(), (int) w.bn(), chunks, w.chunkParts, 0, w.pin);
        } else if (rule.plastic()) {
            launch("plastic_input", w.bn(), batch, n, w.hAt(0), alpha, n, w.hebbAt(0, train), w.pin);
        }
        for (int t = 0; t < steps; t++) {
            long xaT = row(w.xa, (long) t * batch, 4L * n);
            device.gemm(false, false, batch, 4 * n, n, 1f, w.hAt(t), n, wh, 4 * n, 1f, xaT, 4 * n);
            launch("lstm_cell_forward", w.bn(), batch, n, xaT, gateBias, w.pin, w.cAt(t), w.actAt(t), w.cAt(t + 1),
                    row(w.tc, (long) t * batch, n), w.hAt(t + 1));
            if (rule.plastic()) {
                update(w, t, t + 1 < steps, train);
            }
        }
        if (!train) {
            carry(w, false);
        }
    }

    /** M(t) = tanh(v . h(t-1) + b_m) of step t, from h = hAt(t). */
    private void modulator(Buffers w, int t) {
        launch("lane_partials", (long) w.batch * MOD_LANES, w.batch, n, w.hAt(t), modV, w.modParts);
        launch("modulator_forward", w.batch, w.batch, w.modParts, modB, w.mAt(t));
    }

    /** Hebb(t+1) (and E(t+1)) from step t, with the plastic input of step t+1 when {@code more}. */
    private void update(Buffers w, int t, boolean more, boolean train) {
        int batch = w.batch;
        long in = more ? w.pin : 0;
        long hebbT = w.hebbAt(t, train);
        long hebbNext = w.hebbAt(t + 1, train);
        if (rule.modulated()) {
            modulator(w, t);
        }
        switch (rule) {
            case PLAIN -> launch("hebb_update_plain", w.bn(), batch, n, clip, w.hAt(t), w.actAt(t), rate, hebbT,
                    hebbNext, w.hAt(t + 1), alpha, n, in);
            case MODULATED -> launch("hebb_update_modulated", w.bn(), batch, n, clip, w.hAt(t), w.actAt(t), rate,
                    w.mAt(t), hebbT, hebbNext, w.hAt(t + 1), alpha, n, in);
            case RETROACTIVE -> launch("hebb_update_retroactive", w.bn(), batch, n, clip, w.hAt(t), w.actAt(t), rate,
                    w.mAt(t), lambda, hebbT, hebbNext, w.eligAt(t, train), w.eligAt(t + 1, train), w.hAt(t + 1), alpha,
                    n, in);
            case NEURON -> {
                launch("neuron_update", chunks * w.bn(), batch, n, chunks, clip, w.hAt(t), w.actAt(t), rate, fanBias,
                        w.mAt(t), hebbT, hebbNext, w.hAt(t + 1), alpha, more ? w.chunkParts : 0);
                if (more) {
                    launch("chunk_sums", w.bn(), (int) w.bn(), chunks, w.chunkParts, 0, w.pin);
                }
            }
            case NONE -> throw new IllegalStateException("LSTM has no trace");
        }
    }

    /** Carries h(T), c(T), Hebb(T), E(T) into the next segment of this batch size. */
    private void carry(Buffers w, boolean train) {
        Carried s = carried(w.batch);
        long bytes = w.bn() * Float.BYTES;
        device.copy(s.h, w.hAt(w.steps), bytes);
        device.copy(s.c, w.cAt(w.steps), bytes);
        if (s.hebb != 0) {
            device.copy(s.hebb, w.hebbAt(w.steps, train), bytes * n);
        }
        if (s.elig != 0) {
            device.copy(s.elig, w.eligAt(w.steps, train), bytes * n);
        }
    }

    /**
     * Backward over the segment just run forward with {@code train}: {@code dOut} is dL/dh(1..T) from above,
     * [T*B][N]; accumulates the parameter gradients and writes dL/dx into {@code w.dX}. Truncated BPTT: nothing
     * flows into the carried state.
     */
    void backward(long x, long dOut, Buffers w) {
        int batch = w.batch;
        int steps = w.steps;
        long bn = w.bn();
        long bnBytes = bn * Float.BYTES;
        device.zero(w.dRec, bnBytes);
        device.zero(w.dc, bnBytes);
        device.zero(w.dhAcc, ((long) steps + 1) * bnBytes);
        device.zero(w.dgAcc, (long) steps * bnBytes);
        if (rule.plastic()) {
            device.zero(w.dHebb, 2 * bnBytes * n);
        }
        if (rule == Rule.RETROACTIVE) {
            device.zero(w.dE, 2 * bnBytes * n);
            device.zero(w.dLambdaParts, (long) n * n * Float.BYTES);
        }
        for (int t = steps - 1; t >= 0; t--) {
            long dA = row(w.dA, (long) t * batch, 4L * n);
            long dhPlastic = rule.plastic() ? row(w.dhAcc, (long) (t + 1) * batch, n) : 0;
            long dgHebb = rule.plastic() ? row(w.dgAcc, (long) t * batch, n) : 0;
            launch("lstm_cell_backward", bn, batch, n, w.actAt(t), w.cAt(t), row(w.tc, (long) t * batch, n),
                    row(dOut, (long) t * batch, n), w.dRec, dhPlastic, dgHebb, w.dc, dA);
            if (rule == Rule.NEURON) {
                neuronBackward(w, t, steps);
            } else if (rule.plastic()) {
                plasticBackward(w, t, steps);
            }
            if (t > 0) {
                device.gemm(false, true, batch, n, 4 * n, 1f, dA, 4 * n, wh, 4 * n, 0f, w.dRec, n);
            }
        }
        int tb = steps * batch;
        device.gemm(true, false, nIn, 4 * n, tb, 1f, x, nIn, w.dA, 4 * n, 1f, gWx, 4 * n);
        device.gemm(true, false, n, 4 * n, tb, 1f, w.hAt(0), n, w.dA, 4 * n, 1f, gWh, 4 * n);
        device.gemm(false, true, tb, nIn, 4 * n, 1f, w.dA, 4 * n, wx, 4 * n, 0f, w.dX, nIn);
        launch("column_sums", 4L * n, tb, 4 * n, 4 * n, w.dA, 1f, gBias);
        if (gBias2 != 0) { // b_hh has the gradient of b_ih, over its rows
            launch("column_sums", bias2Count, tb, bias2Count, 4 * n, w.dA, 1f, gBias2);
        }
        if (rule == Rule.RETROACTIVE) {
            launch("row_sums", n, n, n, w.dLambdaParts, 0, w.lambdaRows);
            launch("row_sums", 1, 1, n, w.lambdaRows, 1, gLambda);
        }
        carry(w, true);
    }

    /** dL/dHebb(s) buffers alternate: step s reads what step s+1 wrote. */
    private static long alternate(long base, int steps, int s, boolean in, long trace) {
        return base == 0 ? 0 : base + ((steps - (in ? 1 : 0) - s) % 2) * trace;
    }

    /**
     * Step s of the plastic path's backward (basic model): its plastic input (dalpha, dL/dh(s)), then for s >= 1
     * the update of step s-1 that produced Hebb(s) (rule gradients, dL/dHebb(s-1), dL/dE(s-1), dL/dg(s-1),
     * dL/dh(s-1), the modulator).
     */
    private void plasticBackward(Buffers w, int s, int steps) {
        int batch = w.batch;
        long bn = w.bn();
        long trace = bn * n * Float.BYTES;
        int kernelRule = s == 0 ? 0 : rule.ordinal();
        long dHebbIn = alternate(w.dHebb, steps, s, true, trace);
        long dHebbOut = alternate(w.dHebb, steps, s, false, trace);
        long dEIn = alternate(w.dE, steps, s, true, trace);
        long dEOut = alternate(w.dE, steps, s, false, trace);
        long dA = row(w.dA, (long) s * batch, 4L * n);
        long hPrev = s == 0 ? 0 : w.hAt(s - 1);
        long actPrev = s == 0 ? 0 : w.actAt(s - 1);
        long mPrev = s == 0 || w.m == 0 ? 0 : w.mAt(s - 1);
        long eligPrev = s == 0 || w.elig == 0 ? 0 : w.eligAt(s - 1, true);
        long dhS = row(w.dhAcc, (long) s * batch, n);
        long dhPrev = s == 0 ? 0 : row(w.dhAcc, (long) (s - 1) * batch, n);
        launch("hebb_backward_connections", (long) n * n, kernelRule, batch, n, clip, dA, w.hAt(s), w.hebbAt(s, true),
                alpha, dHebbIn, dHebbOut, hPrev, actPrev, rate, mPrev, lambda, eligPrev, dEIn, dEOut, gAlpha, gRate,
                w.dLambdaParts);
        launch("hebb_backward_rows", bn * ROW_LANES, kernelRule, batch, n, dA, w.hebbAt(s, true), alpha, dHebbOut,
                actPrev, rate, mPrev, lambda, dEIn, w.partS, w.partPrev);
        launch("hebb_rows_reduce", bn, (int) bn, w.partS, dhS);
        if (kernelRule == 0) {
            return;
        }
        launch("hebb_rows_reduce", bn, (int) bn, w.partPrev, dhPrev);
        launch("hebb_backward_columns", bn, kernelRule, batch, n, dHebbOut, hPrev, actPrev, rate, mPrev, lambda, dEIn,
                eligPrev, row(w.dgAcc, (long) (s - 1) * batch, n), w.dmParts);
        if (rule.modulated()) {
            modulatorBackward(w, mPrev, hPrev, dhPrev);
        }
    }

    /**
     * Step s of the per-neuron rule's backward (large model, neuromodulated.cu): the sums over i (dalpha, dL/dHebb,
     * dL/deta), then per neuron the fan-out's and alpha's gradients and dL/dg(s-1), then the sums over j (dL/dh(s),
     * dL/dh(s-1)) and the modulator. At s = 0 only alpha's gradient: the rest would flow into the carried state.
     */
    private void neuronBackward(Buffers w, int s, int steps) {
        int batch = w.batch;
        long bn = w.bn();
        long trace = bn * n * Float.BYTES;
        int prev = s == 0 ? 0 : 1;
        long dHebbIn = alternate(w.dHebb, steps, s, true, trace);
        long dHebbOut = alternate(w.dHebb, steps, s, false, trace);
        long dA = row(w.dA, (long) s * batch, 4L * n);
        long hebbS = w.hebbAt(s, true);
        long hPrev = s == 0 ? 0 : w.hAt(s - 1);
        long actPrev = s == 0 ? 0 : w.actAt(s - 1);
        long mPrev = s == 0 ? 0 : w.mAt(s - 1);
        long dgPrev = s == 0 ? 0 : row(w.dgAcc, (long) (s - 1) * batch, n);
        launch("neuron_backward_columns", chunks * bn, prev, batch, n, chunks, clip, dA, w.hAt(s), hebbS, alpha,
                dHebbIn, dHebbOut, hPrev, w.chunkParts, w.partD);
        launch("neuron_backward_neurons", n, prev, batch, n, chunks, dA, actPrev, rate, fanBias, mPrev, w.chunkParts,
                w.partD, gAlpha, gRate, gFanBias, dgPrev, w.dmParts);
        if (prev == 0) {
            return;
        }
        long dhS = row(w.dhAcc, (long) s * batch, n);
        long dhPrev = row(w.dhAcc, (long) (s - 1) * batch, n);
        launch("neuron_backward_rows", bn * ROW_LANES, prev, batch, n, dA, hebbS, alpha, dHebbOut, actPrev, rate,
                fanBias, mPrev, w.partS, w.partPrev);
        launch("hebb_rows_reduce", bn, (int) bn, w.partS, dhS);
        launch("hebb_rows_reduce", bn, (int) bn, w.partPrev, dhPrev);
        modulatorBackward(w, mPrev, hPrev, dhPrev);
    }

    /** From dmParts[b, j] (whose sum over j is dL/dM_b): dz, then dv, db_m and dL/dh(s-1) += dz v. */
    private void modulatorBackward(Buffers w, long mPrev, long hPrev, long dhPrev) {
        launch("lane_partials", (long) w.batch * MOD_LANES, w.batch, n, w.dmParts, 0L, w.modParts);
        launch("modulator_dz", w.batch, w.batch, w.modParts, mPrev, w.dz);
        launch("modulator_backward", n + 1L, w.batch, n, w.dz, hPrev, modV, gModV, gModB, dhPrev);
    }

    @Override
    public void resetState(int batch) {
        Carried s = carried.get(batch);
        if (s != null) {
            s.zero(batch);
        }
    }

    @Override
    public Set<Integer> batchSizes() {
        return carried.keySet();
    }

    /** Bytes of the carried traces of one batch size (Hebb and E, [B][N][N] each). */
    long carriedTraceBytes(int batch) {
        long per = (long) batch * n * n * Float.BYTES;
        return rule.plastic() ? per * (rule == Rule.RETROACTIVE ? 2 : 1) : 0;
    }

    @Override
    public LayerState state(int batch) {
        Carried s = carried(batch);
        int bn = batch * n;
        return new LayerState(read(s.h, bn), read(s.c, bn), s.hebb == 0 ? null : read(s.hebb, bn * n),
                s.elig == 0 ? null : read(s.elig, bn * n));
    }

    private double[] read(long address, int count) {
        float[] f = new float[count];
        device.download(address, f, 0, count);
        double[] d = new double[count];
        for (int k = 0; k < count; k++) {
            d[k] = f[k];
        }
        return d;
    }
}
