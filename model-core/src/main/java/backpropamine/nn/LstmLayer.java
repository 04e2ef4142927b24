package backpropamine.nn;

import backpropamine.model.LayerState;
import backpropamine.model.LayeredModel;
import backpropamine.model.ParameterLayout.Entry;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One LSTM layer over a segment of T steps (appendix A.1), optionally with a plastic recurrent path into g
 * ({@link HebbianTrace}); the cell equations are in {@link LstmCell}.
 *
 * <p>The input projections of all T steps are one matrix product; each step adds h(t-1) W_h with one more.
 * Matrices live off-heap for {@code Nd4j.gemm}; the elementwise work runs on padded heap rows (see
 * {@link Simd}), copied in and out row by row. h and c are kept per batch size and carried between segments.
 */
final class LstmLayer implements LayeredModel.StatefulLayer {
    private final Parameters params;
    final int nIn;
    final int n;
    final int np;
    private final INDArray wx;
    private final INDArray wh;
    private final INDArray dwx;
    private final INDArray dwh;
    private final Entry biasEntry;
    private final Entry secondBias; // PyTorch's b_hh beside b_ih (large model), or null
    private final float[] bias;
    private final float[] secondBiasRows; // b_hh read once per segment, before it is added into bias
    private final float[] dBias;
    private final HebbianTrace plastic; // null for the LSTM variant
    private final Map<Integer, float[][]> stateByBatch = new HashMap<>(); // {h, c}, padded rows

    LstmLayer(Parameters params, Entry wx, Entry wh, Entry bias, HebbianTrace plastic) {
        this(params, wx, wh, bias, null, plastic);
    }

    /** A layer whose gates have two biases that add up (PyTorch's b_ih + b_hh, as the AWD-LSTM counts them). */
    LstmLayer(Parameters params, Entry wx, Entry wh, Entry bias, Entry secondBias, HebbianTrace plastic) {
        this.params = params;
        this.secondBias = secondBias;
        this.nIn = wx.rows();
        this.n = wh.rows();
        this.np = Simd.padded(n);
        this.wx = params.value(wx);
        this.wh = params.value(wh);
        this.dwx = params.gradient(wx);
        this.dwh = params.gradient(wh);
        this.biasEntry = bias;
        this.bias = new float[4 * np];
        this.dBias = new float[4 * np];
        this.secondBiasRows = secondBias == null ? null : new float[4 * np];
        this.plastic = plastic;
    }

    /** Floats held by the plastic traces at a batch size (0 without plasticity). */
    long traceFloats(int batch) {
        return plastic == null ? 0 : plastic.heldFloats(batch);
    }

    /** Buffers of one (batch, steps) geometry, allocated once and reused every segment. */
    final class Buffers {
        final int batch;
        final int steps;
        final INDArray xa;         // [T*B, 4N] pre-activations: x W_x, then + h(t-1) W_h step by step
        final INDArray[] xaAt;     // row blocks of xa per step
        final INDArray hs;         // [(T+1)*B, N] h(0..T); row block 0 is the carried state
        final INDArray[] hAt;      // row blocks of hs
        final INDArray out;        // h(1..T): the next layer's input
        final INDArray hPrevAll;   // h(0..T-1), for dW_h
        final INDArray dA;         // [T*B, 4N] dL/d pre-activations
        final INDArray[] dAAt;
        final INDArray dRec;       // [B, N] dA(t) W_h^T
        final INDArray dX;         // [T*B, nIn] gradient to the layer below
        // heap rows, padded to Np; gates are [B][4][Np]
        final float[] pre;
        final float[][] act;       // i, f, o, g after their nonlinearities, per step
        final float[][] c;         // c(0..T)
        final float[][] tc;        // tanh(c(1..T))
        final float[][] h;         // h(0..T)
        final float[] dh;
        final float[] dc;
        final float[] dPre;
        final float[][] dhAcc;     // dL/dh(t) through the plastic path
        final float[][] dgAcc;     // dL/dg(t) through the Hebbian update
        final float[] rowBuf;

        Buffers(int batch, int steps) {
            this.batch = batch;
            this.steps = steps;
            xa = Tensors.matrix((long) steps * batch, 4L * n);
            hs = Tensors.matrix((long) (steps + 1) * batch, n);
            dA = Tensors.matrix((long) steps * batch, 4L * n);
            dRec = Tensors.matrix(batch, n);
            dX = Tensors.matrix((long) steps * batch, nIn);
            xaAt = new INDArray[steps];
            dAAt = new INDArray[steps];
            hAt = new INDArray[steps + 1];
            for (int t = 0; t < steps; t++) {
                xaAt[t] = Tensors.rows(xa, (long) t * batch, (long) (t + 1) * batch);
                dAAt[t] = Tensors.rows(dA, (long) t * batch, (long) (t + 1) * batch);
            }
            for (int t = 0; t <= steps; t++) {
                hAt[t] = Tensors.rows(hs, (long) t * batch, (long) (t + 1) * batch);
            }
            out = Tensors.rows(hs, batch, (long) (steps + 1) * batch);
            hPrevAll = Tensors.rows(hs, 0, (long) steps * batch);
            int bn = batch * np;
            pre = new float[4 * bn];
            act = new float[steps][4 * bn];
            c = new float[steps + 1][bn];
            tc = new float[steps][bn];
            h = new float[steps + 1][bn];
            dh = new float[bn];
            dc = new float[bn];
            dPre = new float[4 * bn];
            dhAcc = new float[steps + 1][bn];
            dgAcc = new float[steps][bn];
            rowBuf = new float[bn];
        }

        /**
         * The buffers of a segment of {@code steps} steps inside {@code full} (allocated for at least as many): every
         * array is shared, the matrices are cut to the segment's rows. Variable-length segments (the large model's
         * BPTT) then reuse one allocation per batch size instead of one per length.
         */
        Buffers(Buffers full, int steps) {
            if (steps > full.steps) {
                throw new IllegalArgumentException(steps + " steps do not fit buffers of " + full.steps);
            }
            this.batch = full.batch;
            this.steps = steps;
            xa = Tensors.rows(full.xa, 0, (long) steps * batch);
            hs = Tensors.rows(full.hs, 0, (long) (steps + 1) * batch);
            dA = Tensors.rows(full.dA, 0, (long) steps * batch);
            dRec = full.dRec;
            dX = Tensors.rows(full.dX, 0, (long) steps * batch);
            xaAt = java.util.Arrays.copyOf(full.xaAt, steps);
            dAAt = java.util.Arrays.copyOf(full.dAAt, steps);
            hAt = java.util.Arrays.copyOf(full.hAt, steps + 1);
            out = Tensors.rows(full.hs, batch, (long) (steps + 1) * batch);
            hPrevAll = Tensors.rows(full.hs, 0, (long) steps * batch);
            pre = full.pre;
            act = full.act;
            c = full.c;
            tc = full.tc;
            h = full.h;
            dh = full.dh;
            dc = full.dc;
            dPre = full.dPre;
            dhAcc = full.dhAcc;
            dgAcc = full.dgAcc;
            rowBuf = full.rowBuf;
        }
    }

    Buffers buffers(int batch, int steps) {
        return new Buffers(batch, steps);
    }

    @Override
    public void resetState(int batch) {
        float[][] s = stateByBatch.get(batch);
        if (s != null) {
            Arrays.fill(s[0], 0);
            Arrays.fill(s[1], 0);
        }
        if (plastic != null) {
            plastic.reset(batch);
        }
    }

    @Override
    public java.util.Set<Integer> batchSizes() {
        return stateByBatch.keySet();
    }

    @Override
    public LayerState state(int batch) {
        float[][] s = stateByBatch.get(batch);
        double[] h = new double[batch * n];
        double[] c = new double[batch * n];
        for (int b = 0; s != null && b < batch; b++) {
            for (int j = 0; j < n; j++) {
                h[b * n + j] = s[0][b * np + j];
                c[b * n + j] = s[1][b * np + j];
            }
        }
        return new LayerState(h, c, plastic == null ? null : plastic.carriedHebb(batch),
                plastic == null ? null : plastic.carriedEligibility(batch));
    }

    /** Runs the layer over a segment; {@code x} is [T*B, nIn]; the output is {@code w.out}. */
    void forward(INDArray x, Buffers w, boolean train) {
        int batch = w.batch;
        int steps = w.steps;
        int bnp = batch * np;
        float[][] state = stateByBatch.computeIfAbsent(batch, b -> new float[][] {new float[b * np], new float[b * np]});
        System.arraycopy(state[0], 0, w.h[0], 0, bnp);
        System.arraycopy(state[1], 0, w.c[0], 0, bnp);
        putRows(w.h[0], w.hs, 0, batch, n);
        params.read(biasEntry, bias, np);
        if (secondBias != null) {
            float[] second = secondBiasRows;
            params.read(secondBias, second, np);
            for (int k = 0; k < bias.length; k++) {
                bias[k] += second[k];
            }
        }
        if (plastic != null) {
            plastic.begin(batch, steps, train, w.h[0]);
        }
        Tensors.gemm(x, false, wx, false, w.xa, 1.0, 0.0);
        for (int t = 0; t < steps; t++) {
            Tensors.gemm(w.hAt[t], false, wh, false, w.xaAt[t], 1.0, 1.0);
            getRows(w.xa, (long) t * batch * 4 * n, batch * 4, w.pre);
            LstmCell.forward(w.pre, bias, plastic == null ? null : plastic.input(), w.c[t], w.act[t], w.c[t + 1],
                    w.tc[t], w.h[t + 1], batch, np);
            putRows(w.h[t + 1], w.hs, (long) (t + 1) * batch * n, batch, n);
            if (plastic != null) {
                plastic.step(t, w.h[t], w.act[t], w.h[t + 1], t + 1 < steps);
            }
        }
        System.arraycopy(w.h[steps], 0, state[0], 0, bnp);
        System.arraycopy(w.c[steps], 0, state[1], 0, bnp);
        if (plastic != null) {
            plastic.end(steps);
        }
    }

    /**
     * Backward over the segment just run by {@link #forward} with {@code train = true}. {@code dOut} is
     * dL/dh(1..T) from above, [T*B, N]; accumulates parameter gradients and writes dL/dx into {@code w.dX}.
     * Nothing flows into h(0), c(0) or Hebb(0): truncated BPTT stops at the segment boundary.
     */
    void backward(INDArray x, INDArray dOut, Buffers w) {
        int batch = w.batch;
        int steps = w.steps;
        float[] dh = w.dh;
        Arrays.fill(w.dc, 0);
        Arrays.fill(dBias, 0);
        for (float[] a : w.dhAcc) {
            Arrays.fill(a, 0);
        }
        for (float[] a : w.dgAcc) {
            Arrays.fill(a, 0);
        }
        Arrays.fill(w.rowBuf, 0);
        for (int t = steps - 1; t >= 0; t--) {
            // dL/dh(t+1): from above, through W_h from step t+1 (in rowBuf), and through the plastic path
            getRows(dOut, (long) t * batch * n, batch, dh);
            float[] acc = w.dhAcc[t + 1];
            for (int k = 0; k < dh.length; k++) {
                dh[k] += w.rowBuf[k] + acc[k];
            }
            LstmCell.backward(w.act[t], w.c[t], w.tc[t], dh, w.dc, plastic == null ? null : w.dgAcc[t], w.dPre, batch, np);
            if (plastic != null) {
                plastic.backward(t, w.h, w.act, w.dPre, w.dhAcc, w.dgAcc);
            }
            for (int b = 0; b < batch; b++) {
                for (int k = 0; k < 4 * np; k++) {
                    dBias[k] += w.dPre[b * 4 * np + k];
                }
            }
            putRows(w.dPre, w.dA, (long) t * batch * 4 * n, batch * 4, n);
            if (t > 0) {
                Tensors.gemm(w.dAAt[t], false, wh, true, w.dRec, 1.0, 0.0);
                getRows(w.dRec, 0, batch, w.rowBuf);
            }
        }
        Tensors.gemm(x, true, w.dA, false, dwx, 1.0, 1.0);
        Tensors.gemm(w.hPrevAll, true, w.dA, false, dwh, 1.0, 1.0);
        Tensors.gemm(w.dA, false, wx, true, w.dX, 1.0, 0.0);
        params.accumulate(biasEntry, dBias, np);
        if (secondBias != null) {
            params.accumulate(secondBias, dBias, np);
        }
        if (plastic != null) {
            plastic.pushGradients();
        }
    }

    /** Copies {@code rows} dense rows of width N from root array {@code src} at {@code from} into padded heap rows. */
    private void getRows(INDArray src, long from, int rows, float[] dst) {
        FloatBuffer view = Tensors.view(src);
        for (int r = 0; r < rows; r++) {
            view.get((int) (from + (long) r * n), dst, r * np, n);
        }
    }

    /** Copies padded heap rows into dense rows of width N of root array {@code dst} at {@code to}. */
    private void putRows(float[] src, INDArray dst, long to, int rows, int width) {
        FloatBuffer view = Tensors.view(dst);
        for (int r = 0; r < rows; r++) {
            view.put((int) (to + (long) r * width), src, r * np, width);
        }
    }
}
