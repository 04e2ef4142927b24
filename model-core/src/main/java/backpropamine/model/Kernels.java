package backpropamine.model;

import java.util.Arrays;
import java.util.Locale;

/**
 * Which implementation of the model computes a trial; both give the same numbers to rounding. Which one a
 * backend takes by default is decided above this package ({@code train.LanguageModels.kernelsForBackend()}).
 */
public enum Kernels {
    /** Fused Java (Vector API) loops around oneDNN matrix products: the fast path, ND4J's CPU backend only. */
    FUSED,
    /** ND4J tensor ops only ({@code backpropamine.ops}): runs on any backend, the one used on CUDA. */
    OPS,
    /**
     * The project's own CUDA kernels ({@code backpropamine.cuda}): PTX JIT-compiled by the NVIDIA driver, cuBLAS
     * found at run time, float on the device; no ND4J. On a machine without a GPU the same kernels run in the host
     * emulation (tests).
     */
    CUDA;

    /** Case-insensitive parse with a message listing the valid names. */
    public static Kernels parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown kernels '" + s + "': use one of " + Arrays.toString(values()));
        }
    }
}
