package backpropamine.cuda;

import com.sun.jna.Function;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.util.ArrayList;
import java.util.List;

/**
 * cuBLAS (the v2 API, {@code cublas_api.h}), found at run time: the library named by system property
 * {@code bpm.cublas} or environment variable {@code BPM_CUBLAS} (a path or a file name), else the first of
 * {@code libcublas.so.13}, {@code .12}, {@code .11} that the dynamic loader finds ({@code LD_LIBRARY_PATH},
 * {@code ldconfig}). Its absence is not an error: {@link #available()} is false and {@link CudaDevice} runs the
 * project's GEMM kernel ({@link Gemm}) instead.
 *
 * <p>Bound by JNA direct mapping like {@link CudaDriver} (one GEMM call per matrix product, many per step), against
 * the library chosen when this class initialises. cuBLAS is column-major; {@link #sgemmRowMajor} maps the project's
 * row-major products onto it.
 */
final class Cublas {
    static final String PROPERTY = "bpm.cublas";
    static final String ENV = "BPM_CUBLAS";
    static final String[] NAMES = {"libcublas.so.13", "libcublas.so.12", "libcublas.so.11"};

    static final int CUBLAS_OP_N = 0;
    static final int CUBLAS_OP_T = 1;
    /** Full float precision: no TF32 tensor-core rounding, which would cost the float comparisons with the CPU. */
    static final int CUBLAS_DEFAULT_MATH = 0;
    // libraryPropertyType
    private static final int MAJOR_VERSION = 0;
    private static final int MINOR_VERSION = 1;
    private static final int PATCH_LEVEL = 2;

    private static final NativeLibrary LIBRARY;
    private static final String TRIED;
    private static final String VERSION;
    /** cublasSetWorkspace_v2, looked up rather than bound: old cuBLAS 11 releases lack it. */
    private static final Function SET_WORKSPACE;

    static {
        List<String> tried = new ArrayList<>();
        NativeLibrary found = null;
        for (String name : candidates()) {
            try {
                NativeLibrary lib = NativeLibrary.getInstance(name);
                Native.register(Cublas.class, lib);
                found = lib;
                break;
            } catch (Throwable e) { // not found, or found but lacking a symbol: try the next
                String reason = CudaDriver.reason(e);
                tried.add(reason.contains("No such file") ? name : name + " (" + reason + ")");
            }
        }
        LIBRARY = found;
        TRIED = String.join(", ", tried);
        String version = null;
        Function setWorkspace = null;
        if (found != null) {
            int[] major = new int[1];
            int[] minor = new int[1];
            int[] patch = new int[1];
            if (cublasGetProperty(MAJOR_VERSION, major) == 0 && cublasGetProperty(MINOR_VERSION, minor) == 0
                    && cublasGetProperty(PATCH_LEVEL, patch) == 0) {
                version = major[0] + "." + minor[0] + "." + patch[0];
            } else {
                version = "?";
            }
            try {
                setWorkspace = found.getFunction("cublasSetWorkspace_v2");
            } catch (UnsatisfiedLinkError absent) {
                setWorkspace = null;
            }
        }
        VERSION = version;
        SET_WORKSPACE = setWorkspace;
    }

    private Cublas() {
    }

    /** The explicit library if one is configured (then only that), else the sonames newest first. */
    static List<String> candidates() {
        String explicit = System.getProperty(PROPERTY);
        if (explicit == null || explicit.isBlank()) {
            explicit = System.getenv(ENV);
        }
        if (explicit != null && !explicit.isBlank()) {
            return List.of(explicit.trim());
        }
        return List.of(NAMES);
    }

    static boolean available() {
        return LIBRARY != null;
    }

    /** "13.1.0", or null where no cuBLAS was found. */
    static String version() {
        return VERSION;
    }

    /** The file loaded, e.g. "/usr/lib/.../libcublas.so.13", or null. */
    static String file() {
        if (LIBRARY == null) {
            return null;
        }
        return LIBRARY.getFile() != null ? LIBRARY.getFile().getPath() : LIBRARY.getName();
    }

    /** One line: what was found, or what was tried and why the project's kernel is used. */
    static String describe() {
        if (LIBRARY != null) {
            return "cuBLAS " + VERSION + " (" + file() + ")";
        }
        return "cuBLAS not found (tried " + TRIED + "): the project's GEMM kernel is used";
    }

    /** A handle on the current context, issuing on {@code stream}, in full float precision. */
    static long create(long stream) {
        long[] handle = new long[1];
        check(cublasCreate_v2(handle), "cublasCreate_v2");
        try {
            check(cublasSetStream_v2(handle[0], stream), "cublasSetStream_v2");
            check(cublasSetMathMode(handle[0], CUBLAS_DEFAULT_MATH), "cublasSetMathMode(CUBLAS_DEFAULT_MATH)");
        } catch (CudaException e) {
            cublasDestroy_v2(handle[0]);
            throw e;
        }
        return handle[0];
    }

    /**
     * Gives the handle its own workspace (device memory the caller allocated and keeps), so that no GEMM inside a
     * stream capture makes cuBLAS allocate one (cudaMalloc is forbidden there in THREAD_LOCAL mode before cuBLAS
     * 12.2). Returns false where this cuBLAS has no cublasSetWorkspace_v2.
     */
    static boolean setWorkspace(long handle, long address, long bytes) {
        if (SET_WORKSPACE == null) {
            return false;
        }
        int status = SET_WORKSPACE.invokeInt(new Object[]{new Pointer(handle), new Pointer(address), bytes});
        check(status, "cublasSetWorkspace_v2");
        return true;
    }

    static void destroy(long handle) {
        check(cublasDestroy_v2(handle), "cublasDestroy_v2");
    }

    /**
     * Row-major {@code C[m x n] = alpha op(A) op(B) + beta C}, with row strides {@code lda}, {@code ldb}, {@code ldc}.
     * A row-major matrix with row stride ld is, read column-major with leading dimension ld, its transpose; so the
     * product is the column-major {@code C^T = op(B)^T op(A)^T}: cuBLAS gets B before A, n before m, and each
     * operand's transposition flag unchanged. {@code scalars} is host memory (CUBLAS_POINTER_MODE_HOST, the
     * default) holding alpha at offset 0 and beta at 4; cuBLAS reads them during the call (and a stream capture
     * keeps their values).
     */
    static void sgemmRowMajor(long handle, boolean transA, boolean transB, int m, int n, int k, long scalars, long a,
                              int lda, long b, int ldb, long c, int ldc) {
        int status = cublasSgemm_v2(handle, transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N,
                n, m, k, scalars, b, ldb, a, lda, scalars + 4, c, ldc);
        if (status != 0) {
            throw new CudaException(message(status, "cublasSgemm_v2(row-major m=" + m + " n=" + n + " k=" + k
                    + " transA=" + transA + " transB=" + transB + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc + ")"));
        }
    }

    static void check(int status, String call) {
        if (status != 0) {
            throw new CudaException(message(status, call));
        }
    }

    static String message(int status, String call) {
        String name = statusName(status);
        String hint;
        switch (status) {
            case 1:
                hint = "cuBLAS could not initialise: usually a driver older than this cuBLAS needs (cuBLAS 13 needs"
                        + " driver >= 580); update the driver or point " + PROPERTY + " / " + ENV + " at an older cuBLAS";
                break;
            case 3:
                hint = "the GPU's memory is full (nvidia-smi)";
                break;
            case 7:
                hint = "a dimension or leading dimension is out of range (row-major: lda >= columns of A as stored)";
                break;
            case 8:
                hint = "this cuBLAS does not support the GPU's architecture";
                break;
            default:
                hint = null;
        }
        return call + " failed: " + name + (hint == null ? "" : ": " + hint);
    }

    static String statusName(int status) {
        switch (status) {
            case 1: return "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3: return "CUBLAS_STATUS_ALLOC_FAILED";
            case 7: return "CUBLAS_STATUS_INVALID_VALUE";
            case 8: return "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11: return "CUBLAS_STATUS_MAPPING_ERROR";
            case 13: return "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14: return "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15: return "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16: return "CUBLAS_STATUS_LICENSE_ERROR";
            default: return "cublasStatus_t " + status;
        }
    }

    // ---- the bound functions (cublasStatus_t is an int enum; handles and device pointers are 64-bit)

    static native int cublasCreate_v2(long[] handle);

    static native int cublasDestroy_v2(long handle);

    static native int cublasSetStream_v2(long handle, long stream);

    static native int cublasSetMathMode(long handle, int mode);

    static native int cublasGetVersion_v2(long handle, int[] version);

    /** Needs no handle and no GPU: {@code (libraryPropertyType type, int* value)}. */
    static native int cublasGetProperty(int type, int[] value);

    /**
     * {@code (handle, transa, transb, m, n, k, const float* alpha, const float* A, lda, const float* B, ldb,
     * const float* beta, float* C, ldc)}, column-major; alpha and beta are host addresses here.
     */
    static native int cublasSgemm_v2(long handle, int transa, int transb, int m, int n, int k, long alpha, long a,
                                     int lda, long b, int ldb, long beta, long c, int ldc);
}
