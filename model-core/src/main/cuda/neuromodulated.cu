// The large model's plastic layers (appendix A.3): simple neuromodulation with alpha and the modulator's fan-out
// per post-synaptic neuron j,
//
//   g_j = tanh(W_xg x + b_ih,g + sum_i h_i(t-1) (w_ij + alpha_j Hebb_ij(t)))
//   eta_j(t) = u_j M(t) + b_j ;  Hebb(t+1) = Clip(Hebb(t) + eta_j(t) h_i(t-1) g_j(t)) ;  M(t) = tanh(v . h(t-1) + b_m)
//
// Traces are [B][N][N] as in hebbian.cu, index (b*N + i)*N + j. At N = 1149 they are the model's cost: 37 MB per
// layer and step at batch 7. One thread per (b, j) walking all i would give 8,000 threads, too few to keep a
// GPU's memory busy, so every pass over a trace splits i into `chunks` ranges, one thread per (chunk, b, j)
// (adjacent threads read adjacent j), and writes partial sums [chunks][B][N] that chunk_sums adds in a fixed
// order. Bytes per step and layer: the update reads Hebb(t) and writes Hebb(t+1) (2 trace passes); the backward
// reads Hebb(s) and dL/dHebb(s), writes dL/dHebb(s-1) (3), and its sums over j read Hebb(s) and dL/dHebb(s-1)
// again (2): 7 passes where 5 are unavoidable; the 2 extra are the price of threads that never communicate.
#include "bpm_device.h"

// The i range [lo, hi) of chunk c of n rows split into `chunks` (the last ones may be short or empty).
__device__ void bpm_chunk(int n, int chunks, int c, int* lo, int* hi) {
    int len = (n + chunks - 1) / chunks;
    *lo = c * len;
    *hi = *lo + len < n ? *lo + len : n;
}

// out[x] (+)= sum over c of parts[c * count + x], c in order.                    one thread per x
KERNEL void chunk_sums(int count, int chunks, const float* __restrict__ parts, int accumulate, float* __restrict__ out) {
    int x = bpm_index();
    if (x >= count) return;
    float s = 0.0f;
    for (int c = 0; c < chunks; c++) s += parts[(long) c * count + x];
    out[x] = accumulate ? out[x] + s : s;
}
BPM_EXPORT(chunk_sums)

// Partials of the plastic input in[b, j] = sum_i h_i alpha_j Hebb_bij (step 0; later steps get it from the update).
KERNEL void neuron_plastic_input(int batch, int n, int chunks, const float* __restrict__ h,
                                 const float* __restrict__ alpha, const float* __restrict__ hebb,
                                 float* __restrict__ parts) {
    int idx = bpm_index();
    if (idx >= chunks * batch * n) return;
    int c = idx / (batch * n), b = (idx / n) % batch, j = idx % n, lo, hi;
    bpm_chunk(n, chunks, c, &lo, &hi);
    float a = alpha[j], acc = 0.0f;
    for (int i = lo; i < hi; i++) acc += h[b * n + i] * a * hebb[((long) b * n + i) * n + j];
    parts[idx] = acc;
}
BPM_EXPORT(neuron_plastic_input)

// Hebb(t+1) = Clip(Hebb(t) + eta_j h_i(t-1) g_j(t)), eta_j = u_j M(t) + b_j; with parts != null also the partials
// of the next step's plastic input from hNew = h(t) and Hebb(t+1): one read and one write per trace element.
KERNEL void neuron_update(int batch, int n, int chunks, float clip, const float* __restrict__ hPrev,
                          const float* __restrict__ act, const float* __restrict__ u, const float* __restrict__ fanBias,
                          const float* __restrict__ m, const float* __restrict__ hebb, float* __restrict__ next,
                          const float* __restrict__ hNew, const float* __restrict__ alpha, float* __restrict__ parts) {
    int idx = bpm_index();
    if (idx >= chunks * batch * n) return;
    int c = idx / (batch * n), b = (idx / n) % batch, j = idx % n, lo, hi;
    bpm_chunk(n, chunks, c, &lo, &hi);
    float eta = bpm_fmaf(u[j], m[b], fanBias[j]);
    float post = act[b * 4 * n + 3 * n + j];
    float a = alpha[j], acc = 0.0f;
    for (int i = lo; i < hi; i++) {
        long k = ((long) b * n + i) * n + j;
        float h2 = bpm_clip(hebb[k] + eta * hPrev[b * n + i] * post, clip);
        next[k] = h2;
        if (parts) acc += hNew[b * n + i] * a * h2;
    }
    if (parts) parts[idx] = acc;
}
BPM_EXPORT(neuron_update)

// ---- backward of step s (names as in hebbian.cu: daG = dL/d(a_g) of step s, hS = h(s), hPrev = h(s-1) and
// actPrev = g(s-1) of the update of step s-1, which produced Hebb(s)). prev = 0 at s = 0: the plastic input only.

// Sums over i, partials per (chunk, b, j):
//   partA = sum_i h_i(s) Hebb(s)_ij                  dL/dalpha_j = sum_b daG_bj partA_bj
//   d_ij  = dL/dHebb(s)_ij = dHebbIn_ij + daG_j h_i(s) alpha_j, through the clip of the update of step s-1
//         = dL/dHebb(s-1)_ij (written to dHebbOut)
//   partD = sum_i d_ij h_i(s-1)                      dL/deta_j = g_j(s-1) partD_j ;  dL/dg_j(s-1) += eta_j partD_j
KERNEL void neuron_backward_columns(int prev, int batch, int n, int chunks, float clip, const float* __restrict__ dPre,
                                    const float* __restrict__ hS, const float* __restrict__ hebbS,
                                    const float* __restrict__ alpha, const float* __restrict__ dHebbIn,
                                    float* __restrict__ dHebbOut, const float* __restrict__ hPrev,
                                    float* __restrict__ partA, float* __restrict__ partD) {
    int idx = bpm_index();
    if (idx >= chunks * batch * n) return;
    int c = idx / (batch * n), b = (idx / n) % batch, j = idx % n, lo, hi;
    bpm_chunk(n, chunks, c, &lo, &hi);
    float da = dPre[b * 4 * n + 3 * n + j], a = alpha[j];
    float sA = 0.0f, sD = 0.0f;
    for (int i = lo; i < hi; i++) {
        long k = ((long) b * n + i) * n + j;
        float hs = hS[b * n + i], hebb = hebbS[k];
        sA += hs * hebb;
        if (!prev) continue;
        float d = bpm_inside(hebb, clip, dHebbIn[k] + da * hs * a);
        dHebbOut[k] = d;
        sD += d * hPrev[b * n + i];
    }
    partA[idx] = sA;
    if (prev) partD[idx] = sD;
}
BPM_EXPORT(neuron_backward_columns)

// One thread per neuron j, over the batch, from the chunk partials: dalpha_j; for prev also du_j, db_j (the fan-out:
// dL/deta_bj M_b and dL/deta_bj), dL/dg_j(s-1) += eta_j partD, and dmParts[b, j] = dL/deta_bj u_j, whose sum over j
// is dL/dM_b (modulator_dz).
KERNEL void neuron_backward_neurons(int prev, int batch, int n, int chunks, const float* __restrict__ dPre,
                                    const float* __restrict__ actPrev, const float* __restrict__ u,
                                    const float* __restrict__ fanBias, const float* __restrict__ m,
                                    const float* __restrict__ partA, const float* __restrict__ partD,
                                    float* __restrict__ gradAlpha, float* __restrict__ gradU,
                                    float* __restrict__ gradFanBias, float* __restrict__ dg, float* __restrict__ dmParts) {
    int j = bpm_index();
    if (j >= n) return;
    float gA = 0.0f, gU = 0.0f, gB = 0.0f;
    for (int b = 0; b < batch; b++) {
        float sA = 0.0f, sD = 0.0f;
        for (int c = 0; c < chunks; c++) {
            long p = ((long) c * batch + b) * n + j;
            sA += partA[p];
            if (prev) sD += partD[p];
        }
        gA += dPre[b * 4 * n + 3 * n + j] * sA;
        if (!prev) continue;
        float dEta = sD * actPrev[b * 4 * n + 3 * n + j];
        gU += dEta * m[b];
        gB += dEta;
        dg[b * n + j] += bpm_fmaf(u[j], m[b], fanBias[j]) * sD;
        dmParts[b * n + j] = dEta * u[j];
    }
    gradAlpha[j] += gA;
    if (prev) {
        gradU[j] += gU;
        gradFanBias[j] += gB;
    }
}
BPM_EXPORT(neuron_backward_neurons)

// Sums over j, ROW_LANES threads per (b, i) (hebbian.cu's hebb_rows_reduce adds the lanes):
//   dL/dh_i(s)   = sum_j daG_j alpha_j Hebb(s)_ij          (the plastic input of step s)
//   dL/dh_i(s-1) = sum_j d_ij eta_j g_j(s-1)                (the update of step s-1)
KERNEL void neuron_backward_rows(int prev, int batch, int n, const float* __restrict__ dPre,
                                 const float* __restrict__ hebbS, const float* __restrict__ alpha,
                                 const float* __restrict__ d, const float* __restrict__ actPrev,
                                 const float* __restrict__ u, const float* __restrict__ fanBias,
                                 const float* __restrict__ m, float* __restrict__ partS, float* __restrict__ partPrev) {
    int idx = bpm_index();
    if (idx >= batch * n * ROW_LANES) return;
    int lane = idx % ROW_LANES, bi = idx / ROW_LANES, b = bi / n;
    float s0 = 0.0f, s1 = 0.0f;
    float mb = prev ? m[b] : 0.0f;
    for (int j = lane; j < n; j += ROW_LANES) {
        long k = (long) bi * n + j;
        s0 += dPre[b * 4 * n + 3 * n + j] * alpha[j] * hebbS[k];
        if (prev) s1 += d[k] * bpm_fmaf(u[j], mb, fanBias[j]) * actPrev[b * 4 * n + 3 * n + j];
    }
    partS[idx] = s0;
    if (prev) partPrev[idx] = s1;
}
BPM_EXPORT(neuron_backward_rows)
