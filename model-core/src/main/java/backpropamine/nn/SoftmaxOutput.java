package backpropamine.nn;

import backpropamine.model.ParameterLayout.Entry;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The linear softmax over the vocabulary, for all T*B positions of a segment in one matrix product
 * (two thirds of the model's arithmetic is here).
 */
final class SoftmaxOutput {
    private final Entry weight; // [N, V]
    private final Entry bias;   // [1, V]
    private final INDArray w;
    private final INDArray b;
    private final INDArray dw;
    private final INDArray db;
    private final int vocab;

    SoftmaxOutput(Parameters params, Entry weight, Entry bias) {
        this.weight = weight;
        this.bias = bias;
        this.w = params.value(weight);
        this.b = params.value(bias);
        this.dw = params.gradient(weight);
        this.db = params.gradient(bias);
        this.vocab = weight.cols();
    }

    /**
     * probs = softmax(h W + b), row by row; returns the summed cross-entropy -sum log p(target) in nats.
     * {@code probs} keeps the probabilities for {@link #backward}.
     */
    double forward(INDArray h, int[] targets, INDArray probs) {
        Tensors.gemm(h, false, w, false, probs, 1.0, 0.0);
        probs.addiRowVector(b);
        Nd4j.exec(new SoftMax(probs, probs, 1));
        FloatBuffer p = Tensors.view(probs);
        double loss = 0;
        for (int r = 0; r < probs.rows(); r++) {
            loss -= Math.log(p.get(r * vocab + targets[r]));
        }
        return loss;
    }

    /**
     * Gradient of scale * sum CE: dLogits = scale * (p - onehot). Overwrites {@code probs} with (p - onehot),
     * accumulates dW and db, and writes dH = dLogits W^T.
     */
    void backward(INDArray h, int[] targets, INDArray probs, INDArray ones, double scale, INDArray dh) {
        FloatBuffer p = Tensors.view(probs);
        for (int r = 0; r < probs.rows(); r++) {
            int k = r * vocab + targets[r];
            p.put(k, p.get(k) - 1);
        }
        Tensors.gemm(h, true, probs, false, dw, scale, 1.0);
        Tensors.gemm(ones, false, probs, false, db, scale, 1.0); // column sums: the bias gradient
        Tensors.gemm(probs, false, w, true, dh, scale, 0.0);
    }
}
