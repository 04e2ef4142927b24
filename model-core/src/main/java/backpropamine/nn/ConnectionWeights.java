package backpropamine.nn;

import backpropamine.model.ParameterLayout.Entry;

/**
 * A plasticity parameter of the N x N plastic connections (alpha, eta, the fan-out u), held either per connection
 * (an N x N entry: the basic model) or per post-synaptic neuron (a 1 x N entry shared by every pre-synaptic row:
 * the large model's alpha_j and u_j). The trace kernels always read an N x N array; a per-neuron parameter is
 * broadcast into its rows, and its gradient is the sum of the rows' gradients, since every connection into
 * neuron j uses the same value.
 */
final class ConnectionWeights {
    private final Parameters params;
    private final Entry entry;
    final int n;
    final int np;
    private final boolean perNeuron;

    ConnectionWeights(Parameters params, Entry entry) {
        this.params = params;
        this.entry = entry;
        this.n = entry.cols();
        this.np = Simd.padded(n);
        this.perNeuron = entry.rows() == 1 && n > 1;
        if (!perNeuron && entry.rows() != n) {
            throw new IllegalArgumentException(entry.name() + " is " + entry.rows() + " x " + n + ": need N x N or 1 x N");
        }
    }

    /** Fills {@code dst} ([N][Np]) with the parameter, broadcasting a per-neuron one into every row. */
    void read(float[] dst) {
        params.read(entry, dst, np);
        if (perNeuron) {
            for (int i = 1; i < n; i++) {
                System.arraycopy(dst, 0, dst, i * np, np);
            }
        }
    }

    /** Adds an N x N gradient ([N][Np]) into the flat gradient, summing the rows of a per-neuron parameter. */
    void accumulate(float[] grad) {
        if (perNeuron) {
            for (int i = 1; i < n; i++) {
                for (int j = 0; j < np; j++) {
                    grad[j] += grad[i * np + j];
                }
            }
        }
        params.accumulate(entry, grad, np);
    }
}
