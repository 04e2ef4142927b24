package backpropamine.train;

import backpropamine.model.LanguageModel;
import backpropamine.model.LargeLayout;
import backpropamine.model.ParameterLayout.Entry;
import backpropamine.model.ParameterVector;
import java.util.ArrayList;
import java.util.List;

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
    private final ParameterVector theta;
    private final ParameterVector grad;
    /** L2 applies to theta[0, decayEnd): the leading weight range, or everything. */
    private final long decayEnd;
    private final double maxNorm;
    private final List<Entry> scaled = new ArrayList<>();
    private final List<Double> factors = new ArrayList<>();

    /** L2 on weights only (the basic model). */
    public Sgd(LanguageModel model, double maxNorm) {
        this(model, maxNorm, false);
    }

    /** @param decayAll L2 on every parameter, biases included (the large model's weight decay) */
    public Sgd(LanguageModel model, double maxNorm, boolean decayAll) {
        this.theta = model.parameters();
        this.grad = model.gradients();
        this.decayEnd = decayAll ? theta.length() : model.layout().weightCount();
        this.maxNorm = maxNorm;
    }

    /**
     * Multiplies the gradient of one parameter by {@code factor} before the clip, every step: a learning rate of its
     * own (the large model divides the per-neuron alpha's by N, see {@link LargeLayout#alphaGradientScale}).
     */
    public Sgd scaleGradient(Entry parameter, double factor) {
        scaled.add(parameter);
        factors.add(factor);
        return this;
    }

    /** Applies one update; returns the gradient norm before clipping (NaN/infinite: nothing is changed). */
    public double step(double lr, double l2) {
        for (int k = 0; k < scaled.size(); k++) {
            Entry e = scaled.get(k);
            grad.scale(e.offset(), e.offset() + e.length(), factors.get(k));
        }
        double norm = grad.norm2();
        if (!Double.isFinite(norm)) {
            return norm;
        }
        double scale = norm > maxNorm ? maxNorm / norm : 1.0;
        if (l2 > 0) {
            theta.scale(0, decayEnd, 1 - lr * l2);
        }
        theta.axpy(-lr * scale, grad);
        return norm;
    }
}
