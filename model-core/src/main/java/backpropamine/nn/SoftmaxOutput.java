package backpropamine.nn;

import static backpropamine.nn.Simd.L;
import static backpropamine.nn.Simd.load;

import backpropamine.model.ParameterLayout.Entry;
import java.nio.FloatBuffer;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The linear softmax over the vocabulary, for all T*B positions of a segment at once: one matrix product for
 * the logits (two thirds of the model's arithmetic is in this layer's three products), then one fused pass per
 * row for bias, log-sum-exp, cross-entropy and p - onehot.
 *
 * <pre>
 *   z = h W + b ;  CE = logsumexp(z) - z[target] ;  dCE/dz = softmax(z) - onehot(target)
 * </pre>
 */
final class SoftmaxOutput {
    private final Parameters params;
    private final Entry biasEntry;
    private final INDArray w;
    private final INDArray dw;
    private final int vocab;
    private final int vp;
    private final float[] bias;
    private final float[] dBias;
    private final float[] row;
    private final float[] accumulator = new float[L];

    SoftmaxOutput(Parameters params, Entry weight, Entry bias) {
        this.params = params;
        this.biasEntry = bias;
        this.w = params.value(weight);
        this.dw = params.gradient(weight);
        this.vocab = weight.cols();
        this.vp = Simd.padded(vocab);
        this.bias = new float[vp];
        this.dBias = new float[vp];
        this.row = new float[vp];
    }

    /**
     * Summed cross-entropy (nats) of the targets under softmax(h W + b). With {@code train}, {@code logits} is
     * left holding dCE/dz = p - onehot for {@link #backward}, and the bias gradient is accumulated.
     */
    double forward(INDArray h, int[] targets, INDArray logits, boolean train) {
        params.read(biasEntry, bias, vp);
        Tensors.gemm(h, false, w, false, logits, 1.0, 0.0);
        if (train) {
            Arrays.fill(dBias, 0);
        }
        double loss = 0;
        int rows = (int) logits.rows();
        FloatBuffer view = Tensors.view(logits);
        for (int r = 0; r < rows; r++) {
            view.get(r * vocab, row, 0, vocab);
            loss += crossEntropy(targets[r], train);
            if (train) {
                view.put(r * vocab, row, 0, vocab);
            }
        }
        return loss;
    }

    /** One row: CE of the target; with {@code grad}, the row becomes p - onehot and is added into dBias. */
    private double crossEntropy(int target, boolean grad) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < vocab; j++) {
            row[j] += bias[j];
            max = Math.max(max, row[j]);
        }
        // padding lanes hold -inf so that exp() makes them 0
        for (int j = vocab; j < vp; j++) {
            row[j] = Float.NEGATIVE_INFINITY;
        }
        float zTarget = row[target];
        FloatVector vmax = Simd.all(max);
        for (int j = 0; j < vp; j += L) {
            FloatVector e = Simd.exp(load(row, j).sub(vmax));
            e.intoArray(row, j);
            Simd.addInto(accumulator, 0, e);
        }
        float sum = Simd.drain(accumulator, 0);
        double ce = max + Math.log(sum) - zTarget;
        if (grad) {
            FloatVector inv = Simd.all(1 / sum);
            for (int j = 0; j < vp; j += L) {
                FloatVector p = load(row, j).mul(inv);
                p.intoArray(row, j);
                Simd.addInto(dBias, j, p);
            }
            row[target] -= 1;
            dBias[target] -= 1;
        }
        return ce;
    }

    /** dW += scale * h^T G, db += scale * sum of G's rows, dH = scale * G W^T, where G = p - onehot. */
    void backward(INDArray h, INDArray grad, double scale, INDArray dh) {
        Tensors.gemm(h, true, grad, false, dw, scale, 1.0);
        Tensors.gemm(grad, false, w, true, dh, scale, 0.0);
        for (int j = 0; j < vocab; j++) {
            dBias[j] *= (float) scale;
        }
        params.accumulate(biasEntry, dBias, vp);
    }
}
