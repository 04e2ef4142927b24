package backpropamine.nn;

import backpropamine.model.DropoutMasks;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Embedding dropout (Merity et al., after Gal and Ghahramani): whole words are dropped from the embedding table
 * for a segment, so every occurrence of a dropped word in the segment reads a zero vector; kept words are scaled
 * by 1/(1-p) ({@link DropoutMasks}). Applies to the input lookup only, not to the tied softmax weights.
 */
final class EmbeddingDropout {
    private final double p;
    private final float[] mask; // per word: 0 or 1/(1-p)

    EmbeddingDropout(double p, int vocab) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("embedding dropout must be in [0, 1), was " + p);
        }
        this.p = p;
        this.mask = new float[vocab];
    }

    void draw(SplittableRandom rng) {
        double[] drawn = DropoutMasks.words(rng, mask.length, p);
        for (int w = 0; w < mask.length; w++) {
            mask[w] = (float) drawn[w];
        }
    }

    /** Scales row r of {@code rows} (width {@code dim}) by the mask of word tokens[r]: forward and backward alike. */
    void apply(int[] tokens, int n, INDArray rows, int dim) {
        FloatBuffer v = Tensors.view(rows);
        for (int r = 0; r < n; r++) {
            float m = mask[tokens[r]];
            for (int k = 0; k < dim; k++) {
                v.put(r * dim + k, v.get(r * dim + k) * m);
            }
        }
    }
}
