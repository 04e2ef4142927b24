// The one header every kernel file includes. It lets the same CUDA C compile two ways:
//   - as CUDA for the GPU (clang -x cuda --cuda-device-only, no CUDA SDK: PTX shipped in the jar), and
//   - as C++ for the host (BPM_EMULATION), where a launch runs every thread of every block in turn.
// Kernels follow one rule that makes the second way exact: threads never talk to each other (no shared memory,
// no barriers, no warp shuffles, no atomics). Every reduction is a loop in one thread or a deterministic pass over
// partial sums in a later kernel, so a result does not depend on scheduling: a trial is bit-reproducible on the
// GPU, and the host emulation computes what the GPU computes (up to cuBLAS, which the emulation replaces with the
// project's GEMM kernel).
#pragma once

#ifdef BPM_EMULATION
#include <cmath>
#include <cstdint>
#include <cstring>
struct bpm_dim3 { unsigned x, y, z; };
extern thread_local bpm_dim3 threadIdx, blockIdx, blockDim, gridDim;
#define __global__
#define __device__ static inline
#define KERNEL extern "C"
#define __restrict__ __restrict
static inline float bpm_fmaf(float a, float b, float c) { return std::fmaf(a, b, c); }
static inline float bpm_int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
static inline float bpm_fminf(float a, float b) { return a < b ? a : b; }
static inline float bpm_fmaxf(float a, float b) { return a > b ? a : b; }
// Registers the kernel with the emulator: a host function emu_<name>(gridX, gridY, blockX, args[]) that runs the
// whole grid, with the same argument array as cuLaunchKernel.
#include "bpm_emulator.h"
#define BPM_EXPORT(name) extern "C" void emu_##name(unsigned gx, unsigned gy, unsigned bx, void** args) { \
    bpm_emu::launch(name, gx, gy, bx, args); }
#else
#include <__clang_cuda_builtin_vars.h>
#define __global__ __attribute__((global))
#define __device__ static __attribute__((device)) inline
#define KERNEL extern "C" __attribute__((global))
static __attribute__((device)) inline float bpm_fmaf(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
static __attribute__((device)) inline float bpm_int_as_float(int i) { return __builtin_bit_cast(float, i); }
static __attribute__((device)) inline float bpm_fminf(float a, float b) { return a < b ? a : b; }
static __attribute__((device)) inline float bpm_fmaxf(float a, float b) { return a > b ? a : b; }
#define BPM_EXPORT(name)
#endif

// The global index of this thread along x.
__device__ int bpm_index() { return (int) (blockIdx.x * blockDim.x + threadIdx.x); }

// exp(x) = 2^k exp(r), x = k ln2 + r, |r| <= ln2/2, exp(r) by its Taylor polynomial of degree 7 (the remainder
// r^8/8! < 5.2e-9 is under half an ulp): the algorithm of the CPU kernels (nn/Simd.java), from +, *, fma and bit
// moves only. No libdevice is needed to build the PTX, and the GPU's result does not depend on a math library.
__device__ float bpm_exp(float x) {
    // the constants exactly as Simd derives them (double expressions rounded once to float)
    const double LN2 = 0.6931471805599453;
    const float MIN_ARG = (float) (-125 * LN2);    // (Float.MIN_EXPONENT + 1) * ln 2
    const float MAX_ARG = (float) (127 * LN2);     // Float.MAX_EXPONENT * ln 2
    const float SHIFTER = 12583039.0f;             // 1.5 * 2^23 + 127: adding it rounds to k, biased, in the low bits
    const float LOG2E = (float) (1 / LN2);
    const float LN2_HI = (float) LN2;
    const float LN2_LO = (float) (LN2 - (double) (float) LN2);
    x = bpm_fminf(bpm_fmaxf(x, MIN_ARG), MAX_ARG);
    float t = bpm_fmaf(x, LOG2E, SHIFTER);
    float k = t - SHIFTER;
    float r = bpm_fmaf(k, -LN2_HI, x);
    r = bpm_fmaf(k, -LN2_LO, r);
    float p = (float) (1.0 / 5040);
    p = bpm_fmaf(p, r, (float) (1.0 / 720));
    p = bpm_fmaf(p, r, (float) (1.0 / 120));
    p = bpm_fmaf(p, r, (float) (1.0 / 24));
    p = bpm_fmaf(p, r, (float) (1.0 / 6));
    p = bpm_fmaf(p, r, 0.5f);
    p = bpm_fmaf(p, r, 1.0f);
    p = bpm_fmaf(p, r, 1.0f);
    int bits;
#ifdef BPM_EMULATION
    std::memcpy(&bits, &t, 4);
#else
    bits = __builtin_bit_cast(int, t);
#endif
    return p * bpm_int_as_float(bits << 23);
}

__device__ float bpm_sigmoid(float x) { return 1.0f / (bpm_exp(-x) + 1.0f); }

// tanh(x) = (1 - e) / (1 + e), e = exp(-2x); exp's argument clamp keeps e finite, so the ratio is exact at +-1.
__device__ float bpm_tanh(float x) {
    float e = bpm_exp(x * -2.0f);
    return (1.0f - e) / (1.0f + e);
}

// Clip to [-c, c] (the trace bound), and the clip's gradient: passed only strictly inside (-c, c).
__device__ float bpm_clip(float x, float c) { return bpm_fminf(bpm_fmaxf(x, -c), c); }
__device__ float bpm_inside(float clipped, float c, float grad) { return (clipped < c && clipped > -c) ? grad : 0.0f; }
