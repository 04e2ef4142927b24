package backpropamine.nn;

import backpropamine.model.ParameterLayout;
import backpropamine.model.ParameterLayout.Entry;
import backpropamine.nd4j.Nd4jVector;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The flat parameter and gradient vectors, and typed access to their named slices. */
final class Parameters {
    final ParameterLayout layout;
    final INDArray theta;
    final INDArray grad;
    /** {@link #theta} and {@link #grad} as the model hands them out. */
    final Nd4jVector thetaVector;
    final Nd4jVector gradVector;
    private final FloatBuffer thetaView;
    private final FloatBuffer gradView;

    Parameters(ParameterLayout layout) {
        this.layout = layout;
        this.theta = Nd4j.create(Tensors.DTYPE, layout.size());
        this.grad = Nd4j.create(Tensors.DTYPE, layout.size());
        this.thetaView = Tensors.view(theta);
        this.gradView = Tensors.view(grad);
        this.thetaVector = new Nd4jVector(theta);
        this.gradVector = new Nd4jVector(grad);
    }

    /** Sets every parameter from {@code values} (see {@link backpropamine.model.ModelLayout#initialValues}). */
    void initialise(double[] values) {
        for (int k = 0; k < values.length; k++) {
            thetaView.put(k, (float) values[k]);
        }
    }

    INDArray value(Entry e) {
        return Tensors.slice(theta, e.offset(), e.rows(), e.cols());
    }

    INDArray gradient(Entry e) {
        return Tensors.slice(grad, e.offset(), e.rows(), e.cols());
    }

    /** Copies a parameter into a heap array whose rows are {@code stride} wide (padded for the SIMD loops). */
    void read(Entry e, float[] dst, int stride) {
        for (int r = 0; r < e.rows(); r++) {
            thetaView.get((int) e.offset() + r * e.cols(), dst, r * stride, e.cols());
        }
    }

    /** Adds a heap-side gradient with rows {@code stride} wide into the flat gradient. */
    void accumulate(Entry e, float[] src, int stride) {
        float[] row = new float[e.cols()];
        for (int r = 0; r < e.rows(); r++) {
            int off = (int) e.offset() + r * e.cols();
            gradView.get(off, row, 0, row.length);
            for (int k = 0; k < row.length; k++) {
                row[k] += src[r * stride + k];
            }
            gradView.put(off, row, 0, row.length);
        }
    }

    FloatBuffer thetaView() {
        return thetaView;
    }

    FloatBuffer gradView() {
        return gradView;
    }
}
