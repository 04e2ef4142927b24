package backpropamine.nn;

import backpropamine.model.ModelLayout;
import backpropamine.model.ModelShape;
import backpropamine.model.Phase;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The basic language model of section 4.3: embedding -> stacked (plastic) LSTM layers -> softmax, for any of the
 * four variants. One instance owns the flat parameters, the per-batch-size recurrent state and the buffers.
 */
public final class PlasticLstmModel extends LstmStack {
    private final ModelShape shape;
    private final Embedding embedding;
    private final SoftmaxOutput softmax;
    private final Map<Long, Workspace> workspaces = new HashMap<>();

    /**
     * @param clip the Hebbian trace bound c (paper: 1.0)
     */
    public PlasticLstmModel(ModelShape shape, double clip, long seed, double initScale) {
        this(shape, ModelLayout.of(shape), clip, seed, initScale);
    }

    private PlasticLstmModel(ModelShape shape, ModelLayout layout, double clip, long seed, double initScale) {
        super(layout.params, layout.initialValues(seed, initScale));
        this.shape = shape;
        Shards shards = new Shards();
        embedding = new Embedding(params, layout.embedding);
        for (ModelLayout.Layer l : layout.layers) {
            HebbianTrace trace = switch (shape.variant()) {
                case LSTM -> null;
                case PLASTIC -> new PlainHebbian(params, l.alpha(), l.rate(), clip, shards);
                case SIMPLE -> new Neuromodulated(params, l.alpha(), l.rate(), modulator(l), clip, shards);
                case RETRO -> new Retroactive(params, l.alpha(), l.rate(), l.lambda(), modulator(l), clip, shards);
            };
            layers.add(new LstmLayer(params, l.wx(), l.wh(), l.bias(), trace));
        }
        softmax = new SoftmaxOutput(params, layout.softmaxW, layout.softmaxB, shards);
    }

    private Modulator modulator(ModelLayout.Layer l) {
        return new Modulator(params, l.modulatorV(), l.modulatorB());
    }

    /** All buffers of one (batch, steps) geometry. */
    private final class Workspace {
        final INDArray x;      // [T*B, N] embedded inputs
        final INDArray probs;  // [T*B, V] logits, then dCE/dlogits
        final INDArray dh;     // [T*B, N] dL/dh of the top layer
        final List<LstmLayer.Buffers> layerBuffers = new ArrayList<>();

        Workspace(int batch, int steps) {
            long rows = (long) batch * steps;
            x = Tensors.matrix(rows, shape.hidden());
            probs = Tensors.matrix(rows, shape.vocab());
            dh = Tensors.matrix(rows, shape.hidden());
            for (LstmLayer layer : layers) {
                layerBuffers.add(layer.buffers(batch, steps));
            }
        }
    }

    private Workspace workspace(int batch, int steps) {
        return workspaces.computeIfAbsent(((long) batch << 32) | steps, k -> new Workspace(batch, steps));
    }

    /** Embedding and recurrent layers; returns the input of the softmax. */
    private INDArray forward(int[] inputs, Workspace w, int batch, int steps, boolean train) {
        embedding.forward(inputs, batch * steps, w.x);
        INDArray x = w.x;
        for (int l = 0; l < layers.size(); l++) {
            layers.get(l).forward(x, w.layerBuffers.get(l), train);
            x = w.layerBuffers.get(l).out;
        }
        return x;
    }

    @Override
    public double trainSegment(int[] inputs, int[] targets, int batch, int steps) {
        Workspace w = workspace(batch, steps);
        long t0 = System.nanoTime();
        INDArray top = forward(inputs, w, batch, steps, true);
        long t1 = System.nanoTime();
        params.grad.assign(0);
        double loss = softmax.forward(top, targets, w.probs, true);
        // d(sum over steps of the batch-mean CE) = (1/B) d(sum of all CE)
        softmax.backward(top, w.probs, 1.0 / batch, w.dh);
        long t2 = System.nanoTime();
        INDArray dOut = w.dh;
        for (int l = layers.size() - 1; l >= 0; l--) {
            INDArray in = l == 0 ? w.x : w.layerBuffers.get(l - 1).out;
            layers.get(l).backward(in, dOut, w.layerBuffers.get(l));
            dOut = w.layerBuffers.get(l).dX;
        }
        embedding.backward(inputs, batch * steps, dOut);
        long t3 = System.nanoTime();
        phaseNanos[Phase.FORWARD.ordinal()] += t1 - t0;
        phaseNanos[Phase.SOFTMAX.ordinal()] += t2 - t1;
        phaseNanos[Phase.BACKWARD.ordinal()] += t3 - t2;
        return loss;
    }

    @Override
    public double evaluateSegment(int[] inputs, int[] targets, int batch, int steps) {
        Workspace w = workspace(batch, steps);
        return softmax.forward(forward(inputs, w, batch, steps, false), targets, w.probs, false);
    }

    @Override
    public ModelShape shape() {
        return shape;
    }
}
