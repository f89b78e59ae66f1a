// The encoder every SAE shares, pre = W_enc (h − b_dec) + b_enc (docs/sae.md, § Architectures), and
// its backward pass, dense and over an active-latent list.

import type { ActiveLatents } from './activeLatents.js';
import { S_BDEC, S_BIAS, S_GRAD_BDEC, S_GRAD_W, S_ROW, S_STAGE, S_W, float64Copy, scratch, type Floats, type Writable } from './scratch.js';
import type { SaeShape } from './types.js';

/**
 * pre = W (h − b_dec) + bias for a batch; W is [latent, input].
 * Eight samples at a time: each weight is loaded once for eight independent accumulators, which
 * removes most of the loop overhead of the short (m-long) inner loop. Every entry is still summed
 * as bias + Σ_{j = 0..m−1} W_lj (h_j − b_dec,j) in increasing j, so the result is bit-identical to
 * the plain triple loop (and to reluPreActivations).
 */
export function encoderPreActivations(
  shape: SaeShape,
  W: Floats,
  bias: Floats,
  bDec: Floats,
  h: Floats,
  batchSize: number,
  pre: Writable,
): void {
  const { nInput: m, dictSize: d } = shape;
  const w = float64Copy(S_W, W, d * m);
  const b = float64Copy(S_BIAS, bias, d);
  const bd = float64Copy(S_BDEC, bDec, m);
  const centred = scratch(S_ROW, 8 * m);
  if (pre instanceof Float64Array) encoderBlocks(m, d, w, b, bd, h, batchSize, centred, pre);
  else {
    const out = scratch(S_STAGE, batchSize * d);
    encoderBlocks(m, d, w, b, bd, h, batchSize, centred, out);
    for (let e = 0; e < batchSize * d; e++) pre[e] = out[e];
  }
}

/** centred[8j + k] = h[s + k, j] − bd[j] for the eight samples from s. */
export function centreBlock(m: number, bd: Float64Array, h: Floats, s: number, centred: Float64Array): void {
  const hBase = s * m;
  for (let j = 0, q = 0; j < m; j++, q += 8) {
    const c = bd[j];
    for (let k = 0; k < 8; k++) centred[q + k] = h[hBase + k * m + j] - c;
  }
}

/** The encoder on float64 copies (see encoderPreActivations); `centred` holds ≥ 8m entries. */
function encoderBlocks(
  m: number,
  d: number,
  w: Float64Array,
  b: Float64Array,
  bd: Float64Array,
  h: Floats,
  batchSize: number,
  centred: Float64Array,
  pre: Float64Array,
): void {
  let s = 0;
  for (; s + 8 <= batchSize; s += 8) {
    centreBlock(m, bd, h, s, centred);
    const r0 = s * d;
    for (let l = 0, wRow = 0; l < d; l++, wRow += m) {
      let a0 = b[l];
      let a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
      for (let j = 0, q = 0; j < m; j++, q += 8) {
        const wj = w[wRow + j];
        a0 += wj * centred[q];
        a1 += wj * centred[q + 1];
        a2 += wj * centred[q + 2];
        a3 += wj * centred[q + 3];
        a4 += wj * centred[q + 4];
        a5 += wj * centred[q + 5];
        a6 += wj * centred[q + 6];
        a7 += wj * centred[q + 7];
      }
      const e = r0 + l;
      pre[e] = a0;
      pre[e + d] = a1;
      pre[e + 2 * d] = a2;
      pre[e + 3 * d] = a3;
      pre[e + 4 * d] = a4;
      pre[e + 5 * d] = a5;
      pre[e + 6 * d] = a6;
      pre[e + 7 * d] = a7;
    }
  }
  for (; s < batchSize; s++) {
    const hRow = s * m;
    for (let j = 0; j < m; j++) centred[j] = h[hRow + j] - bd[j];
    const r = s * d;
    for (let l = 0, wRow = 0; l < d; l++, wRow += m) {
      let a = b[l];
      for (let j = 0; j < m; j++) a += w[wRow + j] * centred[j];
      pre[r + l] = a;
    }
  }
}

/**
 * Backward through pre = W (h − b_dec) + bias: accumulates ∂L/∂W, ∂L/∂bias and the encoder's
 * share of ∂L/∂b_dec (b_dec is subtracted from the input, so it gets −Wᵀ ∂L/∂pre).
 */
export function encoderBackward(
  shape: SaeShape,
  W: Floats,
  bDec: Floats,
  h: Floats,
  gradPre: Floats,
  batchSize: number,
  gradW: Float64Array,
  gradBias: Float64Array,
  gradBdec: Float64Array,
): void {
  const { nInput: m, dictSize: d } = shape;
  const w = float64Copy(S_W, W, d * m);
  const bd = float64Copy(S_BDEC, bDec, m);
  const gw = scratch(S_GRAD_W, d * m).fill(0, 0, d * m);
  const gbd = scratch(S_GRAD_BDEC, m).fill(0, 0, m);
  const hc = scratch(S_ROW, m);
  for (let s = 0; s < batchSize; s++) {
    const hRow = s * m;
    for (let j = 0; j < m; j++) hc[j] = h[hRow + j] - bd[j];
    const gRow = s * d;
    for (let l = 0; l < d; l++) {
      const g = gradPre[gRow + l];
      if (g === 0) continue;
      gradBias[l] += g;
      const wRow = l * m;
      for (let j = 0; j < m; j++) {
        gw[wRow + j] += g * hc[j];
        gbd[j] -= g * w[wRow + j];
      }
    }
  }
  for (let e = 0; e < d * m; e++) gradW[e] += gw[e];
  for (let j = 0; j < m; j++) gradBdec[j] += gbd[j];
}

/** encoderBackward over the listed latents: gradPre is read at the listed entries only (the others count as 0). */
export function encoderBackwardActive(
  shape: SaeShape,
  W: Floats,
  bDec: Floats,
  h: Floats,
  gradPre: Floats,
  batchSize: number,
  active: ActiveLatents,
  gradW: Float64Array,
  gradBias: Float64Array,
  gradBdec: Float64Array,
): void {
  const { nInput: m, dictSize: d } = shape;
  const { count, index } = active;
  const w = float64Copy(S_W, W, d * m);
  const bd = float64Copy(S_BDEC, bDec, m);
  const gw = scratch(S_GRAD_W, d * m).fill(0, 0, d * m);
  const gbd = scratch(S_GRAD_BDEC, m).fill(0, 0, m);
  const hc = scratch(S_ROW, m);
  for (let s = 0; s < batchSize; s++) {
    const n = count[s];
    if (n === 0) continue;
    const hRow = s * m;
    for (let j = 0; j < m; j++) hc[j] = h[hRow + j] - bd[j];
    const gRow = s * d;
    for (let k = gRow, end = gRow + n; k < end; k++) {
      const l = index[k];
      const g = gradPre[gRow + l];
      if (g === 0) continue;
      gradBias[l] += g;
      const wRow = l * m;
      for (let j = 0; j < m; j++) {
        gw[wRow + j] += g * hc[j];
        gbd[j] -= g * w[wRow + j];
      }
    }
  }
  for (let e = 0; e < d * m; e++) gradW[e] += gw[e];
  for (let j = 0; j < m; j++) gradBdec[j] += gbd[j];
}
