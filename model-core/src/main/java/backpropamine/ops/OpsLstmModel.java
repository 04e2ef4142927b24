package backpropamine.ops;

import backpropamine.model.ModelLayout;
import backpropamine.model.ModelShape;
import backpropamine.model.Phase;
import backpropamine.model.Precision;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The basic language model (embedding -> plastic LSTM layers -> softmax) written only in ND4J tensor ops: no
 * Java code touches an array's memory, so it runs on any ND4J backend, ND4J's CUDA backend included. Same
 * equations, parameter layout and initialisation as {@code backpropamine.nn.PlasticLstmModel}, which it
 * matches to rounding (OpsLstmModelTest). Matrix products go through {@code Nd4j.gemm} (oneDNN on CPU, cuBLAS on
 * CUDA; {@code mmul} took twice as long here); the rest are whole-batch elementwise ops and batched products of
 * the [B, N, N] traces. On CPU the fused kernels are 4-6 times faster, because every small op here pays ND4J's
 * per-op cost (docs/performance.md).
 */
public final class OpsLstmModel extends OpsStack {
    private final ModelShape shape;
    private final INDArray embedding;
    private final INDArray dEmbedding;
    private final INDArray softmaxW;
    private final INDArray softmaxB;
    private final INDArray dSoftmaxW;
    private final INDArray dSoftmaxB;

    /** @param clip the Hebbian trace bound c (paper: 1.0) */
    public OpsLstmModel(ModelShape shape, Precision precision, double clip, long seed, double initScale) {
        this(shape, ModelLayout.of(shape), precision, clip, seed, initScale);
    }

    private OpsLstmModel(ModelShape shape, ModelLayout layout, Precision precision, double clip, long seed,
                         double initScale) {
        super(layout.params, precision, layout.initialValues(seed, initScale), shape.vocab());
        this.shape = shape;
        embedding = params.value(layout.embedding);
        dEmbedding = params.gradient(layout.embedding);
        softmaxW = params.value(layout.softmaxW);
        softmaxB = params.value(layout.softmaxB);
        dSoftmaxW = params.gradient(layout.softmaxW);
        dSoftmaxB = params.gradient(layout.softmaxB);
        for (ModelLayout.Layer l : layout.layers) {
            OpsHebbianTrace trace = shape.variant().plastic() ? new OpsHebbianTrace(shape.variant(), params, l.alpha(),
                    l.rate(), null, l.modulatorV(), l.modulatorB(), l.lambda(), clip) : null;
            layers.add(new OpsLstmLayer(params, l.wx(), l.wh(), l.bias(), null, trace));
        }
    }

    @Override
    public double trainSegment(int[] inputsBuffer, int[] targetsBuffer, int batch, int steps) {
        int[] inputs = segment(inputsBuffer, batch, steps);
        int[] targets = segment(targetsBuffer, batch, steps);
        long t0 = System.nanoTime();
        INDArray x = Nd4j.pullRows(embedding, 1, inputs);
        INDArray top = x;
        List<INDArray> layerInputs = new ArrayList<>();
        for (OpsLstmLayer layer : layers) {
            layerInputs.add(top);
            top = layer.forward(top, batch, steps);
        }
        long t1 = System.nanoTime();
        params.grad.assign(0);
        INDArray[] logits = logits(top, softmaxW, false, softmaxB);
        INDArray oneHot = oneHot(targets);
        double loss = crossEntropy(logits, oneHot);
        // d(sum over steps of the batch-mean CE) = (1/B) (softmax - onehot)
        INDArray dz = logits[1].diviColumnVector(logits[2]).subi(oneHot).muli(1.0 / batch);
        Nd4j.gemm(top, dz, dSoftmaxW, true, false, 1.0, 1.0);
        dSoftmaxB.addi(dz.sum(true, 0));
        INDArray d = Nd4j.gemm(dz, softmaxW, false, true);
        closeAll(logits[0], logits[1], oneHot); // [T*B, V] each: free now, not when the GC notices
        long t2 = System.nanoTime();
        for (int l = layers.size() - 1; l >= 0; l--) {
            d = layers.get(l).backward(layerInputs.get(l), d);
        }
        // dE[token] += dx: a product with the one-hot matrix of the inputs (deterministic, unlike a scatter-add)
        try (INDArray inputsOneHot = oneHot(inputs)) {
            Nd4j.gemm(inputsOneHot, d, dEmbedding, true, false, 1.0, 1.0);
        }
        long t3 = System.nanoTime();
        phaseNanos[Phase.FORWARD.ordinal()] += t1 - t0;
        phaseNanos[Phase.SOFTMAX.ordinal()] += t2 - t1;
        phaseNanos[Phase.BACKWARD.ordinal()] += t3 - t2;
        return loss;
    }

    @Override
    public double evaluateSegment(int[] inputsBuffer, int[] targetsBuffer, int batch, int steps) {
        int[] inputs = segment(inputsBuffer, batch, steps);
        int[] targets = segment(targetsBuffer, batch, steps);
        INDArray top = Nd4j.pullRows(embedding, 1, inputs);
        for (OpsLstmLayer layer : layers) {
            top = layer.forward(top, batch, steps);
        }
        INDArray[] logits = logits(top, softmaxW, false, softmaxB);
        INDArray oneHot = oneHot(targets);
        double loss = crossEntropy(logits, oneHot);
        closeAll(logits[0], logits[1], oneHot);
        return loss;
    }

    @Override
    public ModelShape shape() {
        return shape;
    }
}
