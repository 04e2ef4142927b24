package backpropamine.nd4j;

import backpropamine.model.ParameterVector;
import backpropamine.model.Precision;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A {@link ParameterVector} over a flat ND4J array of FLOAT or DOUBLE, on whatever device ND4J's backend keeps it.
 * The optimizer's per-step operations are single ND4J calls (norm2, BLAS axpy, in-place multiply of a view); the
 * views of the ranges that {@link #scale} is asked for are made once and kept, so a step allocates no array.
 */
public final class Nd4jVector implements ParameterVector {
    /** Ranges scaled so far: few (the L2 range, a handful of gradient entries), so a linear search is cheapest. */
    private static final int MAX_VIEWS = 64;

    private final INDArray array;
    private final Precision precision;
    private final long[] viewFrom = new long[MAX_VIEWS];
    private final long[] viewTo = new long[MAX_VIEWS];
    private final INDArray[] views = new INDArray[MAX_VIEWS];
    private int viewCount;

    /** Wraps (does not copy) a flat vector of FLOAT or DOUBLE; the model keeps writing into the same array. */
    public Nd4jVector(INDArray array) {
        if (array.rank() != 1 || array.length() != array.data().length()) {
            throw new IllegalArgumentException("not a whole flat vector: shape " + java.util.Arrays.toString(array.shape()));
        }
        this.array = array;
        this.precision = switch (array.dataType()) {
            case FLOAT -> Precision.FLOAT;
            case DOUBLE -> Precision.DOUBLE;
            default -> throw new IllegalArgumentException("parameters must be FLOAT or DOUBLE, not " + array.dataType());
        };
    }

    /** A new zero vector of this precision. */
    public static Nd4jVector zeros(Precision precision, long length) {
        return new Nd4jVector(Nd4j.create(dataType(precision), length));
    }

    /** The ND4J type of a precision. */
    public static DataType dataType(Precision precision) {
        return precision == Precision.FLOAT ? DataType.FLOAT : DataType.DOUBLE;
    }

    /** The array under a vector that must be an {@code Nd4jVector} (tests and ND4J-side code). */
    public static INDArray array(ParameterVector v) {
        if (v instanceof Nd4jVector n) {
            return n.array;
        }
        throw new IllegalArgumentException("not an ND4J vector: " + v.getClass().getName());
    }

    /** The wrapped array (the same one the model computes with). */
    public INDArray array() {
        return array;
    }

    @Override
    public long length() {
        return array.length();
    }

    @Override
    public Precision precision() {
        return precision;
    }

    @Override
    public double[] toDoubleArray() {
        return array.toDoubleVector();
    }

    @Override
    public void set(double[] values) {
        if (values.length != array.length()) {
            throw new IllegalArgumentException(values.length + " values for a vector of " + array.length());
        }
        try (INDArray host = Nd4j.createFromArray(values)) {
            if (precision == Precision.DOUBLE) {
                array.assign(host);
            } else {
                try (INDArray cast = host.castTo(DataType.FLOAT)) {
                    array.assign(cast);
                }
            }
        }
    }

    @Override
    public void set(ParameterVector other) {
        array.assign(same(other));
    }

    @Override
    public ParameterVector copy() {
        return new Nd4jVector(array.dup());
    }

    @Override
    public double norm2() {
        return array.norm2Number().doubleValue();
    }

    @Override
    public void scale(long from, long to, double factor) {
        if (from != to) {
            view(from, to).muli(factor);
        }
    }

    @Override
    public void axpy(double a, ParameterVector x) {
        Nd4j.getBlasWrapper().level1().axpy(array.length(), a, same(x), array);
    }

    @Override
    public String toString() {
        return "Nd4jVector[" + precision + ", " + array.length() + "]";
    }

    /** The array of a vector of this implementation and length. */
    private INDArray same(ParameterVector x) {
        INDArray other = array(x);
        if (other.length() != array.length()) {
            throw new IllegalArgumentException("vector of " + other.length() + " values, this one has " + array.length());
        }
        return other;
    }

    /** x[from..to) as a view, made on first use and kept (the whole array for the whole range). */
    private INDArray view(long from, long to) {
        if (from == 0 && to == array.length()) {
            return array;
        }
        for (int k = 0; k < viewCount; k++) {
            if (viewFrom[k] == from && viewTo[k] == to) {
                return views[k];
            }
        }
        if (from < 0 || to > array.length() || from > to) {
            throw new IndexOutOfBoundsException("[" + from + ", " + to + ") of a vector of " + array.length());
        }
        INDArray v = array.get(NDArrayIndex.interval(from, to));
        if (viewCount < MAX_VIEWS) {
            viewFrom[viewCount] = from;
            viewTo[viewCount] = to;
            views[viewCount++] = v;
        }
        return v;
    }
}
