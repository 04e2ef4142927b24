package backpropamine.nn;

import backpropamine.model.ParameterLayout.Entry;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One LSTM layer over a segment (appendix A.1), optionally with a plastic recurrent path into g:
 *
 * <pre>
 *   i = sigmoid(W_xi x + W_hi h(t-1) + b_i)      f, o likewise
 *   g = tanh(W_xg x + b_g + h(t-1) . (w + alpha * Hebb(t)))     (the alpha * Hebb part: {@link HebbianTrace})
 *   c = f * c(t-1) + i * g ;  h = o * tanh(c)
 * </pre>
 *
 * The input projections of all T steps are one matrix product; each step adds h(t-1) W_h with one more. Gate
 * blocks in a row of width 4N are ordered i, f, o, g. h and c are kept per batch size and carried from segment
 * to segment.
 */
final class LstmLayer {
    private static final int I = 0;
    private static final int F = 1;
    private static final int O = 2;
    private static final int G = 3;

    private final Parameters params;
    final int nIn;
    final int n;
    private final INDArray wx;
    private final INDArray wh;
    private final INDArray dwx;
    private final INDArray dwh;
    private final Entry biasEntry;
    private final float[] bias;
    private final float[] dBias;
    private final HebbianTrace plastic; // null for the LSTM variant
    private final Map<Integer, float[][]> stateByBatch = new HashMap<>(); // {h, c}

    LstmLayer(Parameters params, Entry wx, Entry wh, Entry bias, HebbianTrace plastic) {
        this.params = params;
        this.nIn = wx.rows();
        this.n = wh.rows();
        this.wx = params.value(wx);
        this.wh = params.value(wh);
        this.dwx = params.gradient(wx);
        this.dwh = params.gradient(wh);
        this.biasEntry = bias;
        this.bias = new float[4 * n];
        this.dBias = new float[4 * n];
        this.plastic = plastic;
    }

    /** Buffers of one (batch, steps) geometry, allocated once and reused every segment. */
    final class Buffers {
        final int batch;
        final int steps;
        final INDArray xa;         // [T*B, 4N] pre-activations, input part then + h(t-1) W_h
        final INDArray[] xaAt;     // row blocks of xa per step
        final INDArray hs;         // [(T+1)*B, N] h(0..T); row block 0 is the carried state
        final INDArray[] hAt;      // row blocks of hs
        final INDArray out;        // h(1..T): the next layer's input
        final INDArray hPrevAll;   // h(0..T-1), for dW_h
        final INDArray dA;         // [T*B, 4N] dL/d pre-activations
        final INDArray[] dAAt;
        final INDArray dRec;       // [B, N] dA(t) W_h^T
        final INDArray dX;         // [T*B, nIn] gradient to the layer below
        final float[] pre;
        final float[][] act;       // i, f, o, g after their nonlinearities, per step
        final float[][] c;         // c(0..T)
        final float[][] tc;        // tanh(c(1..T))
        final float[][] h;         // h(0..T), heap copies for the fused loops
        final float[] dh;
        final float[] dc;
        final float[] dhPrev;
        final float[] dAct;
        final float[] dPre;

        Buffers(int batch, int steps) {
            this.batch = batch;
            this.steps = steps;
            int bn = batch * n;
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
            pre = new float[4 * bn];
            act = new float[steps][4 * bn];
            c = new float[steps + 1][bn];
            tc = new float[steps][bn];
            h = new float[steps + 1][bn];
            dh = new float[bn];
            dc = new float[bn];
            dhPrev = new float[bn];
            dAct = new float[4 * bn];
            dPre = new float[4 * bn];
        }
    }

    Buffers buffers(int batch, int steps) {
        return new Buffers(batch, steps);
    }

    void resetState() {
        stateByBatch.values().forEach(s -> {
            Arrays.fill(s[0], 0);
            Arrays.fill(s[1], 0);
        });
        if (plastic != null) {
            plastic.reset();
        }
    }

    /** Runs the layer over a segment; {@code x} is [T*B, nIn]; the output is {@code w.out}. */
    void forward(INDArray x, Buffers w, boolean train) {
        int batch = w.batch;
        int steps = w.steps;
        int bn = batch * n;
        int stride = 4 * n;
        float[][] state = stateByBatch.computeIfAbsent(batch, b -> new float[][] {new float[b * n], new float[b * n]});
        System.arraycopy(state[0], 0, w.h[0], 0, bn);
        System.arraycopy(state[1], 0, w.c[0], 0, bn);
        Tensors.put(w.h[0], 0, w.hs, 0, bn);
        params.read(biasEntry, bias);
        if (plastic != null) {
            plastic.begin(batch, steps, train);
        }
        Tensors.gemm(x, false, wx, false, w.xa, 1.0, 0.0);
        for (int t = 0; t < steps; t++) {
            Tensors.gemm(w.hAt[t], false, wh, false, w.xaAt[t], 1.0, 1.0);
            Tensors.get(w.xa, (long) t * batch * stride, w.pre, 0, batch * stride);
            if (plastic != null) {
                plastic.addPlasticInput(t, w.h[t], w.pre, G * n, stride);
            }
            float[] a = w.act[t];
            float[] cPrev = w.c[t];
            float[] c = w.c[t + 1];
            float[] tc = w.tc[t];
            float[] h = w.h[t + 1];
            for (int b = 0; b < batch; b++) {
                int r = b * stride;
                for (int j = 0; j < n; j++) {
                    float ig = Tensors.sigmoid(w.pre[r + I * n + j] + bias[I * n + j]);
                    float fg = Tensors.sigmoid(w.pre[r + F * n + j] + bias[F * n + j]);
                    float og = Tensors.sigmoid(w.pre[r + O * n + j] + bias[O * n + j]);
                    float gg = Tensors.tanh(w.pre[r + G * n + j] + bias[G * n + j]);
                    a[r + I * n + j] = ig;
                    a[r + F * n + j] = fg;
                    a[r + O * n + j] = og;
                    a[r + G * n + j] = gg;
                    int k = b * n + j;
                    c[k] = fg * cPrev[k] + ig * gg;
                    tc[k] = Tensors.tanh(c[k]);
                    h[k] = og * tc[k];
                }
            }
            Tensors.put(h, 0, w.hs, (long) (t + 1) * bn, bn);
            if (plastic != null) {
                plastic.update(t, w.h[t], a, G * n, stride);
            }
        }
        System.arraycopy(w.h[steps], 0, state[0], 0, bn);
        System.arraycopy(w.c[steps], 0, state[1], 0, bn);
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
        int bn = batch * n;
        int stride = 4 * n;
        float[] dh = w.dh;
        float[] dc = w.dc;
        float[] dhRec = new float[bn];
        Arrays.fill(dc, 0);
        Arrays.fill(dBias, 0);
        for (int t = steps - 1; t >= 0; t--) {
            Tensors.get(dOut, (long) t * bn, dh, 0, bn);
            for (int k = 0; k < bn; k++) {
                dh[k] += dhRec[k];
            }
            float[] a = w.act[t];
            float[] cPrev = w.c[t];
            float[] tc = w.tc[t];
            float[] dPre = w.dPre;
            float[] dPost = w.dAct; // dL/dg from the Hebbian update (g is its post-synaptic activity)
            float[] dhPrev = w.dhPrev;
            Arrays.fill(dPost, 0);
            Arrays.fill(dhPrev, 0);
            if (plastic != null) {
                plastic.backwardUpdate(t, w.h[t], a, G * n, stride, dPost, dhPrev);
            }
            for (int b = 0; b < batch; b++) {
                int r = b * stride;
                for (int j = 0; j < n; j++) {
                    int k = b * n + j;
                    float ig = a[r + I * n + j];
                    float fg = a[r + F * n + j];
                    float og = a[r + O * n + j];
                    float gg = a[r + G * n + j];
                    float dcv = dc[k] + dh[k] * og * (1 - tc[k] * tc[k]);
                    float dg = dcv * ig + dPost[r + G * n + j];
                    dPre[r + I * n + j] = dcv * gg * ig * (1 - ig);
                    dPre[r + F * n + j] = dcv * cPrev[k] * fg * (1 - fg);
                    dPre[r + O * n + j] = dh[k] * tc[k] * og * (1 - og);
                    dPre[r + G * n + j] = dg * (1 - gg * gg);
                    dc[k] = dcv * fg;
                }
            }
            if (plastic != null) {
                plastic.backwardPlasticInput(t, w.h[t], dPre, G * n, stride, dhPrev);
            }
            for (int b = 0; b < batch; b++) {
                for (int k = 0; k < stride; k++) {
                    dBias[k] += dPre[b * stride + k];
                }
            }
            Tensors.put(dPre, 0, w.dA, (long) t * batch * stride, batch * stride);
            if (t > 0) {
                Tensors.gemm(w.dAAt[t], false, wh, true, w.dRec, 1.0, 0.0);
                Tensors.get(w.dRec, 0, dhRec, 0, bn);
                for (int k = 0; k < bn; k++) {
                    dhRec[k] += dhPrev[k];
                }
            }
        }
        Tensors.gemm(x, true, w.dA, false, dwx, 1.0, 1.0);
        Tensors.gemm(w.hPrevAll, true, w.dA, false, dwh, 1.0, 1.0);
        Tensors.gemm(w.dA, false, wx, true, w.dX, 1.0, 0.0);
        params.accumulate(biasEntry, dBias);
        if (plastic != null) {
            plastic.pushGradients();
        }
    }
}
