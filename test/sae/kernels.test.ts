// The fast SAE kernels (src/models/sae/: encoder, decoder, reluLists, sparseReconstruction, and
// relu.ts) against straightforward loops written here, on random inputs: float32 parameters (as in training) and float64 (as in the gradient
// checks), shapes including m = 1, d = 1, batch 1, d < m, batches that are not a multiple of the
// encoder's 8-sample blocks, and m on both sides of the sparse kernel's register limit (8).
// Relative error = max |fast − reference| / max |reference| per output.

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { type ActiveLatents, collectActiveLatents, createActiveLatents } from '../../src/kernels/sae/activeLatents.js';
import { decode, decodeActive, decoderBackward, decoderBackwardActive } from '../../src/kernels/sae/decoder.js';
import { encoderBackward, encoderBackwardActive, encoderPreActivations } from '../../src/kernels/sae/encoder.js';
import { reluEncoder, reluPreActivations } from '../../src/kernels/sae/reluLists.js';
import { kernelResult } from '../../src/kernels/sae/scratch.js';
import { sparseReconstructionBackward } from '../../src/kernels/sae/sparseReconstruction.js';
import { reluSae } from '../../src/models/sae/relu.js';
import type { SaeHyper, SaeShape } from '../../src/models/sae/types.js';

type Precision = 'float32' | 'float64';
const TOLERANCE: Record<Precision, number> = { float32: 1e-5, float64: 1e-12 };

// [m, d]: m = 1, d = 1, d < m, m ≤ 8 (register kernel), m > 8 (general kernel), and W5's 5 × 40.
const SHAPES: [number, number][] = [
  [1, 1],
  [1, 4],
  [4, 1],
  [2, 5],
  [5, 3],
  [5, 40],
  [7, 9],
  [8, 8],
  [9, 4],
  [12, 30],
];
const BATCHES = [1, 7, 8, 9, 26];
const PRECISIONS: Precision[] = ['float32', 'float64'];

function relativeError(fast: ArrayLike<number>, reference: ArrayLike<number>, size = reference.length): number {
  let diff = 0;
  let scale = 0;
  for (let e = 0; e < size; e++) {
    diff = Math.max(diff, Math.abs(fast[e] - reference[e]));
    scale = Math.max(scale, Math.abs(reference[e]));
  }
  if (!Number.isFinite(diff)) return Infinity;
  return scale === 0 ? diff : diff / scale;
}

function expectClose(fast: ArrayLike<number>, reference: ArrayLike<number>, precision: Precision, what: string, size?: number): void {
  expect(relativeError(fast, reference, size), what).toBeLessThan(TOLERANCE[precision]);
}

function expectSame(fast: ArrayLike<number>, reference: ArrayLike<number>, size: number, what: string): void {
  expect(Array.from(fast).slice(0, size), what).toEqual(Array.from(reference).slice(0, size));
}

function randomArray(rng: Rng, size: number, precision: Precision, scale = 1): Float32Array | Float64Array {
  const values = Array.from({ length: size }, () => scale * rng.normal());
  return precision === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
}

interface Case {
  shape: SaeShape;
  m: number;
  d: number;
  B: number;
  precision: Precision;
  Wenc: Float32Array | Float64Array; // [d, m]
  bEnc: Float32Array | Float64Array; // [d]
  Wdec: Float32Array | Float64Array; // [m, d]
  bDec: Float32Array | Float64Array; // [m]
  h: Float64Array; // [B, m]
}

function makeCase(m: number, d: number, B: number, precision: Precision, seed: number): Case {
  const rng = new Rng(seed, m, d, B, precision === 'float32' ? 32 : 64);
  const c: Case = {
    shape: { nInput: m, dictSize: d },
    m,
    d,
    B,
    precision,
    Wenc: randomArray(rng, d * m, precision, 0.7),
    // A spread of biases so that some latents are mostly active and some mostly off.
    bEnc: randomArray(rng, d, precision, 0.8),
    Wdec: randomArray(rng, m * d, precision, 0.7),
    bDec: randomArray(rng, m, precision, 0.3),
    h: Float64Array.from({ length: B * m }, () => rng.normal()),
  };
  // Edge latents: pre = 1e-30 > 0 (active, however small) and pre = 0 exactly (inactive).
  if (d >= 3) {
    c.Wenc.fill(0, (d - 2) * m, d * m);
    c.bEnc[d - 2] = 0;
    c.bEnc[d - 1] = 1e-30;
  }
  return c;
}

function* cases(): Generator<Case & { label: string }> {
  let seed = 1;
  for (const [m, d] of SHAPES)
    for (const B of BATCHES)
      for (const precision of PRECISIONS) yield { ...makeCase(m, d, B, precision, seed++), label: `m=${m} d=${d} B=${B} ${precision}` };
}

// ---- Straightforward references ---------------------------------------------------------------

function refPre(c: Case): Float64Array {
  const { m, d, B } = c;
  const pre = new Float64Array(B * d);
  for (let s = 0; s < B; s++)
    for (let l = 0; l < d; l++) {
      let a = c.bEnc[l];
      for (let j = 0; j < m; j++) a += c.Wenc[l * m + j] * (c.h[s * m + j] - c.bDec[j]);
      pre[s * d + l] = a;
    }
  return pre;
}

function refRelu(pre: Float64Array): Float64Array {
  return pre.map((p) => (p > 0 ? p : 0));
}

function refDecode(c: Case, z: ArrayLike<number>): Float64Array {
  const { m, d, B } = c;
  const hHat = new Float64Array(B * m);
  for (let s = 0; s < B; s++)
    for (let j = 0; j < m; j++) {
      let a = c.bDec[j];
      for (let l = 0; l < d; l++) if (z[s * d + l] !== 0) a += c.Wdec[j * d + l] * z[s * d + l];
      hHat[s * m + j] = a;
    }
  return hHat;
}

function refReconstruction(c: Case, hHat: Float64Array): { loss: number; gradHHat: Float64Array } {
  let loss = 0;
  const gradHHat = new Float64Array(c.B * c.m);
  for (let e = 0; e < c.B * c.m; e++) {
    const err = hHat[e] - c.h[e];
    loss += err * err;
    gradHHat[e] = (2 / c.B) * err;
  }
  return { loss: loss / c.B, gradHHat };
}

/** ∂L/∂W_dec, ∂L/∂b_dec (decoder share) and ∂L/∂z = W_decᵀ ∂L/∂ĥ for every latent. */
function refDecoderBackward(c: Case, z: ArrayLike<number>, gradHHat: ArrayLike<number>) {
  const { m, d, B } = c;
  const gradWdec = new Float64Array(m * d);
  const gradBdec = new Float64Array(m);
  const gradZ = new Float64Array(B * d);
  for (let s = 0; s < B; s++)
    for (let j = 0; j < m; j++) {
      const g = gradHHat[s * m + j];
      gradBdec[j] += g;
      for (let l = 0; l < d; l++) {
        gradWdec[j * d + l] += g * z[s * d + l];
        gradZ[s * d + l] += c.Wdec[j * d + l] * g;
      }
    }
  return { gradWdec, gradBdec, gradZ };
}

/** ∂L/∂W_enc, ∂L/∂b_enc and the encoder's share of ∂L/∂b_dec. */
function refEncoderBackward(c: Case, gradPre: ArrayLike<number>) {
  const { m, d, B } = c;
  const gradWenc = new Float64Array(d * m);
  const gradBenc = new Float64Array(d);
  const gradBdec = new Float64Array(m);
  for (let s = 0; s < B; s++)
    for (let l = 0; l < d; l++) {
      const g = gradPre[s * d + l];
      gradBenc[l] += g;
      for (let j = 0; j < m; j++) {
        gradWenc[l * m + j] += g * (c.h[s * m + j] - c.bDec[j]);
        gradBdec[j] -= g * c.Wenc[l * m + j];
      }
    }
  return { gradWenc, gradBenc, gradBdec };
}

/** The ReLU SAE's loss and gradients, as docs/sae.md, § ReLU (L1) writes them. */
function refReluSae(c: Case, l1: number) {
  const pre = refPre(c);
  const z = refRelu(pre);
  const hHat = refDecode(c, z);
  const { loss: reconstruction, gradHHat } = refReconstruction(c, hHat);
  const dec = refDecoderBackward(c, z, gradHHat);
  const gradPre = pre.map((p, e) => (p > 0 ? dec.gradZ[e] + l1 / c.B : 0));
  const enc = refEncoderBackward(c, gradPre);
  const sparsity = (l1 * z.reduce((a, b) => a + b, 0)) / c.B;
  const gradBdec = dec.gradBdec.map((g, j) => g + enc.gradBdec[j]);
  return {
    pre,
    z,
    hHat,
    gradHHat,
    reconstruction,
    sparsity,
    gradPre,
    gradZ: dec.gradZ,
    W_enc: enc.gradWenc,
    b_enc: enc.gradBenc,
    W_dec: dec.gradWdec,
    b_dec: gradBdec,
  };
}

function activeFrom(c: Case, keep: (e: number) => boolean): ActiveLatents {
  const active = createActiveLatents(c.shape, c.B);
  for (let s = 0; s < c.B; s++) {
    let n = 0;
    for (let l = 0; l < c.d; l++) if (keep(s * c.d + l)) active.index[s * c.d + n++] = l;
    active.count[s] = n;
  }
  return active;
}

function randomFill(size: number, seed: number): Float64Array {
  const rng = new Rng(seed, size);
  return Float64Array.from({ length: size }, () => rng.normal());
}

const HYPER: SaeHyper = { l1: 0.3, k: 2, auxK: 2, auxCoefficient: 1 / 32, bandwidth: 0.01, thresholdDecay: 0.99 };

// ---- Dense kernels ----------------------------------------------------------------------------

describe('dense kernels agree with the plain loops', () => {
  it('encoderPreActivations is bit-identical (also into a plain array)', () => {
    for (const c of cases()) {
      const ref = refPre(c);
      const pre = new Float64Array(c.B * c.d);
      encoderPreActivations(c.shape, c.Wenc, c.bEnc, c.bDec, c.h, c.B, pre);
      expectSame(pre, ref, c.B * c.d, c.label);
      const plain: number[] = new Array<number>(c.B * c.d).fill(NaN);
      encoderPreActivations(c.shape, c.Wenc, c.bEnc, c.bDec, Array.from(c.h), c.B, plain);
      expectSame(plain, ref, c.B * c.d, `${c.label} (plain arrays)`);
    }
  });

  it('decode is bit-identical', () => {
    for (const c of cases()) {
      const z = refRelu(refPre(c));
      const hHat = new Float64Array(c.B * c.m);
      decode(c.shape, c.Wdec, c.bDec, z, c.B, hHat);
      expectSame(hHat, refDecode(c, z), c.B * c.m, c.label);
    }
  });

  it('decoderBackward accumulates ∂W_dec, ∂b_dec and writes ∂z for every latent', () => {
    let seed = 100;
    for (const c of cases()) {
      const z = refRelu(refPre(c));
      const gradHHat = randomFill(c.B * c.m, seed++);
      const ref = refDecoderBackward(c, z, gradHHat);
      const startW = randomFill(c.m * c.d, seed++);
      const startB = randomFill(c.m, seed++);
      const gradWdec = startW.slice();
      const gradBdec = startB.slice();
      const gradZ = new Float64Array(c.B * c.d).fill(NaN);
      decoderBackward(c.shape, c.Wdec, z, gradHHat, c.B, gradWdec, gradBdec, gradZ);
      expectClose(gradWdec.map((g, e) => g - startW[e]), ref.gradWdec, c.precision, `${c.label} W_dec`);
      expectClose(gradBdec.map((g, j) => g - startB[j]), ref.gradBdec, c.precision, `${c.label} b_dec`);
      expectClose(gradZ, ref.gradZ, c.precision, `${c.label} z`);
    }
  });

  it('encoderBackward accumulates ∂W_enc, ∂b_enc and the encoder share of ∂b_dec', () => {
    let seed = 200;
    for (const c of cases()) {
      const gradPre = randomFill(c.B * c.d, seed++).map((g, e) => (e % 3 === 0 ? 0 : g)); // some exact zeros
      const ref = refEncoderBackward(c, gradPre);
      const startW = randomFill(c.d * c.m, seed++);
      const gradW = startW.slice();
      const gradBias = new Float64Array(c.d);
      const gradBdec = new Float64Array(c.m);
      encoderBackward(c.shape, c.Wenc, c.bDec, c.h, gradPre, c.B, gradW, gradBias, gradBdec);
      expectClose(gradW.map((g, e) => g - startW[e]), ref.gradWenc, c.precision, `${c.label} W_enc`);
      expectClose(gradBias, ref.gradBenc, c.precision, `${c.label} b_enc`);
      expectClose(gradBdec, ref.gradBdec, c.precision, `${c.label} b_dec`);
    }
  });
});

// ---- Sparse kernels ---------------------------------------------------------------------------

describe('active-latent kernels agree with the dense ones', () => {
  it('collectActiveLatents lists the nonzero z in increasing order', () => {
    for (const c of cases()) {
      const z = refRelu(refPre(c));
      const active = createActiveLatents(c.shape, c.B);
      const total = collectActiveLatents(c.shape, z, c.B, active);
      let expected = 0;
      for (let s = 0; s < c.B; s++) {
        const listed = Array.from(active.index.subarray(s * c.d, s * c.d + active.count[s]));
        const nonzero = [...Array(c.d).keys()].filter((l) => z[s * c.d + l] !== 0);
        expect(listed, c.label).toEqual(nonzero);
        expected += nonzero.length;
      }
      expect(total).toBe(expected);
    }
  });

  it('reluPreActivations: pre bit-identical, z = ReLU(pre), the active lists, and Σz', () => {
    for (const c of cases()) {
      const ref = refPre(c);
      const pre = new Float64Array(c.B * c.d).fill(NaN);
      const z = new Float64Array(c.B * c.d).fill(NaN);
      const active = createActiveLatents(c.shape, c.B);
      active.count.fill(-1);
      const zSum = reluPreActivations(c.shape, c.Wenc, c.bEnc, c.bDec, c.h, c.B, pre, z, active);
      expectSame(pre, ref, c.B * c.d, c.label);
      expectSame(z, refRelu(ref), c.B * c.d, c.label);
      const expectedLists = createActiveLatents(c.shape, c.B);
      collectActiveLatents(c.shape, z, c.B, expectedLists);
      for (let s = 0; s < c.B; s++) {
        expect(active.count[s]).toBe(expectedLists.count[s]);
        expectSame(active.index.subarray(s * c.d), expectedLists.index.subarray(s * c.d), active.count[s], c.label);
      }
      const refSum = refRelu(ref).reduce((a, b) => a + b, 0);
      expect(Math.abs(zSum - refSum) / Math.max(1e-300, refSum)).toBeLessThan(TOLERANCE[c.precision]);
      // Σz bit for bit in the summation order of the 8-sample encoder: per block of 8 samples, latent
      // by latent, sample by sample within the block; after the last full block, sample by sample.
      let ordered = 0;
      const blockEnd = c.B - (c.B % 8);
      for (let s0 = 0; s0 < blockEnd; s0 += 8)
        for (let l = 0; l < c.d; l++) for (let k = 0; k < 8; k++) if (ref[(s0 + k) * c.d + l] > 0) ordered += ref[(s0 + k) * c.d + l];
      for (let s = blockEnd; s < c.B; s++) for (let l = 0; l < c.d; l++) if (ref[s * c.d + l] > 0) ordered += ref[s * c.d + l];
      expect(zSum, c.label).toBe(ordered);
    }
  });

  it('reluPreActivations on a long batch (every m ≤ 8 and a wide one, odd sizes): pre, z, lists and Σz bit-identical', () => {
    for (const m of [1, 2, 3, 4, 5, 6, 7, 8, 11]) {
      for (const B of [1023, 1024, 130]) {
        const c = makeCase(m, 40, B, m % 2 === 0 ? 'float64' : 'float32', 1000 + m);
        // Rows of zeros (as for samples with no active feature), runs of them, and rows of −0,
        // with b_dec = 0 in one input (where 0 − b_dec and −0 − b_dec differ in sign).
        for (let s = 0; s < B; s++) if (s % 7 === 3 || (s >= 16 && s < 26) || s === B - 1) c.h.fill(0, s * m, (s + 1) * m);
        c.h.fill(-0, 5 * m, 6 * m);
        c.h[40 * m] = -0;
        c.bDec[0] = 0;
        const ref = refPre(c);
        const pre = new Float64Array(B * 40).fill(NaN);
        const z = new Float64Array(B * 40).fill(NaN);
        const active = createActiveLatents(c.shape, B);
        const zSum = reluPreActivations(c.shape, c.Wenc, c.bEnc, c.bDec, c.h, B, pre, z, active);
        const zRef = refRelu(ref);
        const expectedLists = createActiveLatents(c.shape, B);
        collectActiveLatents(c.shape, zRef, B, expectedLists);
        // First mismatch (Object.is: −0 ≠ 0) of pre, z, then the lists; −1 when all agree.
        let mismatch = -1;
        for (let e = 0; e < B * 40 && mismatch < 0; e++) if (!Object.is(pre[e], ref[e]) || !Object.is(z[e], zRef[e])) mismatch = e;
        for (let s = 0; s < B && mismatch < 0; s++) {
          if (active.count[s] !== expectedLists.count[s]) mismatch = s * 40;
          for (let k = s * 40; k < s * 40 + active.count[s]; k++) if (active.index[k] !== expectedLists.index[k]) mismatch = k;
        }
        expect(mismatch, `m=${m} B=${B}`).toBe(-1);
        let ordered = 0;
        const blockEnd = B - (B % 8);
        for (let s0 = 0; s0 < blockEnd; s0 += 8)
          for (let l = 0; l < 40; l++) for (let k = 0; k < 8; k++) if (ref[(s0 + k) * 40 + l] > 0) ordered += ref[(s0 + k) * 40 + l];
        for (let s = blockEnd; s < B; s++) for (let l = 0; l < 40; l++) if (ref[s * 40 + l] > 0) ordered += ref[s * 40 + l];
        expect(zSum, `m=${m} B=${B}`).toBe(ordered);
        // reluEncoder without pre (training): the same z, lists and Σz (in kernelResult).
        const z2 = new Float64Array(B * 40).fill(NaN);
        const active2 = createActiveLatents(c.shape, B);
        reluEncoder(c.shape, c.Wenc, c.bEnc, c.bDec, c.h, B, null, z2, active2);
        expect(kernelResult[0], `m=${m} B=${B}`).toBe(ordered);
        let mismatch2 = -1;
        for (let e = 0; e < B * 40 && mismatch2 < 0; e++) if (!Object.is(z2[e], z[e])) mismatch2 = e;
        for (let s = 0; s < B && mismatch2 < 0; s++) {
          if (active2.count[s] !== active.count[s]) mismatch2 = s * 40;
          for (let k = s * 40; k < s * 40 + active.count[s]; k++) if (active2.index[k] !== active.index[k]) mismatch2 = k;
        }
        expect(mismatch2, `m=${m} B=${B} (no pre)`).toBe(-1);
      }
    }
  });

  it('decodeActive is bit-identical to decode', () => {
    for (const c of cases()) {
      const z = refRelu(refPre(c));
      const active = activeFrom(c, (e) => z[e] !== 0);
      const hHat = new Float64Array(c.B * c.m);
      decodeActive(c.shape, c.Wdec, c.bDec, z, c.B, active, hHat);
      expectSame(hHat, refDecode(c, z), c.B * c.m, c.label);
    }
  });

  it('decoderBackwardActive: same parameter gradients, ∂z on (a superset of) the support only', () => {
    let seed = 300;
    for (const c of cases()) {
      const pre = refPre(c);
      const z = refRelu(pre);
      // A superset of the support: also latents with z = 0 that are close to firing.
      const listed = (e: number) => pre[e] > -0.3;
      const active = activeFrom(c, listed);
      const gradHHat = randomFill(c.B * c.m, seed++);
      const ref = refDecoderBackward(c, z, gradHHat);
      const gradWdec = new Float64Array(c.m * c.d);
      const gradBdec = new Float64Array(c.m);
      const gradZ = new Float64Array(c.B * c.d).fill(NaN);
      decoderBackwardActive(c.shape, c.Wdec, z, gradHHat, c.B, active, gradWdec, gradBdec, gradZ);
      expectClose(gradWdec, ref.gradWdec, c.precision, `${c.label} W_dec`);
      expectClose(gradBdec, ref.gradBdec, c.precision, `${c.label} b_dec`);
      const onList = ref.gradZ.map((g, e) => (listed(e) ? g : NaN));
      for (let e = 0; e < c.B * c.d; e++) if (!listed(e)) expect(gradZ[e]).toBeNaN(); // not written
      expectClose(gradZ.map((g, e) => (listed(e) ? g : 0)), onList.map((g) => (Number.isNaN(g) ? 0 : g)), c.precision, `${c.label} z`);
    }
  });

  it('encoderBackwardActive equals encoderBackward on a ∂pre that vanishes off the list', () => {
    let seed = 400;
    for (const c of cases()) {
      const pre = refPre(c);
      const listed = (e: number) => pre[e] > 0;
      const active = activeFrom(c, listed);
      const gradPre = randomFill(c.B * c.d, seed++);
      const masked = gradPre.map((g, e) => (listed(e) ? g : 0));
      const ref = refEncoderBackward(c, masked);
      const gradW = new Float64Array(c.d * c.m);
      const gradBias = new Float64Array(c.d);
      const gradBdec = new Float64Array(c.m);
      // The unmasked ∂pre: entries off the list must be ignored.
      encoderBackwardActive(c.shape, c.Wenc, c.bDec, c.h, gradPre, c.B, active, gradW, gradBias, gradBdec);
      expectClose(gradW, ref.gradWenc, c.precision, `${c.label} W_enc`);
      expectClose(gradBias, ref.gradBenc, c.precision, `${c.label} b_enc`);
      expectClose(gradBdec, ref.gradBdec, c.precision, `${c.label} b_dec`);
    }
  });

  it('sparseReconstructionBackward: ĥ and L_rec bit-identical, gradients and ∂z, ∂pre on the list', () => {
    for (const c of cases()) {
      const offset = 0.37 / c.B;
      const ref = refReluSae(c, offset * c.B);
      const active = activeFrom(c, (e) => ref.pre[e] > 0);
      const hHat = new Float64Array(c.B * c.m);
      const gradHHat = new Float64Array(c.B * c.m);
      const grads = {
        W_enc: randomFill(c.d * c.m, 1),
        b_enc: randomFill(c.d, 2),
        W_dec: randomFill(c.m * c.d, 3),
        b_dec: randomFill(c.m, 4),
      };
      const start = Object.fromEntries(Object.entries(grads).map(([k, v]) => [k, v.slice()]));
      const gradZ = new Float64Array(c.B * c.d).fill(NaN);
      const gradPre = new Float64Array(c.B * c.d).fill(NaN);
      const loss = sparseReconstructionBackward(
        c.shape, c.Wenc, c.Wdec, c.bDec, c.h, ref.z, c.B, active, offset,
        hHat, gradHHat, grads.W_enc, grads.b_enc, grads.W_dec, grads.b_dec, gradZ, gradPre,
      );
      expectSame(hHat, ref.hHat, c.B * c.m, c.label);
      expect(loss).toBe(ref.reconstruction);
      expectClose(gradHHat, ref.gradHHat, c.precision, `${c.label} ∂ĥ`);
      for (const name of ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const) {
        const added = grads[name].map((g, e) => g - start[name][e]);
        expectClose(added, ref[name], c.precision, `${c.label} ${name}`);
      }
      for (let e = 0; e < c.B * c.d; e++) {
        if (ref.pre[e] > 0) {
          expect(Math.abs(gradZ[e] - ref.gradZ[e])).toBeLessThan(TOLERANCE[c.precision] * (1 + Math.abs(ref.gradZ[e])));
          expect(Math.abs(gradPre[e] - ref.gradPre[e])).toBeLessThan(TOLERANCE[c.precision] * (1 + Math.abs(ref.gradPre[e])));
        } else {
          expect(gradZ[e]).toBeNaN();
          expect(gradPre[e]).toBeNaN();
        }
      }
    }
  });
});

// ---- The relu architecture --------------------------------------------------------------------

describe('reluSae agrees with the straightforward ReLU SAE', () => {
  it('lossAndGradients: loss terms, gradients, ws.z / ĥ / ∂ĥ (ws.pre is left alone: training does not store it)', () => {
    for (const c of cases()) {
      const ref = refReluSae(c, HYPER.l1);
      const params = { W_enc: c.Wenc, b_enc: c.bEnc, W_dec: c.Wdec, b_dec: c.bDec };
      const ws = reluSae.createWorkspace(c.shape, c.B + 3);
      const grads = {
        W_enc: new Float64Array(c.d * c.m).fill(NaN), // overwritten, not accumulated
        b_enc: new Float64Array(c.d).fill(NaN),
        W_dec: new Float64Array(c.m * c.d).fill(NaN),
        b_dec: new Float64Array(c.m).fill(NaN),
      };
      const state = { stepsSinceFired: new Float64Array(c.d), deadSteps: 10, threshold: -1 };
      const loss = reluSae.lossAndGradients({ shape: c.shape, params, h: c.h, batchSize: c.B, hyper: HYPER, state, ws, grads });
      expect(loss.reconstruction).toBe(ref.reconstruction);
      expect(Math.abs(loss.sparsity - ref.sparsity)).toBeLessThanOrEqual(TOLERANCE[c.precision] * Math.abs(ref.sparsity));
      expect(Math.abs(loss.total - (ref.reconstruction + ref.sparsity))).toBeLessThanOrEqual(TOLERANCE[c.precision] * (ref.reconstruction + ref.sparsity));
      expect(loss.auxiliary).toBe(0);
      expect(ws.pre.every((v) => v === 0)).toBe(true);
      expectSame(ws.z, ref.z, c.B * c.d, c.label);
      expectSame(ws.hHat, ref.hHat, c.B * c.m, c.label);
      expectClose(ws.gradHHat, ref.gradHHat, c.precision, `${c.label} ∂ĥ`, c.B * c.m);
      for (const name of ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const) expectClose(grads[name], ref[name], c.precision, `${c.label} ${name}`);
    }
  });

  it('encode fills pre, z and ĥ exactly as the forward pass', () => {
    for (const c of cases()) {
      const ref = refReluSae(c, HYPER.l1);
      const params = { W_enc: c.Wenc, b_enc: c.bEnc, W_dec: c.Wdec, b_dec: c.bDec };
      const ws = reluSae.createWorkspace(c.shape, c.B);
      const state = { stepsSinceFired: new Float64Array(c.d), deadSteps: 10, threshold: -1 };
      reluSae.encode({ shape: c.shape, params, h: c.h, batchSize: c.B, hyper: HYPER, state, ws });
      expectSame(ws.pre, ref.pre, c.B * c.d, c.label);
      expectSame(ws.z, ref.z, c.B * c.d, c.label);
      expectSame(ws.hHat, ref.hHat, c.B * c.m, c.label);
    }
  });

  it('one workspace serves batches of different sizes, and kernels interleave across shapes', () => {
    const big = makeCase(5, 40, 64, 'float32', 7);
    const small = makeCase(5, 40, 3, 'float32', 8);
    const other = makeCase(9, 6, 11, 'float64', 9);
    const ws = reluSae.createWorkspace(big.shape, 64);
    const state = { stepsSinceFired: new Float64Array(40), deadSteps: 10, threshold: -1 };
    const run = (c: Case, w = ws) => {
      const grads = { W_enc: new Float64Array(c.d * c.m), b_enc: new Float64Array(c.d), W_dec: new Float64Array(c.m * c.d), b_dec: new Float64Array(c.m) };
      const params = { W_enc: c.Wenc, b_enc: c.bEnc, W_dec: c.Wdec, b_dec: c.bDec };
      const loss = reluSae.lossAndGradients({ shape: c.shape, params, h: c.h, batchSize: c.B, hyper: HYPER, state, ws: w, grads });
      const ref = refReluSae(c, HYPER.l1);
      expect(loss.reconstruction).toBe(ref.reconstruction);
      for (const name of ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const) expectClose(grads[name], ref[name], c.precision, name);
    };
    run(big);
    run(small);
    run(other, reluSae.createWorkspace(other.shape, other.B));
    run(big);
    // A workspace from createSharedWorkspace-like construction without the active lists still works.
    const bare = reluSae.createWorkspace(small.shape, small.B);
    bare.extra = {};
    run(small, bare);
  });
});
