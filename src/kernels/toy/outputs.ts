// The outputs of the float64 Gram routes ('gram', 'hybrid'), sorted for a batch before the sweep:
// x lies in [xlo, xhi] ∋ 0 over the batch, so a_l lies between b_l + Σ_i min(G_li xlo, G_li xhi) and
// b_l + Σ_i max(…). A lower bound > 0 (beyond a rounding margin) settles the ReLU of l on for every
// sample (ON; every output of the linear model), an upper bound < 0 settles it off (OFF: loss I_l x_l²,
// no gradient). ON outputs can be computed from the batch's moments (gramShared.ts). Undecided outputs
// with b_l > 0 (UP: on most of the time) can join the moments too and record only corrections where
// their ReLU is off; the rest (DOWN) record their entries where it is on. Samples with no active input
// all share a = b: computed once (emptySamples), for every route.

import { gram } from './gramShared.js';
import type { KernelOptions } from './types.js';
import { ensureGramCapacity, type ToyKernelWorkspace } from './workspace.js';

/** kw.kind[l] of an output not computed per sample (a position u ≥ 0 in P otherwise). */
export const ON = -1;
export const OFF = -2;
const UP = -3;
const DOWN = -4;

/**
 * Sort the outputs for a batch whose x lies in [xlo, xhi] ∋ 0 (route 'gram', G formed): kw.kind[l]
 * becomes ON (settled on), OFF (settled off), UP (undecided, b_l > 0) or DOWN (undecided otherwise).
 * The linear model has every output ON. `settle` false makes every output DOWN. Counts into kw.nOn,
 * kw.nOff, kw.nUp.
 */
export function classifyOutputs(
  kw: ToyKernelWorkspace,
  n: number,
  m: number,
  relu: boolean,
  settle: boolean,
  xlo: number,
  xhi: number,
): void {
  const { G, Wt, b, kind, h } = kw;
  let on = 0;
  let off = 0;
  let up = 0;
  // Rounding margin: a_l as the reference computes it (b + Wᵀ(W x)) is within (n + 2m + 8)·ε·T_l of
  // the exact value, T_l = |b_l| + max|x| Σ_j |W_jl| Σ_i |W_ji|; G's own rounding is covered by it too.
  const xmax = Math.max(-xlo, xhi);
  for (let j = 0; j < m; j++) {
    let r = 0;
    for (let i = 0; i < n; i++) r += Math.abs(Wt[i * m + j]);
    h[j] = r; // scratch: row sums of |W|
  }
  const eps = (n + 2 * m + 8) * 2.3e-16;
  for (let l = 0; l < n; l++) {
    let k = DOWN;
    if (!settle) k = DOWN;
    else if (!relu) k = ON;
    else {
      let pos = 0;
      let neg = 0;
      for (let i = 0; i < n; i++) {
        const g = G[l * n + i];
        if (g > 0) pos += g;
        else neg += g;
      }
      let t = 0;
      for (let j = 0; j < m; j++) t += Math.abs(Wt[l * m + j]) * h[j];
      const margin = eps * (Math.abs(b[l]) + xmax * t);
      const lo = b[l] + xhi * neg + xlo * pos;
      const hi = b[l] + xhi * pos + xlo * neg;
      k = lo > margin ? ON : hi < -margin ? OFF : b[l] > 0 ? UP : DOWN;
    }
    kind[l] = k;
    if (k === ON) on++;
    else if (k === OFF) off++;
    else if (k === UP) up++;
  }
  kw.nOn = on;
  kw.nOff = off;
  kw.nUp = up;
}

/**
 * Lay out the outputs computed per sample, P = [DOWN…, UP…, ON…] (with moments: [DOWN…, UP…] and
 * the moments over [ON…, UP…] in kw.linear), gathering their b, I, c and columns of G; kw.kind[l]
 * becomes the position u in P (or stays ON / OFF). Returns |P|; kw.nP1 is where the UP outputs start
 * with moments (|P| − |UP|; |P| without), kw.nLin the number in the moments.
 */
export function layoutOutputs(kw: ToyKernelWorkspace, n: number, moments: boolean): number {
  const { G, b, imp, c, P, bP, impP, cP, Gp, kind, linear } = kw;
  let nP = 0;
  let nLin = 0;
  for (let l = 0; l < n; l++) if (kind[l] === DOWN) P[nP++] = l;
  const nDown = nP;
  for (let l = 0; l < n; l++) if (kind[l] === UP) P[nP++] = l;
  const nP1 = moments ? nDown : n;
  for (let l = 0; l < n; l++) {
    if (kind[l] !== ON) continue;
    if (moments) linear[nLin++] = l;
    else P[nP++] = l;
  }
  if (moments) for (let u = nDown; u < nP; u++) linear[nLin++] = P[u];
  for (let u = 0; u < nP; u++) {
    const l = P[u];
    kind[l] = u;
    bP[u] = b[l];
    impP[u] = imp[l];
    cP[u] = c[l];
  }
  for (let i = 0; i < n; i++) for (let u = 0; u < nP; u++) Gp[i * nP + u] = G[i * n + P[u]];
  kw.nP1 = Math.min(nP1, nP);
  kw.nLin = nLin;
  return nP;
}

/**
 * Routes 'gram' and 'hybrid', before their cost and their sweep: G = WᵀW (from kw.Wt), the outputs
 * sorted for the batch (classifyOutputs), the choice of moments (options.moments forces it), and the
 * outputs computed per sample laid out (kw.nP, kw.nP1, kw.nLin; kw.quad = Q for the moments' cost).
 */
export function prepareGram(kw: ToyKernelWorkspace, n: number, m: number, rows: number, actives: number, relu: boolean, options: KernelOptions): void {
  const { rowPtr, xVal } = kw;
  ensureGramCapacity(kw, n);
  gram(kw.Wt, n, m, kw.G);
  let xlo = 0;
  let xhi = 0;
  for (let p = 0; p < actives; p++) {
    const v = xVal[p];
    if (v < xlo) xlo = v;
    else if (v > xhi) xhi = v;
  }
  classifyOutputs(kw, n, m, relu, options.settle !== false, xlo, xhi);
  const nOn = kw.nOn;
  let quad = 0;
  for (let r = 0; r < rows; r++) {
    const a = rowPtr[r + 1] - rowPtr[r];
    quad += (a * (a + 1)) >> 1;
  }
  // Moments (~3 ns per term of Q, ~1 per multiply-add of W C and (H C)_L: n²m + |L|nm) against
  // sample by sample: a settled-on output leaves the per-sample loops (~4.5 ns per active input),
  // an UP output stays in them and only records fewer entries (~1 ns per active input).
  const nL = nOn + kw.nUp;
  const moments = nL > 0 && (options.moments ?? 3 * quad + n * n * m + nL * n * m < actives * (4.5 * nOn + kw.nUp));
  kw.moments = moments;
  kw.nP = layoutOutputs(kw, n, moments);
  kw.quad = quad;
}

/** Every output computed per sample, in order (routes 'h', 'h32', 'gram32'): none settled, no moments. */
export function resetOutputs(kw: ToyKernelWorkspace, n: number): void {
  const { kind } = kw;
  kw.nP = n;
  kw.nP1 = n;
  kw.nLin = 0;
  kw.nOn = 0;
  kw.nOff = 0;
  kw.moments = false;
  for (let l = 0; l < n; l++) kind[l] = l;
}

/**
 * The empty samples: a = b for each of them (only the outputs computed per sample that record where
 * on; the moments include the empty samples, and settled-off outputs contribute nothing). Adds their
 * loss into kw.routeLoss[0] and ∂L/∂b into kw.gb.
 */
export function emptySamples(kw: ToyKernelWorkspace, n: number, relu: boolean, empty: number): void {
  const { kind, b, imp, c, gb } = kw;
  const nP1 = kw.nP1;
  let loss0 = 0;
  for (let l = 0; l < n; l++) {
    const u = kind[l];
    if (u < 0 || u >= nP1) continue;
    const v = b[l];
    if (relu && v <= 0) continue; // (NaN goes on, as in the reference)
    loss0 += imp[l] * v * v;
    gb[l] += empty * c[l] * v;
  }
  kw.routeLoss[0] += empty * loss0;
}
