// Pieces every SAE architecture shares (SAE.md):
//   pre = W_enc (h − b_dec) + b_enc,   ĥ = W_dec z + b_dec,   L_rec = mean_batch ‖h − ĥ‖²,
// their backward passes, and the unit-norm constraint on decoder columns.
// Layouts: W_enc [latent, input], W_dec [input, latent], batches row-major [batch, ·].

import type { SaeShape, SaeWorkspace } from './types.js';

type Floats = ArrayLike<number>;
type Writable = { [index: number]: number; length: number };

export function sharedParameterShapes(shape: SaeShape): Record<string, number[]> {
  const { nInput: m, dictSize: d } = shape;
  return { W_enc: [d, m], b_enc: [d], W_dec: [m, d], b_dec: [m] };
}

export function createSharedWorkspace(shape: SaeShape, maxBatch: number): SaeWorkspace {
  const { nInput: m, dictSize: d } = shape;
  return {
    pre: new Float64Array(maxBatch * d),
    z: new Float64Array(maxBatch * d),
    hHat: new Float64Array(maxBatch * m),
    gradHHat: new Float64Array(maxBatch * m),
    gradZ: new Float64Array(maxBatch * d),
    gradPre: new Float64Array(maxBatch * d),
    extra: {},
  };
}

// ---------------------------------------------------------------------------------------------
// Performance notes. Parameters arrive as Float32Array (training) or Float64Array (gradient
// checks); the kernels copy them once per call into float64 scratch (exact), so inner loops only
// see Float64Array and per-sample values are hoisted. Scratch buffers grow on demand and are
// reused: nothing is allocated per call in the steady state. Each slot has one use, and no kernel
// calls another kernel while holding a slot. Results are the same as the plain loops, up to the
// order of floating-point sums where noted (pre, ĥ and L_rec are bit-identical everywhere).

const scratchSlots: Float64Array[] = [];

/** A float64 scratch buffer of at least `size` entries for `slot` (contents undefined). */
function scratch(slot: number, size: number): Float64Array {
  let buffer = scratchSlots[slot];
  if (buffer === undefined || buffer.length < size) {
    buffer = new Float64Array(Math.max(size, 16));
    scratchSlots[slot] = buffer;
  }
  return buffer;
}

/** The first `size` entries of `source` as float64, in the scratch buffer of `slot`. */
function float64Copy(slot: number, source: Floats, size: number): Float64Array {
  const target = scratch(slot, size);
  for (let e = 0; e < size; e++) target[e] = source[e];
  return target;
}

/** W_dec [input, latent] transposed to [latent, stride ≥ input] (zero-padded), float64. */
function transposedDecoder(slot: number, Wdec: Floats, m: number, d: number, stride: number): Float64Array {
  const target = scratch(slot, d * stride);
  if (stride > m) target.fill(0, 0, d * stride);
  for (let j = 0; j < m; j++) for (let l = 0; l < d; l++) target[l * stride + j] = Wdec[j * d + l];
  return target;
}

const S_W = 0; // a copy of an encoder matrix [latent, input]
const S_BIAS = 1; // a copy of an encoder bias, or an accumulated bias gradient [latent]
const S_BDEC = 2; // a copy of b_dec [input, or 8 padded]
const S_WDEC_T = 3; // W_dec transposed [latent, input or 8]
const S_ROW = 4; // per-sample rows: h − b_dec, ĥ or ∂L/∂ĥ ([input], or [8, input] in the encoder)
const S_ROW2 = 5; // a second per-sample row [input]
const S_ROW3 = 6; // a third per-sample row [input]
const S_GRAD_W = 7; // an accumulated matrix gradient [latent, input or 8]
const S_GRAD_W2 = 8; // a second accumulated matrix gradient [latent, input or 8]
const S_GRAD_BDEC = 9; // an accumulated b_dec gradient [input or 8]
const S_STAGE = 10; // encoderPreActivations' output when the caller's buffer is not a Float64Array

/** Inputs up to which sparseReconstructionBackward keeps a sample's rows in registers. */
const NARROW = 8;

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
function centreBlock(m: number, bd: Float64Array, h: Floats, s: number, centred: Float64Array): void {
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

/** ĥ = W_dec z + b_dec for a batch, skipping zero latents. */
export function decode(shape: SaeShape, Wdec: Floats, bDec: Floats, z: Floats, batchSize: number, hHat: Writable): void {
  const { nInput: m, dictSize: d } = shape;
  const wt = transposedDecoder(S_WDEC_T, Wdec, m, d, m);
  const bd = float64Copy(S_BDEC, bDec, m);
  const acc = scratch(S_ROW, m);
  for (let s = 0; s < batchSize; s++) {
    for (let j = 0; j < m; j++) acc[j] = bd[j];
    const zRow = s * d;
    for (let l = 0; l < d; l++) {
      const zl = z[zRow + l];
      if (zl === 0) continue;
      const wRow = l * m;
      for (let j = 0; j < m; j++) acc[j] += wt[wRow + j] * zl;
    }
    const hRow = s * m;
    for (let j = 0; j < m; j++) hHat[hRow + j] = acc[j];
  }
}

/**
 * L_rec = (1/B) Σ_s ‖h_s − ĥ_s‖² and ∂L_rec/∂ĥ = 2(ĥ − h)/B into ws.gradHHat.
 */
export function reconstructionLoss(shape: SaeShape, h: Floats, hHat: Floats, batchSize: number, gradHHat: Writable): number {
  const m = shape.nInput;
  let loss = 0;
  const scale = 2 / batchSize;
  for (let e = 0; e < batchSize * m; e++) {
    const err = hHat[e] - h[e];
    loss += err * err;
    gradHHat[e] = scale * err;
  }
  return loss / batchSize;
}

/**
 * Backward through ĥ = W_dec z + b_dec: accumulates ∂L/∂W_dec and ∂L/∂b_dec, and writes
 * ∂L/∂z = W_decᵀ ∂L/∂ĥ into gradZ (for every latent: architectures mask it themselves).
 * For sparse z see decoderBackwardActive and sparseReconstructionBackward.
 */
export function decoderBackward(
  shape: SaeShape,
  Wdec: Floats,
  z: Floats,
  gradHHat: Floats,
  batchSize: number,
  gradWdec: Float64Array,
  gradBdec: Float64Array,
  gradZ: Writable,
): void {
  const { nInput: m, dictSize: d } = shape;
  const wt = transposedDecoder(S_WDEC_T, Wdec, m, d, m);
  const gwt = scratch(S_GRAD_W, d * m).fill(0, 0, d * m); // ∂L/∂W_dec transposed
  const gbd = scratch(S_GRAD_BDEC, m).fill(0, 0, m);
  const gh = scratch(S_ROW, m);
  for (let s = 0; s < batchSize; s++) {
    const hRow = s * m;
    for (let j = 0; j < m; j++) {
      const g = gradHHat[hRow + j];
      gh[j] = g;
      gbd[j] += g;
    }
    const zRow = s * d;
    for (let l = 0, wRow = 0; l < d; l++, wRow += m) {
      let g = 0;
      for (let j = 0; j < m; j++) g += wt[wRow + j] * gh[j];
      gradZ[zRow + l] = g;
      const zl = z[zRow + l];
      if (zl !== 0) for (let j = 0; j < m; j++) gwt[wRow + j] += gh[j] * zl;
    }
  }
  for (let j = 0; j < m; j++) {
    gradBdec[j] += gbd[j];
    for (let l = 0; l < d; l++) gradWdec[j * d + l] += gwt[l * m + j];
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

// ---------------------------------------------------------------------------------------------
// Sparse variants over an active-latent list. z from a sparse activation (ReLU, TopK, JumpReLU)
// has a few nonzero entries per sample; the list holds, per sample, the latents through which a
// gradient flows, in increasing order: sample s owns index[s·d .. s·d + count[s]). Every latent
// with z ≠ 0 must be listed (the list may hold more, e.g. latents at z = 0 that still need ∂L/∂z).
// These kernels cost O(B·m + nnz·m) instead of O(B·d·m).

/** Buffers for the active latents of up to maxBatch samples. */
export interface ActiveLatents {
  count: Int32Array; // [batch]
  index: Int32Array; // [batch, latent], the first count[s] entries of row s used
}

export function createActiveLatents(shape: SaeShape, maxBatch: number): ActiveLatents {
  return { count: new Int32Array(Math.max(1, maxBatch)), index: new Int32Array(Math.max(1, maxBatch * shape.dictSize)) };
}

/** fired[l] += the number of samples whose list holds latent l. */
export function countListed(shape: SaeShape, active: ActiveLatents, batchSize: number, fired: Float64Array): void {
  const d = shape.dictSize;
  const { count, index } = active;
  for (let s = 0; s < batchSize; s++) {
    const row = s * d;
    for (let k = row, end = row + count[s]; k < end; k++) fired[index[k]]++;
  }
}

/** fired[l] += the number of samples with z > 0 on latent l (a scan of z [batch, latent]). */
export function countPositive(shape: SaeShape, z: Floats, batchSize: number, fired: Float64Array): void {
  const d = shape.dictSize;
  for (let s = 0; s < batchSize; s++) {
    const row = s * d;
    for (let l = 0; l < d; l++) if (z[row + l] > 0) fired[l]++;
  }
}

/** The list of nonzero z per sample; returns the total number of entries. */
export function collectActiveLatents(shape: SaeShape, z: Floats, batchSize: number, active: ActiveLatents): number {
  const d = shape.dictSize;
  const { count, index } = active;
  let total = 0;
  for (let s = 0; s < batchSize; s++) {
    const row = s * d;
    let c = 0;
    for (let l = 0; l < d; l++) if (z[row + l] !== 0) index[row + c++] = l;
    count[s] = c;
    total += c;
  }
  return total;
}

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

/**
 * Where kernels that are not inlined leave a float result (a float returned from a call is boxed in
 * a fresh heap number; a store into this array is not): the hot loop allocates nothing.
 */
export const kernelResult = new Float64Array(1);

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
  m: number,
  d: number,
  w: Float64Array,
  b: Float64Array,
  bd: Float64Array,
  h: Floats,
  batchSize: number,
  pre: Float64Array | null,
  z: Float64Array,
  count: Int32Array,
  index: Int32Array,
  masks: Int32Array,
): void {
  const u1 = m > 1, u2 = m > 2, u3 = m > 3, u4 = m > 4, u5 = m > 5, u6 = m > 6, u7 = m > 7;
  const b0 = bd[0], b1 = bd[1], b2 = bd[2], b3 = bd[3], b4 = bd[4], b5 = bd[5], b6 = bd[6], b7 = bd[7];
  let zSum = 0;
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
      for (let k = r, end = r + n1; k < end; k++) zSum += z[r + index[k]];
      if (two) for (let k = r2, end = r2 + n2; k < end; k++) zSum += z[r2 + index[k]];
    } else if ((s & 7) === 6) {
      const r0 = (s - 6) * d;
      for (let l = 0; l < d; l++) {
        for (let bits = masks[l]; bits !== 0; ) {
          const low = bits & -bits;
          zSum += z[r0 + (31 - Math.clz32(low)) * d + l];
          bits ^= low;
        }
      }
    }
  }
  kernelResult[0] = zSum;
}

/** Record an active entry (pre = a > 0) of sample s; returns a. Small enough to be inlined. */
function reluEntry(a: number, s: number, l: number, d: number, z: Float64Array, count: Int32Array, index: Int32Array): number {
  const row = s * d;
  z[row + l] = a;
  index[row + count[s]++] = l;
  return a;
}

/** ĥ = W_dec z + b_dec over the listed latents only (the others must have z = 0); bit-identical to decode. */
export function decodeActive(
  shape: SaeShape,
  Wdec: Floats,
  bDec: Floats,
  z: Floats,
  batchSize: number,
  active: ActiveLatents,
  hHat: Writable,
): void {
  const { nInput: m, dictSize: d } = shape;
  const { count, index } = active;
  const wt = transposedDecoder(S_WDEC_T, Wdec, m, d, m);
  const bd = float64Copy(S_BDEC, bDec, m);
  const acc = scratch(S_ROW, m);
  for (let s = 0; s < batchSize; s++) {
    for (let j = 0; j < m; j++) acc[j] = bd[j];
    const zRow = s * d;
    for (let k = zRow, end = zRow + count[s]; k < end; k++) {
      const l = index[k];
      const zl = z[zRow + l];
      const wRow = l * m;
      for (let j = 0; j < m; j++) acc[j] += wt[wRow + j] * zl;
    }
    const hRow = s * m;
    for (let j = 0; j < m; j++) hHat[hRow + j] = acc[j];
  }
}

/**
 * decoderBackward over the listed latents: accumulates ∂L/∂W_dec and ∂L/∂b_dec (all of it) and
 * writes ∂L/∂z = W_decᵀ ∂L/∂ĥ into gradZ at the listed entries only (the others are not written).
 */
export function decoderBackwardActive(
  shape: SaeShape,
  Wdec: Floats,
  z: Floats,
  gradHHat: Floats,
  batchSize: number,
  active: ActiveLatents,
  gradWdec: Float64Array,
  gradBdec: Float64Array,
  gradZ: Writable,
): void {
  const { nInput: m, dictSize: d } = shape;
  const { count, index } = active;
  const wt = transposedDecoder(S_WDEC_T, Wdec, m, d, m);
  const gwt = scratch(S_GRAD_W, d * m).fill(0, 0, d * m);
  const gbd = scratch(S_GRAD_BDEC, m).fill(0, 0, m);
  const gh = scratch(S_ROW, m);
  for (let s = 0; s < batchSize; s++) {
    const hRow = s * m;
    for (let j = 0; j < m; j++) {
      const g = gradHHat[hRow + j];
      gh[j] = g;
      gbd[j] += g;
    }
    const zRow = s * d;
    for (let k = zRow, end = zRow + count[s]; k < end; k++) {
      const l = index[k];
      const wRow = l * m;
      let g = 0;
      for (let j = 0; j < m; j++) g += wt[wRow + j] * gh[j];
      gradZ[zRow + l] = g;
      const zl = z[zRow + l];
      if (zl !== 0) for (let j = 0; j < m; j++) gwt[wRow + j] += gh[j] * zl;
    }
  }
  for (let j = 0; j < m; j++) {
    gradBdec[j] += gbd[j];
    for (let l = 0; l < d; l++) gradWdec[j * d + l] += gwt[l * m + j];
  }
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

/**
 * The whole reconstruction path of a sparse SAE in one pass per sample, for activations with
 * z = pre on the listed latents and z = 0 elsewhere (ReLU; TopK without its auxiliary loss):
 *   ĥ = W_dec z + b_dec into hHat,  L_rec = mean_batch ‖h − ĥ‖² (returned),  ∂L_rec/∂ĥ into gradHHat,
 *   ∂L/∂pre = W_decᵀ ∂L/∂ĥ + gradPreOffset on the listed latents (0 elsewhere; the offset is e.g.
 *   the L1 term's λ/B), and its backward through the decoder and the encoder: accumulates
 *   ∂L/∂W_enc, ∂L/∂b_enc, ∂L/∂W_dec and ∂L/∂b_dec (both shares).
 * gradZ and gradPre, when given, receive ∂L/∂z and ∂L/∂pre at the listed entries only.
 * The list must hold exactly the latents where ∂z/∂pre = 1 (a superset of the nonzero z).
 * Cost O(B·m + nnz·m). Equal to decodeActive + reconstructionLoss + decoderBackwardActive +
 * encoderBackwardActive up to the order of floating-point sums; ĥ and L_rec are bit-identical
 * to decode + reconstructionLoss.
 */
export function sparseReconstructionBackward(
  shape: SaeShape,
  Wenc: Floats,
  Wdec: Floats,
  bDec: Floats,
  h: Floats,
  z: Float64Array,
  batchSize: number,
  active: ActiveLatents,
  gradPreOffset: number,
  hHat: Float64Array,
  gradHHat: Float64Array,
  gradWenc: Float64Array,
  gradBenc: Float64Array,
  gradWdec: Float64Array,
  gradBdec: Float64Array,
  gradZ: Float64Array | null = null,
  gradPre: Float64Array | null = null,
): number {
  sparseReconstructionBackwardInto(shape, Wenc, Wdec, bDec, h, z, batchSize, active, offsetScratch(gradPreOffset), hHat, gradHHat, gradWenc, gradBenc, gradWdec, gradBdec, gradZ, gradPre);
  return kernelResult[0];
}

const offsetHolder = new Float64Array(1);

/** `offset` in a one-element array (the form sparseReconstructionBackwardInto takes). */
function offsetScratch(offset: number): Float64Array {
  offsetHolder[0] = offset;
  return offsetHolder;
}

/** sparseReconstructionBackward with L_rec left in kernelResult[0] instead of returned (no boxed float). */
export function sparseReconstructionBackwardInto(
  shape: SaeShape,
  Wenc: Floats,
  Wdec: Floats,
  bDec: Floats,
  h: Floats,
  z: Float64Array,
  batchSize: number,
  active: ActiveLatents,
  gradPreOffset: Float64Array, // [1]: a double argument is boxed where the call is not inlined
  hHat: Float64Array,
  gradHHat: Float64Array,
  gradWenc: Float64Array,
  gradBenc: Float64Array,
  gradWdec: Float64Array,
  gradBdec: Float64Array,
  gradZ: Float64Array | null,
  gradPre: Float64Array | null,
): void {
  const { nInput: m, dictSize: d } = shape;
  // Rows of the float64 copies have `stride` entries: 8 (zero-padded) for the register kernel.
  const narrow = m <= NARROW;
  const stride = narrow ? NARROW : m;
  const wt = transposedDecoder(S_WDEC_T, Wdec, m, d, stride);
  const bd = scratch(S_BDEC, stride).fill(0, 0, stride);
  for (let j = 0; j < m; j++) bd[j] = bDec[j];
  const gwt = scratch(S_GRAD_W2, d * stride).fill(0, 0, d * stride); // ∂L/∂W_dec transposed
  const gwe = scratch(S_GRAD_W, d * stride).fill(0, 0, d * stride); // ∂L/∂W_enc
  const gbe = scratch(S_BIAS, d).fill(0, 0, d);
  const gbd = scratch(S_GRAD_BDEC, stride).fill(0, 0, stride);
  const { count, index } = active;
  if (narrow) sparseBackwardNarrow(m, d, wt, bd, h, z, batchSize, count, index, gradPreOffset, hHat, gradHHat, gwt, gwe, gbe, gbd, gradZ, gradPre);
  else sparseBackwardWide(m, d, wt, bd, h, z, batchSize, count, index, gradPreOffset, hHat, gradHHat, gwt, gwe, gbe, gbd, gradZ, gradPre);
  const sum = kernelResult[0];
  // The encoder's share of ∂L/∂b_dec, −Σ_s Σ_l ∂L/∂pre_sl W_enc[l, :] = −Σ_l ∂L/∂b_enc,l W_enc[l, :].
  const we = float64Copy(S_W, Wenc, d * m);
  for (let l = 0; l < d; l++) {
    const g = gbe[l];
    gradBenc[l] += g;
    for (let j = 0; j < m; j++) {
      if (g !== 0) gbd[j] -= g * we[l * m + j];
      gradWenc[l * m + j] += gwe[l * stride + j];
      gradWdec[j * d + l] += gwt[l * stride + j];
    }
  }
  for (let j = 0; j < m; j++) gradBdec[j] += gbd[j];
  kernelResult[0] = sum / batchSize;
}

/**
 * sparseReconstructionBackward's per-sample pass for m ≤ 8: a sample's ĥ, ∂L/∂ĥ and h − b_dec live
 * in 8 local variables (rows of wt, gwt, gwe have stride 8, zero-padded), which avoids the
 * load/store traffic and loop overhead of m-long inner loops; lanes 4–7 only run when m > 4.
 * Σ_s ‖h_s − ĥ_s‖² goes to kernelResult[0].
 */
function sparseBackwardNarrow(
  m: number,
  d: number,
  wt: Float64Array,
  bd: Float64Array,
  h: Floats,
  z: Float64Array,
  batchSize: number,
  count: Int32Array,
  index: Int32Array,
  offsetIn: Float64Array,
  hHat: Float64Array,
  gradHHat: Float64Array,
  gwt: Float64Array,
  gwe: Float64Array,
  gbe: Float64Array,
  gbd: Float64Array,
  gradZ: Float64Array | null,
  gradPre: Float64Array | null,
): void {
  const offset = offsetIn[0];
  const u1 = m > 1;
  const u2 = m > 2;
  const u3 = m > 3;
  const u4 = m > 4;
  const u5 = m > 5;
  const u6 = m > 6;
  const u7 = m > 7;
  const b0 = bd[0], b1 = bd[1], b2 = bd[2], b3 = bd[3], b4 = bd[4], b5 = bd[5], b6 = bd[6], b7 = bd[7];
  const scale = 2 / batchSize;
  let loss = 0;
  for (let s = 0; s < batchSize; s++) {
    const hRow = s * m;
    const zRow = s * d;
    const begin = zRow;
    const end = zRow + count[s];
    // ĥ_s = b_dec + Σ_active W_dec[:, l] z_l, latents in increasing order (as decode).
    let a0 = b0, a1 = b1, a2 = b2, a3 = b3, a4 = b4, a5 = b5, a6 = b6, a7 = b7;
    for (let k = begin; k < end; k++) {
      const l = index[k];
      const zl = z[zRow + l];
      const w = l << 3;
      a0 += wt[w] * zl;
      a1 += wt[w + 1] * zl;
      a2 += wt[w + 2] * zl;
      a3 += wt[w + 3] * zl;
      if (u4) {
        a4 += wt[w + 4] * zl;
        if (u5) {
          a5 += wt[w + 5] * zl;
          if (u6) {
            a6 += wt[w + 6] * zl;
            if (u7) a7 += wt[w + 7] * zl;
          }
        }
      }
    }
    // Lanes j ≥ m are 0 throughout (zero padding); they are never read from h nor written out.
    const h0 = h[hRow];
    const h1 = u1 ? h[hRow + 1] : 0;
    const h2 = u2 ? h[hRow + 2] : 0;
    const h3 = u3 ? h[hRow + 3] : 0;
    const h4 = u4 ? h[hRow + 4] : 0;
    const h5 = u5 ? h[hRow + 5] : 0;
    const h6 = u6 ? h[hRow + 6] : 0;
    const h7 = u7 ? h[hRow + 7] : 0;
    const e0 = a0 - h0, e1 = a1 - h1, e2 = a2 - h2, e3 = a3 - h3, e4 = a4 - h4, e5 = a5 - h5, e6 = a6 - h6, e7 = a7 - h7;
    const g0 = scale * e0, g1 = scale * e1, g2 = scale * e2, g3 = scale * e3;
    const g4 = scale * e4, g5 = scale * e5, g6 = scale * e6, g7 = scale * e7;
    loss += e0 * e0;
    hHat[hRow] = a0;
    gradHHat[hRow] = g0;
    gbd[0] += g0;
    if (u1) {
      loss += e1 * e1;
      hHat[hRow + 1] = a1;
      gradHHat[hRow + 1] = g1;
      gbd[1] += g1;
      if (u2) {
        loss += e2 * e2;
        hHat[hRow + 2] = a2;
        gradHHat[hRow + 2] = g2;
        gbd[2] += g2;
        if (u3) {
          loss += e3 * e3;
          hHat[hRow + 3] = a3;
          gradHHat[hRow + 3] = g3;
          gbd[3] += g3;
          if (u4) {
            loss += e4 * e4;
            hHat[hRow + 4] = a4;
            gradHHat[hRow + 4] = g4;
            gbd[4] += g4;
            if (u5) {
              loss += e5 * e5;
              hHat[hRow + 5] = a5;
              gradHHat[hRow + 5] = g5;
              gbd[5] += g5;
              if (u6) {
                loss += e6 * e6;
                hHat[hRow + 6] = a6;
                gradHHat[hRow + 6] = g6;
                gbd[6] += g6;
                if (u7) {
                  loss += e7 * e7;
                  hHat[hRow + 7] = a7;
                  gradHHat[hRow + 7] = g7;
                  gbd[7] += g7;
                }
              }
            }
          }
        }
      }
    }
    if (begin === end) continue;
    const c0 = h0 - b0, c1 = h1 - b1, c2 = h2 - b2, c3 = h3 - b3, c4 = h4 - b4, c5 = h5 - b5, c6 = h6 - b6, c7 = h7 - b7;
    for (let k = begin; k < end; k++) {
      const l = index[k];
      const zl = z[zRow + l];
      const w = l << 3;
      let gz = wt[w] * g0 + wt[w + 1] * g1 + wt[w + 2] * g2 + wt[w + 3] * g3;
      if (u4) {
        gz += wt[w + 4] * g4;
        if (u5) {
          gz += wt[w + 5] * g5;
          if (u6) {
            gz += wt[w + 6] * g6;
            if (u7) gz += wt[w + 7] * g7;
          }
        }
      }
      const gp = gz + offset;
      if (gradZ !== null) gradZ[zRow + l] = gz;
      if (gradPre !== null) gradPre[zRow + l] = gp;
      gbe[l] += gp;
      gwt[w] += g0 * zl;
      gwt[w + 1] += g1 * zl;
      gwt[w + 2] += g2 * zl;
      gwt[w + 3] += g3 * zl;
      gwe[w] += gp * c0;
      gwe[w + 1] += gp * c1;
      gwe[w + 2] += gp * c2;
      gwe[w + 3] += gp * c3;
      if (u4) {
        gwt[w + 4] += g4 * zl;
        gwe[w + 4] += gp * c4;
        if (u5) {
          gwt[w + 5] += g5 * zl;
          gwe[w + 5] += gp * c5;
          if (u6) {
            gwt[w + 6] += g6 * zl;
            gwe[w + 6] += gp * c6;
            if (u7) {
              gwt[w + 7] += g7 * zl;
              gwe[w + 7] += gp * c7;
            }
          }
        }
      }
    }
  }
  kernelResult[0] = loss;
}

/** sparseReconstructionBackward's per-sample pass for any m (rows of stride m); Σ_s ‖h_s − ĥ_s‖² to kernelResult[0]. */
function sparseBackwardWide(
  m: number,
  d: number,
  wt: Float64Array,
  bd: Float64Array,
  h: Floats,
  z: Float64Array,
  batchSize: number,
  count: Int32Array,
  index: Int32Array,
  offsetIn: Float64Array,
  hHat: Float64Array,
  gradHHat: Float64Array,
  gwt: Float64Array,
  gwe: Float64Array,
  gbe: Float64Array,
  gbd: Float64Array,
  gradZ: Float64Array | null,
  gradPre: Float64Array | null,
): void {
  const offset = offsetIn[0];
  const acc = scratch(S_ROW, m);
  const gh = scratch(S_ROW2, m);
  const hc = scratch(S_ROW3, m);
  const scale = 2 / batchSize;
  let loss = 0;
  for (let s = 0; s < batchSize; s++) {
    const hRow = s * m;
    const zRow = s * d;
    const begin = zRow;
    const end = zRow + count[s];
    for (let j = 0; j < m; j++) acc[j] = bd[j];
    for (let k = begin; k < end; k++) {
      const l = index[k];
      const zl = z[zRow + l];
      const wRow = l * m;
      for (let j = 0; j < m; j++) acc[j] += wt[wRow + j] * zl;
    }
    for (let j = 0; j < m; j++) {
      const a = acc[j];
      const hj = h[hRow + j];
      hHat[hRow + j] = a;
      const err = a - hj;
      loss += err * err;
      const g = scale * err;
      gradHHat[hRow + j] = g;
      gbd[j] += g;
      gh[j] = g;
      hc[j] = hj - bd[j];
    }
    for (let k = begin; k < end; k++) {
      const l = index[k];
      const zl = z[zRow + l];
      const wRow = l * m;
      let gz = 0;
      for (let j = 0; j < m; j++) gz += wt[wRow + j] * gh[j];
      const gp = gz + offset;
      if (gradZ !== null) gradZ[zRow + l] = gz;
      if (gradPre !== null) gradPre[zRow + l] = gp;
      gbe[l] += gp;
      for (let j = 0; j < m; j++) {
        gwt[wRow + j] += gh[j] * zl;
        gwe[wRow + j] += gp * hc[j];
      }
    }
  }
  kernelResult[0] = loss;
}

/** Remove from each decoder column's gradient its component along the column (W_dec [input, latent]). */
export function removeParallelGradient(shape: SaeShape, Wdec: Floats, gradWdec: Float64Array): void {
  const { nInput: m, dictSize: d } = shape;
  for (let l = 0; l < d; l++) {
    let dot = 0;
    let normSquared = 0;
    for (let j = 0; j < m; j++) {
      dot += Wdec[j * d + l] * gradWdec[j * d + l];
      normSquared += Wdec[j * d + l] * Wdec[j * d + l];
    }
    if (normSquared === 0) continue;
    const c = dot / normSquared;
    for (let j = 0; j < m; j++) gradWdec[j * d + l] -= c * Wdec[j * d + l];
  }
}

/** Scale every decoder column to unit norm (zero columns stay zero). */
export function normaliseDecoderColumns(shape: SaeShape, Wdec: Writable): void {
  const { nInput: m, dictSize: d } = shape;
  for (let l = 0; l < d; l++) {
    let normSquared = 0;
    for (let j = 0; j < m; j++) normSquared += Wdec[j * d + l] * Wdec[j * d + l];
    if (normSquared === 0) continue;
    const inv = 1 / Math.sqrt(normSquared);
    for (let j = 0; j < m; j++) Wdec[j * d + l] *= inv;
  }
}
