package backpropamine.nn;

import backpropamine.model.ParameterLayout.Entry;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Word embedding: row {@code w} of the table is the input vector of word {@code w}. */
final class Embedding {
    private final Parameters params;
    private final Entry table;
    private final int dim;

    Embedding(Parameters params, Entry table) {
        this.params = params;
        this.table = table;
        this.dim = table.cols();
    }

    /** out[r] = E[tokens[r]] for the first n rows. */
    void forward(int[] tokens, int n, INDArray out) {
        FloatBuffer src = params.thetaView();
        FloatBuffer dst = Tensors.view(out);
        for (int r = 0; r < n; r++) {
            dst.put(r * dim, src, (int) table.offset() + tokens[r] * dim, dim);
        }
    }

    /** dE[tokens[r]] += dOut[r]. */
    void backward(int[] tokens, int n, INDArray dOut) {
        FloatBuffer g = params.gradView();
        FloatBuffer d = Tensors.view(dOut);
        for (int r = 0; r < n; r++) {
            int row = (int) table.offset() + tokens[r] * dim;
            for (int k = 0; k < dim; k++) {
                g.put(row + k, g.get(row + k) + d.get(r * dim + k));
            }
        }
    }
}
