package backpropamine.nn;

import backpropamine.model.LanguageModel;
import backpropamine.model.LayerState;
import backpropamine.model.ParameterLayout;
import backpropamine.model.Phase;
import backpropamine.model.ParameterVector;
import backpropamine.model.Precision;
import java.util.ArrayList;
import java.util.List;

/**
 * What the basic and the large model share in the fused kernels: the flat parameters, the stack of (plastic) LSTM
 * layers with their carried state per batch size, and the phase timings. Subclasses build the layers and define
 * the segment's forward and backward around them.
 */
abstract class LstmStack implements LanguageModel {
    final Parameters params;
    final List<LstmLayer> layers = new ArrayList<>();
    final long[] phaseNanos = new long[Phase.values().length];

    LstmStack(ParameterLayout layout, double[] initialValues) {
        params = new Parameters(layout);
        params.initialise(initialValues);
    }

    @Override
    public long traceBytes(int batch) {
        return layers.stream().mapToLong(l -> l.traceFloats(batch)).sum() * Tensors.DTYPE.width();
    }

    @Override
    public long[] phaseNanos() {
        return phaseNanos.clone();
    }

    @Override
    public void resetState() {
        for (LstmLayer l : layers) {
            l.batchSizes().forEach(l::resetState);
        }
    }

    @Override
    public void resetState(int batch) {
        layers.forEach(l -> l.resetState(batch));
    }

    @Override
    public List<LayerState> state(int batch) {
        return layers.stream().map(l -> l.state(batch)).toList();
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
