package backpropamine.train;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The running mean of the parameters over the steps of averaged SGD (Polyak averaging; PyTorch's ASGD with
 * t0 = 0 and lambda = 0, as the AWD-LSTM uses it): after k steps since averaging began, the average is the mean of
 * the k parameter vectors that those steps produced,
 *
 * <pre>
 *   avg_k = avg_{k-1} + (theta_k - avg_{k-1}) / k
 * </pre>
 *
 * The model is evaluated (and, at the end, tested) with the average, while SGD goes on with the raw parameters.
 */
public final class ParameterAverage {
    private final INDArray mean;
    private long count;

    public ParameterAverage(long length, org.nd4j.linalg.api.buffer.DataType type) {
        this.mean = Nd4j.create(type, length);
    }

    /** Adds the parameters after one more step. */
    public void add(INDArray theta) {
        count++;
        if (count == 1) {
            mean.assign(theta);
        } else {
            double mu = 1.0 / count;
            mean.muli(1 - mu);
            Nd4j.getBlasWrapper().level1().axpy(mean.length(), mu, theta, mean);
        }
    }

    /** Steps averaged so far (0: averaging has not started). */
    public long count() {
        return count;
    }

    public INDArray mean() {
        return mean;
    }

    /** Restores the state of a checkpoint. */
    public void restore(INDArray values, long steps) {
        mean.assign(values);
        count = steps;
    }
}
