// Random float32 toy-model problems and the agreement check of the fast kernel's float32 routes
// against the float64 reference (test/toyWasm.test.ts, test/toyGram32.test.ts).

import { expect } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { lossAndGradientsFast } from '../../src/kernels/toy/lossAndGradients.js';
import { lossAndGradientsReference } from '../../src/kernels/toy/reference.js';
import type { Activation, KernelOptions, ToyModelParams, ToyModelShape } from '../../src/kernels/toy/types.js';
import { createGrads, createWorkspace } from '../../src/models/toyModel.js';
import { relErr } from './relErr.js';

/** (n, m) for the float32 routes: superposition, n < m, m = 1, n = 1, n and m off multiples of 4 and 8, one tile exactly. */
export const SHAPES32: Array<[number, number]> = [
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

/** Sparsities per instance: dense, half, sparse, very sparse, and an instance with no active input. */
export const SPARSITIES32 = [0, 0.5, 0.9, 0.99, 1];

export interface Problem32 {
  shape: ToyModelShape;
  params: ToyModelParams<Float32Array>;
  x: Float32Array; // [inst, batch, feat]
  batch: number;
  importance: Float64Array; // [inst, feat]
}

/** Random float32 problem, one instance per sparsity (W ~ 0.7 N(0, 1), b ~ 0.3 N(0, 1), importance ≈ 0.9^i). */
export function makeProblem32(n: number, m: number, batch: number, sparsities: number[], activation: Activation, seed: number): Problem32 {
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

export function runFast(pr: Problem32, options: KernelOptions) {
  const ws = createWorkspace(pr.shape);
  const loss = new Float64Array(pr.shape.nInstances);
  const grads = createGrads(pr.shape);
  lossAndGradientsFast(pr.shape, pr.params, pr.x, pr.batch, pr.importance, ws.kernel, loss, grads, options);
  return { loss, grads, reports: ws.kernel.reports };
}

export function expectAgreement32(pr: Problem32, options: KernelOptions, tol = 1e-5) {
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

