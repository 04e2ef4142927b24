package backpropamine.model;

/**
 * A flat vector of parameters or gradients wherever it lives (an ND4J buffer, GPU memory), with the few
 * operations the optimizer, parameter averaging, checkpoints and checks need. Every implementation of
 * {@link LanguageModel} hands out its parameters and gradients this way, so nothing above the model touches a
 * backend's array type.
 */
public interface ParameterVector {
    long length();

    /** The arithmetic the values are held in. */
    Precision precision();

    /** A copy of the values on the host, in double (exact for float). */
    double[] toDoubleArray();

    /** Overwrites every value from the host (rounded to {@link #precision()}). */
    void set(double[] values);

    /** Overwrites every value with those of {@code other}, a vector of the same implementation and length. */
    void set(ParameterVector other);

    /** A new vector of the same implementation holding a copy of the values. */
    ParameterVector copy();

    /** The Euclidean norm of all values. */
    double norm2();

    /** x[from..to) *= factor. */
    void scale(long from, long to, double factor);

    /** this += a * x, for {@code x} of the same implementation and length. */
    void axpy(double a, ParameterVector x);
}
