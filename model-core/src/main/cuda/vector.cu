// Operations on the flat parameter and gradient vectors (train.Sgd, train.ParameterAverage through
// cuda.DeviceVector). Grid-stride loops: one launch covers any length.
#include "bpm_device.h"

// x[from..to) *= factor
KERNEL void vector_scale(long from, long to, float* __restrict__ x, float factor) {
    long stride = (long) gridDim.x * blockDim.x;
    for (long i = from + bpm_index(); i < to; i += stride) x[i] = x[i] * factor;
}
BPM_EXPORT(vector_scale)

// y += a * x
KERNEL void vector_axpy(long n, float a, const float* __restrict__ x, float* __restrict__ y) {
    long stride = (long) gridDim.x * blockDim.x;
    for (long i = bpm_index(); i < n; i += stride) y[i] = y[i] + a * x[i];
}
BPM_EXPORT(vector_axpy)

// partial[p] = sum of x[i]^2 over i = p, p + parts, ...: the host adds the parts in double (the gradient norm).
KERNEL void sum_squares_partial(long n, const float* __restrict__ x, int parts, float* __restrict__ partial) {
    int p = bpm_index();
    if (p >= parts) return;
    float s = 0.0f;
    for (long i = p; i < n; i += parts) s = bpm_fmaf(x[i], x[i], s);
    partial[p] = s;
}
BPM_EXPORT(sum_squares_partial)
