// The linear softmax over the vocabulary for all T*B rows of a segment (the logits come from one matrix product):
//   z = h W + b ;  CE = logsumexp(z) - z[target] ;  dCE/dz = softmax(z) - onehot(target)
// A row's max and sum are reduced in two passes: LANES threads per row write partials (adjacent threads read
// adjacent logits), one thread per row combines them. The host sums CE = max + log(sum) - z[target] in double.
#include "bpm_device.h"

#define LANES 128

// z += b in place; pmax[r][lane] = max over the lane's columns.                 one thread per (r, lane)
KERNEL void softmax_bias_max(int rows, int vocab, float* __restrict__ z, const float* __restrict__ bias,
                             float* __restrict__ pmax) {
    int idx = bpm_index();
    if (idx >= rows * LANES) return;
    int r = idx / LANES, lane = idx % LANES;
    float m = -__builtin_inff();
    float* row = z + (long) r * vocab;
    for (int c = lane; c < vocab; c += LANES) {
        float v = row[c] + bias[c];
        row[c] = v;
        m = bpm_fmaxf(m, v);
    }
    pmax[idx] = m;
}
BPM_EXPORT(softmax_bias_max)

// rowmax[r] = max of the partials; zTarget[r] = z[r][target[r]].                one thread per row
KERNEL void softmax_row_max(int rows, int vocab, const float* __restrict__ pmax, const float* __restrict__ z,
                            const int* __restrict__ targets, float* __restrict__ rowmax, float* __restrict__ zTarget) {
    int r = bpm_index();
    if (r >= rows) return;
    float m = -__builtin_inff();
    for (int l = 0; l < LANES; l++) m = bpm_fmaxf(m, pmax[r * LANES + l]);
    rowmax[r] = m;
    zTarget[r] = z[(long) r * vocab + targets[r]];
}
BPM_EXPORT(softmax_row_max)

// z = exp(z - max) in place; psum[r][lane] = the lane's sum.                    one thread per (r, lane)
KERNEL void softmax_exp_sum(int rows, int vocab, float* __restrict__ z, const float* __restrict__ rowmax,
                            float* __restrict__ psum) {
    int idx = bpm_index();
    if (idx >= rows * LANES) return;
    int r = idx / LANES, lane = idx % LANES;
    float m = rowmax[r], s = 0.0f;
    float* row = z + (long) r * vocab;
    for (int c = lane; c < vocab; c += LANES) {
        float e = bpm_exp(row[c] - m);
        row[c] = e;
        s += e;
    }
    psum[idx] = s;
}
BPM_EXPORT(softmax_exp_sum)

// rowsum[r] = sum of the partials.                                              one thread per row
KERNEL void softmax_row_sum(int rows, const float* __restrict__ psum, float* __restrict__ rowsum) {
    int r = bpm_index();
    if (r >= rows) return;
    float s = 0.0f;
    for (int l = 0; l < LANES; l++) s += psum[r * LANES + l];
    rowsum[r] = s;
}
BPM_EXPORT(softmax_row_sum)

// z = exp(z - max) / sum - onehot(target) = dCE/dz.                             one thread per (r, lane)
KERNEL void softmax_gradient(int rows, int vocab, float* __restrict__ z, const float* __restrict__ rowsum,
                             const int* __restrict__ targets) {
    int idx = bpm_index();
    if (idx >= rows * LANES) return;
    int r = idx / LANES, lane = idx % LANES;
    float inv = 1.0f / rowsum[r];
    int target = targets[r];
    float* row = z + (long) r * vocab;
    for (int c = lane; c < vocab; c += LANES) {
        float p = row[c] * inv;
        row[c] = c == target ? p - 1.0f : p;
    }
}
BPM_EXPORT(softmax_gradient)
