// The relu SAE's WebAssembly SIMD encoder (wasm/saeRelu.ts, driven by src/kernels/sae/reluEncoder.ts)
// against the JS encoder (src/kernels/sae/reluLists.ts reluEncoder, pre = null as in training), bit for bit: z (Object.is,
// so −0 ≠ +0), the per-sample active lists, their lengths and Σ z, on random inputs over m = 1…8 (and
// wider), d ∈ {1, 3, 40, 64}, batch sizes 1, odd ones, multiples of 8 and not, with rows of zeros and
// of −0, float32 and float64 parameters. Then whole training steps of the relu SAE with the wasm
// encoder on and off: the same loss and gradients, bit for bit.

import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import { reluEncodeWasm, reluEncoderWasmAvailable, setReluWasmEnabled } from '../src/kernels/sae/reluEncoder.js';
import { createActiveLatents } from '../src/kernels/sae/activeLatents.js';
import { reluSae } from '../src/models/sae/relu.js';
import { reluEncoder } from '../src/kernels/sae/reluLists.js';
import { kernelResult } from '../src/kernels/sae/scratch.js';
import type { SaeShape } from '../src/models/sae/types.js';
import { DEFAULT_HYPER, freshState, randomParams } from './sae/gradcheck.js';

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>, n: number): string | null {
  for (let e = 0; e < n; e++) if (!Object.is(a[e], b[e])) return `entry ${e}: ${a[e]} vs ${b[e]}`;
  return null;
}

function makeCase(m: number, d: number, B: number, f32: boolean, rng: Rng) {
  const F = f32 ? Float32Array : Float64Array;
  const Wenc = new F(d * m);
  const bEnc = new F(d);
  const bDec = new F(m);
  for (let e = 0; e < Wenc.length; e++) Wenc[e] = rng.normal();
  for (let l = 0; l < d; l++) bEnc[l] = 0.5 * rng.normal() - 0.3;
  // Some latents with −0 or 0 bias and zero weights: pre = ±0 on zero rows (never active).
  if (d > 2) {
    bEnc[1] = -0;
    for (let j = 0; j < m; j++) Wenc[m + j] = j % 2 === 0 ? -0 : 0;
  }
  for (let j = 0; j < m; j++) bDec[j] = j % 3 === 0 ? 0 : 0.2 * rng.normal();
  const h = new F(B * m);
  for (let s = 0; s < B; s++) {
    const kind = s % 7;
    for (let j = 0; j < m; j++) {
      h[s * m + j] = kind === 3 ? 0 : kind === 5 ? -0 : rng.uniform() < 0.3 ? 0 : rng.normal();
    }
  }
  return { Wenc, bEnc, bDec, h };
}

describe('relu SAE encoder in WebAssembly SIMD', () => {
  it('is available here (Node with SIMD)', () => {
    expect(reluEncoderWasmAvailable()).toBe(true);
  });

  it('z, the active lists and Σz are bit-identical to the JS encoder', () => {
    const rng = new Rng(2024);
    let cases = 0;
    let actives = 0;
    for (const m of [1, 2, 3, 4, 5, 6, 7, 8, 9, 12]) {
      for (const d of [1, 3, 40, 64]) {
        for (const B of [1, 2, 3, 7, 8, 9, 16, 17, 63, 64, 101]) {
          for (const f32 of [true, false]) {
            const c = makeCase(m, d, B, f32, rng);
            const shape: SaeShape = { nInput: m, dictSize: d };
            const zJs = new Float64Array(B * d).fill(NaN);
            const zWasm = new Float64Array(B * d).fill(NaN);
            const aJs = createActiveLatents(shape, B);
            const aWasm = createActiveLatents(shape, B);
            aWasm.count.fill(-7);
            reluEncoder(shape, c.Wenc, c.bEnc, c.bDec, c.h, B, null, zJs, aJs);
            const sumJs = kernelResult[0];
            const result = new Float64Array(1);
            reluEncodeWasm(m, d, c.Wenc, c.bEnc, c.bDec, c.h, B, zWasm, aWasm.count, aWasm.index, result);
            const where = `m=${m} d=${d} B=${B} f32=${f32}`;
            expect(sameBits(zWasm, zJs, B * d), where).toBeNull();
            expect(sameBits(aWasm.count, aJs.count, B), where).toBeNull();
            for (let s = 0; s < B; s++) {
              expect(sameBits(aWasm.index.subarray(s * d, s * d + aJs.count[s]), aJs.index.subarray(s * d), aJs.count[s]), `${where} s=${s}`).toBeNull();
              actives += aJs.count[s];
            }
            expect(Object.is(result[0], sumJs), `${where}: ${result[0]} vs ${sumJs}`).toBe(true);
            cases++;
          }
        }
      }
    }
    expect(cases).toBe(10 * 4 * 11 * 2);
    expect(actives).toBeGreaterThan(10000); // a mix of active and inactive entries
  });

  it('non-finite inputs (NaN, ±Infinity) give the same bits', () => {
    const rng = new Rng(7);
    for (const B of [5, 16, 21]) {
      const m = 5;
      const d = 40;
      const c = makeCase(m, d, B, false, rng);
      c.h[3] = NaN;
      c.h[12] = Infinity;
      c.h[2 * m + 1] = -Infinity;
      c.bEnc[4] = NaN;
      const shape = { nInput: m, dictSize: d };
      const zJs = new Float64Array(B * d);
      const zWasm = new Float64Array(B * d);
      const aJs = createActiveLatents(shape, B);
      const aWasm = createActiveLatents(shape, B);
      reluEncoder(shape, c.Wenc, c.bEnc, c.bDec, c.h, B, null, zJs, aJs);
      const sumJs = kernelResult[0];
      const result = new Float64Array(1);
      reluEncodeWasm(m, d, c.Wenc, c.bEnc, c.bDec, c.h, B, zWasm, aWasm.count, aWasm.index, result);
      expect(sameBits(zWasm, zJs, B * d)).toBeNull();
      expect(sameBits(aWasm.count, aJs.count, B)).toBeNull();
      for (let s = 0; s < B; s++) expect(sameBits(aWasm.index.subarray(s * d), aJs.index.subarray(s * d), aJs.count[s])).toBeNull();
      expect(Object.is(result[0], sumJs)).toBe(true);
    }
  });

  it('relu training steps: the same loss and gradients with the wasm encoder on and off', () => {
    for (const [m, d, B] of [
      [5, 40, 1024],
      [3, 3, 13],
      [8, 64, 77],
      [1, 1, 1],
    ] as const) {
      const shape = { nInput: m, dictSize: d };
      const rng = new Rng(31, m, d, B);
      const params = randomParams(reluSae, shape, rng);
      const h = new Float32Array(B * m);
      for (let e = 0; e < h.length; e++) h[e] = rng.uniform() < 0.2 ? 0 : rng.normal();
      const run = (wasm: boolean) => {
        setReluWasmEnabled(wasm);
        try {
          const ws = reluSae.createWorkspace(shape, B);
          const grads = {
            W_enc: new Float64Array(d * m),
            b_enc: new Float64Array(d),
            W_dec: new Float64Array(m * d),
            b_dec: new Float64Array(m),
          };
          const step = { shape, params, h, batchSize: B, hyper: DEFAULT_HYPER, state: freshState(shape), ws, grads };
          const loss = reluSae.lossAndGradients(step);
          const fired = new Float64Array(d);
          reluSae.countFiring!(step, fired);
          return { loss, grads, z: ws.z.slice(0, B * d), hHat: ws.hHat.slice(0, B * m), fired };
        } finally {
          setReluWasmEnabled(true);
        }
      };
      const a = run(true);
      const b = run(false);
      for (const key of ['reconstruction', 'sparsity', 'total'] as const) expect(Object.is(a.loss[key], b.loss[key]), key).toBe(true);
      for (const name of Object.keys(a.grads) as (keyof typeof a.grads)[]) {
        expect(sameBits(a.grads[name], b.grads[name], a.grads[name].length), name).toBeNull();
      }
      expect(sameBits(a.z, b.z, B * d)).toBeNull();
      expect(sameBits(a.hHat, b.hHat, B * m)).toBeNull();
      expect(sameBits(a.fired, b.fired, d)).toBeNull();
    }
  });
});
