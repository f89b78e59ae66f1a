// Route 'h' of the toy kernel, in float64: h = W x, a = b + Wᵀh, g = c ⊙ ReLU'(a) ⊙ (a − x), then
// ∂W = Σ h gᵀ + (W g) xᵀ, four samples at a time so that each weight loaded serves four (sweepHidden).
// Dense blocks read x densely; sparse ones gather the active inputs.   ≈ R·5nm (dense) or R·3nm + 4Am
// It runs on the float64 copies of the instance's W (kw.Wd, kw.Wt: one array type in the hot loops
// whatever the caller's), in training only where WebAssembly is missing; its state passes through
// the workspace, block by block.

import type { FloatArray } from './types.js';
import type { ToyKernelWorkspace } from './workspace.js';

/**
 * Route 'h' forward and backward fused, four rows at a time (register blocking: each weight loaded
 * once serves four samples): h = W x, a = b + Wᵀh (summed in the reference's order, so to the same
 * bits), g = c ⊙ ReLU'(a) ⊙ (a − x) (the ReLU without branches), then ∂W += h gᵀ + (W g) xᵀ into gWd
 * [hidden, feat] and gb += g. Writes the (unscaled) loss into kw.routeLoss[0].
 */
export function sweepHidden(
  kw: ToyKernelWorkspace,
  x: FloatArray,
  offset: number,
  n: number,
  m: number,
  relu: boolean,
  rows: number,
  grads: boolean,
): void {
  const { rowPtr, routeLoss, partial } = kw;
  routeLoss[0] = 0;
  for (let r0 = 0; r0 < rows; r0 += 4) {
    const nb = Math.min(4, rows - r0);
    // Blocks with more than a quarter of their inputs active use the dense rows of x (X4) for
    // h = W x and ∂W += (∂L/∂h) xᵀ, four samples per weight; sparser ones the compressed rows.
    const dense = 4 * (rowPtr[r0 + nb] - rowPtr[r0]) > nb * n;
    hiddenBlock(kw, x, offset, n, m, r0, nb, dense);
    outputsBlock(kw, n, m, relu, nb, dense);
    if (!dense) fixActiveOutputs(kw, n, relu, r0, nb);
    routeLoss[0] += partial[0];
    if (grads) backwardBlock(kw, n, m, r0, nb, dense);
  }
}

/** h = W x of the block's nb ≤ 4 rows from r0 into H4 (zero for missing rows); `dense` copies x into X4 first. */
function hiddenBlock(kw: ToyKernelWorkspace, x: FloatArray, offset: number, n: number, m: number, r0: number, nb: number, dense: boolean): void {
  const { Wd, H4, X4, rowPtr, rowOf, xIdx, xVal } = kw;
  if (dense) {
    for (let t = 0; t < 4; t++) {
      const xo = offset + rowOf[r0 + t] * n;
      if (t < nb) for (let i = 0; i < n; i++) X4[t * n + i] = x[xo + i];
      else for (let i = 0; i < n; i++) X4[t * n + i] = 0;
    }
    for (let j = 0; j < m; j++) {
      const o = j * n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < n; i++) {
        const w = Wd[o + i];
        s0 += w * X4[i];
        s1 += w * X4[n + i];
        s2 += w * X4[2 * n + i];
        s3 += w * X4[3 * n + i];
      }
      H4[j] = s0;
      H4[m + j] = s1;
      H4[2 * m + j] = s2;
      H4[3 * m + j] = s3;
    }
  } else for (let t = 0; t < 4; t++) {
    const hb = t * m;
    if (t >= nb) {
      for (let j = 0; j < m; j++) H4[hb + j] = 0;
      continue;
    }
    const p0 = rowPtr[r0 + t];
    const p1 = rowPtr[r0 + t + 1];
    for (let j = 0; j < m; j++) {
      const o = j * n;
      let s = 0;
      for (let p = p0; p < p1; p++) s += Wd[o + xIdx[p]] * xVal[p];
      H4[hb + j] = s;
    }
  }
}

/** a = b + Wᵀh and g of the block into G4 (and a into V4 when sparse); its loss into kw.partial[0]. */
function outputsBlock(kw: ToyKernelWorkspace, n: number, m: number, relu: boolean, nb: number, dense: boolean): void {
  const { Wt, b, imp, c, H4, G4, X4, V4 } = kw;
  // a = b + Wᵀh and g, four samples per weight. Dense blocks take the targets x from X4 in the
  // same loop, without branches: with w = ReLU(a) and o = [a > 0], d = w − o x is a − x where the
  // ReLU is on and 0 where off, and the loss I (d² + (1 − o) x²). Sparse blocks take every target as
  // 0 and fix up the active outputs after.
  // Unused lanes of a short last block compute on h = 0 and are masked out (k = 0).
  const k1 = nb > 1 ? 1 : 0;
  const k2 = nb > 2 ? 1 : 0;
  const k3 = nb > 3 ? 1 : 0;
  let ls = 0;
  for (let l = 0; l < n; l++) {
    const o = l * m;
    let s0 = b[l];
    let s1 = s0;
    let s2 = s0;
    let s3 = s0;
    for (let j = 0; j < m; j++) {
      const w = Wt[o + j];
      s0 += w * H4[j];
      s1 += w * H4[m + j];
      s2 += w * H4[2 * m + j];
      s3 += w * H4[3 * m + j];
    }
    const il = imp[l];
    const cl = c[l];
    if (dense) {
      const x0 = X4[l];
      const x1 = X4[n + l];
      const x2 = X4[2 * n + l];
      const x3 = X4[3 * n + l];
      let d0: number;
      let d1: number;
      let d2: number;
      let d3: number;
      if (relu) {
        const o0 = +(s0 > 0);
        const o1 = +(s1 > 0);
        const o2 = +(s2 > 0);
        const o3 = +(s3 > 0);
        d0 = Math.max(s0, 0) - o0 * x0;
        d1 = Math.max(s1, 0) - o1 * x1;
        d2 = Math.max(s2, 0) - o2 * x2;
        d3 = Math.max(s3, 0) - o3 * x3;
        ls += il * ((1 - o0) * x0 * x0 + (1 - o1) * x1 * x1 + (1 - o2) * x2 * x2 + (1 - o3) * x3 * x3);
      } else {
        d0 = s0 - x0;
        d1 = s1 - x1;
        d2 = s2 - x2;
        d3 = s3 - x3;
      }
      d1 *= k1;
      d2 *= k2;
      d3 *= k3;
      ls += il * (d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3);
      G4[l] = cl * d0;
      G4[n + l] = cl * d1;
      G4[2 * n + l] = cl * d2;
      G4[3 * n + l] = cl * d3;
      continue;
    }
    V4[l] = s0;
    V4[n + l] = s1;
    V4[2 * n + l] = s2;
    V4[3 * n + l] = s3;
    if (relu) {
      s0 = Math.max(s0, 0);
      s1 = Math.max(s1, 0);
      s2 = Math.max(s2, 0);
      s3 = Math.max(s3, 0);
    }
    s1 *= k1;
    s2 *= k2;
    s3 *= k3;
    ls += il * (s0 * s0 + s1 * s1 + s2 * s2 + s3 * s3);
    G4[l] = cl * s0;
    G4[n + l] = cl * s1;
    G4[2 * n + l] = cl * s2;
    G4[3 * n + l] = cl * s3;
  }
  kw.partial[0] = ls;
}

/** The active outputs of a sparse block: target x_l, not 0 (g into G4, the loss into kw.partial[0]). */
function fixActiveOutputs(kw: ToyKernelWorkspace, n: number, relu: boolean, r0: number, nb: number): void {
  const { imp, c, G4, V4, rowPtr, xIdx, xVal } = kw;
  let ls = kw.partial[0];
  for (let t = 0; t < nb; t++) {
    const p0 = rowPtr[r0 + t];
    const p1 = rowPtr[r0 + t + 1];
    for (let p = p0; p < p1; p++) {
      const l = xIdx[p];
      const xv = xVal[p];
      const v = V4[t * n + l];
      if (!relu || !(v <= 0)) {
        const e = v - xv;
        ls += imp[l] * (e * e - v * v);
        G4[t * n + l] = c[l] * e;
      } else ls += imp[l] * xv * xv;
    }
  }
  kw.partial[0] = ls;
}

/** The block's backward: gb += g, ∂W += h gᵀ + (W g) xᵀ into gWd. */
function backwardBlock(kw: ToyKernelWorkspace, n: number, m: number, r0: number, nb: number, dense: boolean): void {
  const { Wd, gWd, H4, G4, X4, gh, gb, rowPtr, xIdx, xVal } = kw;
  for (let l = 0; l < n; l++) gb[l] += G4[l] + G4[n + l] + G4[2 * n + l] + G4[3 * n + l];
  // ∂W += h gᵀ and ∂L/∂h = W g, four samples per weight.
  for (let j = 0; j < m; j++) {
    const o = j * n;
    const h0 = H4[j];
    const h1 = H4[m + j];
    const h2 = H4[2 * m + j];
    const h3 = H4[3 * m + j];
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let l = 0; l < n; l++) {
      const w = Wd[o + l];
      const g0 = G4[l];
      const g1 = G4[n + l];
      const g2 = G4[2 * n + l];
      const g3 = G4[3 * n + l];
      s0 += w * g0;
      s1 += w * g1;
      s2 += w * g2;
      s3 += w * g3;
      gWd[o + l] += h0 * g0 + h1 * g1 + h2 * g2 + h3 * g3;
    }
    gh[j] = s0;
    gh[m + j] = s1;
    gh[2 * m + j] = s2;
    gh[3 * m + j] = s3;
  }
  // ∂W += (∂L/∂h) xᵀ over the active inputs.
  if (dense) {
    for (let j = 0; j < m; j++) {
      const o = j * n;
      const g0 = gh[j];
      const g1 = gh[m + j];
      const g2 = gh[2 * m + j];
      const g3 = gh[3 * m + j];
      for (let i = 0; i < n; i++) gWd[o + i] += g0 * X4[i] + g1 * X4[n + i] + g2 * X4[2 * n + i] + g3 * X4[3 * n + i];
    }
  } else for (let t = 0; t < nb; t++) {
    const p0 = rowPtr[r0 + t];
    const p1 = rowPtr[r0 + t + 1];
    for (let j = 0; j < m; j++) {
      const g = gh[t * m + j];
      const o = j * n;
      for (let p = p0; p < p1; p++) gWd[o + xIdx[p]] += g * xVal[p];
    }
  }
}

/** Route 'h' for one instance: ∂W into kw.gWd, the loss into kw.routeLoss[0]. */
export function runH(kw: ToyKernelWorkspace, x: FloatArray, offset: number, n: number, m: number, relu: boolean, rows: number, grads: boolean): void {
  kw.gWd.fill(0);
  sweepHidden(kw, x, offset, n, m, relu, rows, grads);
}
