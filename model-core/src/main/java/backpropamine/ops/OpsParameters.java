package backpropamine.ops;

import backpropamine.model.ParameterLayout;
import backpropamine.model.ParameterLayout.Entry;
import backpropamine.nd4j.Nd4jVector;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The flat parameter and gradient vectors on the backend's device, and [rows, cols] views of their entries. */
final class OpsParameters {
    final ParameterLayout layout;
    final DataType dtype;
    final INDArray theta;
    final INDArray grad;
    /** {@link #theta} and {@link #grad} as the model hands them out. */
    final Nd4jVector thetaVector;
    final Nd4jVector gradVector;

    OpsParameters(ParameterLayout layout, DataType dtype, double[] initial) {
        this.layout = layout;
        this.dtype = dtype;
        this.theta = Nd4j.createFromArray(initial).castTo(dtype);
        this.grad = Nd4j.create(dtype, theta.length());
        this.thetaVector = new Nd4jVector(theta);
        this.gradVector = new Nd4jVector(grad);
    }

    INDArray value(Entry e) {
        return slice(theta, e);
    }

    INDArray gradient(Entry e) {
        return slice(grad, e);
    }

    /** A scalar parameter (the modulator bias, lambda), read once per segment. */
    double scalar(Entry e) {
        return theta.getDouble(e.offset());
    }

    /** An entry of the gradient, or null for a parameter the model lacks. */
    INDArray gradientOrNull(Entry e) {
        return e == null ? null : gradient(e);
    }

    /** An entry of the parameters, or null for a parameter the model lacks. */
    INDArray valueOrNull(Entry e) {
        return e == null ? null : value(e);
    }

    private static INDArray slice(INDArray flat, Entry e) {
        return flat.get(NDArrayIndex.interval(e.offset(), e.offset() + e.length())).reshape('c', e.rows(), e.cols());
    }
}
