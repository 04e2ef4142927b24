package backpropamine.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD lanes for the fused loops. Every heap row of width N is padded to a multiple of the lane count with
 * zeros that the equations keep at zero (tanh(0) = 0, a zero trace stays zero), so loops need no tails or masks.
 */
final class Simd {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final FloatVector ZERO = FloatVector.zero(S);
    static final FloatVector ONE = FloatVector.broadcast(S, 1);

    private Simd() {
    }

    /** Row width of a padded heap row of n values. */
    static int padded(int n) {
        return (n + L - 1) / L * L;
    }

    static FloatVector load(float[] a, int i) {
        return FloatVector.fromArray(S, a, i);
    }

    static FloatVector all(float v) {
        return FloatVector.broadcast(S, v);
    }

    static FloatVector sigmoid(FloatVector x) {
        return ONE.div(exp(x.neg()).add(ONE));
    }

    /** tanh(x) = (1 - e) / (1 + e), e = exp(-2x); exp's argument clamp keeps e finite, so the ratio is exact at +-1. */
    static FloatVector tanh(FloatVector x) {
        FloatVector e = exp(x.mul(-2));
        return ONE.sub(e).div(ONE.add(e));
    }

    // exp(x) = 2^k exp(r), x = k ln2 + r, |r| <= ln2 / 2, exp(r) by a Taylor polynomial: degree 7 in float (the
    // remainder r^8/8! < 5.2e-9 is under half an ulp), degree 12 in the double twin. Only +, *, fma and bit
    // moves: the JIT-compiled and interpreted paths give bit-identical results, which SIMD library exp
    // (VectorOperators.EXP) does not, and a trial must be reproducible whatever the JIT did before it.
    private static final int MANTISSA = Float.SIZE - 2 - Integer.numberOfTrailingZeros(Float.MAX_EXPONENT + 1);
    /**
     * A compile-time constant, false in float: javac drops the high-order terms from the float bytecode, which
     * also keeps exp small enough for C2 to inline (FreqInlineSize; a vector passed to a call not inlined is boxed).
     */
    private static final boolean DOUBLE_TERMS = Float.SIZE == 64;
    /** 1.5 * 2^MANTISSA + bias: adding it rounds to an integer k held, biased, in the low mantissa bits. */
    private static final float SHIFTER = (float) (Math.scalb(1.5, MANTISSA) + Float.MAX_EXPONENT);
    private static final float LOG2E = (float) (1 / Math.log(2));
    private static final float LN2_HI = (float) Math.log(2);
    private static final float LN2_LO = (float) (Math.log(2) - LN2_HI);
    private static final float MIN_ARG = (float) ((Float.MIN_EXPONENT + 1) * Math.log(2));
    private static final float MAX_ARG = (float) (Float.MAX_EXPONENT * Math.log(2));
    private static final float[] TAYLOR = new float[13];

    static {
        double f = 1;
        for (int k = 0; k < TAYLOR.length; k++) {
            f = k == 0 ? 1 : f * k;
            TAYLOR[k] = (float) (1 / f);
        }
    }

    static FloatVector exp(FloatVector x) {
        x = x.max(MIN_ARG).min(MAX_ARG);
        FloatVector t = x.fma(all(LOG2E), all(SHIFTER));
        FloatVector k = t.sub(SHIFTER);
        FloatVector r = k.fma(all(-LN2_HI), x);
        r = k.fma(all(-LN2_LO), r);
        FloatVector p = all(TAYLOR[7]);
        if (DOUBLE_TERMS) {
            p = all(TAYLOR[12]);
            p = p.fma(r, all(TAYLOR[11]));
            p = p.fma(r, all(TAYLOR[10]));
            p = p.fma(r, all(TAYLOR[9]));
            p = p.fma(r, all(TAYLOR[8]));
            p = p.fma(r, all(TAYLOR[7]));
        }
        p = p.fma(r, all(TAYLOR[6]));
        p = p.fma(r, all(TAYLOR[5]));
        p = p.fma(r, all(TAYLOR[4]));
        p = p.fma(r, all(TAYLOR[3]));
        p = p.fma(r, all(TAYLOR[2]));
        p = p.fma(r, all(TAYLOR[1]));
        p = p.fma(r, all(TAYLOR[0]));
        FloatVector scale = t.reinterpretAsInts().lanewise(VectorOperators.LSHL, MANTISSA).reinterpretAsFloats();
        return p.mul(scale);
    }

    /**
     * acc[k*L..) += v * w. Sums over a row are accumulated through memory, not in a vector variable carried
     * around the loop: on Java 17, C2 boxes loop-carried vectors (5x slower and garbage per iteration).
     */
    static void fmaInto(float[] acc, int k, FloatVector v, FloatVector w) {
        v.fma(w, load(acc, k * L)).intoArray(acc, k * L);
    }

    /** Sum of the lanes of accumulator k, which is reset to zero. */
    static float drain(float[] acc, int k) {
        float s = 0;
        for (int l = k * L; l < (k + 1) * L; l++) {
            s += acc[l];
            acc[l] = 0;
        }
        return s;
    }

    /**
     * grad where |x| < c, else 0. The mask is the sign bit of |x| - c spread over the lane by an arithmetic
     * shift: C2 on Java 17 boxes vector masks in loops, but not integer lanes.
     */
    static FloatVector whereInside(FloatVector x, float c, FloatVector grad) {
        IntVector sign = x.abs().sub(c).reinterpretAsInts().lanewise(VectorOperators.ASHR, Float.SIZE - 1);
        return sign.and(grad.reinterpretAsInts()).reinterpretAsFloats();
    }

    /** acc[k*L..) = max(acc[k*L..), v), a running maximum through memory (see {@link #fmaInto}). */
    static void maxInto(float[] acc, int k, FloatVector v) {
        load(acc, k * L).max(v).intoArray(acc, k * L);
    }

    /** Maximum of the lanes of accumulator k, which is reset to zero. */
    static float drainMax(float[] acc, int k) {
        float m = acc[k * L];
        for (int l = k * L; l < (k + 1) * L; l++) {
            m = Math.max(m, acc[l]);
            acc[l] = 0;
        }
        return m;
    }

    /** a[i..i+L) += v. */
    static void addInto(float[] a, int i, FloatVector v) {
        load(a, i).add(v).intoArray(a, i);
    }
}
