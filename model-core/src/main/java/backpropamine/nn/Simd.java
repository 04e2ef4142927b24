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
        return ONE.div(x.neg().lanewise(VectorOperators.EXP).add(ONE));
    }

    static FloatVector tanh(FloatVector x) {
        return x.lanewise(VectorOperators.TANH);
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

    /** a[i..i+L) += v. */
    static void addInto(float[] a, int i, FloatVector v) {
        load(a, i).add(v).intoArray(a, i);
    }
}
