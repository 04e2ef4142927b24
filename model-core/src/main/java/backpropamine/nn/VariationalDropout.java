package backpropamine.nn;

import backpropamine.model.DropoutMasks;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Variational ("locked") dropout (Gal and Ghahramani; Merity et al.'s LockedDropout): one mask per sequence of
 * the batch, the same at every time step of a segment, drawn afresh for each segment. Kept units are scaled by
 * 1/(1-p), so the expected activation is unchanged and evaluation runs without a mask.
 */
final class VariationalDropout {
    private final double p;
    private final int width;
    private float[] mask = new float[0]; // [B][width]: 0 or 1/(1-p)

    VariationalDropout(double p, int width) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), was " + p);
        }
        this.p = p;
        this.width = width;
    }

    /** Draws the mask of a segment with {@code batch} sequences. */
    void draw(int batch, SplittableRandom rng) {
        double[] drawn = DropoutMasks.sequences(rng, batch, width, p);
        if (mask.length != drawn.length) {
            mask = new float[drawn.length];
        }
        for (int k = 0; k < mask.length; k++) {
            mask[k] = (float) drawn[k];
        }
    }

    /**
     * dst = src * mask for time-major rows (row t*B + b uses sequence b's mask); also the backward, since the
     * gradient through a fixed mask is the same product. {@code src} and {@code dst} may be the same array.
     */
    void apply(INDArray src, INDArray dst, int batch, int rows) {
        apply(src, 0, dst, batch, rows);
    }

    /** The same, reading from root array {@code src} from element {@code srcOffset} on. */
    void apply(INDArray src, int srcOffset, INDArray dst, int batch, int rows) {
        FloatBuffer in = Tensors.view(src);
        FloatBuffer out = Tensors.view(dst);
        for (int r = 0; r < rows; r++) {
            int m = (r % batch) * width;
            int off = r * width;
            for (int k = 0; k < width; k++) {
                out.put(off + k, in.get(srcOffset + off + k) * mask[m + k]);
            }
        }
    }
}
