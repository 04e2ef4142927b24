package backpropamine.nn;

import backpropamine.model.LayeredModel;
import backpropamine.model.ParameterLayout;
import backpropamine.model.ParameterVector;
import backpropamine.model.Precision;

/**
 * What the basic and the large model share in the fused kernels: the flat parameters, the stack of (plastic) LSTM
 * layers with their carried state per batch size, and the phase timings. Subclasses build the layers and define
 * the segment's forward and backward around them.
 */
abstract class LstmStack extends LayeredModel<LstmLayer> {
    final Parameters params;

    LstmStack(ParameterLayout layout, double[] initialValues) {
        params = new Parameters(layout);
        params.initialise(initialValues);
    }

    @Override
    public long traceBytes(int batch) {
        return layers.stream().mapToLong(l -> l.traceFloats(batch)).sum() * Tensors.DTYPE.width();
    }

    @Override
    public Precision precision() {
        return Tensors.DTYPE == org.nd4j.linalg.api.buffer.DataType.FLOAT ? Precision.FLOAT : Precision.DOUBLE;
    }

    @Override
    public ParameterVector parameters() {
        return params.thetaVector;
    }

    @Override
    public ParameterVector gradients() {
        return params.gradVector;
    }

    @Override
    public ParameterLayout layout() {
        return params.layout;
    }
}
