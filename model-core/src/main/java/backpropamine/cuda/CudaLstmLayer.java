package backpropamine.cuda;

import backpropamine.model.LayerState;
import backpropamine.model.ModelLayout;
import backpropamine.model.Variant;
import java.util.HashMap;
import java.util.Map;

/**
 * One (plastic) LSTM layer on the device: the host side of {@code lstm.cu} and {@code hebbian.cu}, a list of
 * launches in the order of {@code nn.LstmLayer}'s forward and backward. Nothing here computes; it lays out buffers
 * and names the kernel, and the equation, of each step.
 */
final class CudaLstmLayer {
    private static final int THREADS = 256;
    private static final int ROW_LANES = 32; // hebbian.cu

    private final Device device;
    private final Variant variant;
    private final int nIn;
    private final int n;
    private final float clip;
    // parameters and their gradients (device addresses into the flat vectors)
    private final long wx, wh, bias, alpha, rate, modV, modB, lambda;
    private final long gWx, gWh, gBias, gAlpha, gRate, gModV, gModB, gLambda;
    /** The carried state per batch size: h, c [B][N], Hebb and E [B][N][N] (zeros where the variant has none). */
    private final Map<Integer, Carried> carried = new HashMap<>();

    CudaLstmLayer(Device device, Variant variant, ModelLayout.Layer l, DeviceVector theta, DeviceVector grad,
                  double clip) {
        this.device = device;
        this.variant = variant;
        this.nIn = l.wx().rows();
        this.n = l.wh().rows();
        this.clip = (float) clip;
        wx = theta.at(l.wx().offset());
        wh = theta.at(l.wh().offset());
        bias = theta.at(l.bias().offset());
        gWx = grad.at(l.wx().offset());
        gWh = grad.at(l.wh().offset());
        gBias = grad.at(l.bias().offset());
        alpha = l.alpha() == null ? 0 : theta.at(l.alpha().offset());
        gAlpha = l.alpha() == null ? 0 : grad.at(l.alpha().offset());
        rate = l.rate() == null ? 0 : theta.at(l.rate().offset());
        gRate = l.rate() == null ? 0 : grad.at(l.rate().offset());
        modV = l.modulatorV() == null ? 0 : theta.at(l.modulatorV().offset());
        gModV = l.modulatorV() == null ? 0 : grad.at(l.modulatorV().offset());
        modB = l.modulatorB() == null ? 0 : theta.at(l.modulatorB().offset());
        gModB = l.modulatorB() == null ? 0 : grad.at(l.modulatorB().offset());
        lambda = l.lambda() == null ? 0 : theta.at(l.lambda().offset());
        gLambda = l.lambda() == null ? 0 : grad.at(l.lambda().offset());
    }

    /** The rule number of hebbian.cu's backward kernels: 1 PLASTIC, 2 SIMPLE, 3 RETRO (0: step 0, input only). */
    private int rule() {
        return switch (variant) {
            case LSTM -> 0;
            case PLASTIC -> 1;
            case SIMPLE -> 2;
            case RETRO -> 3;
        };
    }

    private final class Carried {
        final long h, c, hebb, elig;

        Carried(int batch) {
            long bn = (long) batch * n * Float.BYTES;
            h = device.allocate(bn);
            c = device.allocate(bn);
            hebb = variant.plastic() ? device.allocate(bn * n) : 0;
            elig = variant == Variant.RETRO ? device.allocate(bn * n) : 0;
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

    /** Buffers of one (batch, steps) geometry; the training ones are allocated on the first training segment. */
    final class Buffers {
        final int batch;
        final int steps;
        final long xa;     // [T*B][4N] x W_x, then + h(t-1) W_h step by step
        final long hs;     // [(T+1)*B][N] h(0..T); block 0 is a copy of the carried h
        final long cs;     // [(T+1)*B][N] c(0..T)
        final long act;    // [T*B][4N] i, f, o, g
        final long tc;     // [T*B][N] tanh(c(1..T))
        final long pin;    // [B][N] the plastic input of the current step
        final long hebb;   // Hebb(1..T), [T][B][N][N] (Hebb(0) is the carried trace)
        final long elig;   // E(1..T) (RETRO)
        final long m;      // [T][B] M(t)
        long dA, dRec, dc, dX, dhAcc, dgAcc, dHebb, dE, partS, partPrev, dmParts, dLambdaParts, lambdaRows;

        Buffers(int batch, int steps) {
            this.batch = batch;
            this.steps = steps;
            long tb = (long) steps * batch;
            xa = floats(tb * 4 * n);
            hs = floats((tb + batch) * n);
            cs = floats((tb + batch) * n);
            act = floats(tb * 4 * n);
            tc = floats(tb * n);
            pin = variant.plastic() ? floats((long) batch * n) : 0;
            hebb = variant.plastic() ? floats(tb * n * n) : 0;
            elig = variant == Variant.RETRO ? floats(tb * n * n) : 0;
            m = variant.modulated() ? floats(tb) : 0;
        }

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
            if (variant.plastic()) {
                dHebb = floats(2 * bn * n);
                partS = floats(bn * ROW_LANES);
                partPrev = floats(bn * ROW_LANES);
            }
            if (variant.modulated()) {
                dmParts = floats(bn);
            }
            if (variant == Variant.RETRO) {
                dE = floats(2 * bn * n);
                dLambdaParts = floats((long) n * n);
                lambdaRows = floats(n);
            }
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

        /** Hebb(t): the carried trace for t = 0, else slot t-1 of {@link #hebb}. */
        long hebbAt(int t) {
            return t == 0 ? carried(batch).hebb : row(hebb, (long) (t - 1) * batch * n, n);
        }

        long eligAt(int t) {
            return t == 0 ? carried(batch).elig : row(elig, (long) (t - 1) * batch * n, n);
        }

        long bn() {
            return (long) batch * n;
        }
    }

    private long floats(long count) {
        return device.allocate(count * Float.BYTES);
    }

    private static long row(long base, long rows, long width) {
        return base + rows * width * Float.BYTES;
    }

    Buffers buffers(int batch, int steps) {
        return new Buffers(batch, steps);
    }

    private void launch(String kernel, long threads, Object... args) {
        device.launch(kernel, Math.toIntExact((threads + THREADS - 1) / THREADS), 1, THREADS, args);
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
        if (variant.plastic()) {
            launch("plastic_input", w.bn(), batch, n, w.hAt(0), alpha, n, w.hebbAt(0), w.pin);
        }
        for (int t = 0; t < steps; t++) {
            long xaT = row(w.xa, (long) t * batch, 4L * n);
            device.gemm(false, false, batch, 4 * n, n, 1f, w.hAt(t), n, wh, 4 * n, 1f, xaT, 4 * n);
            launch("lstm_cell_forward", w.bn(), batch, n, xaT, bias, w.pin, w.cAt(t), w.actAt(t), w.cAt(t + 1),
                    row(w.tc, (long) t * batch, n), w.hAt(t + 1));
            if (variant.plastic()) {
                update(w, t, t + 1 < steps);
            }
        }
        if (!train) {
            carry(w);
        }
    }

    /** Hebb(t+1) (and E(t+1)) from step t, with the plastic input of step t+1 when {@code more}. */
    private void update(Buffers w, int t, boolean more) {
        int batch = w.batch;
        long in = more ? w.pin : 0;
        switch (variant) {
            case PLASTIC -> launch("hebb_update_plain", w.bn(), batch, n, clip, w.hAt(t), w.actAt(t), rate,
                    w.hebbAt(t), w.hebbAt(t + 1), w.hAt(t + 1), alpha, n, in);
            case SIMPLE, RETRO -> {
                long mt = row(w.m, (long) t * batch, 1);
                launch("modulator_forward", batch, batch, n, w.hAt(t), modV, modB, mt);
                if (variant == Variant.SIMPLE) {
                    launch("hebb_update_modulated", w.bn(), batch, n, clip, w.hAt(t), w.actAt(t), rate, mt,
                            w.hebbAt(t), w.hebbAt(t + 1), w.hAt(t + 1), alpha, n, in);
                } else {
                    launch("hebb_update_retroactive", w.bn(), batch, n, clip, w.hAt(t), w.actAt(t), rate, mt, lambda,
                            w.hebbAt(t), w.hebbAt(t + 1), w.eligAt(t), w.eligAt(t + 1), w.hAt(t + 1), alpha, n, in);
                }
            }
            case LSTM -> throw new IllegalStateException("LSTM has no trace");
        }
    }

    /** Carries h(T), c(T), Hebb(T), E(T) into the next segment of this batch size. */
    private void carry(Buffers w) {
        Carried s = carried(w.batch);
        long bytes = w.bn() * Float.BYTES;
        device.copy(s.h, w.hAt(w.steps), bytes);
        device.copy(s.c, w.cAt(w.steps), bytes);
        if (s.hebb != 0) {
            device.copy(s.hebb, w.hebbAt(w.steps), bytes * n);
        }
        if (s.elig != 0) {
            device.copy(s.elig, w.eligAt(w.steps), bytes * n);
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
        if (variant.plastic()) {
            device.zero(w.dHebb, 2 * bnBytes * n);
        }
        if (variant == Variant.RETRO) {
            device.zero(w.dE, 2 * bnBytes * n);
            device.zero(w.dLambdaParts, (long) n * n * Float.BYTES);
        }
        for (int t = steps - 1; t >= 0; t--) {
            long dA = row(w.dA, (long) t * batch, 4L * n);
            long dhPlastic = variant.plastic() ? row(w.dhAcc, (long) (t + 1) * batch, n) : 0;
            long dgHebb = variant.plastic() ? row(w.dgAcc, (long) t * batch, n) : 0;
            launch("lstm_cell_backward", bn, batch, n, w.actAt(t), w.cAt(t), row(w.tc, (long) t * batch, n),
                    row(dOut, (long) t * batch, n), w.dRec, dhPlastic, dgHebb, w.dc, dA);
            if (variant.plastic()) {
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
        if (variant == Variant.RETRO) {
            launch("row_sums", n, n, n, w.dLambdaParts, 0, w.lambdaRows);
            launch("row_sums", 1, 1, n, w.lambdaRows, 1, gLambda);
        }
        carry(w);
    }

    /**
     * Step s of the plastic path's backward: its plastic input (dalpha, dL/dh(s)), then for s >= 1 the update of
     * step s-1 that produced Hebb(s) (rule gradients, dL/dHebb(s-1), dL/dE(s-1), dL/dg(s-1), dL/dh(s-1), the
     * modulator). dL/dHebb and dL/dE alternate between two buffers: step s reads what step s+1 wrote.
     */
    private void plasticBackward(Buffers w, int s, int steps) {
        int batch = w.batch;
        long bn = w.bn();
        long trace = bn * n * Float.BYTES;
        int rule = s == 0 ? 0 : rule();
        long dHebbIn = w.dHebb + ((steps - 1 - s) % 2) * trace;
        long dHebbOut = w.dHebb + ((steps - s) % 2) * trace;
        long dEIn = w.dE == 0 ? 0 : w.dE + ((steps - 1 - s) % 2) * trace;
        long dEOut = w.dE == 0 ? 0 : w.dE + ((steps - s) % 2) * trace;
        long dA = row(w.dA, (long) s * batch, 4L * n);
        long hPrev = s == 0 ? 0 : w.hAt(s - 1);
        long actPrev = s == 0 ? 0 : w.actAt(s - 1);
        long mPrev = s == 0 || w.m == 0 ? 0 : row(w.m, (long) (s - 1) * batch, 1);
        long eligPrev = s == 0 || w.elig == 0 ? 0 : w.eligAt(s - 1);
        long dhS = row(w.dhAcc, (long) s * batch, n);
        long dhPrev = s == 0 ? 0 : row(w.dhAcc, (long) (s - 1) * batch, n);
        launch("hebb_backward_connections", (long) n * n, rule, batch, n, clip, dA, w.hAt(s), w.hebbAt(s), alpha,
                dHebbIn, dHebbOut, hPrev, actPrev, rate, mPrev, lambda, eligPrev, dEIn, dEOut, gAlpha, gRate,
                w.dLambdaParts);
        launch("hebb_backward_rows", bn * ROW_LANES, rule, batch, n, dA, w.hebbAt(s), alpha, dHebbOut, actPrev, rate,
                mPrev, lambda, dEIn, w.partS, w.partPrev);
        launch("hebb_rows_reduce", bn, (int) bn, w.partS, dhS);
        if (rule == 0) {
            return;
        }
        launch("hebb_rows_reduce", bn, (int) bn, w.partPrev, dhPrev);
        launch("hebb_backward_columns", bn, rule, batch, n, dHebbOut, hPrev, actPrev, rate, mPrev, lambda, dEIn,
                eligPrev, row(w.dgAcc, (long) (s - 1) * batch, n), w.dmParts);
        if (variant.modulated()) {
            launch("modulator_backward", n + 1L, batch, n, w.dmParts, mPrev, hPrev, modV, gModV, gModB, dhPrev);
        }
    }

    void resetState(int batch) {
        Carried s = carried.get(batch);
        if (s != null) {
            s.zero(batch);
        }
    }

    java.util.Set<Integer> batchSizes() {
        return carried.keySet();
    }

    long traceBytes(int batch) {
        long per = (long) batch * n * n * Float.BYTES;
        return variant == Variant.LSTM ? 0 : per * (variant == Variant.RETRO ? 2 : 1);
    }

    LayerState state(int batch) {
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
