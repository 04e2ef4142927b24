package backpropamine.model;

import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.factory.Nd4j;

/** Which implementation of the model computes a trial; both give the same numbers to rounding. */
public enum Kernels {
    /** Fused Java (Vector API) loops around oneDNN matrix products: the fast path, ND4J's CPU backend only. */
    FUSED,
    /** ND4J tensor ops only ({@code backpropamine.ops}): runs on any backend, the one used on CUDA. */
    OPS;

    /** FUSED on ND4J's CPU backend, OPS on any other (CUDA). */
    public static Kernels forBackend() {
        return onCuda() ? OPS : FUSED;
    }

    /** Whether ND4J loaded its CUDA backend (the {@code -Pcuda} build on a machine with a GPU). */
    public static boolean onCuda() {
        return Nd4j.getBackend().getClass().getName().toLowerCase(Locale.ROOT).contains("cuda");
    }

    /** Case-insensitive parse with a message listing the valid names. */
    public static Kernels parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown kernels '" + s + "': use one of " + Arrays.toString(values()));
        }
    }
}
