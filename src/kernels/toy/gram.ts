// Route 'gram' of the toy kernel, in float64: G = WᵀW (n²m/2), then a = b + Σ_(i active) G[:, i] x_i
// only for the outputs P whose ReLU is undecided for the batch (outputs.ts), fused with
// M = Σ_b g_b x_bᵀ over the active i and the nonzero g (sweepRows); ∂L/∂W = W (M + Mᵀ) (n²m).
//                                                      ≈ A|P| + A·ν + n²m·3/2 (+ moments)
// Within a sample, the loops over outputs treat every target as 0 (loss I_l a_l², entry c_l a_l,
// computed without branches); the few active outputs are then fixed up (target x_l).

import { applyM, linearOutputs } from './gramShared.js';
import { OFF } from './outputs.js';
import { groupRows } from './rows.js';
import { writeGradWt, type ToyKernelWorkspace } from './workspace.js';

/**
 * Route 'gram': the forward pass fused with the accumulation of M and of the moments s and C, row
 * by row over the rows grouped by number of actives (so the per-row branches on a stay predictable).
 * Per row: v_u = b_l + Σ_active G[i, l] x_i for l = P[u]; the outputs with an entry are listed
 * without branches (count += +(v > 0)): u < nP1 where the ReLU is on, with g_u = c_l v_u, and the
 * outputs also in the moments (u ≥ nP1) where it is off, with the correction g_u = −c_l v_u. The active
 * outputs are then fixed up (target x_l, not 0), and M_P[i, u] += g_u x_i for the active i and the
 * listed u. Writes the (unscaled) loss terms of P and of the active settled-off outputs into
 * kw.routeLoss[0]; the entries' sums go to gb, M_P to M. Phase by phase per row, the state in kw.
 */
export function sweepRows(kw: ToyKernelWorkspace, n: number, nP: number, nP1: number, relu: boolean, rows: number, moments: boolean): void {
  const { gbP, P, MP, M, gb, C, s, rowPtr, order } = kw;
  const li = relu ? 0 : 1;
  kw.routeLoss[0] = 0;
  MP.fill(0, 0, n * nP);
  for (let u = 0; u < nP; u++) gbP[u] = 0;
  if (moments) {
    C.fill(0);
    s.fill(0);
  }
  for (let t = 0; t < rows; t++) {
    const p0 = rowPtr[order[t]];
    const a = rowPtr[order[t] + 1] - p0;
    const p1 = p0 + a;
    let k = nP > 0 ? listOutputs(kw, n, nP, nP1, li, p0, a) : 0;
    k = fixActiveOutputs(kw, nP1, relu, p0, p1, k);
    accumulateM(kw, nP, p0, p1, a, k);
    if (moments) accumulateMoments(kw, n, p0, p1, a);
  }
  if (moments) for (let i = 0; i < n; i++) for (let k = i + 1; k < n; k++) C[k * n + i] = C[i * n + k];
  for (let u = 0; u < nP; u++) gb[P[u]] += gbP[u];
  for (let i = 0; i < n; i++) {
    const o = i * nP;
    const om = i * n;
    for (let u = 0; u < nP; u++) M[om + P[u]] += MP[o + u];
  }
}

/**
 * One row's v_u = b_l + Σ_active G[i, l] x_i into kw.acc, its outputs with an entry listed in
 * kw.pos[0 .. k) (returns k; kw.listedOn the first of u ≥ nP1), their g = ±c v into kw.val and their
 * loss ±I v² added into kw.routeLoss[0] (targets taken as 0; fixActiveOutputs fixes them up).
 */
function listOutputs(kw: ToyKernelWorkspace, n: number, nP: number, nP1: number, li: number, p0: number, a: number): number {
  const { impP, cP, acc, val, pos: nz } = kw;
  const k = a <= 3 ? listFewActives(kw, nP, nP1, li, p0, a) : listManyActives(kw, n, nP, nP1, li, p0, a);
  const k1 = kw.listedOn;
  // The listed entries: g = ±c v and loss ±I v² (targets taken as 0; fixed up below).
  let ls = 0;
  for (let j = 0; j < k1; j++) {
    const u = nz[j];
    const v = acc[u];
    ls += impP[u] * v * v;
    val[u] = cP[u] * v;
  }
  for (let j = k1; j < k; j++) {
    const u = nz[j];
    const v = acc[u];
    ls -= impP[u] * v * v;
    val[u] = -cP[u] * v;
  }
  kw.routeLoss[0] += ls;
  return k;
}

/** listOutputs' v and lists for a row of a ≤ 3 actives, the columns of G fused into the gate loops. */
function listFewActives(kw: ToyKernelWorkspace, nP: number, nP1: number, li: number, p0: number, a: number): number {
  const { Gp, bP, acc, xIdx, xVal, pos: nz } = kw;
  // v_u into acc; the outputs with an entry listed in nz[0 .. k) without branches: those of
  // u < nP1 where the ReLU is on (all for the linear model), from k1 on those of u ≥ nP1 where it
  // is off; the columns of G fused into these loops for a ≤ 3.
  const o0 = xIdx[p0] * nP;
  const x0 = xVal[p0];
  let k = 0;
  let k1 = 0;
  if (a === 1) {
    for (let u = 0; u < nP1; u++) {
      const v = bP[u] + Gp[o0 + u] * x0;
      acc[u] = v;
      nz[k] = u;
      k += +!(v <= 0) | li;
    }
    k1 = k;
    for (let u = nP1; u < nP; u++) {
      const v = bP[u] + Gp[o0 + u] * x0;
      acc[u] = v;
      nz[k] = u;
      k += +!(v > 0);
    }
  } else if (a === 2) {
    const o1 = xIdx[p0 + 1] * nP;
    const x1 = xVal[p0 + 1];
    for (let u = 0; u < nP1; u++) {
      const v = bP[u] + Gp[o0 + u] * x0 + Gp[o1 + u] * x1;
      acc[u] = v;
      nz[k] = u;
      k += +!(v <= 0) | li;
    }
    k1 = k;
    for (let u = nP1; u < nP; u++) {
      const v = bP[u] + Gp[o0 + u] * x0 + Gp[o1 + u] * x1;
      acc[u] = v;
      nz[k] = u;
      k += +!(v > 0);
    }
  } else if (a === 3) {
    const o1 = xIdx[p0 + 1] * nP;
    const x1 = xVal[p0 + 1];
    const o2 = xIdx[p0 + 2] * nP;
    const x2 = xVal[p0 + 2];
    for (let u = 0; u < nP1; u++) {
      const v = bP[u] + Gp[o0 + u] * x0 + Gp[o1 + u] * x1 + Gp[o2 + u] * x2;
      acc[u] = v;
      nz[k] = u;
      k += +!(v <= 0) | li;
    }
    k1 = k;
    for (let u = nP1; u < nP; u++) {
      const v = bP[u] + Gp[o0 + u] * x0 + Gp[o1 + u] * x1 + Gp[o2 + u] * x2;
      acc[u] = v;
      nz[k] = u;
      k += +!(v > 0);
    }
  }
  kw.listedOn = k1;
  return k;
}

/** listOutputs' v and lists for a row of a > 3 actives. */
function listManyActives(kw: ToyKernelWorkspace, n: number, nP: number, nP1: number, li: number, p0: number, a: number): number {
  const { G, Gp, bP, P, acc, xIdx, xVal, pos: nz } = kw;
  const p1 = p0 + a;
  const o0 = xIdx[p0] * nP;
  const x0 = xVal[p0];
  let k = 0;
  let k1 = 0;
  if (a > nP) {
    // Many actives: a dot product per output along a row of G (the same summation order).
    for (let u = 0; u < nP; u++) {
      const go = P[u] * n;
      let v = bP[u];
      for (let p = p0; p < p1; p++) v += G[go + xIdx[p]] * xVal[p];
      acc[u] = v;
    }
    for (let u = 0; u < nP1; u++) {
      const v = acc[u];
      nz[k] = u;
      k += +!(v <= 0) | li;
    }
    k1 = k;
    for (let u = nP1; u < nP; u++) {
      const v = acc[u];
      nz[k] = u;
      k += +!(v > 0);
    }
  } else {
    // The first a − 2 columns into acc, the last two fused with the gates.
    for (let u = 0; u < nP; u++) acc[u] = bP[u] + Gp[o0 + u] * x0;
    for (let p = p0 + 1; p < p1 - 2; p++) {
      const o = xIdx[p] * nP;
      const xv = xVal[p];
      for (let u = 0; u < nP; u++) acc[u] += Gp[o + u] * xv;
    }
    const o1 = xIdx[p1 - 2] * nP;
    const x1 = xVal[p1 - 2];
    const o2 = xIdx[p1 - 1] * nP;
    const x2 = xVal[p1 - 1];
    for (let u = 0; u < nP1; u++) {
      const v = acc[u] + Gp[o1 + u] * x1 + Gp[o2 + u] * x2;
      acc[u] = v;
      nz[k] = u;
      k += +!(v <= 0) | li;
    }
    k1 = k;
    for (let u = nP1; u < nP; u++) {
      const v = acc[u] + Gp[o1 + u] * x1 + Gp[o2 + u] * x2;
      acc[u] = v;
      nz[k] = u;
      k += +!(v > 0);
    }
  }
  kw.listedOn = k1;
  return k;
}

/**
 * The active outputs of the row: target x_l, not 0 (and I x² for the settled-off ones); the loss
 * corrected in kw.routeLoss[0], the entries in kw.val, an output newly with an entry listed. Returns k.
 */
function fixActiveOutputs(kw: ToyKernelWorkspace, nP1: number, relu: boolean, p0: number, p1: number, k: number): number {
  const { impP, cP, kind, imp, acc, val, xIdx, xVal, pos: nz } = kw;
  const lin = !relu;
  let loss = kw.routeLoss[0];
  // The active outputs: target x_l, not 0 (and I x² for the settled-off ones).
  for (let p = p0; p < p1; p++) {
    const l = xIdx[p];
    const u = kind[l];
    const xv = xVal[p];
    if (u < 0) {
      if (u === OFF) loss += imp[l] * xv * xv;
      continue;
    }
    const v = acc[u];
    const e = v - xv;
    const on = lin || !(v <= 0);
    // What the lists and (u ≥ nP1) the moments counted, against the truth.
    let listed: boolean;
    let countedLoss: number;
    let countedG: number;
    if (u < nP1) {
      listed = on;
      countedLoss = listed ? v * v : 0;
      countedG = listed ? v : 0;
    } else {
      listed = !(v > 0);
      countedLoss = e * e - (listed ? v * v : 0);
      countedG = e - (listed ? v : 0);
    }
    loss += impP[u] * ((on ? e * e : xv * xv) - countedLoss);
    const dg = cP[u] * ((on ? e : 0) - countedG);
    if (listed) val[u] += dg;
    else if (dg !== 0) {
      val[u] = dg;
      nz[k++] = u;
    }
  }
  kw.routeLoss[0] = loss;
  return k;
}

/** The row's entries into gbP and M_P. */
function accumulateM(kw: ToyKernelWorkspace, nP: number, p0: number, p1: number, a: number, k: number): void {
  const { gbP, val, MP, xIdx, xVal, pos: nz } = kw;
  // gb_P += g, M_P[i, u] += g_u x_i over the active i and the nonzero g_u.
  if (k > 0) {
    for (let j = 0; j < k; j++) gbP[nz[j]] += val[nz[j]];
    if (a > k) {
      for (let j = 0; j < k; j++) {
        const u = nz[j];
        const g = val[u];
        for (let p = p0; p < p1; p++) MP[xIdx[p] * nP + u] += g * xVal[p];
      }
    } else {
      for (let p = p0; p < p1; p++) {
        const o = xIdx[p] * nP;
        const xv = xVal[p];
        for (let j = 0; j < k; j++) {
          const u = nz[j];
          MP[o + u] += val[u] * xv;
        }
      }
    }
  }
}

/** The row's terms of s = Σ_b x_b and of C = Σ_b x_b x_bᵀ (upper triangle). */
function accumulateMoments(kw: ToyKernelWorkspace, n: number, p0: number, p1: number, a: number): void {
  const { C, s, xIdx, xVal } = kw;
  const i0 = xIdx[p0];
  const x0 = xVal[p0];
  s[i0] += x0;
  C[i0 * n + i0] += x0 * x0;
  if (a === 2) {
    const i1 = xIdx[p0 + 1];
    const x1 = xVal[p0 + 1];
    s[i1] += x1;
    C[i0 * n + i1] += x0 * x1;
    C[i1 * n + i1] += x1 * x1;
  } else if (a > 2) {
    for (let q = p0 + 1; q < p1; q++) C[i0 * n + xIdx[q]] += x0 * xVal[q];
    for (let p = p0 + 1; p < p1; p++) {
      const xv = xVal[p];
      const o = xIdx[p] * n;
      s[xIdx[p]] += xv;
      for (let q = p; q < p1; q++) C[o + xIdx[q]] += xv * xVal[q];
    }
  }
}

/** Route 'gram' for one instance (after prepareGram): the loss into kw.routeLoss[0], M into kw.M. */
export function runGram(kw: ToyKernelWorkspace, n: number, relu: boolean, rows: number): void {
  kw.M.fill(0);
  groupRows(kw, n, rows);
  sweepRows(kw, n, kw.nP, kw.nP1, relu, rows, kw.moments);
}

/** Route 'gram', backward: ∂L/∂W = W (M + Mᵀ) into the caller's gW at wBase. */
export function gradientGram(kw: ToyKernelWorkspace, gW: Float64Array, wBase: number, n: number, m: number): void {
  kw.gWt.fill(0);
  applyM(kw, n, m);
  writeGradWt(kw, gW, wBase, n, m);
}
