package backpropamine.cuda;

/**
 * The softmax over the vocabulary on a device ({@code softmax.cu}) for up to {@code capacity} rows: the logits'
 * buffer, which the caller fills with z = h W by a matrix product, the row reductions (bias, max, z[target], sum
 * of exp), dCE/dz = p - onehot in place, and the loss, summed on the host in double from three floats per row.
 */
final class CudaSoftmax {
    static final int LANES = 128; // softmax.cu

    private final Device device;
    private final int vocab;
    final long logits; // [rows][V] logits, then dCE/dlogits
    private final long pmax, psum, rowmax, rowsum, zTarget;
    private final float[] max, sum, zt;

    CudaSoftmax(Device device, int vocab, int capacity) {
        this.device = device;
        this.vocab = vocab;
        long r = capacity;
        logits = device.allocate(r * vocab * Float.BYTES);
        pmax = device.allocate(r * LANES * Float.BYTES);
        psum = device.allocate(r * LANES * Float.BYTES);
        rowmax = device.allocate(r * Float.BYTES);
        rowsum = device.allocate(r * Float.BYTES);
        zTarget = device.allocate(r * Float.BYTES);
        max = new float[capacity];
        sum = new float[capacity];
        zt = new float[capacity];
    }

    /** z += b, and the row reductions of softmax(z): max, z[target], sum of exp(z - max). */
    void reduce(int rows, long bias, long targets) {
        long laneThreads = (long) rows * LANES;
        device.launchThreads("softmax_bias_max", laneThreads, rows, vocab, logits, bias, pmax);
        device.launchThreads("softmax_row_max", rows, rows, vocab, pmax, logits, targets, rowmax, zTarget);
        device.launchThreads("softmax_exp_sum", laneThreads, rows, vocab, logits, rowmax, psum);
        device.launchThreads("softmax_row_sum", rows, rows, psum, rowsum);
    }

    /** The logits become dCE/dz = softmax(z) - onehot(target) (after {@link #reduce}). */
    void gradient(int rows, long targets) {
        device.launchThreads("softmax_gradient", (long) rows * LANES, rows, vocab, logits, rowsum, targets);
    }

    /** Summed cross-entropy of the rows: sum of max + log(sum) - z[target], in double; waits for the device. */
    double loss(int rows) {
        device.download(rowmax, max, 0, rows);
        device.download(rowsum, sum, 0, rows);
        device.download(zTarget, zt, 0, rows);
        double total = 0;
        for (int r = 0; r < rows; r++) {
            total += max[r] + Math.log(sum[r]) - zt[r];
        }
        return total;
    }

    void free() {
        for (long a : new long[] {logits, pmax, psum, rowmax, rowsum, zTarget}) {
            device.free(a);
        }
    }
}
