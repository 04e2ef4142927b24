package backpropamine.train;

import backpropamine.model.LanguageModel;
import backpropamine.model.LargeLayout;
import backpropamine.model.ParameterLayout.Entry;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Plain SGD with global gradient-norm clipping and L2, in PyTorch's order: the gradient of the loss is clipped to
 * norm {@code maxNorm}, then {@code l2 * w} is added for every weight (basic model: never biases or rates; large
 * model: every parameter, as PyTorch's weight decay in the AWD-LSTM):
 *
 * <pre>
 *   g = grad * min(1, maxNorm / ||grad||) ;  w -= lr * (g + l2 * w)
 * </pre>
 */
public final class Sgd {
    private final INDArray theta;
    private final INDArray grad;
    private final INDArray weights;
    private final double maxNorm;
    private final List<INDArray> scaled = new ArrayList<>();
    private final List<Double> factors = new ArrayList<>();

    /** L2 on weights only (the basic model). */
    public Sgd(LanguageModel model, double maxNorm) {
        this(model, maxNorm, false);
    }

    /** @param decayAll L2 on every parameter, biases included (the large model's weight decay) */
    public Sgd(LanguageModel model, double maxNorm, boolean decayAll) {
        this.theta = model.parameters();
        this.grad = model.gradients();
        this.weights = decayAll ? theta : theta.get(NDArrayIndex.interval(0, model.layout().weightCount()));
        this.maxNorm = maxNorm;
    }

    /**
     * Multiplies the gradient of one parameter by {@code factor} before the clip, every step: a learning rate of its
     * own (the large model divides the per-neuron alpha's by N, see {@link LargeLayout#alphaGradientScale}).
     */
    public Sgd scaleGradient(Entry parameter, double factor) {
        scaled.add(grad.get(NDArrayIndex.interval(parameter.offset(), parameter.offset() + parameter.length())));
        factors.add(factor);
        return this;
    }

    /** Applies one update; returns the gradient norm before clipping (NaN/infinite: nothing is changed). */
    public double step(double lr, double l2) {
        for (int k = 0; k < scaled.size(); k++) {
            scaled.get(k).muli(factors.get(k));
        }
        double norm = grad.norm2Number().doubleValue();
        if (!Double.isFinite(norm)) {
            return norm;
        }
        double scale = norm > maxNorm ? maxNorm / norm : 1.0;
        if (l2 > 0) {
            weights.muli(1 - lr * l2);
        }
        Nd4j.getBlasWrapper().level1().axpy(theta.length(), -lr * scale, grad, theta);
        return norm;
    }
}
