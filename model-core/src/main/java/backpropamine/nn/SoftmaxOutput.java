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
    private final boolean tied; // the weight is the embedding table, [V, N], used transposed
    private final int vp;
    private final Shards shards;
    private final float[] bias;
    /** Per shard (rows are split between threads): a row buffer, a vector accumulator, the bias gradient, the loss. */
    private final float[][] row;
    private final float[][] accumulator = Shards.parts(L);
    private final float[][] dBias;
    private final double[] loss = new double[Shards.COUNT];

    SoftmaxOutput(Parameters params, Entry weight, Entry bias, Shards shards) {
        this(params, weight, bias, shards, false);
    }

    /**
     * @param tied whether {@code weight} is the embedding table [V, N] (tied weights: z = h E^T + b, and its
     *             gradient adds to the embedding's) rather than an [N, V] matrix of its own
     */
    SoftmaxOutput(Parameters params, Entry weight, Entry bias, Shards shards, boolean tied) {
        this.params = params;
        this.biasEntry = bias;
        this.w = params.value(weight);
        this.dw = params.gradient(weight);
        this.tied = tied;
        this.vocab = tied ? weight.rows() : weight.cols();
        this.vp = Simd.padded(vocab);
        this.shards = shards;
        this.bias = new float[vp];
        this.dBias = Shards.parts(vp);
        this.row = Shards.parts(vp);
    }

    /**
     * Summed cross-entropy (nats) of the targets under softmax(h W + b). With {@code train}, {@code logits} is
     * left holding dCE/dz = p - onehot for {@link #backward}, and the bias gradient is accumulated.
     */
    double forward(INDArray h, int[] targets, INDArray logits, boolean train) {
        params.read(biasEntry, bias, vp);
        // padding lanes of the bias hold -inf, so that their logits are -inf and exp() makes them 0
        Arrays.fill(bias, vocab, vp, Float.NEGATIVE_INFINITY);
        Tensors.gemm(h, false, w, tied, logits, 1.0, 0.0);
        FloatBuffer view = Tensors.view(logits);
        shards.run((int) logits.rows(), (shard, from, to) -> {
            float[] z = row[shard];
            double sum = 0;
            if (train) {
                Arrays.fill(dBias[shard], 0);
            }
            for (int r = from; r < to; r++) {
                view.get(r * vocab, z, 0, vocab);
                sum += crossEntropy(z, accumulator[shard], train ? dBias[shard] : null, targets[r]);
                if (train) {
                    view.put(r * vocab, z, 0, vocab);
                }
            }
            loss[shard] = sum;
        });
        return loss[0] + loss[1];
    }

    /**
     * One row z of logits without bias: CE of the target; with {@code dBias}, z becomes p - onehot and is added
     * into it. Each pass is its own method: C2 stops inlining in a method past a node budget, and a Vector API
     * value handed to a call that was not inlined is boxed (an allocation per vector, measured 3x slower).
     */
    private double crossEntropy(float[] z, float[] acc, float[] dBias, int target) {
        float max = addBiasAndMax(z, acc);
        float zTarget = z[target];
        float sum = expAndSum(z, acc, max);
        if (dBias != null) {
            normalise(z, dBias, 1 / sum);
            z[target] -= 1;
            dBias[target] -= 1;
        }
        return max + Math.log(sum) - zTarget;
    }

    /** z += bias; returns max(z). */
    private float addBiasAndMax(float[] z, float[] acc) {
        Simd.all(Float.NEGATIVE_INFINITY).intoArray(acc, 0);
        for (int j = 0; j < vp; j += L) {
            FloatVector v = load(z, j).add(load(bias, j));
            v.intoArray(z, j);
            Simd.maxInto(acc, 0, v);
        }
        return Simd.drainMax(acc, 0);
    }

    /** z = exp(z - max); returns sum(z). */
    private float expAndSum(float[] z, float[] acc, float max) {
        FloatVector vmax = Simd.all(max);
        for (int j = 0; j < vp; j += L) {
            FloatVector e = Simd.exp(load(z, j).sub(vmax));
            e.intoArray(z, j);
            Simd.addInto(acc, 0, e);
        }
        return Simd.drain(acc, 0);
    }

    /** z *= inv (z becomes p); dBias += p. */
    private void normalise(float[] z, float[] dBias, float inv) {
        FloatVector vinv = Simd.all(inv);
        for (int j = 0; j < vp; j += L) {
            FloatVector p = load(z, j).mul(vinv);
            p.intoArray(z, j);
            Simd.addInto(dBias, j, p);
        }
    }

    /** dW += scale * h^T G, db += scale * sum of G's rows, dH = scale * G W^T, where G = p - onehot. */
    void backward(INDArray h, INDArray grad, double scale, INDArray dh) {
        if (tied) {
            Tensors.gemm(grad, true, h, false, dw, scale, 1.0);
        } else {
            Tensors.gemm(h, true, grad, false, dw, scale, 1.0);
        }
        Tensors.gemm(grad, false, w, !tied, dh, scale, 0.0);
        float[] db = dBias[0];
        for (int j = 0; j < vocab; j++) {
            db[j] = (db[j] + dBias[1][j]) * (float) scale;
        }
        params.accumulate(biasEntry, db, vp);
    }
}
