// The relu SAE's encoder and its active lists in one pass (the ReLU list kernels): pre, z = ReLU(pre),
// per sample the latents with pre > 0, and Σ z. An 8-sample kernel for any m and a register kernel
// for m ≤ 8, both bit-identical to encoderPreActivations; the WebAssembly twin of the training pass
// is src/kernels/sae/reluEncoder.ts.

import type { ActiveLatents } from './activeLatents.js';
import { centreBlock } from './encoder.js';
import { NARROW, S_BDEC, S_BIAS, S_ROW, S_STAGE, S_W, float64Copy, kernelResult, scratch, type Floats } from './scratch.js';
import type { SaeShape } from './types.js';

/**
 * The encoder and a ReLU in one pass: pre as encoderPreActivations (bit-identical), z = ReLU(pre),
 * and the list of latents with pre > 0 (where z = pre and ∂z/∂pre = 1). Returns Σ z over the batch.
 */
export function reluPreActivations(
  shape: SaeShape,
  W: Floats,
  bias: Floats,
  bDec: Floats,
  h: Floats,
  batchSize: number,
  pre: Float64Array,
  z: Float64Array,
  active: ActiveLatents,
): number {
  reluEncoder(shape, W, bias, bDec, h, batchSize, pre, z, active);
  return kernelResult[0];
}

/**
 * reluPreActivations with Σ z left in kernelResult[0] instead of returned (no boxed float); with
 * pre = null the pre-activations are not stored (training: only z and the lists are read later).
 * The relu SAE's training pass runs a WebAssembly twin of this (wasm/saeRelu.ts) where available: it
 * must keep the same order of every sum (pre and Σ z), which test/saeWasm.test.ts checks bit for bit.
 */
export function reluEncoder(
  shape: SaeShape,
  W: Floats,
  bias: Floats,
  bDec: Floats,
  h: Floats,
  batchSize: number,
  pre: Float64Array | null,
  z: Float64Array,
  active: ActiveLatents,
): void {
  const { nInput: m, dictSize: d } = shape;
  if (m <= NARROW) {
    // Rows of W_enc and b_dec zero-padded to 8 (the padding is never read: lanes j ≥ m are skipped).
    const w8 = scratch(S_W, d * NARROW).fill(0, 0, d * NARROW);
    for (let l = 0; l < d; l++) for (let j = 0; j < m; j++) w8[l * NARROW + j] = W[l * m + j];
    const bd8 = scratch(S_BDEC, NARROW).fill(0, 0, NARROW);
    for (let j = 0; j < m; j++) bd8[j] = bDec[j];
    if (latentMasks.length < d) latentMasks = new Int32Array(d);
    reluNarrow(m, d, w8, float64Copy(S_BIAS, bias, d), bd8, h, batchSize, pre, z, active.count, active.index, latentMasks);
    return;
  }
  const w = float64Copy(S_W, W, d * m);
  const b = float64Copy(S_BIAS, bias, d);
  const bd = float64Copy(S_BDEC, bDec, m);
  const centred = scratch(S_ROW, 8 * m);
  const { count, index } = active;
  if (pre === null) pre = scratch(S_STAGE, batchSize * d);
  let zSum = 0;
  let s = 0;
  for (; s + 8 <= batchSize; s += 8) {
    centreBlock(m, bd, h, s, centred);
    const r0 = s * d;
    for (let k = 0; k < 8; k++) count[s + k] = 0;
    z.fill(0, r0, r0 + 8 * d);
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
      if (a0 > 0) zSum += reluEntry(a0, s, l, d, z, count, index);
      if (a1 > 0) zSum += reluEntry(a1, s + 1, l, d, z, count, index);
      if (a2 > 0) zSum += reluEntry(a2, s + 2, l, d, z, count, index);
      if (a3 > 0) zSum += reluEntry(a3, s + 3, l, d, z, count, index);
      if (a4 > 0) zSum += reluEntry(a4, s + 4, l, d, z, count, index);
      if (a5 > 0) zSum += reluEntry(a5, s + 5, l, d, z, count, index);
      if (a6 > 0) zSum += reluEntry(a6, s + 6, l, d, z, count, index);
      if (a7 > 0) zSum += reluEntry(a7, s + 7, l, d, z, count, index);
    }
  }
  for (; s < batchSize; s++) {
    const hRow = s * m;
    for (let j = 0; j < m; j++) centred[j] = h[hRow + j] - bd[j];
    const r = s * d;
    count[s] = 0;
    for (let l = 0, wRow = 0; l < d; l++, wRow += m) {
      let a = b[l];
      for (let j = 0; j < m; j++) a += w[wRow + j] * centred[j];
      pre[r + l] = a;
      z[r + l] = 0;
      if (a > 0) zSum += reluEntry(a, s, l, d, z, count, index);
    }
  }
  kernelResult[0] = zSum;
}

/** reluNarrow's scratch: per latent, the samples of the current block of 8 where it fired (bit k). */
let latentMasks = new Int32Array(64);

/**
 * reluPreActivations for m ≤ 8: two samples at a time, their centred inputs h − b_dec in locals
 * and each weight loaded once for both (W_enc rows of stride 8; lanes j ≥ m skipped, so every pre
 * is b_l + Σ_{j<m} W_lj (h_j − b_dec,j) in increasing j, as in encoderBlocks). The active lists are
 * built per sample in increasing l. Σ z is accumulated in the order of the 8-sample kernel (per
 * block of 8 samples, latent by latent, then sample by sample; past the last full block, sample by
 * sample), replayed from per-latent bit masks of the block, so it is bit-identical too. Σ z goes
 * to kernelResult[0]; pre is stored unless null.
 */
function reluNarrow(
  m: number, d: number, w: Float64Array, b: Float64Array, bd: Float64Array, h: Floats, batchSize: number,
  pre: Float64Array | null, z: Float64Array, count: Int32Array, index: Int32Array, masks: Int32Array,
): void {
  const u1 = m > 1, u2 = m > 2, u3 = m > 3, u4 = m > 4, u5 = m > 5, u6 = m > 6, u7 = m > 7;
  const b0 = bd[0], b1 = bd[1], b2 = bd[2], b3 = bd[3], b4 = bd[4], b5 = bd[5], b6 = bd[6], b7 = bd[7];
  kernelResult[0] = 0; // Σ z, accumulated in place
  const blockEnd = batchSize & ~7;
  for (let s = 0; s < batchSize; s += 2) {
    if ((s & 7) === 0) {
      masks.fill(0, 0, d);
      z.fill(0, s * d, Math.min(s + 8, batchSize) * d);
    }
    const two = s + 1 < batchSize;
    const p = s * m;
    const q = two ? p + m : p; // a lone last sample is computed twice and stored once
    const c0 = h[p] - b0, e0 = h[q] - b0;
    const c1 = u1 ? h[p + 1] - b1 : 0, e1 = u1 ? h[q + 1] - b1 : 0;
    const c2 = u2 ? h[p + 2] - b2 : 0, e2 = u2 ? h[q + 2] - b2 : 0;
    const c3 = u3 ? h[p + 3] - b3 : 0, e3 = u3 ? h[q + 3] - b3 : 0;
    const c4 = u4 ? h[p + 4] - b4 : 0, e4 = u4 ? h[q + 4] - b4 : 0;
    const c5 = u5 ? h[p + 5] - b5 : 0, e5 = u5 ? h[q + 5] - b5 : 0;
    const c6 = u6 ? h[p + 6] - b6 : 0, e6 = u6 ? h[q + 6] - b6 : 0;
    const c7 = u7 ? h[p + 7] - b7 : 0, e7 = u7 ? h[q + 7] - b7 : 0;
    const r = s * d;
    const r2 = r + d;
    const bit = 1 << (s & 7);
    const bit2 = bit << 1;
    let n1 = 0;
    let n2 = 0;
    for (let l = 0; l < d; l++) {
      const o = l << 3;
      let a = b[l];
      let g = a;
      let x = w[o];
      a += x * c0;
      g += x * e0;
      if (u1) {
        x = w[o + 1];
        a += x * c1;
        g += x * e1;
        if (u2) {
          x = w[o + 2];
          a += x * c2;
          g += x * e2;
          if (u3) {
            x = w[o + 3];
            a += x * c3;
            g += x * e3;
            if (u4) {
              x = w[o + 4];
              a += x * c4;
              g += x * e4;
              if (u5) {
                x = w[o + 5];
                a += x * c5;
                g += x * e5;
                if (u6) {
                  x = w[o + 6];
                  a += x * c6;
                  g += x * e6;
                  if (u7) {
                    x = w[o + 7];
                    a += x * c7;
                    g += x * e7;
                  }
                }
              }
            }
          }
        }
      }
      if (pre !== null) pre[r + l] = a;
      if (a > 0) {
        z[r + l] = a;
        index[r + n1++] = l;
        masks[l] |= bit;
      }
      if (two) {
        if (pre !== null) pre[r2 + l] = g;
        if (g > 0) {
          z[r2 + l] = g;
          index[r2 + n2++] = l;
          masks[l] |= bit2;
        }
      }
    }
    count[s] = n1;
    if (two) count[s + 1] = n2;
    if (s >= blockEnd) {
      addListedSum(z, index, r, n1, kernelResult);
      if (two) addListedSum(z, index, r2, n2, kernelResult);
    } else if ((s & 7) === 6) addBlockSum(z, masks, (s - 6) * d, d, kernelResult);
  }
}

/** sum[0] += Σ z of one sample (row r) over its n listed latents, in list order. */
function addListedSum(z: Float64Array, index: Int32Array, r: number, n: number, sum: Float64Array): void {
  let acc = sum[0];
  for (let k = r, end = r + n; k < end; k++) acc += z[r + index[k]];
  sum[0] = acc;
}

/**
 * sum[0] += Σ z of the block of 8 samples from row r0 in the 8-sample kernel's order (latent by
 * latent, then sample by sample), replayed from the block's per-latent bit masks.
 */
function addBlockSum(z: Float64Array, masks: Int32Array, r0: number, d: number, sum: Float64Array): void {
  let acc = sum[0];
  for (let l = 0; l < d; l++) {
    for (let bits = masks[l]; bits !== 0; ) {
      const low = bits & -bits;
      acc += z[r0 + (31 - Math.clz32(low)) * d + l];
      bits ^= low;
    }
  }
  sum[0] = acc;
}

/** Record an active entry (pre = a > 0) of sample s; returns a. Small enough to be inlined. */
function reluEntry(a: number, s: number, l: number, d: number, z: Float64Array, count: Int32Array, index: Int32Array): number {
  const row = s * d;
  z[row + l] = a;
  index[row + count[s]++] = l;
  return a;
}
