package backpropamine.nn;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Off-heap matrices and their Java views: the two sides of every kernel. Matrix products go to
 * {@code Nd4j.gemm} on preallocated arrays (oneDNN); elementwise work is fused into plain Java loops over
 * heap arrays, copied in and out of the off-heap buffers with bulk (memcpy) transfers.
 *
 * <p>This package is written in float; the build generates the double twin ({@code backpropamine.nn64})
 * by replacing the primitive type, which is what the gradient checks run.
 */
final class Tensors {
    static final DataType DTYPE = DataType.FLOAT;

    private Tensors() {
    }

    static INDArray matrix(long rows, long cols) {
        return Nd4j.create(DTYPE, rows, cols);
    }

    /**
     * Java view of the memory of a root array, or of a view that starts where its root does (the first rows, see
     * {@link #rows}), without a copy. Views at an offset are refused: Java indices would not start at their first
     * element.
     */
    static FloatBuffer view(INDArray a) {
        if (a.isView() && (a.offset() != 0 || a.ordering() != 'c')) {
            throw new IllegalArgumentException("Java access needs a root array or a view of its first rows, not a view at"
                    + " offset " + a.offset());
        }
        return a.data().asNioFloat();
    }

    /** Rows [from, to) of a row-major matrix, as a view. */
    static INDArray rows(INDArray m, long from, long to) {
        INDArray v = m.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
        check(v, m);
        return v;
    }

    /** A [rows, cols] view of {@code flat} starting at {@code offset}. */
    static INDArray slice(INDArray flat, long offset, int rows, int cols) {
        INDArray v = flat.get(NDArrayIndex.interval(offset, offset + (long) rows * cols)).reshape('c', rows, cols);
        check(v, flat);
        return v;
    }

    /** A view shares memory with its parent at its element offset; anything else is a copy, which would be a bug. */
    private static void check(INDArray view, INDArray parent) {
        long expected = parent.data().addressPointer().address() + view.offset() * DTYPE.width();
        if (view.data().addressPointer().address() != expected) {
            throw new IllegalStateException("ND4J returned a copy where a view was required");
        }
    }

    /** c = alpha * op(a) * op(b) + beta * c. */
    static void gemm(INDArray a, boolean transA, INDArray b, boolean transB, INDArray c, double alpha, double beta) {
        Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
    }

    /**
     * tanh through one exp (Math.tanh costs ~40 ns here); a short series near zero avoids the cancellation
     * in 1 - exp(-2|x|). Relative error below 1e-12.
     */
    static float tanh(float x) {
        double ax = Math.abs(x);
        double y;
        if (ax < 0.0625) {
            double x2 = ax * ax;
            y = ax * (1 - x2 * (1.0 / 3 - x2 * (2.0 / 15 - x2 * (17.0 / 315))));
        } else {
            double e = Math.exp(-2 * ax);
            y = (1 - e) / (1 + e);
        }
        return (float) Math.copySign(y, x);
    }
}
