package backpropamine.cuda;

import backpropamine.model.ModelLayout;
import backpropamine.model.ModelShape;
import backpropamine.model.ParameterLayout;
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
public final class CudaLstmModel extends DeviceModel {
    private final ModelShape shape;
    private final ModelLayout layout;
    private final long embedding, gEmbedding, softmaxW, gSoftmaxW, softmaxB, gSoftmaxB;
    private final Map<Long, Segment> segments = new HashMap<>();

    /**
     * @param device the device this model owns from now on (closed with the model)
     * @param clip   bound c of the Hebbian trace clip
     */
    public CudaLstmModel(Device device, ModelShape shape, double clip, long seed, double initScale) {
        this(device, shape, ModelLayout.of(shape), clip, seed, initScale);
    }

    private CudaLstmModel(Device device, ModelShape shape, ModelLayout layout, double clip, long seed, double initScale) {
        super(device, layout.initialValues(seed, initScale));
        this.shape = shape;
        this.layout = layout;
        for (ModelLayout.Layer l : layout.layers) {
            layers.add(new CudaLstmLayer(device, CudaLstmLayer.Rule.of(shape.variant()), CudaLstmLayer.Weights.of(l),
                    theta, grad, clip));
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
        final CudaSoftmax softmax;
        final long dTop;             // [T*B][N] dL/dh of the top layer
        final List<CudaLstmLayer.Buffers> layerBuffers = new ArrayList<>();
        final Object trainKey = new Object();
        final Object evalKey = new Object();

        Segment(int batch, int steps) {
            this.batch = batch;
            this.steps = steps;
            this.rows = batch * steps;
            long r = rows;
            inputs = device.allocate(r * Integer.BYTES);
            targets = device.allocate(r * Integer.BYTES);
            x = device.allocate(r * shape.hidden() * Float.BYTES);
            softmax = new CudaSoftmax(device, shape.vocab(), rows);
            dTop = device.allocate(r * shape.hidden() * Float.BYTES);
            for (CudaLstmLayer l : layers) {
                layerBuffers.add(l.buffers(batch, steps));
            }
        }
    }

    private Segment segment(int batch, int steps) {
        return segments.computeIfAbsent(((long) batch << 32) | steps, k -> new Segment(batch, steps));
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
        device.launchThreads("embedding_forward", (long) s.rows * n, s.rows, n, s.inputs, embedding, s.x);
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

    /** z = h W + b, and the row reductions of its softmax. */
    private void softmax(Segment s, long top) {
        int v = shape.vocab();
        device.gemm(false, false, s.rows, v, shape.hidden(), 1f, top, shape.hidden(), softmaxW, v, 0f, s.softmax.logits, v);
        s.softmax.reduce(s.rows, softmaxB, s.targets);
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
        double loss = s.softmax.loss(s.rows);
        phaseNanos[backpropamine.model.Phase.FORWARD.ordinal()] += System.nanoTime() - t0;
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
        long g = s.softmax.logits;
        s.softmax.gradient(s.rows, s.targets);
        device.gemm(true, false, n, v, s.rows, scale, top, n, g, v, 1f, gSoftmaxW, v);
        device.launchThreads("column_sums", v, s.rows, v, v, g, scale, gSoftmaxB);
        device.gemm(false, true, s.rows, n, v, scale, g, v, softmaxW, v, 0f, s.dTop, n);
        long dOut = s.dTop;
        for (int l = layers.size() - 1; l >= 0; l--) {
            CudaLstmLayer.Buffers b = s.layerBuffers.get(l);
            long in = l == 0 ? s.x : s.layerBuffers.get(l - 1).out();
            layers.get(l).backward(in, dOut, b);
            dOut = b.dX;
        }
        device.launchThreads("embedding_backward", n, s.rows, n, s.inputs, dOut, gEmbedding);
    }

    @Override
    public double evaluateSegment(int[] inputs, int[] targets, int batch, int steps) {
        Segment s = upload(inputs, targets, batch, steps);
        device.replay(s.evalKey, () -> softmax(s, forward(s, false)));
        return s.softmax.loss(s.rows);
    }

    @Override
    public ModelShape shape() {
        return shape;
    }

    @Override
    public ParameterLayout layout() {
        return layout.params;
    }

    @Override
    public long traceBytes(int batch) {
        return layers.stream().mapToLong(l -> l.carriedTraceBytes(batch)).sum();
    }
}
