// The plastic recurrent path into the cell input g of one layer, for the three rules (section 3, eqs. 2-5):
//
//   g = tanh(W_xg x + b_g + h(t-1) . (w + alpha * Hebb(t)))       plastic input: h(t-1) . (alpha * Hebb(t))
//   PLASTIC  Hebb(t+1) = Clip(Hebb(t) + eta_ij h_i(t-1) g_j(t))                       (eq. 2)
//   SIMPLE   Hebb(t+1) = Clip(Hebb(t) + M(t) u_ij h_i(t-1) g_j(t))                    (eq. 3)
//   RETRO    Hebb(t+1) = Clip(Hebb(t) + M(t) u_ij E_ij(t))                            (eq. 4)
//            E(t+1)    = (1 - lambda) E(t) + lambda h_i(t-1) g_j(t)                   (eq. 5)
//   M(t) = tanh(v . h(t-1) + b_m)                                                      (the modulator, A.1)
//
// Traces are [B][N][N], index (b*N + i)*N + j, i pre-synaptic, j post-synaptic. Forward, one thread per (b, j)
// walks i: it updates its column of Hebb and, in the same pass, sums the plastic input of the next step, so each
// trace element is read and written once per step. Backward, per step s: one pass per (i, j) over the batch
// (parameter gradients, dL/dHebb(s-1), dL/dE(s-1)), one per (b, i, lane) for the sums over j (dL/dh), one per
// (b, j) for the sums over i (dL/dg, dL/dM). The gradient of a rule's parameter (eta, u) goes straight into the
// flat gradient; alpha's too.
#include "bpm_device.h"

#define ROW_LANES 32

// in[b, j] = sum_i h_i alpha_ij Hebb_bij: the plastic input of step 0 (later steps get it from the update pass).
// alphaStride: N (alpha per connection) or 0 (per post-synaptic neuron, the large model).
KERNEL void plastic_input(int batch, int n, const float* __restrict__ h, const float* __restrict__ alpha,
                          int alphaStride, const float* __restrict__ hebb, float* __restrict__ in) {
    int idx = bpm_index();
    if (idx >= batch * n) return;
    int b = idx / n, j = idx % n;
    float acc = 0.0f;
    for (int i = 0; i < n; i++) acc += h[b * n + i] * alpha[i * alphaStride + j] * hebb[((long) b * n + i) * n + j];
    in[idx] = acc;
}
BPM_EXPORT(plastic_input)

// The modulator M[b] = tanh(v . h[b] + b_m) and its backward reduce over the layer's N units: MOD_LANES threads
// per batch element write partial sums (adjacent threads read adjacent units), one thread per b finishes.
#define MOD_LANES 32

// parts[r][lane] = sum over c = lane, lane + MOD_LANES, ... of w[c] x[r][c] (w null: of x[r][c]).
KERNEL void lane_partials(int rows, int cols, const float* __restrict__ x, const float* __restrict__ w,
                          float* __restrict__ parts) {
    int idx = bpm_index();
    if (idx >= rows * MOD_LANES) return;
    int r = idx / MOD_LANES, lane = idx % MOD_LANES;
    float s = 0.0f;
    for (int c = lane; c < cols; c += MOD_LANES) s = w ? bpm_fmaf(w[c], x[r * cols + c], s) : s + x[r * cols + c];
    parts[idx] = s;
}
BPM_EXPORT(lane_partials)

// M[b] = tanh(sum of the lanes' v . h partials + b_m)                           one thread per b
KERNEL void modulator_forward(int batch, const float* __restrict__ parts, const float* __restrict__ bm,
                              float* __restrict__ m) {
    int b = bpm_index();
    if (b >= batch) return;
    float z = 0.0f;
    for (int l = 0; l < MOD_LANES; l++) z += parts[b * MOD_LANES + l];
    m[b] = bpm_tanh(z + bm[0]);
}
BPM_EXPORT(modulator_forward)

// The plastic input of step t+1 accumulated in the update pass: in[b, j] += hNew_i alpha_ij Hebb(t+1)_bij.
#define NEXT_INPUT(next)                                                         \
    if (in) acc += hNew[b * n + i] * alpha[i * alphaStride + j] * (next);

// eq. 2: Hebb(t+1) = Clip(Hebb(t) + eta h(t-1) g(t)); with in != null also the next step's plastic input from
// hNew = h(t). act: the step's gates [B][4N] (g is the post-synaptic activity).
KERNEL void hebb_update_plain(int batch, int n, float clip, const float* __restrict__ hPrev,
                              const float* __restrict__ act, const float* __restrict__ eta,
                              const float* __restrict__ hebb, float* __restrict__ next, const float* __restrict__ hNew,
                              const float* __restrict__ alpha, int alphaStride, float* __restrict__ in) {
    int idx = bpm_index();
    if (idx >= batch * n) return;
    int b = idx / n, j = idx % n;
    float post = act[b * 4 * n + 3 * n + j];
    float acc = 0.0f;
    for (int i = 0; i < n; i++) {
        long k = ((long) b * n + i) * n + j;
        float h2 = bpm_clip(hebb[k] + eta[i * n + j] * hPrev[b * n + i] * post, clip);
        next[k] = h2;
        NEXT_INPUT(h2)
    }
    if (in) in[idx] = acc;
}
BPM_EXPORT(hebb_update_plain)

// eq. 3: Hebb(t+1) = Clip(Hebb(t) + M(t) u h(t-1) g(t)).
KERNEL void hebb_update_modulated(int batch, int n, float clip, const float* __restrict__ hPrev,
                                  const float* __restrict__ act, const float* __restrict__ u,
                                  const float* __restrict__ m, const float* __restrict__ hebb,
                                  float* __restrict__ next, const float* __restrict__ hNew,
                                  const float* __restrict__ alpha, int alphaStride, float* __restrict__ in) {
    int idx = bpm_index();
    if (idx >= batch * n) return;
    int b = idx / n, j = idx % n;
    float post = act[b * 4 * n + 3 * n + j];
    float mb = m[b];
    float acc = 0.0f;
    for (int i = 0; i < n; i++) {
        long k = ((long) b * n + i) * n + j;
        float h2 = bpm_clip(hebb[k] + u[i * n + j] * (mb * hPrev[b * n + i]) * post, clip);
        next[k] = h2;
        NEXT_INPUT(h2)
    }
    if (in) in[idx] = acc;
}
BPM_EXPORT(hebb_update_modulated)

// eqs. 4-5: Hebb(t+1) = Clip(Hebb(t) + M(t) u E(t)) with the old E, then E(t+1) = (1 - lambda) E(t) + lambda h g.
KERNEL void hebb_update_retroactive(int batch, int n, float clip, const float* __restrict__ hPrev,
                                    const float* __restrict__ act, const float* __restrict__ u,
                                    const float* __restrict__ m, const float* __restrict__ lambda,
                                    const float* __restrict__ hebb, float* __restrict__ next,
                                    const float* __restrict__ elig, float* __restrict__ eligNext,
                                    const float* __restrict__ hNew, const float* __restrict__ alpha, int alphaStride,
                                    float* __restrict__ in) {
    int idx = bpm_index();
    if (idx >= batch * n) return;
    int b = idx / n, j = idx % n;
    float post = act[b * 4 * n + 3 * n + j];
    float mb = m[b], lam = lambda[0], keep = 1.0f - lam;
    float acc = 0.0f;
    for (int i = 0; i < n; i++) {
        long k = ((long) b * n + i) * n + j;
        float e = elig[k];
        float h2 = bpm_clip(hebb[k] + mb * u[i * n + j] * e, clip);
        next[k] = h2;
        eligNext[k] = keep * e + lam * hPrev[b * n + i] * post;
        NEXT_INPUT(h2)
    }
    if (in) in[idx] = acc;
}
BPM_EXPORT(hebb_update_retroactive)

// ---- backward of step s --------------------------------------------------------------------------------------
// Names: daG = dL/d(a_g) of step s (column block g of dPre, row stride 4N); hS = h(s), the pre-synaptic input of
// step s's plastic input; hPrev = h(s-1) and actPrev (g(s-1)) the pre- and post-synaptic activity of the update of
// step s-1, which produced Hebb(s); dHebbIn = dL/dHebb(s) from the later steps; d = dL/dHebb(s) complete and
// passed through the clip of that update = dL/dHebb(s-1) (written to dHebbOut). Step 0 (rule = 0): only the
// plastic input (nothing flows into the carried state).

// One thread per connection (i, j), over the batch: dalpha, deta / du, dHebb(s-1); RETRO also dE(s-1) and the
// connection's share of dlambda.   rule: 0 none (step 0), 1 PLASTIC, 2 SIMPLE, 3 RETRO.
KERNEL void hebb_backward_connections(int rule, int batch, int n, float clip, const float* __restrict__ dPre,
                                      const float* __restrict__ hS, const float* __restrict__ hebbS,
                                      const float* __restrict__ alpha, const float* __restrict__ dHebbIn,
                                      float* __restrict__ dHebbOut, const float* __restrict__ hPrev,
                                      const float* __restrict__ actPrev, const float* __restrict__ rate,
                                      const float* __restrict__ m, const float* __restrict__ lambda,
                                      const float* __restrict__ eligPrev, const float* __restrict__ dEIn,
                                      float* __restrict__ dEOut, float* __restrict__ gradAlpha,
                                      float* __restrict__ gradRate, float* __restrict__ dLambdaParts) {
    int idx = bpm_index();
    if (idx >= n * n) return;
    int i = idx / n, j = idx % n;
    float a = alpha[idx];
    float r = rule ? rate[idx] : 0.0f;
    float lam = rule == 3 ? lambda[0] : 0.0f;
    float sA = 0.0f, sR = 0.0f, sL = 0.0f;
    for (int b = 0; b < batch; b++) {
        long k = ((long) b * n + i) * n + j;
        float da = dPre[b * 4 * n + 3 * n + j];
        float hs = hS[b * n + i];
        float hebb = hebbS[k];
        sA += da * hs * hebb;
        if (!rule) continue;
        float d = bpm_inside(hebb, clip, dHebbIn[k] + da * hs * a);
        dHebbOut[k] = d;
        float pre = hPrev[b * n + i], post = actPrev[b * 4 * n + 3 * n + j];
        if (rule == 1) {
            sR += d * pre * post;                          // Hebb(s) = Clip(Hebb(s-1) + eta pre post)
        } else if (rule == 2) {
            sR += d * m[b] * (pre * post);                 // Hebb(s) = Clip(Hebb(s-1) + M u pre post)
        } else {
            float e = eligPrev[k], dE = dEIn[k];           // Hebb(s) = Clip(Hebb(s-1) + M u E(s-1))
            sR += d * m[b] * e;
            sL += dE * (pre * post - e);                   // E(s) = (1 - lambda) E(s-1) + lambda pre post
            dEOut[k] = (1.0f - lam) * dE + d * m[b] * r;
        }
    }
    gradAlpha[idx] += sA;
    if (rule) gradRate[idx] += sR;
    if (rule == 3) dLambdaParts[idx] += sL;
}
BPM_EXPORT(hebb_backward_connections)

// Sums over j, ROW_LANES threads per (b, i) (adjacent threads read adjacent j): partials of
//   dL/dh_i(s)   = sum_j daG_j alpha_ij Hebb(s)_ij                                (the plastic input of step s)
//   dL/dh_i(s-1) = sum_j d_ij coef_ij g_j(s-1)    coef: eta (PLASTIC), M u (SIMPLE); RETRO: lambda dL/dE(s)_ij
KERNEL void hebb_backward_rows(int rule, int batch, int n, const float* __restrict__ dPre,
                               const float* __restrict__ hebbS, const float* __restrict__ alpha,
                               const float* __restrict__ d, const float* __restrict__ actPrev,
                               const float* __restrict__ rate, const float* __restrict__ m,
                               const float* __restrict__ lambda, const float* __restrict__ dEIn,
                               float* __restrict__ partS, float* __restrict__ partPrev) {
    int idx = bpm_index();
    if (idx >= batch * n * ROW_LANES) return;
    int lane = idx % ROW_LANES, bi = idx / ROW_LANES, b = bi / n, i = bi % n;
    float s0 = 0.0f, s1 = 0.0f;
    float mb = rule == 2 ? m[b] : 0.0f, lam = rule == 3 ? lambda[0] : 0.0f;
    for (int j = lane; j < n; j += ROW_LANES) {
        long k = (long) bi * n + j;
        s0 += dPre[b * 4 * n + 3 * n + j] * alpha[i * n + j] * hebbS[k];
        if (!rule) continue;
        float post = actPrev[b * 4 * n + 3 * n + j];
        if (rule == 1) s1 += d[k] * rate[i * n + j] * post;
        else if (rule == 2) s1 += d[k] * rate[i * n + j] * mb * post;
        else s1 += dEIn[k] * lam * post;
    }
    partS[idx] = s0;
    if (rule) partPrev[idx] = s1;
}
BPM_EXPORT(hebb_backward_rows)

// Sums over i, one thread per (b, j): dL/dg_j(s-1) into dg, and for the modulated rules the partial of dL/dM(s-1)
// per (b, j) into dmParts:
//   PLASTIC dg = sum_i d eta h_i(s-1)
//   SIMPLE  dg = M sum_i d u h_i(s-1) ;  dM part = g_j sum_i d u h_i(s-1)
//   RETRO   dg = sum_i lambda dL/dE(s) h_i(s-1) ;  dM part = sum_i d u E(s-1)
KERNEL void hebb_backward_columns(int rule, int batch, int n, const float* __restrict__ d,
                                  const float* __restrict__ hPrev, const float* __restrict__ actPrev,
                                  const float* __restrict__ rate, const float* __restrict__ m,
                                  const float* __restrict__ lambda, const float* __restrict__ dEIn,
                                  const float* __restrict__ eligPrev, float* __restrict__ dg,
                                  float* __restrict__ dmParts) {
    int idx = bpm_index();
    if (idx >= batch * n) return;
    int b = idx / n, j = idx % n;
    float s = 0.0f, sm = 0.0f;
    float lam = rule == 3 ? lambda[0] : 0.0f;
    for (int i = 0; i < n; i++) {
        long k = ((long) b * n + i) * n + j;
        float pre = hPrev[b * n + i];
        if (rule == 1 || rule == 2) {
            s += d[k] * rate[i * n + j] * pre;
        } else {
            s += dEIn[k] * lam * pre;
            sm += d[k] * rate[i * n + j] * eligPrev[k];
        }
    }
    if (rule == 1) {
        dg[idx] += s;
    } else if (rule == 2) {
        dg[idx] += m[b] * s;
        dmParts[idx] = s * actPrev[b * 4 * n + 3 * n + j];
    } else {
        dg[idx] += s;
        dmParts[idx] = sm;
    }
}
BPM_EXPORT(hebb_backward_columns)

// dL/dh_i = sum of the lanes' partials, added into dh.                         one thread per (b, i)
KERNEL void hebb_rows_reduce(int rows, const float* __restrict__ parts, float* __restrict__ dh) {
    int r = bpm_index();
    if (r >= rows) return;
    float s = 0.0f;
    for (int l = 0; l < ROW_LANES; l++) s += parts[r * ROW_LANES + l];
    dh[r] += s;
}
BPM_EXPORT(hebb_rows_reduce)

// The modulator's backward for step s-1, M = tanh(z), z = v . h(s-1) + b_m. First dz_b = dL/dM_b (1 - M_b^2),
// dL/dM_b the sum of the lanes' partials of dmParts[b, :] (one thread per b); then one thread per input i (and
// i = n for the bias) sums over the batch, so no two threads write the same gradient:
//   dv_i += sum_b dz_b h_bi ;  db_m += sum_b dz_b ;  dh_bi += dz_b v_i
KERNEL void modulator_dz(int batch, const float* __restrict__ parts, const float* __restrict__ m,
                         float* __restrict__ dz) {
    int b = bpm_index();
    if (b >= batch) return;
    float dm = 0.0f;
    for (int l = 0; l < MOD_LANES; l++) dm += parts[b * MOD_LANES + l];
    dz[b] = dm * (1.0f - m[b] * m[b]);
}
BPM_EXPORT(modulator_dz)

KERNEL void modulator_backward(int batch, int n, const float* __restrict__ dz, const float* __restrict__ hPrev,
                               const float* __restrict__ v, float* __restrict__ gradV, float* __restrict__ gradB,
                               float* __restrict__ dh) {
    int i = bpm_index();
    if (i > n) return;
    float s = 0.0f;
    for (int b = 0; b < batch; b++) {
        if (i == n) {
            s += dz[b];
        } else {
            s += dz[b] * hPrev[b * n + i];
            dh[b * n + i] += dz[b] * v[i];
        }
    }
    if (i == n) gradB[0] += s;
    else gradV[i] += s;
}
BPM_EXPORT(modulator_backward)
