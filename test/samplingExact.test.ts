// The fast samplers must give exactly the numbers of the plain ones. Frozen here: the sampler
// of src/data/skipSampler.ts before the skip table (one Math.log per active entry) and trainSae's
// sampleHidden before h was built from the active entries (a scan of every x entry). Each case
// draws thousands of batches from the same stream with both and compares them bit for bit,
// including the streams' states afterwards.

import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import type { FeatureDistribution } from '../src/data/features.js';
import { sampleBatch, sampleInstance, sampleInstanceProjected } from '../src/data/skipSampler.js';
import { setWasmSampler, wasmSamplerAvailable } from '../src/data/wasmSampler.js';

/** The sampler as it was: floor(log U / log(1 − p)) inactive rows before each active one. */
function referenceSampleInstance(dist: FeatureDistribution, instance: number, rng: Rng, x: Float32Array | Float64Array, batchSize: number): void {
  const n = dist.nFeatures;
  const base = instance * batchSize * n;
  x.fill(0, base, base + batchSize * n);
  for (let i = 0; i < n; i++) {
    const p = dist.featureProbability[instance * n + i];
    if (p <= 0) continue;
    if (p >= 1) {
      for (let row = 0; row < batchSize; row++) x[base + row * n + i] = rng.uniformPositive();
      continue;
    }
    const logFailure = Math.log1p(-p);
    let row = -1;
    for (;;) {
      row += 1 + Math.floor(Math.log(rng.uniformPositive()) / logFailure);
      if (row >= batchSize) break;
      x[base + row * n + i] = rng.uniformPositive();
    }
  }
}

/** trainSae's h = W x as it was: every entry of x scanned, zeros skipped. W [hidden, feat]. */
function referenceSampleHidden(dist: FeatureDistribution, rng: Rng, x: Float32Array, h: Float64Array, batchSize: number, W: Float32Array, m: number): void {
  const n = dist.nFeatures;
  referenceSampleInstance(dist, 0, rng, x, batchSize);
  for (let s = 0; s < batchSize; s++) {
    for (let j = 0; j < m; j++) h[s * m + j] = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[s * n + i];
      if (xi === 0) continue;
      for (let j = 0; j < m; j++) h[s * m + j] += W[j * n + i] * xi;
    }
  }
}

/** Index of the first differing entry (comparing bit patterns, so −0 ≠ 0 and NaN = NaN), or −1. */
function firstDifference(a: Float32Array | Float64Array, b: Float32Array | Float64Array): number {
  if (a.length !== b.length) return 0;
  const wa = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const wb = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  const width = a.BYTES_PER_ELEMENT;
  for (let e = 0; e < wa.length; e++) if (wa[e] !== wb[e]) return Math.floor(e / width);
  return -1;
}

function distribution(p: readonly number[], nInstances = 1): FeatureDistribution {
  return { nInstances, nFeatures: p.length / nInstances, featureProbability: Float64Array.from(p) };
}

const uniformCases: [string, number[]][] = [1, 0.5, 0.1, 0.01, 1e-4].map((p) => [`p = ${p} (n = 20)`, new Array<number>(20).fill(p)]);
const perFeature: [string, number[]][] = [
  ['per-feature p (0, 1, and values between)', [0.02, 0.1, 0.3, 0.5, 0.7, 0.95, 1, 0, 1e-4, 0.999, 0.25, 0.1 + 1e-9]],
  ['per-feature p = 0.7^i (i = 0..19)', Array.from({ length: 20 }, (_, i) => 0.7 ** i)],
  ['tiny and near-one p', [1e-7, 1e-3, 0.9999999, 1 - 2 ** -30, 2 ** -20, 0.0625]],
];

describe('sampleInstance is bit-identical to the plain geometric-skip sampler', () => {
  for (const [name, p] of [...uniformCases, ...perFeature]) {
    for (const Array_ of [Float32Array, Float64Array]) {
      it(`${name}, ${Array_.name}: 2000 batches of 1024 (plus odd sizes)`, () => {
        const dist = distribution(p);
        const n = dist.nFeatures;
        const fast = new Rng(31, p.length, Math.round(p[0] * 1e6));
        const slow = new Rng(31, p.length, Math.round(p[0] * 1e6));
        const sizes = [1024, 1024, 1024, 1, 7, 333, 4096];
        const xFast = new Array_(4096 * n + 1);
        const xSlow = new Array_(4096 * n + 1);
        for (let t = 0; t < 2000; t++) {
          const B = sizes[t % sizes.length];
          xFast.fill(5);
          xSlow.fill(6);
          sampleInstance(dist, 0, fast, xFast, B);
          referenceSampleInstance(dist, 0, slow, xSlow, B);
          const e = firstDifference(xFast.subarray(0, B * n), xSlow.subarray(0, B * n));
          if (e >= 0) expect({ batch: t, entry: e, fast: xFast[e] }).toEqual({ batch: t, entry: e, fast: xSlow[e] });
          expect(xFast[B * n]).toBe(5); // nothing written past the block
        }
        expect(fast.getState()).toEqual(slow.getState());
      });
    }
  }

  it('float32 batches are drawn in WebAssembly here (so the cases above test that sampler too)', () => {
    expect(wasmSamplerAvailable()).toBe(true);
  });

  for (const Array_ of [Float32Array, Float64Array]) {
  it(`probabilities changed in place between batches are seen (the per-array table cache is refreshed), ${Array_.name}`, () => {
    const dist = distribution(new Array<number>(6).fill(0.1));
    const fast = new Rng(4);
    const slow = new Rng(4);
    const xFast = new Array_(256 * 6);
    const xSlow = new Array_(256 * 6);
    const schedule = [0.1, 0.5, 0.5, 0.02, 1, 0, 0.3, 0.1];
    for (let t = 0; t < 400; t++) {
      dist.featureProbability[t % 6] = schedule[t % schedule.length];
      sampleInstance(dist, 0, fast, xFast, 256);
      referenceSampleInstance(dist, 0, slow, xSlow, 256);
      expect(firstDifference(xFast, xSlow), `batch ${t}`).toBe(-1);
    }
    expect(fast.getState()).toEqual(slow.getState());
  });
  }

  it('more distinct probabilities than the WebAssembly sampler keeps tables for (its room refilled, or JavaScript)', () => {
    // 100 features with 100 different p: more than one call can hold (JavaScript draws them); then
    // instances of 30 distinct p each, so that the room for tables fills and is emptied between calls.
    const wide = distribution(Array.from({ length: 100 }, (_, i) => 0.01 + 0.0097 * i));
    const grid = distribution(Array.from({ length: 4 * 30 }, (_, e) => 0.02 + 0.0071 * e), 4);
    for (const dist of [wide, grid]) {
      const K = dist.nInstances;
      const n = dist.nFeatures;
      const fast = Array.from({ length: K }, (_, k) => Rng.stream(12, k));
      const slow = Array.from({ length: K }, (_, k) => Rng.stream(12, k));
      const xFast = new Float32Array(K * 64 * n);
      const xSlow = new Float32Array(K * 64 * n);
      for (let t = 0; t < 60; t++) {
        sampleBatch(dist, fast, xFast, 64);
        for (let k = 0; k < K; k++) referenceSampleInstance(dist, k, slow[k], xSlow, 64);
        expect(firstDifference(xFast, xSlow), `batch ${t}`).toBe(-1);
      }
      expect(fast.map((r) => r.getState())).toEqual(slow.map((r) => r.getState()));
    }
  });

  it('the JavaScript and WebAssembly samplers draw the same float32 batches', () => {
    const dist = distribution([0.3, 1, 0, 0.05, 1e-4, 0.9, 0.5, 0.7], 2);
    const xs = [new Float32Array(2 * 1000 * 4), new Float32Array(2 * 1000 * 4)];
    const rngs = [0, 1].map(() => [Rng.stream(5, 0), Rng.stream(5, 1)]);
    for (let t = 0; t < 100; t++) {
      for (const way of [0, 1]) {
        setWasmSampler(way === 1);
        try {
          sampleBatch(dist, rngs[way], xs[way], 1000);
        } finally {
          setWasmSampler(true);
        }
      }
      expect(firstDifference(xs[0], xs[1]), `batch ${t}`).toBe(-1);
    }
  });

  it('sampleBatch over instances (the paper grid of sparsities), 500 batches', () => {
    const grid = Array.from({ length: 20 }, (_, k) => 1 - Math.pow(20, -k / 19));
    const n = 5;
    const p = grid.flatMap((S) => new Array<number>(n).fill(1 - S));
    const dist = distribution(p, grid.length);
    const fast = grid.map((_, k) => Rng.stream(8, k));
    const slow = grid.map((_, k) => Rng.stream(8, k));
    const B = 512;
    const xFast = new Float32Array(grid.length * B * n);
    const xSlow = new Float32Array(grid.length * B * n);
    for (let t = 0; t < 500; t++) {
      sampleBatch(dist, fast, xFast, B);
      for (let k = 0; k < grid.length; k++) referenceSampleInstance(dist, k, slow[k], xSlow, B);
      expect(firstDifference(xFast, xSlow)).toBe(-1);
    }
    expect(fast.map((r) => r.getState())).toEqual(slow.map((r) => r.getState()));
  });

  it('every 32-bit draw near the skip boundaries: one feature, skips read back from single-row batches', () => {
    // A batch of one row per call: the row is active iff the first skip is 0, i.e. log U / log(1 − p) < 1,
    // and the stream's state after the call shows how many draws were made. Over many calls this
    // exercises both the table and the fallback; compared with the plain sampler draw for draw.
    for (const p of [0.5, 0.1, 0.3]) {
      const dist = distribution([p]);
      const fast = new Rng(99, Math.round(p * 100));
      const slow = new Rng(99, Math.round(p * 100));
      const a = new Float64Array(1);
      const b = new Float64Array(1);
      const a32 = new Float32Array(1);
      const b32 = new Float32Array(1);
      for (let t = 0; t < 100_000; t++) {
        // Float64 and float32 batches (JavaScript and WebAssembly) in turn, from the same streams.
        const [u, v] = t % 2 === 0 ? [a, b] : [a32, b32];
        sampleInstance(dist, 0, fast, u, 1);
        referenceSampleInstance(dist, 0, slow, v, 1);
        if (u[0] !== v[0]) expect({ t, a: u[0] }).toEqual({ t, a: v[0] });
      }
      expect(fast.getState()).toEqual(slow.getState());
    }
  });
});

describe('sampleInstanceProjected: x as sampleInstance and h = W x bit-identical to the scan over x', () => {
  for (const [name, p] of [...uniformCases, ...perFeature]) {
    it(`${name}: 2000 batches`, () => {
      const dist = distribution(p);
      const n = dist.nFeatures;
      for (const m of [5, 3]) {
        const init = new Rng(7, m);
        const W = new Float32Array(m * n);
        for (let e = 0; e < W.length; e++) W[e] = init.normal();
        const fast = new Rng(17, m, n);
        const slow = new Rng(17, m, n);
        const sizes = [1024, 1, 5, 1024, 100];
        const xFast = new Float32Array(1024 * n);
        const xSlow = new Float32Array(1024 * n);
        const hFast = new Float64Array(1024 * m + 1);
        const hSlow = new Float64Array(1024 * m + 1);
        for (let t = 0; t < (m === 5 ? 2000 : 200); t++) {
          const B = sizes[t % sizes.length];
          hFast.fill(3);
          hSlow.fill(4);
          sampleInstanceProjected(dist, 0, fast, xFast, B, W, m, hFast);
          referenceSampleHidden(dist, slow, xSlow, hSlow, B, W, m);
          expect(firstDifference(xFast.subarray(0, B * n), xSlow.subarray(0, B * n))).toBe(-1);
          const e = firstDifference(hFast.subarray(0, B * m), hSlow.subarray(0, B * m));
          if (e >= 0) expect({ batch: t, entry: e, h: hFast[e] }).toEqual({ batch: t, entry: e, h: hSlow[e] });
          expect(hFast[B * m]).toBe(3);
        }
        expect(fast.getState()).toEqual(slow.getState());
      }
    });
  }
});
