package backpropamine.cuda;

import backpropamine.model.ParameterVector;
import backpropamine.model.Precision;

/** A float vector in device memory: the CUDA model's parameters and gradients, and copies of them (averages, best model). */
final class DeviceVector implements ParameterVector {
    /** Partial sums of the norm's kernel: enough threads to fill a GPU, few enough to add up on the host at once. */
    private static final int NORM_PARTS = 8192;
    private static final int THREADS = 256;
    /** Grid of the grid-stride vector kernels. */
    private static final int BLOCKS = 1024;

    final Device device;
    final long address;
    private final long length;
    private long partials;

    DeviceVector(Device device, long length) {
        this.device = device;
        this.length = length;
        this.address = device.allocate(length * Float.BYTES);
    }

    /** Device address of element {@code offset}. */
    long at(long offset) {
        return address + offset * Float.BYTES;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public Precision precision() {
        return Precision.FLOAT;
    }

    @Override
    public double[] toDoubleArray() {
        float[] f = new float[Math.toIntExact(length)];
        device.download(address, f, 0, f.length);
        double[] out = new double[f.length];
        for (int k = 0; k < f.length; k++) {
            out[k] = f[k];
        }
        return out;
    }

    @Override
    public void set(double[] values) {
        if (values.length != length) {
            throw new IllegalArgumentException(values.length + " values for a vector of " + length);
        }
        float[] f = new float[values.length];
        for (int k = 0; k < f.length; k++) {
            f[k] = (float) values[k];
        }
        device.upload(address, f, 0, f.length);
    }

    @Override
    public void set(ParameterVector other) {
        device.copy(address, same(other).address, length * Float.BYTES);
    }

    @Override
    public ParameterVector copy() {
        DeviceVector c = new DeviceVector(device, length);
        c.set(this);
        return c;
    }

    @Override
    public double norm2() {
        if (partials == 0) {
            partials = device.allocate((long) NORM_PARTS * Float.BYTES);
        }
        device.launch("sum_squares_partial", NORM_PARTS / THREADS, 1, THREADS, length, address, NORM_PARTS, partials);
        float[] parts = new float[NORM_PARTS];
        device.download(partials, parts, 0, NORM_PARTS);
        double sum = 0;
        for (float p : parts) {
            sum += p;
        }
        return Math.sqrt(sum);
    }

    @Override
    public void scale(long from, long to, double factor) {
        device.launch("vector_scale", BLOCKS, 1, THREADS, from, to, address, (float) factor);
    }

    @Override
    public void axpy(double a, ParameterVector x) {
        device.launch("vector_axpy", BLOCKS, 1, THREADS, length, (float) a, same(x).address, address);
    }

    private DeviceVector same(ParameterVector other) {
        if (!(other instanceof DeviceVector d) || d.device != device || d.length != length) {
            throw new IllegalArgumentException("need a vector of " + length + " floats on the same device");
        }
        return d;
    }
}
