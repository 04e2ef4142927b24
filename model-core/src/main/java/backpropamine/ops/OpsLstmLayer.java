package backpropamine.ops;

import backpropamine.model.LayerState;
import backpropamine.model.LayeredModel;
import backpropamine.model.ParameterLayout.Entry;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One LSTM layer over a segment of T steps (appendix A.1) as whole-batch tensor ops; the same equations as
 * {@code backpropamine.nn.LstmCell}:
 *
 * <pre>
 *   a = x W_x + h(t-1) W_h + b                       columns: gates i, f, o, g
 *   i, f, o = sigmoid(a_i, a_f, a_o) ;  g = tanh(a_g + plastic input)
 *   c = f * c(t-1) + i * g ;  h = o * tanh(c)
 * </pre>
 */
final class OpsLstmLayer implements LayeredModel.StatefulLayer {
    private final int n;
    private final INDArray wx;
    private final INDArray wh;
    private final INDArray bias;
    private final INDArray dwx;
    private final INDArray dwh;
    private final INDArray dBias;
    private final INDArray secondBias;  // b_hh beside b_ih (large model): [1, 4N], or [1, 3N] without the g gate; or null
    private final INDArray dSecondBias;
    private final OpsHebbianTrace plastic; // null for LSTM
    private final Map<Integer, INDArray[]> carried = new HashMap<>(); // {h, c} per batch size

    // the segment just run forward
    private int batch;
    private int steps;
    private INDArray[] h;    // h(0..T), [B, N]
    private INDArray[] c;    // c(0..T)
    private INDArray[] act;  // gates after their nonlinearities, [B, 4N]
    private INDArray[] tc;   // tanh(c(1..T))

    /**
     * @param secondBias null, or a second bias added to the gates (the large model's b_hh; its rows are the first
     *                   gates, so a 3-row one leaves g to {@code bias} alone)
     */
    OpsLstmLayer(OpsParameters params, Entry wx, Entry wh, Entry bias, Entry secondBias, OpsHebbianTrace plastic) {
        this.n = wh.rows();
        this.wx = params.value(wx);
        this.wh = params.value(wh);
        this.bias = params.value(bias).reshape(1, 4L * n);
        this.dwx = params.gradient(wx);
        this.dwh = params.gradient(wh);
        this.dBias = params.gradient(bias).reshape(1, 4L * n);
        this.secondBias = secondBias == null ? null : params.value(secondBias).reshape(1, secondBias.length());
        this.dSecondBias = secondBias == null ? null : params.gradient(secondBias).reshape(1, secondBias.length());
        this.plastic = plastic;
    }

    /** x is [T*B, nIn], time-major; returns h(1..T) as [T*B, N]. */
    INDArray forward(INDArray x, int batch, int steps) {
        this.batch = batch;
        this.steps = steps;
        INDArray[] state = carried.computeIfAbsent(batch, b -> new INDArray[] {
                Nd4j.create(wh.dataType(), b, n), Nd4j.create(wh.dataType(), b, n)});
        h = new INDArray[steps + 1];
        c = new INDArray[steps + 1];
        act = new INDArray[steps];
        tc = new INDArray[steps];
        h[0] = state[0];
        c[0] = state[1];
        if (plastic != null) {
            plastic.begin(batch, steps);
        }
        INDArray xa = Nd4j.gemm(x, wx, false, false).addiRowVector(bias);
        if (secondBias != null) {
            xa.get(NDArrayIndex.all(), NDArrayIndex.interval(0, secondBias.length())).addiRowVector(secondBias);
        }
        INDArray out = Nd4j.create(wh.dataType(), (long) steps * batch, n);
        for (int t = 0; t < steps; t++) {
            INDArray a = rows(xa, t);
            Nd4j.gemm(h[t], wh, a, false, false, 1.0, 1.0);
            INDArray gates = Nd4j.create(wh.dataType(), batch, 4L * n);
            gates.get(cols(0, 3)).assign(Transforms.sigmoid(a.get(cols(0, 3)), true));
            INDArray ag = a.get(cols(3, 4));
            if (plastic != null) {
                ag.addi(plastic.input(t, h[t]));
            }
            INDArray g = Transforms.tanh(ag, true);
            gates.get(cols(3, 4)).assign(g);
            act[t] = gates;
            c[t + 1] = gate(t, 1).mul(c[t]).addi(gate(t, 0).mul(g));
            tc[t] = Transforms.tanh(c[t + 1], true);
            h[t + 1] = gate(t, 2).mul(tc[t]);
            rows(out, t).assign(h[t + 1]);
            if (plastic != null) {
                plastic.update(t, h[t], g);
            }
        }
        carried.put(batch, new INDArray[] {h[steps], c[steps]});
        if (plastic != null) {
            plastic.end(steps);
        }
        return out;
    }

    /**
     * Backward over the segment just run forward. {@code dOut} is dL/dh(1..T), [T*B, N]; accumulates parameter
     * gradients and returns dL/dx, [T*B, nIn]. Truncated BPTT: nothing flows into h(0), c(0) or Hebb(0).
     */
    INDArray backward(INDArray x, INDArray dOut) {
        INDArray dA = Nd4j.create(wh.dataType(), (long) steps * batch, 4L * n);
        INDArray dhNext = Nd4j.create(wh.dataType(), batch, n); // dL/dh(s+1) from step s+1
        INDArray dc = Nd4j.create(wh.dataType(), batch, n);
        if (plastic != null) {
            plastic.beginBackward();
        }
        for (int s = steps - 1; s >= 0; s--) {
            INDArray dh = rows(dOut, s).add(dhNext);
            INDArray dhPrev = Nd4j.create(wh.dataType(), batch, n); // dL/dh(s) as pre-synaptic input of step s
            INDArray dgTrace = plastic == null ? null : plastic.updateBackward(s, h[s], gate(s, 3), dhPrev);
            INDArray i = gate(s, 0);
            INDArray f = gate(s, 1);
            INDArray o = gate(s, 2);
            INDArray g = gate(s, 3);
            INDArray dcs = dc.add(dh.mul(o).muli(tc[s].mul(tc[s]).rsubi(1)));
            INDArray dg = dcs.mul(i);
            if (dgTrace != null) {
                dg.addi(dgTrace);
            }
            INDArray da = rows(dA, s);
            da.get(cols(0, 1)).assign(dcs.mul(g).muli(i).muli(i.rsub(1)));
            da.get(cols(1, 2)).assign(dcs.mul(c[s]).muli(f).muli(f.rsub(1)));
            da.get(cols(2, 3)).assign(dh.mul(tc[s]).muli(o).muli(o.rsub(1)));
            INDArray dag = dg.muli(g.mul(g).rsubi(1));
            da.get(cols(3, 4)).assign(dag);
            dc = dcs.muli(f);
            if (plastic != null) {
                plastic.inputBackward(s, h[s], dag, dhPrev);
            }
            dhNext = Nd4j.gemm(da, wh, dhPrev, false, true, 1.0, 1.0);
        }
        INDArray hPrevAll = Nd4j.vstack(java.util.Arrays.copyOf(h, steps));
        Nd4j.gemm(x, dA, dwx, true, false, 1.0, 1.0);
        Nd4j.gemm(hPrevAll, dA, dwh, true, false, 1.0, 1.0);
        INDArray dBiasNow = dA.sum(true, 0);
        dBias.addi(dBiasNow);
        if (dSecondBias != null) {
            dSecondBias.addi(dBiasNow.get(NDArrayIndex.all(), NDArrayIndex.interval(0, dSecondBias.length())));
        }
        return Nd4j.gemm(dA, wx, false, true);
    }

    @Override
    public LayerState state(int batch) {
        INDArray[] s = carried.get(batch);
        double[] hNow = s == null ? new double[batch * n] : Nd4j.toFlattened('c', s[0]).toDoubleVector();
        double[] cNow = s == null ? new double[batch * n] : Nd4j.toFlattened('c', s[1]).toDoubleVector();
        double[][] traces = plastic == null ? new double[2][] : plastic.carried(batch);
        return new LayerState(hNow, cNow, traces[0], traces[1]);
    }

    @Override
    public java.util.Set<Integer> batchSizes() {
        return carried.keySet();
    }

    /** Drops h, c and the traces of one batch size: the next segment of that size starts from zeros. */
    @Override
    public void resetState(int batch) {
        carried.remove(batch);
        if (plastic != null) {
            plastic.reset(batch);
        }
    }

    /** Gate k (0 i, 1 f, 2 o, 3 g) of step t after its nonlinearity. */
    private INDArray gate(int t, int k) {
        return act[t].get(cols(k, k + 1));
    }

    private INDArray rows(INDArray m, int t) {
        return m.get(NDArrayIndex.interval((long) t * batch, (long) (t + 1) * batch), NDArrayIndex.all());
    }

    /** Column blocks [from, to) of width N. */
    private INDArrayIndex[] cols(int from, int to) {
        return new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.interval((long) from * n, (long) to * n)};
    }
}
