// Route 'hybrid' of the toy kernel, in float64: forward as route 'gram' (a from G = WᵀW over the
// outputs P, g stored per sample: forwardGram), backward as route 'h' per sample (no n²m term:
// backwardHidden) — for large n with few nonzero g.

import { applyM, secondMoments } from './gramShared.js';
import { OFF } from './outputs.js';
import { ensureEntryCapacity, writeGradWt, type ToyKernelWorkspace } from './workspace.js';

/**
 * Route 'hybrid', forward: the loss of the non-empty rows over the outputs P via G, row by row,
 * storing the nonzero entries of g for backwardHidden. Outputs u < nP1 record their
 * entries of g where the ReLU is on; outputs u ≥ nP1 are in the moments (linearOutputs) and record
 * corrections where the ReLU is off. Entries go to gPtr/gIdx/gVal, their sums per output to gbP.
 * Writes the (unscaled) loss terms of P and of the active settled-off outputs into kw.routeLoss[0].
 */
export function forwardGram(kw: ToyKernelWorkspace, nP: number, nP1: number, relu: boolean, rows: number): void {
  const { gbP, kind, pos, rowPtr, xIdx, gPtr } = kw;
  const lin = !relu;
  let q = 0;
  kw.routeLoss[0] = 0;
  for (let u = 0; u < nP; u++) gbP[u] = 0;
  for (let r = 0; r < rows; r++) {
    const p0 = rowPtr[r];
    const p1 = rowPtr[r + 1];
    gPtr[r] = q;
    for (let p = p0; p < p1; p++) {
      const u = kind[xIdx[p]];
      if (u >= 0) pos[u] = -1;
    }
    if (nP > 0) q = recordEntries(kw, nP, nP1, lin, p0, p1, q);
    fixEntries(kw, nP1, p0, p1);
  }
  gPtr[rows] = q;
}

/**
 * One row's entries of g over P, from q on (returns the next free position): u < nP1 where the ReLU
 * is on, u ≥ nP1 (in the moments) where it is off; their loss added into kw.routeLoss[0] (targets
 * taken as 0), their sums into gbP, their value in kw.val and position in kw.pos.
 */
function recordEntries(kw: ToyKernelWorkspace, nP: number, nP1: number, lin: boolean, p0: number, p1: number, q: number): number {
  const { Gp, bP, impP, cP, gbP, P, acc, val, pos, xIdx, xVal, gIdx, gVal } = kw;
  const a = p1 - p0;
  let loss = kw.routeLoss[0];
  // a = b + Σ_active G[:, i] x_i over P: all but the last two columns into acc (a ≥ 3), then
  // the gate loops with the last one or two columns fused in.
  let o0 = xIdx[p0] * nP;
  let x0 = xVal[p0];
  let o1 = o0;
  let x1 = 0;
  let base = bP;
  if (a >= 2) {
    if (a >= 3) {
      for (let u = 0; u < nP; u++) acc[u] = bP[u] + Gp[o0 + u] * x0;
      for (let p = p0 + 1; p < p1 - 2; p++) {
        const o = xIdx[p] * nP;
        const xv = xVal[p];
        for (let u = 0; u < nP; u++) acc[u] += Gp[o + u] * xv;
      }
      base = acc;
      o0 = xIdx[p1 - 2] * nP;
      x0 = xVal[p1 - 2];
    }
    o1 = xIdx[p1 - 1] * nP;
    x1 = xVal[p1 - 1];
    for (let u = 0; u < nP1; u++) {
      const v = base[u] + Gp[o0 + u] * x0 + Gp[o1 + u] * x1;
      if (lin || !(v <= 0)) {
        loss += impP[u] * v * v;
        const g = cP[u] * v;
        gbP[u] += g;
        gIdx[q] = P[u];
        gVal[q] = g;
        val[u] = v;
        pos[u] = q++;
      }
    }
    for (let u = nP1; u < nP; u++) {
      const v = base[u] + Gp[o0 + u] * x0 + Gp[o1 + u] * x1;
      if (!(v > 0)) {
        loss -= impP[u] * v * v;
        const g = -cP[u] * v;
        gbP[u] += g;
        gIdx[q] = P[u];
        gVal[q] = g;
        val[u] = v;
        pos[u] = q++;
      }
    }
  } else {
    for (let u = 0; u < nP1; u++) {
      const v = bP[u] + Gp[o0 + u] * x0;
      if (lin || !(v <= 0)) {
        loss += impP[u] * v * v;
        const g = cP[u] * v;
        gbP[u] += g;
        gIdx[q] = P[u];
        gVal[q] = g;
        val[u] = v;
        pos[u] = q++;
      }
    }
    for (let u = nP1; u < nP; u++) {
      const v = bP[u] + Gp[o0 + u] * x0;
      if (!(v > 0)) {
        loss -= impP[u] * v * v;
        const g = -cP[u] * v;
        gbP[u] += g;
        gIdx[q] = P[u];
        gVal[q] = g;
        val[u] = v;
        pos[u] = q++;
      }
    }
  }
  kw.routeLoss[0] = loss;
  return q;
}

/** The row's active outputs: the target is x_l, not 0 (their entries and loss corrected). */
function fixEntries(kw: ToyKernelWorkspace, nP1: number, p0: number, p1: number): void {
  const { impP, cP, gbP, kind, imp, val, pos, xIdx, xVal, gVal } = kw;
  let loss = kw.routeLoss[0];
  // The active outputs: the target is x_l, not 0.
  for (let p = p0; p < p1; p++) {
    const l = xIdx[p];
    const u = kind[l];
    const xv = xVal[p];
    if (u >= 0) {
      const k = pos[u];
      if (u < nP1) {
        if (k >= 0) {
          // on: I (v − x)² instead of I v², entry c (v − x) instead of c v
          const v = val[u];
          const e = v - xv;
          loss += impP[u] * (e * e - v * v);
          const g = cP[u] * e;
          gbP[u] += g - gVal[k];
          gVal[k] = g;
        } else loss += impP[u] * xv * xv;
      } else if (k >= 0) {
        // off, in the moments as I (v − x)² and c (v − x): undo those, add I x²
        const v = val[u];
        const e = v - xv;
        loss += impP[u] * (xv * xv - e * e + v * v);
        const g = -cP[u] * e;
        gbP[u] += g - gVal[k];
        gVal[k] = g;
      }
    } else if (u === OFF) loss += imp[l] * xv * xv;
  }
  kw.routeLoss[0] = loss;
}

/** Route 'hybrid', backward: per sample, ∂W += h gᵀ + (W g) xᵀ over the stored entries (transposed). */
function backwardHidden(kw: ToyKernelWorkspace, m: number, rows: number): void {
  const { Wt, gWt, h, gh, rowPtr, xIdx, xVal, gPtr, gIdx, gVal } = kw;
  for (let r = 0; r < rows; r++) {
    const q0 = gPtr[r];
    const q1 = gPtr[r + 1];
    if (q0 === q1) continue;
    const p0 = rowPtr[r];
    const p1 = rowPtr[r + 1];
    for (let j = 0; j < m; j++) {
      h[j] = 0;
      gh[j] = 0;
    }
    for (let p = p0; p < p1; p++) {
      const o = xIdx[p] * m;
      const xv = xVal[p];
      for (let j = 0; j < m; j++) h[j] += Wt[o + j] * xv;
    }
    for (let q = q0; q < q1; q++) {
      const l = gIdx[q];
      const g = gVal[q];
      const o = l * m;
      for (let j = 0; j < m; j++) {
        gh[j] += Wt[o + j] * g;
        gWt[o + j] += h[j] * g;
      }
    }
    for (let p = p0; p < p1; p++) {
      const o = xIdx[p] * m;
      const xv = xVal[p];
      for (let j = 0; j < m; j++) gWt[o + j] += gh[j] * xv;
    }
  }
}

/** Route 'hybrid' for one instance (after prepareGram): the loss into kw.routeLoss[0], the entries of g kept. */
export function runHybrid(kw: ToyKernelWorkspace, n: number, relu: boolean, rows: number): void {
  const { gb, P, gbP } = kw;
  const nP = kw.nP;
  kw.M.fill(0);
  ensureEntryCapacity(kw, rows, nP);
  if (kw.moments) secondMoments(kw, n, rows);
  forwardGram(kw, nP, kw.nP1, relu, rows);
  for (let u = 0; u < nP; u++) gb[P[u]] += gbP[u];
}

/** Route 'hybrid', backward: per sample over the stored entries, plus W (M + Mᵀ) of the moments. */
export function gradientHybrid(kw: ToyKernelWorkspace, gW: Float64Array, wBase: number, n: number, m: number, rows: number): void {
  kw.gWt.fill(0);
  backwardHidden(kw, m, rows);
  if (kw.moments) applyM(kw, n, m);
  writeGradWt(kw, gW, wBase, n, m);
}
