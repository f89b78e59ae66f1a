// A batch drawn as lists (core/batchLists.ts, data/wasmSampler.ts) must be the batch drawn densely,
// compressed as the kernel compresses it: the same rows, inputs and values to the bit, the streams
// left in the same state; the kernel must give the same loss and gradient from either; and training,
// which draws lists where the last step took route 'gram32', must end with the same weights as
// training that never does.

import { afterEach, describe, expect, it } from 'vitest';
import { scatterLists, type BatchLists } from '../src/core/batchLists.js';
import { copyPrefix, type PrefixViews } from '../src/core/prefixCopy.js';
import { Rng } from '../src/core/rng.js';
import { probabilityFromSparsity, type FeatureDistribution } from '../src/data/features.js';
import { sampleBatch, sampleBatchLists } from '../src/data/skipSampler.js';
import { setWasmSampler, wasmSamplerAvailable } from '../src/data/wasmSampler.js';
import { lossAndGradientsFast } from '../src/kernels/toy/lossAndGradients.js';
import { compressRows } from '../src/kernels/toy/rows.js';
import type { KernelRoute, ToyModelShape } from '../src/kernels/toy/types.js';
import { createKernelWorkspace, ensureBatchCapacity } from '../src/kernels/toy/workspace.js';
import { createGrads, createParams, initParams } from '../src/models/toyModel.js';
import { resolveToyConfig } from '../src/config/toy.js';
import { createToyTraining, trainStep } from '../src/train/trainToy.js';

const wasm = wasmSamplerAvailable();

function distribution(sparsity: number[], n: number): FeatureDistribution {
  return { nInstances: sparsity.length, nFeatures: n, featureProbability: probabilityFromSparsity(sparsity, n) };
}

function streams(K: number, seed: number): Rng[] {
  return Array.from({ length: K }, (_, k) => Rng.stream(seed, k, 7));
}

/** Instance k's lists as plain arrays. */
function listsOf(lists: BatchLists, k: number): { rowPtr: number[]; rowOf: number[]; xIdx: number[]; xVal: number[] } {
  const rows = lists.rows[k];
  const actives = lists.actives[k];
  const i32 = (at: number, len: number) => Array.from(lists.i32.subarray(at, at + len));
  return {
    rowPtr: i32(lists.rowPtrAt[k], rows + 1),
    rowOf: i32(lists.rowOfAt[k], rows),
    xIdx: i32(lists.xIdxAt[k], actives),
    xVal: Array.from(lists.f32.subarray(lists.xValAt[k], lists.xValAt[k] + actives)),
  };
}

/** The kernel's JavaScript compression of instance k's slice of x, as plain arrays. */
function compressed(x: Float32Array, k: number, B: number, n: number): ReturnType<typeof listsOf> {
  const kw = createKernelWorkspace({ nInstances: 1, nFeatures: n, nHidden: 2, activation: 'relu' });
  ensureBatchCapacity(kw, B, n);
  const rows = compressRows(x, k * B * n, B, n, kw);
  const actives = kw.rowPtr[rows];
  return {
    rowPtr: Array.from(kw.rowPtr.subarray(0, rows + 1)),
    rowOf: Array.from(kw.rowOf.subarray(0, rows)),
    xIdx: Array.from(kw.xIdx.subarray(0, actives)),
    xVal: Array.from(kw.xVal.subarray(0, actives)),
  };
}

afterEach(() => setWasmSampler(true));

describe.skipIf(!wasm)('a batch drawn as lists', () => {
  const cases: { sparsity: number[]; n: number; B: number }[] = [
    { sparsity: [0.9], n: 20, B: 1024 },
    { sparsity: [0.99, 0.9, 0.5, 0], n: 20, B: 1024 }, // S = 0: every input active, no skips
    { sparsity: [0.95, 0.3], n: 5, B: 37 },
    { sparsity: [0.999, 0.97], n: 101, B: 256 },
  ];
  for (const { sparsity, n, B } of cases) {
    it(`equals the dense batch compressed (n=${n}, B=${B}, S=${sparsity.join(',')}), streams in step`, () => {
      const dist = distribution(sparsity, n);
      const K = sparsity.length;
      const dense = streams(K, 3);
      const listed = streams(K, 3);
      const x = new Float32Array(K * B * n);
      const unused = new Float32Array(K * B * n).fill(-1);
      const wanted = new Uint8Array(K).fill(1);
      for (let batch = 0; batch < 3; batch++) {
        sampleBatch(dist, dense, x, B);
        const lists = sampleBatchLists(dist, listed, unused, B, wanted)!;
        expect(lists).not.toBeNull();
        for (let k = 0; k < K; k++) {
          expect(lists.listed[k]).toBe(1);
          expect(listsOf(lists, k)).toEqual(compressed(x, k, B, n));
          expect(listed[k].getState()).toEqual(dense[k].getState());
        }
      }
      expect(unused.every((v) => v === -1)).toBe(true); // listed instances leave x alone
    });
  }

  it('draws the unwanted instances into x, as sampleBatch does', () => {
    const sparsity = [0.9, 0.5, 0.99];
    const n = 16;
    const B = 200;
    const dist = distribution(sparsity, n);
    const x = new Float32Array(3 * B * n);
    const y = new Float32Array(3 * B * n);
    const dense = streams(3, 11);
    const listed = streams(3, 11);
    sampleBatch(dist, dense, x, B);
    const lists = sampleBatchLists(dist, listed, y, B, Uint8Array.of(1, 0, 1))!;
    expect(Array.from(lists.listed)).toEqual([1, 0, 1]);
    expect(Array.from(y.subarray(B * n, 2 * B * n))).toEqual(Array.from(x.subarray(B * n, 2 * B * n)));
    for (const k of [0, 2]) expect(listsOf(lists, k)).toEqual(compressed(x, k, B, n));
    // scatterLists rebuilds the dense slices of the listed instances.
    scatterLists(lists, 0, y, 0);
    scatterLists(lists, 2, y, 2 * B * n);
    expect(Array.from(y)).toEqual(Array.from(x));
  });

  it('is not drawn under a hierarchy (which rewrites x after the draw)', () => {
    const dist: FeatureDistribution = { ...distribution([0.9], 4), hierarchy: { groups: [{ parent: 0, children: [1, 2] }], exclusive: false } };
    expect(sampleBatchLists(dist, streams(1, 1), new Float32Array(4 * 8), 8, Uint8Array.of(1))).toBeNull();
  });
});

describe.skipIf(!wasm)('the toy kernel on lists', () => {
  const routes: (KernelRoute | undefined)[] = [undefined, 'gram32', 'h32', 'h'];
  for (const route of routes) {
    it(`gives the loss and gradient of the dense batch (route ${route ?? 'chosen'})`, () => {
      const sparsity = [0.9, 0.97];
      const shape: ToyModelShape = { nInstances: 2, nFeatures: 20, nHidden: 5, activation: 'relu' };
      const B = 512;
      const dist = distribution(sparsity, shape.nFeatures);
      const params = createParams(shape, Float32Array);
      initParams(shape, params, streams(2, 5));
      for (let l = 0; l < params.b.length; l++) params.b[l] = 0.01 * ((l % 5) - 2);
      const importance = new Float64Array(2 * 20).map((_, i) => 0.9 ** (i % 20));
      const x = new Float32Array(2 * B * 20);
      sampleBatch(dist, streams(2, 9), x, B);
      const lists = sampleBatchLists(dist, streams(2, 9), new Float32Array(2 * B * 20), B, Uint8Array.of(1, 1))!;
      const run = (withLists: boolean) => {
        const kw = createKernelWorkspace(shape);
        const grads = createGrads(shape);
        const loss = new Float64Array(2);
        const input = withLists ? new Float32Array(2 * B * 20) : x;
        lossAndGradientsFast(shape, params, input, B, importance, kw, loss, grads, route === undefined ? {} : { route }, withLists ? lists : undefined);
        return { loss: Array.from(loss), W: Array.from(grads.W), b: Array.from(grads.b), routes: kw.reports.map((r) => r.route) };
      };
      const dense = run(false);
      const fromLists = run(true);
      expect(fromLists).toEqual(dense);
      if (route !== undefined) expect(fromLists.routes).toEqual([route, route]);
    });
  }
});

describe.skipIf(!wasm)('training with batches drawn as lists', () => {
  for (const sparsity of [[0.9], [0.99, 0.9, 0.5, 0]]) {
    it(`ends with the weights of training that never draws them (S=${sparsity.join(',')})`, () => {
      const config = resolveToyConfig({ sparsity, steps: 300, seed: 4 });
      const withLists = createToyTraining(config);
      let listedSteps = 0;
      for (let step = 0; step < 300; step++) {
        trainStep(withLists);
        if (withLists.lists) listedSteps++;
      }
      setWasmSampler(false); // no lists: the JavaScript sampler, bit-identical to the WebAssembly one
      const without = createToyTraining(config);
      for (let step = 0; step < 300; step++) {
        trainStep(without);
        expect(without.lists ?? null).toBeNull();
      }
      expect(listedSteps).toBeGreaterThan(250);
      expect(Array.from(withLists.params.W)).toEqual(Array.from(without.params.W));
      expect(Array.from(withLists.params.b)).toEqual(Array.from(without.params.b));
      expect(withLists.history).toEqual(without.history);
    });
  }
});

describe.skipIf(!wasm)('batches that are not drawn as lists', () => {
  for (const extra of [{ correlation: 'anticorrelated' as const, correlationSet: 2 }, { inputNorm: 'unit' as const }]) {
    it(`never are with ${JSON.stringify(extra)} (their x is not independent skips)`, () => {
      const training = createToyTraining(resolveToyConfig({ sparsity: [0.9], nFeatures: 20, steps: 50, seed: 1, ...extra }));
      for (let step = 0; step < 50; step++) {
        trainStep(training);
        expect(training.lists ?? null).toBeNull();
      }
      expect(training.workspace.kernel.reports[0].route).toBe('gram32');
    });
  }
});

describe('copyPrefix', () => {
  it('copies the prefix, at most `room` elements, and remakes its views for a new buffer', () => {
    const views: PrefixViews = [];
    let source = Int32Array.from({ length: 2000 }, (_, i) => i);
    const target = new Int32Array(1000).fill(-1);
    copyPrefix(source, 10, 3, 300, target, 5, views);
    expect(Array.from(target.subarray(5, 8))).toEqual([10, 11, 12]);
    expect(target[4]).toBe(-1);
    expect(target[5 + 300]).toBe(-1); // rounded up to 256 elements, within room
    expect(target[5 + 255]).toBe(265);
    copyPrefix(source, 10, 3, 100, target.fill(-1), 0, []); // room below the rounded length
    expect(target[99]).toBe(109);
    expect(target[100]).toBe(-1);
    source = Int32Array.from({ length: 2000 }, (_, i) => -i);
    copyPrefix(source, 10, 3, 300, target, 0, views); // same cache, another buffer
    expect(Array.from(target.subarray(0, 3))).toEqual([-10, -11, -12]);
  });
});
