package backpropamine.nn;

import backpropamine.model.LargeLayout;
import backpropamine.model.LargeShape;
import backpropamine.model.Phase;
import backpropamine.model.Regularization;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The large language model of appendix A.3 (AWD-LSTM style): embedding with word dropout -> variational dropout
 * -> three (neuromodulated) LSTM layers with variational dropout between them -> variational dropout -> softmax
 * tied to the embedding. The training objective of a segment is
 *
 * <pre>
 *   mean cross-entropy over its T*B tokens + AR + TAR        (see {@link ActivationRegularizer})
 * </pre>
 *
 * The neuromodulated layers use simple neuromodulation with alpha and the fan-out per post-synaptic neuron
 * ({@link NeuronModulated}), and
 * keep their Hebbian traces every sqrt(T) steps only, recomputing the rest in the backward pass (exact; memory
 * grows as sqrt(T) instead of T, see {@link TraceHistory}). Dropout masks come from the model's own seeded stream
 * ({@link #reseed}); evaluation runs without dropout.
 */
public final class LargeLstmModel extends LstmStack {
    private final LargeShape shape;
    private final Embedding embedding;
    private final EmbeddingDropout wordDropout;
    private final VariationalDropout inputDropout;
    private final List<VariationalDropout> hiddenDropouts = new ArrayList<>(); // after layers 0 .. L-2
    private final VariationalDropout outputDropout;
    private final ActivationRegularizer regularizer;
    private final List<HebbianTrace> traces = new ArrayList<>();
    private final SoftmaxOutput softmax;
    private final Map<Long, Workspace> workspaces = new HashMap<>();
    private SplittableRandom rng;
    private boolean masksFrozen;
    private double lastPenalty;

    public LargeLstmModel(LargeShape shape, Regularization reg, double clip, long seed, double initScale) {
        this(shape, LargeLayout.of(shape), reg, clip, seed, initScale);
    }

    private LargeLstmModel(LargeShape shape, LargeLayout layout, Regularization reg, double clip, long seed,
                           double initScale) {
        super(layout.params, layout.initialValues(seed, initScale));
        this.shape = shape;
        Shards shards = new Shards();
        embedding = new Embedding(params, layout.embedding);
        wordDropout = new EmbeddingDropout(reg.embedding(), shape.vocab());
        inputDropout = new VariationalDropout(reg.input(), shape.embedding());
        for (int l = 0; l < LargeShape.LAYERS; l++) {
            LargeLayout.Layer layer = layout.layers.get(l);
            HebbianTrace trace = null;
            if (layer.alpha() != null) {
                Modulator m = new Modulator(params, layer.modulatorV(), layer.modulatorB());
                trace = new NeuronModulated(params, layer.alpha(), layer.u(), layer.fanBias(), m, clip, shards);
                trace.recomputeTraces(true);
                traces.add(trace);
            }
            layers.add(new LstmLayer(params, layer.wx(), layer.wh(), layer.biasIh(), layer.biasHh(), trace));
            if (l < LargeShape.LAYERS - 1) {
                hiddenDropouts.add(new VariationalDropout(reg.hidden(), shape.width(l)));
            }
        }
        outputDropout = new VariationalDropout(reg.output(), shape.embedding());
        regularizer = new ActivationRegularizer(reg.ar(), reg.tar());
        softmax = new SoftmaxOutput(params, layout.embedding, layout.decoderBias, shards, true);
        rng = new SplittableRandom(seed);
    }

    /**
     * All buffers of one batch size, for segments of up to {@code capacity} steps; {@link #cut} gives those of one
     * segment. Variable BPTT changes the length nearly every segment, so one allocation per length would hold
     * dozens of copies (gigabytes at this size).
     */
    private final class Workspace {
        final int capacity;
        final INDArray[] in = new INDArray[LargeShape.LAYERS]; // each layer's input after dropout, [T*B, in_l]
        final INDArray y;      // the top layer's output after dropout, [T*B, E]
        final INDArray probs;  // [T*B, V] logits, then dCE/dlogits
        final INDArray[] dOut = new INDArray[LargeShape.LAYERS]; // dL/d(raw output) of each layer
        final List<LstmLayer.Buffers> layerBuffers = new ArrayList<>();

        Workspace(int batch, int steps) {
            capacity = steps;
            long rows = (long) batch * steps;
            for (int l = 0; l < LargeShape.LAYERS; l++) {
                in[l] = Tensors.matrix(rows, shape.inputWidth(l));
                dOut[l] = Tensors.matrix(rows, shape.width(l));
                layerBuffers.add(layers.get(l).buffers(batch, steps));
            }
            y = Tensors.matrix(rows, shape.embedding());
            probs = Tensors.matrix(rows, shape.vocab());
        }

        /** The first {@code steps} steps of {@code full}: the same memory, cut to the segment's rows. */
        Workspace(Workspace full, int batch, int steps) {
            capacity = steps;
            long rows = (long) batch * steps;
            for (int l = 0; l < LargeShape.LAYERS; l++) {
                in[l] = Tensors.rows(full.in[l], 0, rows);
                dOut[l] = Tensors.rows(full.dOut[l], 0, rows);
                layerBuffers.add(layers.get(l).new Buffers(full.layerBuffers.get(l), steps));
            }
            y = Tensors.rows(full.y, 0, rows);
            probs = Tensors.rows(full.probs, 0, rows);
        }
    }

    private Workspace workspace(int batch, int steps) {
        Workspace full = workspaces.get((long) batch);
        if (full == null || full.capacity < steps) {
            // grow to the longest segment seen (variable BPTT: base + 10 steps at most)
            full = new Workspace(batch, Math.max(steps, full == null ? 0 : full.capacity));
            workspaces.put((long) batch, full);
        }
        return steps == full.capacity ? full : new Workspace(full, batch, steps);
    }

    /** Restarts the stream of dropout masks (the trainer reseeds per epoch, so a resumed trial draws the same). */
    @Override
    public void reseed(long seed) {
        rng = new SplittableRandom(seed);
    }

    /**
     * Draws one set of masks for {@code batch} sequences and keeps it for every later training segment (for
     * gradient checks, which need the objective as a fixed function of the parameters).
     */
    public void freezeMasks(int batch) {
        drawMasks(batch);
        masksFrozen = true;
    }

    private void drawMasks(int batch) {
        wordDropout.draw(rng);
        inputDropout.draw(batch, rng);
        hiddenDropouts.forEach(d -> d.draw(batch, rng));
        outputDropout.draw(batch, rng);
    }

    /** Embedding, layers and the dropouts between them (training only); returns the softmax input. */
    private INDArray forward(int[] inputs, Workspace w, int batch, int steps, boolean train) {
        int rows = batch * steps;
        embedding.forward(inputs, rows, w.in[0]);
        if (train) {
            wordDropout.apply(inputs, rows, w.in[0], shape.embedding());
            inputDropout.apply(w.in[0], w.in[0], batch, rows);
        }
        for (int l = 0; l < LargeShape.LAYERS; l++) {
            layers.get(l).forward(w.in[l], w.layerBuffers.get(l), train);
            LstmLayer.Buffers b = w.layerBuffers.get(l);
            INDArray next = l + 1 < LargeShape.LAYERS ? w.in[l + 1] : w.y;
            VariationalDropout d = l + 1 < LargeShape.LAYERS ? hiddenDropouts.get(l) : outputDropout;
            if (train) {
                d.apply(b.hs, rows(batch, l), next, batch, rows);
            } else {
                next.assign(b.out);
            }
        }
        return w.y;
    }

    @Override
    public double trainSegment(int[] inputs, int[] targets, int batch, int steps) {
        if (!masksFrozen) {
            drawMasks(batch);
        }
        Workspace w = workspace(batch, steps);
        int rows = batch * steps;
        long t0 = System.nanoTime();
        INDArray y = forward(inputs, w, batch, steps, true);
        long t1 = System.nanoTime();
        params.grad.assign(0);
        double loss = softmax.forward(y, targets, w.probs, true);
        INDArray dy = w.dOut[LargeShape.LAYERS - 1]; // first dL/dy, then (in place) dL/d(raw top output)
        softmax.backward(y, w.probs, 1.0 / rows, dy); // mean cross-entropy over the segment's tokens
        INDArray topRaw = w.layerBuffers.get(LargeShape.LAYERS - 1).hs;
        int top = rows(batch, LargeShape.LAYERS - 1);
        lastPenalty = regularizer.activation(y, rows, shape.embedding(), dy);
        outputDropout.apply(dy, dy, batch, rows);
        lastPenalty += regularizer.temporal(topRaw, top, batch, steps, shape.embedding(), dy); // on the raw output
        long t2 = System.nanoTime();
        for (int l = LargeShape.LAYERS - 1; l >= 0; l--) {
            LstmLayer.Buffers b = w.layerBuffers.get(l);
            layers.get(l).backward(w.in[l], w.dOut[l], b);
            if (l > 0) {
                hiddenDropouts.get(l - 1).apply(b.dX, w.dOut[l - 1], batch, rows);
            } else {
                inputDropout.apply(b.dX, b.dX, batch, rows);
                wordDropout.apply(inputs, rows, b.dX, shape.embedding());
                embedding.backward(inputs, rows, b.dX);
            }
        }
        long t3 = System.nanoTime();
        phaseNanos[Phase.FORWARD.ordinal()] += t1 - t0;
        phaseNanos[Phase.SOFTMAX.ordinal()] += t2 - t1;
        phaseNanos[Phase.BACKWARD.ordinal()] += t3 - t2;
        return loss;
    }

    /**
     * The training objective of a segment under the current (frozen) masks, forward only: mean cross-entropy + AR
     * + TAR. Advances the training state like {@link #trainSegment}. For gradient checks.
     */
    public double objective(int[] inputs, int[] targets, int batch, int steps) {
        Workspace w = workspace(batch, steps);
        INDArray y = forward(inputs, w, batch, steps, true);
        double ce = softmax.forward(y, targets, w.probs, false);
        INDArray topRaw = w.layerBuffers.get(LargeShape.LAYERS - 1).hs;
        return ce / (batch * steps) + regularizer.activation(y, batch * steps, shape.embedding(), null)
                + regularizer.temporal(topRaw, rows(batch, LargeShape.LAYERS - 1), batch, steps, shape.embedding(), null);
    }

    /** Element offset of h(1) in a layer's h(0..T) array: its output starts after the carried state's rows. */
    private int rows(int batch, int layer) {
        return batch * shape.width(layer);
    }

    /** Keeps every step of the traces instead of recomputing (to show that recomputation changes nothing). */
    void keepAllTraces() {
        traces.forEach(t -> t.recomputeTraces(false));
    }

    /** AR + TAR of the last training segment. */
    public double lastPenalty() {
        return lastPenalty;
    }

    @Override
    public double evaluateSegment(int[] inputs, int[] targets, int batch, int steps) {
        Workspace w = workspace(batch, steps);
        return softmax.forward(forward(inputs, w, batch, steps, false), targets, w.probs, false);
    }

    @Override
    public LargeShape shape() {
        return shape;
    }
}
