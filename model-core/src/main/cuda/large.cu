// What the large model (appendix A.3, AWD-LSTM style) adds around its layers: embedding dropout and variational
// dropout (masks drawn on the host by model.DropoutMasks, uploaded per segment), the two biases per gate, and AR
// and TAR on the last layer. Rows are time-major: row r = t*B + b belongs to sequence b = r % B. Products are
// rounded in the order of the fused CPU kernels (nn.EmbeddingDropout, nn.VariationalDropout).
#include "bpm_device.h"

// x[r, :] = E[w, :] * wordMask[w] * seqMask[b, :], w = tokens[r]: the embedding with whole words dropped for the
// segment, then the input's variational dropout.                                 one thread per (r, k)
KERNEL void embedding_forward_dropped(int rows, int dim, int batch, const int* __restrict__ tokens,
                                      const float* __restrict__ table, const float* __restrict__ wordMask,
                                      const float* __restrict__ seqMask, float* __restrict__ x) {
    int idx = bpm_index();
    if (idx >= rows * dim) return;
    int r = idx / dim, k = idx % dim, w = tokens[r];
    x[idx] = table[w * dim + k] * wordMask[w] * seqMask[(r % batch) * dim + k];
}
BPM_EXPORT(embedding_forward_dropped)

// dE[w, :] += dx[r, :] * seqMask[b, :] * wordMask[w]: the backward of the above. One thread per column walks the
// rows in order (repeated words add up in a fixed order, no atomics).
KERNEL void embedding_backward_dropped(int rows, int dim, int batch, const int* __restrict__ tokens,
                                       const float* __restrict__ dx, const float* __restrict__ wordMask,
                                       const float* __restrict__ seqMask, float* __restrict__ dtable) {
    int k = bpm_index();
    if (k >= dim) return;
    for (int r = 0; r < rows; r++) {
        int w = tokens[r];
        dtable[w * dim + k] += dx[r * dim + k] * seqMask[(r % batch) * dim + k] * wordMask[w];
    }
}
BPM_EXPORT(embedding_backward_dropped)

// dst[r, :] = src[r, :] * mask[b, :]: variational dropout, the same mask at every step of a segment; also its
// backward (the gradient through a fixed mask is the same product). src and dst may be the same.
KERNEL void dropout_rows(int rows, int width, int batch, const float* src, const float* __restrict__ mask, float* dst) {
    int idx = bpm_index();
    if (idx >= rows * width) return;
    int r = idx / width, k = idx % width;
    dst[idx] = src[idx] * mask[(r % batch) * width + k];
}
BPM_EXPORT(dropout_rows)

// out = b_ih + b_hh, the second bias covering the first count2 entries (the neuromodulated layer's b_hh has no g
// rows: its recurrent path into g is the plastic connection).
KERNEL void add_biases(int count, int count2, const float* __restrict__ b1, const float* __restrict__ b2,
                       float* __restrict__ out) {
    int k = bpm_index();
    if (k >= count) return;
    out[k] = k < count2 ? b1[k] + b2[k] : b1[k];
}
BPM_EXPORT(add_biases)

// AR = a mean(y^2) over the segment's dropped top output y:  dy += (2a / count) y.     one thread per element
KERNEL void activation_regularizer(int count, float scale2, const float* __restrict__ y, float* __restrict__ dy) {
    int k = bpm_index();
    if (k >= count) return;
    dy[k] = dy[k] + scale2 * y[k];
}
BPM_EXPORT(activation_regularizer)

// TAR = b mean((h(t) - h(t-1))^2) over t >= 1 of the raw top output h, [T][row]: element k of step t gets
// scale2 (h(t) - h(t-1)) from its own difference and -scale2 (h(t+1) - h(t)) from the next step's, scale2 =
// 2b / ((T-1) row). Each thread writes only its element.
KERNEL void temporal_regularizer(int steps, int row, float scale2, const float* __restrict__ h, float* __restrict__ dh) {
    int k = bpm_index();
    if (k >= steps * row) return;
    int t = k / row;
    float g = 0.0f;
    if (t > 0) g += scale2 * (h[k] - h[k - row]);
    if (t < steps - 1) g -= scale2 * (h[k + row] - h[k]);
    dh[k] = dh[k] + g;
}
BPM_EXPORT(temporal_regularizer)
