// Route 'h32' of the toy kernel (float32 WebAssembly SIMD, wasm/toyDense.ts driven by
// src/models/wasm/toyDense.ts) against the float64 reference (toyModel.lossAndGradientsReference) on
// float32 parameters and inputs: relative error < 1e-5 (loss per instance; gradients norm-wise per
// instance), over shapes with n < m, m = 1, n = 1, n not a multiple of 4 (padded rows), batch 1,
// relu and linear models, dense and sparse batches, both ways of reading x (dense rows, gathered).
// Also: float64 callers never get route 'h32'; the cost model's choice is repeatable.

import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import {
  createGrads,
  createWorkspace,
  lossAndGradients,
  lossAndGradientsReference,
  type Activation,
  type ToyModelParams,
  type ToyModelShape,
} from '../src/models/toyModel.js';
import { lossAndGradientsFast, timeH, timeH32, type KernelOptions } from '../src/models/toyGram.js';
import { blockRows, denseKernelAvailable } from '../src/models/wasm/toyDense.js';
import { relErr } from './helpers/relErr.js';

interface Problem32 {
  shape: ToyModelShape;
  params: ToyModelParams<Float32Array>;
  x: Float32Array; // [inst, batch, feat]
  batch: number;
  importance: Float64Array; // [inst, feat]
}

/** Random float32 problem, one instance per sparsity; `roles` gives features settled-on / off biases. */
function makeProblem32(n: number, m: number, batch: number, sparsities: number[], activation: Activation, seed: number): Problem32 {
  const rng = new Rng(seed);
  const K = sparsities.length;
  const shape: ToyModelShape = { nInstances: K, nFeatures: n, nHidden: m, activation };
  const W = new Float32Array(K * m * n);
  const b = new Float32Array(K * n);
  for (let e = 0; e < W.length; e++) W[e] = 0.7 * rng.normal();
  for (let e = 0; e < b.length; e++) b[e] = 0.3 * rng.normal();
  const x = new Float32Array(K * batch * n);
  for (let k = 0; k < K; k++) {
    const p = 1 - sparsities[k];
    for (let e = 0; e < batch * n; e++) {
      const u = rng.uniform();
      const v = rng.uniform();
      x[k * batch * n + e] = u < p ? v : 0;
    }
  }
  const importance = new Float64Array(K * n);
  for (let k = 0; k < K; k++) for (let i = 0; i < n; i++) importance[k * n + i] = 0.9 ** i * (0.75 + 0.5 * rng.uniform());
  return { shape, params: { W, b }, x, batch, importance };
}

function runFast(pr: Problem32, options: KernelOptions) {
  const ws = createWorkspace(pr.shape);
  const loss = new Float64Array(pr.shape.nInstances);
  const grads = createGrads(pr.shape);
  lossAndGradientsFast(pr.shape, pr.params, pr.x, pr.batch, pr.importance, ws.kernel, loss, grads, options);
  return { loss, grads, reports: ws.kernel.reports };
}

function expectAgreement32(pr: Problem32, options: KernelOptions, tol = 1e-5) {
  const { shape } = pr;
  const ws = createWorkspace(shape);
  const want = new Float64Array(shape.nInstances);
  const wantGrads = createGrads(shape);
  lossAndGradientsReference(shape, pr.params, pr.x, pr.batch, pr.importance, ws, want, wantGrads);
  const got = runFast(pr, options);
  const { nInstances: K, nFeatures: n, nHidden: m } = shape;
  for (let k = 0; k < K; k++) {
    const where = `instance ${k}`;
    expect(Math.abs(got.loss[k] - want[k]) / Math.max(Math.abs(want[k]), 1e-300), `loss, ${where}`).toBeLessThan(tol);
    const block = (a: Float64Array, size: number) => a.subarray(k * size, (k + 1) * size);
    expect(relErr(block(got.grads.W, m * n), block(wantGrads.W, m * n)), `∂W, ${where}`).toBeLessThan(tol);
    expect(relErr(block(got.grads.b, n), block(wantGrads.b, n)), `∂b, ${where}`).toBeLessThan(tol);
  }
  return got.reports;
}

const available = denseKernelAvailable();

describe('route h32 (WebAssembly SIMD, float32)', () => {
  it('loads in Node', () => {
    expect(available).toBe(true);
  });

  // (n, m): superposition, n < m, m = 1, n = 1, n and m off multiples of 4 and 8, one tile exactly.
  const SHAPES: Array<[number, number]> = [
    [5, 2],
    [3, 4],
    [4, 1],
    [1, 3],
    [1, 1],
    [20, 5],
    [13, 6],
    [8, 8],
    [12, 9],
    [37, 11],
  ];
  // Dense, half, sparse, very sparse, and an instance with no active input.
  const SPARSITIES = [0, 0.5, 0.9, 0.99, 1];
  let seed = 100;
  for (const activation of ['relu', 'linear'] as const) {
    for (const [n, m] of SHAPES) {
      for (const batch of [1, 7, 64]) {
        const thisSeed = seed++;
        it(`${activation}, n=${n}, m=${m}, batch ${batch}: dense rows and gathered inputs`, () => {
          const pr = makeProblem32(n, m, batch, SPARSITIES, activation, thisSeed);
          for (const gather of [false, true]) {
            const reports = expectAgreement32(pr, { route: 'h32', gather });
            expect(reports.every((r) => r.route === 'h32')).toBe(true);
          }
        });
      }
    }
  }

  it('several blocks of samples with a short last one, n = 100 and n = 1000', () => {
    for (const [n, m, batch] of [
      [100, 20, 1000],
      [1000, 100, 70],
    ] as const) {
      expect(batch % blockRows(n)).not.toBe(0);
      const pr = makeProblem32(n, m, batch, [0, 0.9, 0.99], 'relu', n + m);
      for (const gather of [false, true]) expectAgreement32(pr, { route: 'h32', gather });
    }
  });

  it('settled-on and settled-off outputs (large positive and negative biases)', () => {
    const pr = makeProblem32(24, 6, 64, [0, 0.7], 'relu', 7);
    for (let e = 0; e < pr.params.b.length; e++) pr.params.b[e] = e % 3 === 0 ? 4 : e % 3 === 1 ? -4 : pr.params.b[e];
    for (const gather of [false, true]) expectAgreement32(pr, { route: 'h32', gather });
  });

  it('one workspace through shapes, batches and routes in turn (the memory is laid out again)', () => {
    const problems = [
      makeProblem32(9, 4, 100, [0.2, 0.9], 'relu', 31),
      makeProblem32(9, 4, 300, [0.2, 0.9], 'relu', 32),
      makeProblem32(50, 7, 40, [0, 0.95], 'linear', 33),
      makeProblem32(9, 4, 5, [0.2, 0.9], 'relu', 34),
    ];
    for (const pr of [...problems, ...problems]) {
      for (const options of [{ route: 'h32' }, { route: 'h' }, { route: 'h32', gather: true }] as KernelOptions[]) {
        expectAgreement32(pr, options);
      }
    }
  });

  it('NaN parameters give a NaN loss (the divergence guard relies on it)', () => {
    const pr = makeProblem32(6, 3, 16, [0.5, 0.5], 'relu', 41);
    pr.params.W[2] = NaN; // instance 0 only
    for (const gather of [false, true]) {
      const got = runFast(pr, { route: 'h32', gather });
      expect(Number.isNaN(got.loss[0])).toBe(true);
      expect(Number.isFinite(got.loss[1])).toBe(true);
    }
  });

  it('the same loss, to the bit, with or without gradients, and on a repeated call', () => {
    const pr = makeProblem32(30, 7, 128, [0, 0.8, 0.97], 'relu', 51);
    const ws = createWorkspace(pr.shape);
    const l1 = new Float64Array(3);
    const l2 = new Float64Array(3);
    const l3 = new Float64Array(3);
    const g1 = createGrads(pr.shape);
    const g3 = createGrads(pr.shape);
    lossAndGradients(pr.shape, pr.params, pr.x, pr.batch, pr.importance, ws, l1, g1);
    lossAndGradients(pr.shape, pr.params, pr.x, pr.batch, pr.importance, ws, l2);
    lossAndGradients(pr.shape, pr.params, pr.x, pr.batch, pr.importance, createWorkspace(pr.shape), l3, g3);
    expect(Array.from(l2)).toEqual(Array.from(l1));
    expect(Array.from(l3)).toEqual(Array.from(l1));
    expect(Array.from(g3.W)).toEqual(Array.from(g1.W));
    expect(Array.from(g3.b)).toEqual(Array.from(g1.b));
  });
});

describe('the cost model and route h32', () => {
  it('float32 training takes route h32 where it is cheapest; float64 callers never get it', () => {
    const pr = makeProblem32(100, 20, 512, [0, 0.5], 'relu', 61);
    const { reports } = runFast(pr, {});
    expect(reports.map((r) => r.route)).toEqual(['h32', 'h32']);
    expectAgreement32(pr, {});
    const pr64 = {
      ...pr,
      params: { W: Float64Array.from(pr.params.W), b: Float64Array.from(pr.params.b) },
      x: Float64Array.from(pr.x),
    };
    const ws = createWorkspace(pr.shape);
    lossAndGradientsFast(pr.shape, pr64.params, pr64.x, pr.batch, pr.importance, ws.kernel, new Float64Array(2), createGrads(pr.shape));
    expect(ws.kernel.reports.map((r) => r.route)).toEqual(['h', 'h']);
  });

  it('estimates route h32 well below route h on dense batches of the benchmark shapes', () => {
    for (const [n, m] of [
      [20, 5],
      [100, 20],
      [1000, 100],
    ]) {
      const B = 1024;
      expect(timeH32(n, m, B, B * n, false)).toBeLessThan(timeH(n, m, B, B * n, true) / 2);
    }
  });
});
