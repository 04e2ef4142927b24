package backpropamine.cuda;

import backpropamine.model.LanguageModel;
import backpropamine.model.LayerState;
import backpropamine.model.ParameterVector;
import backpropamine.model.Phase;
import backpropamine.model.Precision;
import java.util.ArrayList;
import java.util.List;

/**
 * What the CUDA models share: the device they own, the flat parameter and gradient vectors on it, and the stacked
 * layers whose state is carried per batch size.
 */
public abstract class DeviceModel implements LanguageModel {
    final Device device;
    final DeviceVector theta;
    final DeviceVector grad;
    final List<CudaLstmLayer> layers = new ArrayList<>();
    final long[] phaseNanos = new long[Phase.values().length];

    /** @param device the device this model owns from now on (closed with the model) */
    DeviceModel(Device device, double[] initial) {
        this.device = device;
        this.theta = new DeviceVector(device, initial.length);
        this.grad = new DeviceVector(device, initial.length);
        theta.set(initial);
    }

    @Override
    public Precision precision() {
        return Precision.FLOAT;
    }

    @Override
    public ParameterVector parameters() {
        return theta;
    }

    @Override
    public ParameterVector gradients() {
        return grad;
    }

    /** A segment (forward, softmax, backward) is one captured graph: its time is all FORWARD. */
    @Override
    public long[] phaseNanos() {
        return phaseNanos.clone();
    }

    @Override
    public void resetState() {
        for (CudaLstmLayer l : layers) {
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

    /** The device this model runs on. */
    public Device device() {
        return device;
    }

    /** Frees every buffer of the model (and of copies of its vectors) with the device. */
    @Override
    public void close() {
        device.close();
    }
}
