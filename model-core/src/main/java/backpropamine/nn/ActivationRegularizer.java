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
     * The two penalties of a segment ({@code y} and {@code h} are [T*B, width], time-major; h is read from root
     * array {@code h} from element {@code hOffset}); with {@code dy} and {@code dh} not null, adds their gradients
     * into them.
     */
    double apply(INDArray y, INDArray h, int hOffset, int batch, int steps, int width, INDArray dy, INDArray dh) {
        FloatBuffer yv = Tensors.view(y);
        FloatBuffer hv = Tensors.view(h).slice(hOffset, batch * steps * width);
        int n = batch * steps * width;
        double sumSq = 0;
        double arScale = ar / n;
        for (int k = 0; k < n; k++) {
            double v = yv.get(k);
            sumSq += v * v;
        }
        if (dy != null) {
            FloatBuffer d = Tensors.view(dy);
            for (int k = 0; k < n; k++) {
                d.put(k, (float) (d.get(k) + 2 * arScale * yv.get(k)));
            }
        }
        double penalty = arScale * sumSq;
        if (steps < 2) {
            return penalty; // no pair of successive steps
        }
        int row = batch * width; // one time step
        double tarScale = tar / ((double) (steps - 1) * row);
        FloatBuffer d = dh == null ? null : Tensors.view(dh);
        double diffSq = 0;
        for (int k = row; k < n; k++) {
            double diff = hv.get(k) - hv.get(k - row);
            diffSq += diff * diff;
            if (d != null) {
                float g = (float) (2 * tarScale * diff);
                d.put(k, d.get(k) + g);
                d.put(k - row, d.get(k - row) - g);
            }
        }
        return penalty + tarScale * diffSq;
    }
}
