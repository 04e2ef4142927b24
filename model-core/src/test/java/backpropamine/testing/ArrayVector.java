package backpropamine.testing;

import backpropamine.model.ParameterVector;
import backpropamine.model.Precision;

/**
 * A {@link ParameterVector} over a plain {@code double[]} on the heap: a backend that is not ND4J, for tests of the
 * code above the model (optimizer, averaging, checkpoints) that must run without ND4J. FLOAT rounds every value
 * written to float.
 */
public final class ArrayVector implements ParameterVector {
    private final double[] values;
    private final Precision precision;

    public ArrayVector(Precision precision, double[] values) {
        this.precision = precision;
        this.values = values.clone();
        round(this.values);
    }

    public ArrayVector(double... values) {
        this(Precision.DOUBLE, values);
    }

    /** The values themselves (not a copy), for a test model that computes in place. */
    public double[] values() {
        return values;
    }

    @Override
    public long length() {
        return values.length;
    }

    @Override
    public Precision precision() {
        return precision;
    }

    @Override
    public double[] toDoubleArray() {
        return values.clone();
    }

    @Override
    public void set(double[] v) {
        if (v.length != values.length) {
            throw new IllegalArgumentException(v.length + " values for " + values.length);
        }
        System.arraycopy(v, 0, values, 0, v.length);
        round(values);
    }

    @Override
    public void set(ParameterVector other) {
        set(same(other).values);
    }

    @Override
    public ParameterVector copy() {
        return new ArrayVector(precision, values);
    }

    @Override
    public double norm2() {
        double s = 0;
        for (double x : values) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    @Override
    public void scale(long from, long to, double factor) {
        for (int k = (int) from; k < to; k++) {
            values[k] *= factor;
        }
        round(values);
    }

    @Override
    public void axpy(double a, ParameterVector x) {
        double[] xs = same(x).values;
        for (int k = 0; k < values.length; k++) {
            values[k] += a * xs[k];
        }
        round(values);
    }

    private ArrayVector same(ParameterVector x) {
        if (!(x instanceof ArrayVector v) || v.values.length != values.length) {
            throw new IllegalArgumentException("not an ArrayVector of length " + values.length + ": " + x);
        }
        return v;
    }

    private void round(double[] v) {
        if (precision == Precision.FLOAT) {
            for (int k = 0; k < v.length; k++) {
                v[k] = (float) v[k];
            }
        }
    }
}
