package backpropamine.cuda;

import backpropamine.model.LayeredModel;
import backpropamine.model.ParameterVector;
import backpropamine.model.Precision;

/**
 * What the CUDA models share: the device they own, the flat parameter and gradient vectors on it, and the stacked
 * layers whose state is carried per batch size. A segment (forward, softmax, backward) is one captured graph: its
 * time is all {@code FORWARD}.
 */
public abstract class DeviceModel extends LayeredModel<CudaLstmLayer> {
    final Device device;
    final DeviceVector theta;
    final DeviceVector grad;

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
