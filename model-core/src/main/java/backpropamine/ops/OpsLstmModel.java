package backpropamine.ops;

import backpropamine.model.LanguageModel;
import backpropamine.model.LayerState;
import backpropamine.model.ModelLayout;
import backpropamine.model.ModelShape;
import backpropamine.model.ParameterLayout;
import backpropamine.model.Phase;
import backpropamine.model.Precision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.shape.OneHot;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The basic language model (embedding -> plastic LSTM layers -> softmax) written only in ND4J tensor ops: no
 * Java code touches an array's memory, so it runs on any ND4J backend, ND4J's CUDA backend included. Same
 * equations, parameter layout and initialisation as {@code backpropamine.nn.PlasticLstmModel}, which it
 * matches to rounding (OpsLstmModelTest). Matrix products go through {@code Nd4j.gemm} (oneDNN on CPU, cuBLAS on
 * CUDA; {@code mmul} took twice as long here); the rest are whole-batch elementwise ops and batched products of
 * the [B, N, N] traces. On CPU the fused kernels are 4-6 times faster, because every small op here pays ND4J's
 * per-op cost (docs/performance.md).
 */
public final class OpsLstmModel implements LanguageModel {
    private final ModelShape shape;
    private final OpsParameters params;
    private final INDArray embedding;
    private final INDArray dEmbedding;
    private final INDArray softmaxW;
    private final INDArray softmaxB;
    private final INDArray dSoftmaxW;
    private final INDArray dSoftmaxB;
    private final List<OpsLstmLayer> layers = new ArrayList<>();
    private final long[] phaseNanos = new long[Phase.values().length];

    /** @param clip the Hebbian trace bound c (paper: 1.0) */
    public OpsLstmModel(ModelShape shape, Precision precision, double clip, long seed, double initScale) {
        this.shape = shape;
        ModelLayout layout = ModelLayout.of(shape);
        DataType dtype = precision == Precision.FLOAT ? DataType.FLOAT : DataType.DOUBLE;
        params = new OpsParameters(layout.params, dtype, layout.initialValues(seed, initScale));
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
        INDArray[] logits = logits(top);
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
        INDArray[] logits = logits(top);
        INDArray oneHot = oneHot(targets);
        double loss = crossEntropy(logits, oneHot);
        closeAll(logits[0], logits[1], oneHot);
        return loss;
    }

    /**
     * The tokens of this segment: callers reuse buffers sized for a full segment, and the last segment of a split
     * is shorter (PTB: 18 training steps, 25 validation, 29 test). Every op here takes whole arrays, so they are
     * cut to {@code batch * steps} first.
     */
    private static int[] segment(int[] tokens, int batch, int steps) {
        int length = Math.multiplyExact(batch, steps);
        if (tokens.length < length) {
            throw new IllegalArgumentException("segment of " + steps + " steps x batch " + batch + " needs " + length
                    + " tokens, got " + tokens.length);
        }
        return tokens.length == length ? tokens : Arrays.copyOf(tokens, length);
    }

    private static void closeAll(INDArray... arrays) {
        for (INDArray a : arrays) {
            a.close();
        }
    }

    /** {z - max(z), exp(z - max(z)), sum of each row's exps}, rows of z = h W + b. */
    private INDArray[] logits(INDArray top) {
        INDArray z = Nd4j.gemm(top, softmaxW, false, false).addiRowVector(softmaxB);
        z.subiColumnVector(z.max(1));
        INDArray e = Transforms.exp(z, true);
        return new INDArray[] {z, e, e.sum(1)};
    }

    /** Summed CE = sum over rows of log(sum exp(z - max)) - (z - max)[target]. */
    private static double crossEntropy(INDArray[] logits, INDArray oneHot) {
        try (INDArray target = logits[0].mul(oneHot)) {
            return Transforms.log(logits[2], true).sumNumber().doubleValue() - target.sumNumber().doubleValue();
        }
    }

    private INDArray oneHot(int[] tokens) {
        return Nd4j.exec(new OneHot(Nd4j.createFromArray(tokens), shape.vocab(), -1, 1.0, 0.0, params.dtype))[0];
    }

    @Override
    public long[] phaseNanos() {
        return phaseNanos.clone();
    }

    @Override
    public void resetState() {
        layers.forEach(l -> l.resetState(null));
    }

    @Override
    public void resetState(int batch) {
        layers.forEach(l -> l.resetState(batch));
    }

    @Override
    public List<LayerState> state(int batch) {
        return layers.stream().map(l -> l.state(batch)).toList();
    }

    @Override
    public ModelShape shape() {
        return shape;
    }

    @Override
    public Precision precision() {
        return params.dtype == DataType.FLOAT ? Precision.FLOAT : Precision.DOUBLE;
    }

    @Override
    public INDArray parameters() {
        return params.theta;
    }

    @Override
    public INDArray gradients() {
        return params.grad;
    }

    @Override
    public ParameterLayout layout() {
        return params.layout;
    }
}
