package backpropamine.cuda;

import backpropamine.model.LanguageModel;
import backpropamine.model.LayerState;
import backpropamine.model.ModelLayout;
import backpropamine.model.ModelShape;
import backpropamine.model.ParameterLayout;
import backpropamine.model.ParameterVector;
import backpropamine.model.Phase;
import backpropamine.model.Precision;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The basic language model of section 4.3 on a {@link Device}: embedding -> stacked (plastic) LSTM layers ->
 * softmax, for the four variants, with the layout and initialisation of {@link ModelLayout} (so a seed gives the
 * model the CPU implementations give, and checkpoints move between them). Parameters, gradients, states and traces
 * live on the device for the whole trial; a segment uploads its tokens, replays the segment's captured launches
 * and downloads three numbers per row for the loss. The order of the launches is {@code nn.PlasticLstmModel}'s.
 */
public final class CudaLstmModel implements LanguageModel {
    private static final int THREADS = 256;
    private static final int SOFTMAX_LANES = 128; // softmax.cu

    private final Device device;
    private final ModelShape shape;
    private final ModelLayout layout;
    private final DeviceVector theta;
    private final DeviceVector grad;
    private final List<CudaLstmLayer> layers = new ArrayList<>();
    private final long embedding, gEmbedding, softmaxW, gSoftmaxW, softmaxB, gSoftmaxB;
    private final Map<Long, Segment> segments = new HashMap<>();
    private final long[] phaseNanos = new long[Phase.values().length];

    /**
     * @param device the device this model owns from now on (closed with the model)
     * @param clip   bound c of the Hebbian trace clip
     */
    public CudaLstmModel(Device device, ModelShape shape, double clip, long seed, double initScale) {
        this.device = device;
        this.shape = shape;
        this.layout = ModelLayout.of(shape);
        long size = layout.params.size();
        this.theta = new DeviceVector(device, size);
        this.grad = new DeviceVector(device, size);
        theta.set(layout.initialValues(seed, initScale));
        for (ModelLayout.Layer l : layout.layers) {
            layers.add(new CudaLstmLayer(device, CudaLstmLayer.Rule.of(shape.variant()), CudaLstmLayer.Weights.of(l), theta,
                    grad, clip));
        }
        embedding = theta.at(layout.embedding.offset());
        gEmbedding = grad.at(layout.embedding.offset());
        softmaxW = theta.at(layout.softmaxW.offset());
        gSoftmaxW = grad.at(layout.softmaxW.offset());
        softmaxB = theta.at(layout.softmaxB.offset());
        gSoftmaxB = grad.at(layout.softmaxB.offset());
    }

    /** The buffers of one (batch, steps) geometry, and the keys of its captured training and evaluation launches. */
    private final class Segment {
        final int batch;
        final int steps;
        final int rows;
        final long inputs, targets;  // int [T*B]
        final long x;                // [T*B][N] embedded inputs
        final long logits;           // [T*B][V] logits, then dCE/dlogits
        final long pmax, psum;       // [T*B][LANES] partials of the softmax reductions
        final long rowmax, rowsum, zTarget;
        final long dTop;             // [T*B][N] dL/dh of the top layer
        final List<CudaLstmLayer.Buffers> layerBuffers = new ArrayList<>();
        final Object trainKey = new Object();
        final Object evalKey = new Object();
        final float[] max, sum, zt;

        Segment(int batch, int steps) {
            this.batch = batch;
            this.steps = steps;
            this.rows = batch * steps;
            long r = rows;
            inputs = device.allocate(r * Integer.BYTES);
            targets = device.allocate(r * Integer.BYTES);
            x = device.allocate(r * shape.hidden() * Float.BYTES);
            logits = device.allocate(r * shape.vocab() * Float.BYTES);
            pmax = device.allocate(r * SOFTMAX_LANES * Float.BYTES);
            psum = device.allocate(r * SOFTMAX_LANES * Float.BYTES);
            rowmax = device.allocate(r * Float.BYTES);
            rowsum = device.allocate(r * Float.BYTES);
            zTarget = device.allocate(r * Float.BYTES);
            dTop = device.allocate(r * shape.hidden() * Float.BYTES);
            for (CudaLstmLayer l : layers) {
                layerBuffers.add(l.buffers(batch, steps));
            }
            max = new float[rows];
            sum = new float[rows];
            zt = new float[rows];
        }

        /** Summed cross-entropy of the segment: sum over rows of max + log(sum) - z[target], in double. */
        double loss() {
            device.download(rowmax, max, 0, rows);
            device.download(rowsum, sum, 0, rows);
            device.download(zTarget, zt, 0, rows);
            double total = 0;
            for (int r = 0; r < rows; r++) {
                total += max[r] + Math.log(sum[r]) - zt[r];
            }
            return total;
        }
    }

    private Segment segment(int batch, int steps) {
        return segments.computeIfAbsent(((long) batch << 32) | steps, k -> new Segment(batch, steps));
    }

    private void launch(String kernel, long threads, Object... args) {
        device.launch(kernel, Math.toIntExact((threads + THREADS - 1) / THREADS), 1, THREADS, args);
    }

    private Segment upload(int[] inputs, int[] targets, int batch, int steps) {
        Segment s = segment(batch, steps);
        device.upload(s.inputs, inputs, 0, s.rows);
        device.upload(s.targets, targets, 0, s.rows);
        return s;
    }

    /** Embedding and recurrent layers; returns the address of the softmax's input, [T*B][N]. */
    private long forward(Segment s, boolean train) {
        int n = shape.hidden();
        launch("embedding_forward", (long) s.rows * n, s.rows, n, s.inputs, embedding, s.x);
        long in = s.x;
        for (int l = 0; l < layers.size(); l++) {
            CudaLstmLayer.Buffers b = s.layerBuffers.get(l);
            if (train) {
                b.ensureTraining();
            }
            layers.get(l).forward(in, b, train);
            in = b.out();
        }
        return in;
    }

    /** z = h W + b, and the row reductions of its softmax: max, z[target], sum of exp(z - max). */
    private void softmax(Segment s, long top) {
        int v = shape.vocab();
        long laneThreads = (long) s.rows * SOFTMAX_LANES;
        device.gemm(false, false, s.rows, v, shape.hidden(), 1f, top, shape.hidden(), softmaxW, v, 0f, s.logits, v);
        launch("softmax_bias_max", laneThreads, s.rows, v, s.logits, softmaxB, s.pmax);
        launch("softmax_row_max", s.rows, s.rows, v, s.pmax, s.logits, s.targets, s.rowmax, s.zTarget);
        launch("softmax_exp_sum", laneThreads, s.rows, v, s.logits, s.rowmax, s.psum);
        launch("softmax_row_sum", s.rows, s.rows, s.psum, s.rowsum);
    }

    @Override
    public double trainSegment(int[] inputs, int[] targets, int batch, int steps) {
        long t0 = System.nanoTime();
        Segment s = upload(inputs, targets, batch, steps);
        device.replay(s.trainKey, () -> {
            device.zero(grad.address, grad.length() * Float.BYTES);
            long top = forward(s, true);
            softmax(s, top);
            backward(s, top);
        });
        double loss = s.loss();
        phaseNanos[Phase.FORWARD.ordinal()] += System.nanoTime() - t0;
        return loss;
    }

    /**
     * d(sum over steps of the batch-mean CE) = (1/B) d(sum of all CE): dCE/dz = p - onehot, then
     * dW += h^T G / B, db += colsum(G) / B, dh = G W^T / B, down the layers, into the embedding.
     */
    private void backward(Segment s, long top) {
        int n = shape.hidden();
        int v = shape.vocab();
        float scale = 1f / s.batch;
        launch("softmax_gradient", (long) s.rows * SOFTMAX_LANES, s.rows, v, s.logits, s.rowsum, s.targets);
        device.gemm(true, false, n, v, s.rows, scale, top, n, s.logits, v, 1f, gSoftmaxW, v);
        launch("column_sums", v, s.rows, v, v, s.logits, scale, gSoftmaxB);
        device.gemm(false, true, s.rows, n, v, scale, s.logits, v, softmaxW, v, 0f, s.dTop, n);
        long dOut = s.dTop;
        for (int l = layers.size() - 1; l >= 0; l--) {
            CudaLstmLayer.Buffers b = s.layerBuffers.get(l);
            long in = l == 0 ? s.x : s.layerBuffers.get(l - 1).out();
            layers.get(l).backward(in, dOut, b);
            dOut = b.dX;
        }
        launch("embedding_backward", n, s.rows, n, s.inputs, dOut, gEmbedding);
    }

    @Override
    public double evaluateSegment(int[] inputs, int[] targets, int batch, int steps) {
        Segment s = upload(inputs, targets, batch, steps);
        device.replay(s.evalKey, () -> softmax(s, forward(s, false)));
        return s.loss();
    }

    @Override
    public ModelShape shape() {
        return shape;
    }

    @Override
    public Precision precision() {
        return Precision.FLOAT;
    }

    @Override
    public ParameterVector parameters() {
        return theta;
    }

    @Override
    public ParameterVector gradients() {
        return grad;
    }

    @Override
    public ParameterLayout layout() {
        return layout.params;
    }

    /** The whole segment (forward, softmax, backward) is one captured graph: its time is all FORWARD. */
    @Override
    public long[] phaseNanos() {
        return phaseNanos.clone();
    }

    @Override
    public long traceBytes(int batch) {
        return layers.stream().mapToLong(l -> l.carriedTraceBytes(batch)).sum();
    }

    @Override
    public void resetState() {
        for (CudaLstmLayer l : layers) {
            l.batchSizes().forEach(l::resetState);
        }
    }

    @Override
    public void resetState(int batch) {
        layers.forEach(l -> l.resetState(batch));
    }

    @Override
    public List<LayerState> state(int batch) {
        return layers.stream().map(l -> l.state(batch)).toList();
    }

    /** The device this model runs on. */
    public Device device() {
        return device;
    }

    /** Frees every buffer of the model (and of copies of its vectors) with the device. */
    @Override
    public void close() {
        device.close();
    }
}
