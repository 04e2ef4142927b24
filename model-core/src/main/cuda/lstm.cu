// The LSTM layer's kernels (appendix A.1), the embedding and the bias and row reductions they need. Layouts are
// row-major: a step's pre-activations and gate activations are [B][4N] with the gate blocks i | f | o | g, as the
// column blocks of W_x and W_h; h, c are [B][N]. One thread per (b, j) unless a kernel says otherwise.
#include "bpm_device.h"

// x[r, :] = E[tokens[r], :]                                              one thread per (r, k)
KERNEL void embedding_forward(int rows, int dim, const int* __restrict__ tokens, const float* __restrict__ table,
                              float* __restrict__ x) {
    int idx = bpm_index();
    if (idx >= rows * dim) return;
    int r = idx / dim, k = idx % dim;
    x[idx] = table[tokens[r] * dim + k];
}
BPM_EXPORT(embedding_forward)

// dE[tokens[r], :] += dx[r, :]: one thread per column k walks the rows in order, so repeated words add up in a
// fixed order (no atomics) and a warp's writes are contiguous.
KERNEL void embedding_backward(int rows, int dim, const int* __restrict__ tokens, const float* __restrict__ dx,
                               float* __restrict__ dtable) {
    int k = bpm_index();
    if (k >= dim) return;
    for (int r = 0; r < rows; r++) dtable[tokens[r] * dim + k] += dx[r * dim + k];
}
BPM_EXPORT(embedding_backward)

//   i = sigmoid(a_i + b_i)   f = sigmoid(a_f + b_f)   o = sigmoid(a_o + b_o)   g = tanh(a_g + b_g + plastic input)
//   c = f * c(t-1) + i * g ;  h = o * tanh(c)
// pre: x W_x + h(t-1) W_h of this step [B][4N]; plastic: h(t-1) . (alpha * Hebb(t)) [B][N] or null.
KERNEL void lstm_cell_forward(int batch, int n, const float* __restrict__ pre, const float* __restrict__ bias,
                              const float* __restrict__ plastic, const float* __restrict__ cPrev,
                              float* __restrict__ act, float* __restrict__ c, float* __restrict__ tc,
                              float* __restrict__ h) {
    int idx = bpm_index();
    if (idx >= batch * n) return;
    int b = idx / n, j = idx % n, r = b * 4 * n;
    float ig = bpm_sigmoid(pre[r + j] + bias[j]);
    float fg = bpm_sigmoid(pre[r + n + j] + bias[n + j]);
    float og = bpm_sigmoid(pre[r + 2 * n + j] + bias[2 * n + j]);
    float ag = pre[r + 3 * n + j] + bias[3 * n + j];
    if (plastic) ag = ag + plastic[idx];
    float gg = bpm_tanh(ag);
    float cn = fg * cPrev[idx] + ig * gg;
    float t = bpm_tanh(cn);
    act[r + j] = ig;
    act[r + n + j] = fg;
    act[r + 2 * n + j] = og;
    act[r + 3 * n + j] = gg;
    c[idx] = cn;
    tc[idx] = t;
    h[idx] = og * t;
}
BPM_EXPORT(lstm_cell_forward)

// Backward of one step. dL/dh(t) = dOut (from above) + dRec (through W_h from step t+1) + dhPlastic (through the
// plastic path and the modulator); dc carries dL/dc backward in place; dgHebb is dL/dg(t) through the Hebbian
// update (g is its post-synaptic activity), or null. Writes dL/d(pre-activations) [B][4N].
KERNEL void lstm_cell_backward(int batch, int n, const float* __restrict__ act, const float* __restrict__ cPrev,
                               const float* __restrict__ tc, const float* __restrict__ dOut,
                               const float* __restrict__ dRec, const float* __restrict__ dhPlastic,
                               const float* __restrict__ dgHebb, float* __restrict__ dc, float* __restrict__ dPre) {
    int idx = bpm_index();
    if (idx >= batch * n) return;
    int b = idx / n, j = idx % n, r = b * 4 * n;
    float ig = act[r + j], fg = act[r + n + j], og = act[r + 2 * n + j], gg = act[r + 3 * n + j];
    float t = tc[idx];
    float dh = dOut[idx] + dRec[idx];
    if (dhPlastic) dh = dh + dhPlastic[idx];
    float dcv = dc[idx] + dh * og * (1.0f - t * t);
    float dg = dcv * ig;
    if (dgHebb) dg = dg + dgHebb[idx];
    dPre[r + j] = dcv * gg * ig * (1.0f - ig);
    dPre[r + n + j] = dcv * cPrev[idx] * fg * (1.0f - fg);
    dPre[r + 2 * n + j] = dh * t * og * (1.0f - og);
    dPre[r + 3 * n + j] = dg * (1.0f - gg * gg);
    dc[idx] = dcv * fg;
}
BPM_EXPORT(lstm_cell_backward)

// out[c] += scale * sum_r in[r * ld + c]: bias gradients (column sums over a segment's rows). One thread per
// column walks the rows in order: adjacent threads read adjacent addresses.
KERNEL void column_sums(int rows, int cols, int ld, const float* __restrict__ in, float scale, float* __restrict__ out) {
    int c = bpm_index();
    if (c >= cols) return;
    float s = 0.0f;
    for (int r = 0; r < rows; r++) s += in[r * ld + c];
    out[c] += s * scale;
}
BPM_EXPORT(column_sums)

// out[r] (+)= sum_c in[r * cols + c]: small row reductions of partial sums. accumulate = 0 overwrites.
KERNEL void row_sums(int rows, int cols, const float* __restrict__ in, int accumulate, float* __restrict__ out) {
    int r = bpm_index();
    if (r >= rows) return;
    float s = 0.0f;
    for (int c = 0; c < cols; c++) s += in[r * cols + c];
    out[r] = accumulate ? out[r] + s : s;
}
BPM_EXPORT(row_sums)
