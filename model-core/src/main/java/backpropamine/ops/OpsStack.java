package backpropamine.ops;

import backpropamine.model.LayeredModel;
import backpropamine.model.ParameterLayout;
import backpropamine.model.ParameterVector;
import backpropamine.model.Precision;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.shape.OneHot;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * What the basic and the large model share on the ND4J-ops path: the parameters on the backend's device, the stack
 * of (plastic) LSTM layers with their carried state, the softmax cross-entropy and the phase timings.
 */
abstract class OpsStack extends LayeredModel<OpsLstmLayer> {
    final OpsParameters params;
    private final int vocab;

    OpsStack(ParameterLayout layout, Precision precision, double[] initialValues, int vocab) {
        this.params = new OpsParameters(layout, precision == Precision.FLOAT ? DataType.FLOAT : DataType.DOUBLE,
                initialValues);
        this.vocab = vocab;
    }

    /**
     * The tokens of this segment: callers reuse buffers sized for a full segment, and the last segment of a split
     * is shorter (PTB: 18 training steps, 25 validation, 29 test). Every op here takes whole arrays, so they are
     * cut to {@code batch * steps} first.
     */
    static int[] segment(int[] tokens, int batch, int steps) {
        int length = Math.multiplyExact(batch, steps);
        if (tokens.length < length) {
            throw new IllegalArgumentException("segment of " + steps + " steps x batch " + batch + " needs " + length
                    + " tokens, got " + tokens.length);
        }
        return tokens.length == length ? tokens : Arrays.copyOf(tokens, length);
    }

    /**
     * {z - max(z), exp(z - max(z)), sum of each row's exps}, rows of z = h W + b ({@code transposed}: W is stored
     * [V, N], the tied embedding, and used as W^T).
     */
    static INDArray[] logits(INDArray h, INDArray w, boolean transposed, INDArray bias) {
        INDArray z = Nd4j.gemm(h, w, false, transposed).addiRowVector(bias);
        z.subiColumnVector(z.max(1));
        INDArray e = Transforms.exp(z, true);
        return new INDArray[] {z, e, e.sum(1)};
    }

    /** Summed CE = sum over rows of log(sum exp(z - max)) - (z - max)[target]. */
    static double crossEntropy(INDArray[] logits, INDArray oneHot) {
        try (INDArray target = logits[0].mul(oneHot)) {
            return Transforms.log(logits[2], true).sumNumber().doubleValue() - target.sumNumber().doubleValue();
        }
    }

    INDArray oneHot(int[] tokens) {
        return Nd4j.exec(new OneHot(Nd4j.createFromArray(tokens), vocab, -1, 1.0, 0.0, params.dtype))[0];
    }

    /** Frees [T*B, V] temporaries now, not when the garbage collector notices (it does not see device memory). */
    static void closeAll(INDArray... arrays) {
        for (INDArray a : arrays) {
            a.close();
        }
    }

    @Override
    public Precision precision() {
        return params.dtype == DataType.FLOAT ? Precision.FLOAT : Precision.DOUBLE;
    }

    @Override
    public ParameterVector parameters() {
        return params.thetaVector;
    }

    @Override
    public ParameterVector gradients() {
        return params.gradVector;
    }

    @Override
    public ParameterLayout layout() {
        return params.layout;
    }
}
