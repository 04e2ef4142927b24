package backpropamine.testing;

import backpropamine.model.LanguageModel;
import backpropamine.model.LayerState;
import backpropamine.model.ParameterLayout;
import backpropamine.model.ParameterVector;
import backpropamine.model.Phase;
import backpropamine.model.Precision;
import backpropamine.model.Shape;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A language model on no backend at all: a unigram softmax, {@code p(v) = softmax(w + b)_v}, with its parameters in
 * {@link ArrayVector}s. It stands in for a model that is not ND4J-based, so that the trial path above the model
 * (trainer, SGD, averaging, checkpoints, evaluation) can be run where ND4J cannot be loaded. Loss convention of the
 * basic model: the per-step mean cross-entropy over the batch, summed over the steps.
 */
public final class UnigramModel implements LanguageModel {
    private final Shape shape;
    private final int vocab;
    private final ParameterLayout layout = new ParameterLayout();
    private final ArrayVector theta;
    private final ArrayVector grad;
    private final long[] phaseNanos = new long[Phase.values().length];

    public UnigramModel(Shape shape, long seed) {
        this.shape = shape;
        this.vocab = shape.vocab();
        layout.add("unigram.w", ParameterLayout.Kind.WEIGHT, 1, vocab);
        layout.add("unigram.b", ParameterLayout.Kind.BIAS, 1, vocab);
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] init = new double[2 * vocab];
        for (int k = 0; k < init.length; k++) {
            init[k] = rnd.nextDouble(-0.1, 0.1);
        }
        theta = new ArrayVector(Precision.DOUBLE, init);
        grad = new ArrayVector(Precision.DOUBLE, new double[2 * vocab]);
    }

    /** log p(v) for every token. */
    private double[] logProbabilities() {
        double[] t = theta.values();
        double[] z = new double[vocab];
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            z[v] = t[v] + t[vocab + v];
            max = Math.max(max, z[v]);
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            sum += Math.exp(z[v] - max);
        }
        double lse = max + Math.log(sum);
        for (int v = 0; v < vocab; v++) {
            z[v] -= lse;
        }
        return z;
    }

    @Override
    public double trainSegment(int[] inputs, int[] targets, int batch, int steps) {
        double[] logp = logProbabilities();
        double[] g = grad.values();
        java.util.Arrays.fill(g, 0);
        double loss = 0;
        int n = batch * steps;
        for (int k = 0; k < n; k++) {
            loss -= logp[targets[k]];
            g[targets[k]] -= 1.0 / batch;
        }
        for (int v = 0; v < vocab; v++) {
            g[v] += (double) n / batch * Math.exp(logp[v]);
            g[vocab + v] = g[v];
        }
        return loss;
    }

    @Override
    public double evaluateSegment(int[] inputs, int[] targets, int batch, int steps) {
        double[] logp = logProbabilities();
        double loss = 0;
        for (int k = 0; k < batch * steps; k++) {
            loss -= logp[targets[k]];
        }
        return loss;
    }

    @Override
    public Shape shape() {
        return shape;
    }

    @Override
    public Precision precision() {
        return Precision.DOUBLE;
    }

    @Override
    public ParameterVector parameters() {
        return theta;
    }

    @Override
    public ParameterVector gradients() {
        return grad;
    }

    @Override
    public ParameterLayout layout() {
        return layout;
    }

    @Override
    public long[] phaseNanos() {
        return phaseNanos.clone();
    }

    @Override
    public void resetState() {
    }

    @Override
    public void resetState(int batch) {
    }

    @Override
    public List<LayerState> state(int batch) {
        return List.of();
    }
}
