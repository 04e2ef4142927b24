package backpropamine.cuda;

/**
 * The project's own matrix product, kernel {@code gemm_rowmajor} in {@code gemm.cu}: the fallback where no cuBLAS
 * library is found, and the product the host emulation runs. Same contract as {@link Device#gemm}.
 */
public final class Gemm {
    /** Each block computes a TILE x TILE tile of C, one thread per TILE_M x 1 strip (see gemm.cu). */
    static final int TILE = 64;
    static final int THREADS = 256;

    private Gemm() {
    }

    public static void launch(Device device, boolean transA, boolean transB, int m, int n, int k, float alpha, long a,
                              int lda, long b, int ldb, float beta, long c, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        device.launch("gemm_rowmajor", (n + TILE - 1) / TILE, (m + TILE - 1) / TILE, THREADS,
                transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
