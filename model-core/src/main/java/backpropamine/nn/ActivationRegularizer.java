package backpropamine.nn;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Activation regularisation (AR) and temporal activation regularisation (TAR) of the last layer (Merity et al.
 * 2017), added to the training objective:
 *
 * <pre>
 *   AR  = a * mean over t, b, k of y(t)^2                 y: the last layer's output after its dropout
 *   TAR = b * mean over t >= 1, b, k of (h(t) - h(t-1))^2  h: the same output before dropout, within the segment
 * </pre>
 */
final class ActivationRegularizer {
    private final double ar;
    private final double tar;

    ActivationRegularizer(double ar, double tar) {
        this.ar = ar;
        this.tar = tar;
    }

    /**
     * AR of a segment's dropped output {@code y} ([T*B, width]); with {@code dy} not null, adds its gradient there.
     */
    double activation(INDArray y, int rows, int width, INDArray dy) {
        FloatBuffer yv = Tensors.view(y);
        int n = rows * width;
        double scale = ar / n;
        double sumSq = 0;
        FloatBuffer d = dy == null ? null : Tensors.view(dy);
        for (int k = 0; k < n; k++) {
            double v = yv.get(k);
            sumSq += v * v;
            if (d != null) {
                d.put(k, (float) (d.get(k) + 2 * scale * v));
            }
        }
        return scale * sumSq;
    }

    /**
     * TAR of a segment's raw output h ([T*B, width], time-major, read from root array {@code h} from element
     * {@code hOffset}); with {@code dh} not null, adds its gradient there. 0 for a single step.
     */
    double temporal(INDArray h, int hOffset, int batch, int steps, int width, INDArray dh) {
        if (steps < 2) {
            return 0; // no pair of successive steps
        }
        int row = batch * width; // one time step
        int n = steps * row;
        FloatBuffer hv = Tensors.view(h).slice(hOffset, n);
        double scale = tar / ((double) (steps - 1) * row);
        FloatBuffer d = dh == null ? null : Tensors.view(dh);
        double diffSq = 0;
        for (int k = row; k < n; k++) {
            double diff = hv.get(k) - hv.get(k - row);
            diffSq += diff * diff;
            if (d != null) {
                float g = (float) (2 * scale * diff);
                d.put(k, d.get(k) + g);
                d.put(k - row, d.get(k - row) - g);
            }
        }
        return scale * diffSq;
    }
}
