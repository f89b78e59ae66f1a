// The pieces of the float64 Gram routes ('gram', 'hybrid') on G = WᵀW: forming G, the batch moments
// s = Σ_b x_b and C = Σ_b x_b x_bᵀ, the outputs settled on computed from them alone, and
// ∂L/∂W = W (M + Mᵀ) from M = Σ_b g_b x_bᵀ.
//
// Outputs ON need no per-sample work: with s = Σ_b x_b, C = Σ_b x_b x_bᵀ and H = G − 1 (so a − x = b + H x),
//   Σ_b I_l (a_bl − x_bl)² = I_l (B b_l² + 2 b_l H_l·s + H_l C H_lᵀ),
//   ∂L/∂b_l = c_l (B b_l + H_l·s),   M_l,: = c_l (b_l sᵀ + (H C)_l,:),   (H C)_L = W_Lᵀ (W C) − C_L
// ("moments", cost Q + n²m + |L|nm).

import type { ToyKernelWorkspace } from './workspace.js';

/**
 * G = WᵀW from Wt [feat, hidden]: G[i·n + c] = Σ_j Wt[i·m + j] Wt[c·m + j], in blocks of 2 × 4
 * entries (six rows of Wt loaded per eight multiply-adds). Cost n²m/2.
 */
export function gram(Wt: Float64Array, n: number, m: number, G: Float64Array): void {
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const oi = i * m;
    let c = i;
    for (; c + 3 < n; c += 4) {
      const oc = c * m;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      for (let j = 0; j < m; j++) {
        const u = Wt[oi + j];
        const v = Wt[oi + m + j];
        const w0 = Wt[oc + j];
        const w1 = Wt[oc + m + j];
        const w2 = Wt[oc + 2 * m + j];
        const w3 = Wt[oc + 3 * m + j];
        a0 += u * w0;
        a1 += u * w1;
        a2 += u * w2;
        a3 += u * w3;
        b0 += v * w0;
        b1 += v * w1;
        b2 += v * w2;
        b3 += v * w3;
      }
      G[i * n + c] = G[c * n + i] = a0;
      G[i * n + c + 1] = G[(c + 1) * n + i] = a1;
      G[i * n + c + 2] = G[(c + 2) * n + i] = a2;
      G[i * n + c + 3] = G[(c + 3) * n + i] = a3;
      G[(i + 1) * n + c] = G[c * n + i + 1] = b0;
      G[(i + 1) * n + c + 1] = G[(c + 1) * n + i + 1] = b1;
      G[(i + 1) * n + c + 2] = G[(c + 2) * n + i + 1] = b2;
      G[(i + 1) * n + c + 3] = G[(c + 3) * n + i + 1] = b3;
    }
    for (; c < n; c++) {
      const oc = c * m;
      let a = 0;
      let bb = 0;
      for (let j = 0; j < m; j++) {
        a += Wt[oi + j] * Wt[oc + j];
        bb += Wt[oi + m + j] * Wt[oc + j];
      }
      G[i * n + c] = G[c * n + i] = a;
      G[(i + 1) * n + c] = G[c * n + i + 1] = bb;
    }
  }
  if (i < n) {
    const oi = i * m;
    let s = 0;
    for (let j = 0; j < m; j++) s += Wt[oi + j] * Wt[oi + j];
    G[i * n + i] = s;
  }
}

/** s = Σ_b x_b and C = Σ_b x_b x_bᵀ over the compressed rows (cost Q). */
export function secondMoments(kw: ToyKernelWorkspace, n: number, rows: number): void {
  const { C, s, rowPtr, xIdx, xVal } = kw;
  C.fill(0);
  s.fill(0);
  for (let r = 0; r < rows; r++) {
    const p1 = rowPtr[r + 1];
    for (let p = rowPtr[r]; p < p1; p++) {
      const i = xIdx[p];
      const xv = xVal[p];
      const o = i * n;
      s[i] += xv;
      for (let t = p; t < p1; t++) C[o + xIdx[t]] += xv * xVal[t];
    }
  }
  for (let i = 0; i < n; i++) for (let k = i + 1; k < n; k++) C[k * n + i] = C[i * n + k];
}

/**
 * The settled-on outputs by moments (see the header): adds their loss (returned, unscaled) and
 * ∂L/∂b into gb, and (when `grads`) their rows of M into kw.M (M[i·n + l]).
 */
export function linearOutputs(kw: ToyKernelWorkspace, n: number, m: number, nOn: number, batchSize: number, grads: boolean): number {
  const { G, C, s, b, imp, c, linear, gb, M, acc, Wt, WC } = kw;
  // (H C)_l = W_lᵀ (W C) − C_l: W C once (n²m), then m·n per output instead of n².
  WC.fill(0, 0, m * n);
  for (let k = 0; k < n; k++) {
    const ck = k * n;
    for (let j = 0; j < m; j++) {
      const w = Wt[k * m + j];
      if (w === 0) continue;
      const o = j * n;
      for (let i = 0; i < n; i++) WC[o + i] += w * C[ck + i];
    }
  }
  let loss = 0;
  for (let t = 0; t < nOn; t++) {
    const l = linear[t];
    const gl = l * n;
    // acc = (H C)_l,: with H_l = G_l − e_l; hs = H_l·s; quad = H_l C H_lᵀ.
    let hs = -s[l];
    for (let k = 0; k < n; k++) {
      acc[k] = -C[gl + k];
      hs += G[gl + k] * s[k];
    }
    for (let j = 0; j < m; j++) {
      const w = Wt[l * m + j];
      if (w === 0) continue;
      const o = j * n;
      for (let i = 0; i < n; i++) acc[i] += w * WC[o + i];
    }
    let quad = -acc[l];
    for (let i = 0; i < n; i++) quad += G[gl + i] * acc[i];
    const bl = b[l];
    loss += imp[l] * (batchSize * bl * bl + 2 * bl * hs + quad);
    gb[l] += c[l] * (batchSize * bl + hs);
    if (grads) {
      const cl = c[l];
      for (let i = 0; i < n; i++) M[i * n + l] += cl * (bl * s[i] + acc[i]);
    }
  }
  return loss;
}

/**
 * gWt += (M + Mᵀ) Wt, i.e. ∂L/∂W += W (M + Mᵀ) (M is overwritten by S = M + Mᵀ), two rows of gWt by
 * four rows of Wt at a time (six loads and two stores per eight multiply-adds). Cost n²m.
 */
export function applyM(kw: ToyKernelWorkspace, n: number, m: number): void {
  const { M, Wt, gWt } = kw;
  for (let i = 0; i < n; i++) {
    M[i * n + i] *= 2;
    for (let l = i + 1; l < n; l++) {
      const s = M[i * n + l] + M[l * n + i];
      M[i * n + l] = s;
      M[l * n + i] = s;
    }
  }
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const oi = i * m;
    const si = i * n;
    let l = 0;
    for (; l + 3 < n; l += 4) {
      const a0 = M[si + l];
      const a1 = M[si + l + 1];
      const a2 = M[si + l + 2];
      const a3 = M[si + l + 3];
      const b0 = M[si + n + l];
      const b1 = M[si + n + l + 1];
      const b2 = M[si + n + l + 2];
      const b3 = M[si + n + l + 3];
      const ol = l * m;
      for (let j = 0; j < m; j++) {
        const w0 = Wt[ol + j];
        const w1 = Wt[ol + m + j];
        const w2 = Wt[ol + 2 * m + j];
        const w3 = Wt[ol + 3 * m + j];
        gWt[oi + j] += a0 * w0 + a1 * w1 + a2 * w2 + a3 * w3;
        gWt[oi + m + j] += b0 * w0 + b1 * w1 + b2 * w2 + b3 * w3;
      }
    }
    for (; l < n; l++) {
      const a = M[si + l];
      const bb = M[si + n + l];
      const ol = l * m;
      for (let j = 0; j < m; j++) {
        gWt[oi + j] += a * Wt[ol + j];
        gWt[oi + m + j] += bb * Wt[ol + j];
      }
    }
  }
  if (i < n) {
    const oi = i * m;
    for (let l = 0; l < n; l++) {
      const a = M[i * n + l];
      const ol = l * m;
      for (let j = 0; j < m; j++) gWt[oi + j] += a * Wt[ol + j];
    }
  }
}
