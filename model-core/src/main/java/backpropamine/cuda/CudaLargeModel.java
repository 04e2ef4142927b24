package backpropamine.cuda;

import backpropamine.model.DropoutMasks;
import backpropamine.model.LargeLayout;
import backpropamine.model.LargeShape;
import backpropamine.model.ParameterLayout;
import backpropamine.model.Phase;
import backpropamine.model.Regularization;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The large language model of appendix A.3 (AWD-LSTM style) on a {@link Device}, launch for launch in the order of
 * {@code nn.LargeLstmModel}: embedding with word dropout -> variational dropout -> three (per-neuron
 * neuromodulated) LSTM layers with two biases per gate and variational dropout between them -> variational
 * dropout -> softmax tied to the embedding, with its own bias. The training objective of a segment is its mean
 * cross-entropy + AR + TAR. Layout, initialisation and the seeded order of the dropout masks
 * ({@link DropoutMasks}) are the CPU implementations', so a seed gives the same model and the same masks.
 *
 * <p>Parameters, gradients, states and traces live on the device for the whole trial. Per segment the host draws
 * the masks (a few kB), uploads them with the tokens, replays the captured launches of its (batch, steps) and
 * downloads three floats per row for the loss. The buffers of a batch size are allocated for the longest segment
 * seen and cut to each segment's length (variable BPTT changes it nearly every segment). Training keeps every
 * step's trace: at most (T + 1) x B x N x N floats per plastic layer, 3.0 GB per 1149-unit layer at T = 80 and B = 7
 * (a GPU holds it; the CPU kernels recompute instead, {@code nn.TraceHistory}); evaluation keeps two.
 */
public final class CudaLargeModel extends DeviceModel {
    private final LargeShape shape;
    private final LargeLayout layout;
    private final Regularization reg;
    private final long embedding, gEmbedding, decoderBias, gDecoderBias;
    private final Map<Integer, Workspace> workspaces = new HashMap<>();
    private SplittableRandom rng;

    /**
     * @param device the device this model owns from now on (closed with the model)
     * @param clip   bound c of the Hebbian trace clip
     */
    public CudaLargeModel(Device device, LargeShape shape, Regularization reg, double clip, long seed,
                          double initScale) {
        this(device, shape, LargeLayout.of(shape), reg, clip, seed, initScale);
    }

    private CudaLargeModel(Device device, LargeShape shape, LargeLayout layout, Regularization reg, double clip,
                           long seed, double initScale) {
        super(device, layout.initialValues(seed, initScale));
        this.shape = shape;
        this.layout = layout;
        this.reg = reg;
        for (LargeLayout.Layer l : layout.layers) {
            CudaLstmLayer.Rule rule = l.alpha() == null ? CudaLstmLayer.Rule.NONE : CudaLstmLayer.Rule.NEURON;
            layers.add(new CudaLstmLayer(device, rule, CudaLstmLayer.Weights.of(l), theta, grad, clip));
        }
        embedding = theta.at(layout.embedding.offset());
        gEmbedding = grad.at(layout.embedding.offset());
        decoderBias = theta.at(layout.decoderBias.offset());
        gDecoderBias = grad.at(layout.decoderBias.offset());
        rng = new SplittableRandom(seed);
    }

    /**
     * All buffers of one batch size, for segments of up to {@code capacity} steps, and the captured launches of
     * each (steps, train) run in them.
     */
    private final class Workspace {
        final int batch;
        final int capacity;
        private final List<Long> owned = new ArrayList<>();
        final long inputs, targets;          // int [T*B]
        final long[] in = new long[LargeShape.LAYERS];     // each layer's input after dropout, [T*B][in_l]
        final long y;                        // the top layer's output after dropout, [T*B][E]
        final long[] dOut = new long[LargeShape.LAYERS];   // dL/d(raw output) of each layer, [T*B][N_l]
        final long wordMask;                 // [V]
        final long inputMask, outputMask;    // [B][E]
        final long[] hiddenMasks = new long[LargeShape.LAYERS - 1];  // after layers 0 .. L-2, [B][N_l]
        final CudaSoftmax softmax;
        final List<CudaLstmLayer.Buffers> layerBuffers = new ArrayList<>();
        final Map<Integer, Object> graphs = new HashMap<>(); // key: steps, negated for evaluation

        Workspace(int batch, int capacity) {
            this.batch = batch;
            this.capacity = capacity;
            long rows = (long) batch * capacity;
            inputs = allocate(rows * Integer.BYTES);
            targets = allocate(rows * Integer.BYTES);
            for (int l = 0; l < LargeShape.LAYERS; l++) {
                in[l] = floats(rows * shape.inputWidth(l));
                dOut[l] = floats(rows * shape.width(l));
                layerBuffers.add(layers.get(l).buffers(batch, capacity));
            }
            y = floats(rows * shape.embedding());
            wordMask = floats(shape.vocab());
            inputMask = floats((long) batch * shape.embedding());
            outputMask = floats((long) batch * shape.embedding());
            for (int l = 0; l < hiddenMasks.length; l++) {
                hiddenMasks[l] = floats((long) batch * shape.width(l));
            }
            softmax = new CudaSoftmax(device, shape.vocab(), Math.toIntExact(rows));
        }

        private long allocate(long bytes) {
            long a = device.allocate(bytes);
            owned.add(a);
            return a;
        }

        private long floats(long count) {
            return allocate(count * Float.BYTES);
        }

        Object graph(int steps, boolean train) {
            return graphs.computeIfAbsent(train ? steps : -steps, k -> new Object());
        }

        /** The layers' buffers cut to {@code steps}, with what training needs allocated when {@code train}. */
        List<CudaLstmLayer.Buffers> cut(int steps, boolean train) {
            if (train) {
                layerBuffers.forEach(CudaLstmLayer.Buffers::ensureTraining);
            }
            return layerBuffers.stream().map(b -> b.cut(steps)).toList();
        }

        void free() {
            graphs.values().forEach(device::forget);
            graphs.clear();
            layerBuffers.forEach(CudaLstmLayer.Buffers::free);
            softmax.free();
            owned.forEach(device::free);
            owned.clear();
        }
    }

    private Workspace workspace(int batch, int steps) {
        Workspace w = workspaces.get(batch);
        if (w == null || w.capacity < steps) {
            if (w != null) { // grow to the longest segment seen (variable BPTT: base + 10 steps at most)
                w.free();
            }
            w = new Workspace(batch, steps);
            workspaces.put(batch, w);
        }
        return w;
    }

    /** Restarts the stream of dropout masks (the trainer reseeds per epoch, so a resumed trial draws the same). */
    @Override
    public void reseed(long seed) {
        rng = new SplittableRandom(seed);
    }

    /** Draws a segment's masks in {@code nn.LargeLstmModel}'s order (word, input, between layers, output). */
    private void drawMasks(Workspace w) {
        upload(w.wordMask, DropoutMasks.words(rng, shape.vocab(), reg.embedding()));
        upload(w.inputMask, DropoutMasks.sequences(rng, w.batch, shape.embedding(), reg.input()));
        for (int l = 0; l < w.hiddenMasks.length; l++) {
            upload(w.hiddenMasks[l], DropoutMasks.sequences(rng, w.batch, shape.width(l), reg.hidden()));
        }
        upload(w.outputMask, DropoutMasks.sequences(rng, w.batch, shape.embedding(), reg.output()));
    }

    private void upload(long address, double[] values) {
        float[] f = new float[values.length];
        for (int k = 0; k < f.length; k++) {
            f[k] = (float) values[k];
        }
        device.upload(address, f, 0, f.length);
    }

    private Workspace upload(int[] inputs, int[] targets, int batch, int steps) {
        Workspace w = workspace(batch, steps);
        device.upload(w.inputs, inputs, 0, batch * steps);
        device.upload(w.targets, targets, 0, batch * steps);
        return w;
    }

    /** Embedding, layers and the dropouts between them (training only); returns the softmax's input, [T*B][E]. */
    private long forward(Workspace w, List<CudaLstmLayer.Buffers> buffers, int steps, boolean train) {
        int batch = w.batch;
        int rows = batch * steps;
        int e = shape.embedding();
        if (train) {
            device.launchThreads("embedding_forward_dropped", (long) rows * e, rows, e, batch, w.inputs, embedding,
                    w.wordMask, w.inputMask, w.in[0]);
        } else {
            device.launchThreads("embedding_forward", (long) rows * e, rows, e, w.inputs, embedding, w.in[0]);
        }
        long input = w.in[0];
        for (int l = 0; l < LargeShape.LAYERS; l++) {
            CudaLstmLayer.Buffers b = buffers.get(l);
            layers.get(l).forward(input, b, train);
            if (!train) {
                input = b.out(); // no dropout: the next layer reads the output where it is
                continue;
            }
            boolean top = l + 1 == LargeShape.LAYERS;
            input = top ? w.y : w.in[l + 1];
            int width = shape.width(l);
            device.launchThreads("dropout_rows", (long) rows * width, rows, width, batch, b.out(),
                    top ? w.outputMask : w.hiddenMasks[l], input);
        }
        return input;
    }

    /** z = y E^T + b (the softmax tied to the embedding), and the row reductions of its softmax. */
    private void softmax(Workspace w, int rows, long y) {
        int v = shape.vocab();
        int e = shape.embedding();
        device.gemm(false, true, rows, v, e, 1f, y, e, embedding, e, 0f, w.softmax.logits, v);
        w.softmax.reduce(rows, decoderBias, w.targets);
    }

    @Override
    public double trainSegment(int[] inputs, int[] targets, int batch, int steps) {
        long t0 = System.nanoTime();
        Workspace w = upload(inputs, targets, batch, steps);
        drawMasks(w);
        List<CudaLstmLayer.Buffers> buffers = w.cut(steps, true);
        device.replay(w.graph(steps, true), () -> {
            device.zero(grad.address, grad.length() * Float.BYTES);
            long y = forward(w, buffers, steps, true);
            softmax(w, batch * steps, y);
            backward(w, buffers, steps, y);
        });
        double loss = w.softmax.loss(batch * steps);
        phaseNanos[Phase.FORWARD.ordinal()] += System.nanoTime() - t0;
        return loss;
    }

    /**
     * The gradient of mean CE + AR + TAR: dCE/dz = p - onehot scaled by 1/(T*B); the tied weight's share dE +=
     * G^T y, db += colsum(G), dy = G E; AR's 2a y / count on the dropped output; back through the output dropout;
     * TAR's on the raw output; down the layers and their dropouts into the embedding (through the word and input
     * masks).
     */
    private void backward(Workspace w, List<CudaLstmLayer.Buffers> buffers, int steps, long y) {
        int batch = w.batch;
        int rows = batch * steps;
        int v = shape.vocab();
        int e = shape.embedding();
        float scale = 1f / rows;
        long g = w.softmax.logits;
        w.softmax.gradient(rows, w.targets);
        device.gemm(true, false, v, e, rows, scale, g, v, y, e, 1f, gEmbedding, e);
        device.launchThreads("column_sums", v, rows, v, v, g, scale, gDecoderBias);
        int top = LargeShape.LAYERS - 1;
        long dy = w.dOut[top]; // first dL/dy, then (in place) dL/d(raw top output)
        device.gemm(false, false, rows, e, v, scale, g, v, embedding, e, 0f, dy, e);
        long count = (long) rows * e;
        device.launchThreads("activation_regularizer", count, (int) count, (float) (2 * reg.ar() / count), y, dy);
        device.launchThreads("dropout_rows", count, rows, e, batch, dy, w.outputMask, dy);
        if (steps > 1) {
            int row = batch * e;
            device.launchThreads("temporal_regularizer", count, steps, row,
                    (float) (2 * reg.tar() / ((double) (steps - 1) * row)), buffers.get(top).out(), dy);
        }
        for (int l = top; l >= 0; l--) {
            CudaLstmLayer.Buffers b = buffers.get(l);
            layers.get(l).backward(w.in[l], w.dOut[l], b);
            if (l > 0) {
                int width = shape.width(l - 1);
                device.launchThreads("dropout_rows", (long) rows * width, rows, width, batch, b.dX, w.hiddenMasks[l - 1],
                        w.dOut[l - 1]);
            } else {
                device.launchThreads("embedding_backward_dropped", e, rows, e, batch, w.inputs, b.dX, w.wordMask,
                        w.inputMask, gEmbedding);
            }
        }
    }

    @Override
    public double evaluateSegment(int[] inputs, int[] targets, int batch, int steps) {
        Workspace w = upload(inputs, targets, batch, steps);
        List<CudaLstmLayer.Buffers> buffers = w.cut(steps, false);
        device.replay(w.graph(steps, false), () -> softmax(w, batch * steps, forward(w, buffers, steps, false)));
        return w.softmax.loss(batch * steps);
    }

    @Override
    public LargeShape shape() {
        return shape;
    }

    @Override
    public ParameterLayout layout() {
        return layout.params;
    }

    /** The traces one batch size holds: carried, and every step's of its longest segment (training). */
    @Override
    public long traceBytes(int batch) {
        Workspace w = workspaces.get(batch);
        long held = w == null ? 0 : w.layerBuffers.stream().mapToLong(CudaLstmLayer.Buffers::traceBytes).sum();
        return held + layers.stream().mapToLong(l -> l.carriedTraceBytes(batch)).sum();
    }
}
