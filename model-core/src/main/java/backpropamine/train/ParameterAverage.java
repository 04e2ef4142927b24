package backpropamine.train;

import backpropamine.model.ParameterVector;

/**
 * The running mean of the parameters over the steps of averaged SGD (Polyak averaging; PyTorch's ASGD with
 * t0 = 0 and lambda = 0, as the AWD-LSTM uses it): after k steps since averaging began, the average is the mean of
 * the k parameter vectors that those steps produced,
 *
 * <pre>
 *   avg_k = avg_{k-1} + (theta_k - avg_{k-1}) / k
 * </pre>
 *
 * The model is evaluated (and, at the end, tested) with the average, while SGD goes on with the raw parameters. The
 * mean is a {@link ParameterVector#copy} of the parameters, so it lives where they live (a GPU's memory too).
 */
public final class ParameterAverage {
    private ParameterVector mean;
    private long count;

    /** Adds the parameters after one more step. */
    public void add(ParameterVector theta) {
        count++;
        if (mean == null) {
            mean = theta.copy();
        } else if (count == 1) {
            mean.set(theta);
        } else {
            double mu = 1.0 / count;
            mean.scale(0, mean.length(), 1 - mu);
            mean.axpy(mu, theta);
        }
    }

    /** Steps averaged so far (0: averaging has not started). */
    public long count() {
        return count;
    }

    /** The average; null before the first {@link #add} or {@link #restore}. */
    public ParameterVector mean() {
        return mean;
    }

    /**
     * Restores the state of a checkpoint: the mean becomes a copy of {@code like} (a vector of the parameters'
     * implementation) holding {@code values}.
     */
    public void restore(ParameterVector like, double[] values, long steps) {
        mean = like.copy();
        mean.set(values);
        count = steps;
    }
}
