// The project's matrix product, row-major: C = alpha op(A) op(B) + beta C, C [m x n], op(A) [m x k], op(B) [k x n].
// The fallback where no cuBLAS is found, and the product of the host emulation. Each block of 256 threads computes
// a 64 x 64 tile of C; thread (tx, ty) of the 16 x 16 grid holds a 4 x 4 strip in registers: rows ty + 16p,
// columns tx + 16q, so a warp's loads of B and stores of C are contiguous. No shared memory (see bpm_device.h).
#include "bpm_device.h"

__device__ float gemm_a(const float* a, int lda, int transA, int row, int kk) {
    return transA ? a[(long) kk * lda + row] : a[(long) row * lda + kk];
}

__device__ float gemm_b(const float* b, int ldb, int transB, int kk, int col) {
    return transB ? b[(long) col * ldb + kk] : b[(long) kk * ldb + col];
}

KERNEL void gemm_rowmajor(int transA, int transB, int m, int n, int k, float alpha, const float* __restrict__ a,
                          int lda, const float* __restrict__ b, int ldb, float beta, float* __restrict__ c, int ldc) {
    int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
    int row0 = blockIdx.y * 64 + ty, col0 = blockIdx.x * 64 + tx;
    float acc[4][4];
    for (int p = 0; p < 4; p++)
        for (int q = 0; q < 4; q++) acc[p][q] = 0.0f;
    for (int kk = 0; kk < k; kk++) {
        float av[4], bv[4];
        for (int p = 0; p < 4; p++) {
            int row = row0 + 16 * p;
            av[p] = row < m ? gemm_a(a, lda, transA, row, kk) : 0.0f;
        }
        for (int q = 0; q < 4; q++) {
            int col = col0 + 16 * q;
            bv[q] = col < n ? gemm_b(b, ldb, transB, kk, col) : 0.0f;
        }
        for (int p = 0; p < 4; p++)
            for (int q = 0; q < 4; q++) acc[p][q] = bpm_fmaf(av[p], bv[q], acc[p][q]);
    }
    for (int p = 0; p < 4; p++) {
        int row = row0 + 16 * p;
        if (row >= m) continue;
        for (int q = 0; q < 4; q++) {
            int col = col0 + 16 * q;
            if (col >= n) continue;
            float* out = c + (long) row * ldc + col;
            // beta = 0 never reads C (it may hold anything, NaN included)
            *out = beta == 0.0f ? alpha * acc[p][q] : alpha * acc[p][q] + beta * *out;
        }
    }
}
BPM_EXPORT(gemm_rowmajor)
