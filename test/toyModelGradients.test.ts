import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import type { Activation, ToyModelParams, ToyModelShape } from '../src/kernels/toy/types.js';
import { createGrads, createParams, createWorkspace, hiddenActivations, lossAndGradients, reconstruct } from '../src/models/toyModel.js';

// ---------------------------------------------------------------------------------------------
// Straightforward reference of the toy model (ARCHITECTURE.md), per instance k and sample r:
//   h = W x  (h_j = Σ_i W[j,i] x_i),   a = Wᵀ h + b  (a_i = b_i + Σ_j W[j,i] h_j),
//   x' = ReLU(a) or a,   L_k = 1/(B n) Σ_r Σ_i I_i (x_i − x'_i)².
// W is [inst, hidden, feat], b and I are [inst, feat], x is [inst, batch, feat].
// ---------------------------------------------------------------------------------------------
interface RefOut {
  h: number[][][]; // [inst][row][hidden]
  pre: number[][][]; // [inst][row][feat]
  out: number[][][]; // [inst][row][feat]
  loss: number[]; // [inst]
}

function reference(
  shape: ToyModelShape,
  W: ArrayLike<number>,
  b: ArrayLike<number>,
  x: ArrayLike<number>,
  batch: number,
  importance: ArrayLike<number>,
): RefOut {
  const { nInstances: K, nFeatures: n, nHidden: m, activation } = shape;
  const w = (k: number, j: number, i: number) => W[(k * m + j) * n + i];
  const res: RefOut = { h: [], pre: [], out: [], loss: [] };
  for (let k = 0; k < K; k++) {
    const hs: number[][] = [];
    const pres: number[][] = [];
    const outs: number[][] = [];
    let total = 0;
    for (let r = 0; r < batch; r++) {
      const xr = Array.from({ length: n }, (_, i) => x[(k * batch + r) * n + i]);
      const h = Array.from({ length: m }, (_, j) => xr.reduce((s, xi, i) => s + w(k, j, i) * xi, 0));
      const pre = Array.from({ length: n }, (_, i) => b[k * n + i] + h.reduce((s, hj, j) => s + w(k, j, i) * hj, 0));
      const out = pre.map((a) => (activation === 'relu' ? Math.max(0, a) : a));
      for (let i = 0; i < n; i++) total += importance[k * n + i] * (xr[i] - out[i]) ** 2;
      hs.push(h);
      pres.push(pre);
      outs.push(out);
    }
    res.h.push(hs);
    res.pre.push(pres);
    res.out.push(outs);
    res.loss.push(total / (batch * n));
  }
  return res;
}

const totalLoss = (r: RefOut) => r.loss.reduce((s, v) => s + v, 0);

// ---------------------------------------------------------------------------------------------
// Problem generation (independent of the library's sampler and initialiser).
// ---------------------------------------------------------------------------------------------
interface Problem {
  shape: ToyModelShape;
  params: ToyModelParams<Float64Array>;
  x: Float64Array;
  batch: number;
  importance: Float64Array;
}

const SPARSITIES = [0, 0.5, 0.8];
const FD_STEP = 1e-6;
const KINK_MARGIN = 1e-3; // every |pre-activation| must exceed this (≫ the FD step's effect)

function makeProblem(n: number, m: number, batch: number, activation: Activation, seed: number): Problem {
  const rng = new Rng(seed);
  const K = SPARSITIES.length;
  const shape: ToyModelShape = { nInstances: K, nFeatures: n, nHidden: m, activation };
  const params = createParams(shape, Float64Array);
  for (let e = 0; e < params.W.length; e++) params.W[e] = 0.7 * rng.normal();
  for (let e = 0; e < params.b.length; e++) params.b[e] = 0.3 * rng.normal();
  const x = new Float64Array(K * batch * n);
  for (let k = 0; k < K; k++) {
    const p = 1 - SPARSITIES[k];
    for (let r = 0; r < batch; r++) {
      for (let i = 0; i < n; i++) {
        const u = rng.uniform();
        const v = rng.uniform();
        x[(k * batch + r) * n + i] = u < p ? v : 0;
      }
    }
  }
  // Non-uniform importance, different per instance: I[k, i] = r_k^i · (1 + 0.5·noise).
  const importance = new Float64Array(K * n);
  for (let k = 0; k < K; k++) {
    const decay = 0.9 - 0.2 * k;
    for (let i = 0; i < n; i++) importance[k * n + i] = decay ** i * (0.75 + 0.5 * rng.uniform());
  }
  return { shape, params, x, batch, importance };
}

/** A problem whose pre-activations all sit at least KINK_MARGIN away from 0 (ReLU: with both signs). */
function makeSafeProblem(n: number, m: number, batch: number, activation: Activation, seed: number): Problem {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const pr = makeProblem(n, m, batch, activation, seed * 1000 + attempt);
    const ref = reference(pr.shape, pr.params.W, pr.params.b, pr.x, batch, pr.importance);
    const pre = ref.pre.flat(2);
    const tooClose = pre.some((a) => Math.abs(a) < KINK_MARGIN);
    // For ReLU, also insist that both branches occur (some units off, some on).
    const bothBranches = activation === 'linear' || (pre.some((a) => a < 0) && pre.some((a) => a > 0));
    if (!tooClose && bothBranches) return pr;
  }
  throw new Error('could not draw a problem away from the ReLU kink');
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1e-8, Math.abs(a) + Math.abs(b));
}

/** Central finite differences of Σ_k L_k (reference loss) for every entry of W and b. */
function finiteDifferences(pr: Problem): { W: Float64Array; b: Float64Array } {
  const { shape, params, x, batch, importance } = pr;
  const out = { W: new Float64Array(params.W.length), b: new Float64Array(params.b.length) };
  for (const name of ['W', 'b'] as const) {
    const arr = params[name];
    for (let e = 0; e < arr.length; e++) {
      const saved = arr[e];
      arr[e] = saved + FD_STEP;
      const plus = totalLoss(reference(shape, params.W, params.b, x, batch, importance));
      arr[e] = saved - FD_STEP;
      const minus = totalLoss(reference(shape, params.W, params.b, x, batch, importance));
      arr[e] = saved;
      out[name][e] = (plus - minus) / (2 * FD_STEP);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
const SHAPES: Array<[number, number]> = [
  [5, 2], // n > m: superposition regime
  [3, 4], // n < m
  [4, 1], // m = 1
];
const BATCHES = [1, 7];
const ACTIVATIONS: Activation[] = ['relu', 'linear'];

describe('lossAndGradients: analytic gradients vs central finite differences (float64)', () => {
  let seed = 1;
  for (const activation of ACTIVATIONS) {
    for (const [n, m] of SHAPES) {
      for (const batch of BATCHES) {
        const thisSeed = seed++;
        it(`${activation}, n=${n}, m=${m}, batch ${batch}, 3 instances`, () => {
          const pr = makeSafeProblem(n, m, batch, activation, thisSeed);
          const { shape, params, x, importance } = pr;
          const ws = createWorkspace(shape);
          const grads = createGrads(shape);
          const lossOut = new Float64Array(shape.nInstances);
          lossAndGradients(shape, params, x, batch, importance, ws, lossOut, grads);

          const ref = reference(shape, params.W, params.b, x, batch, importance);
          for (let k = 0; k < shape.nInstances; k++) expect(relErr(lossOut[k], ref.loss[k])).toBeLessThan(1e-13);
          if (activation === 'relu') {
            const pre = ref.pre.flat(2);
            expect(pre.some((a) => a < -KINK_MARGIN)).toBe(true);
            expect(pre.some((a) => a > KINK_MARGIN)).toBe(true);
          }

          const fd = finiteDifferences(pr);
          let worst = 0;
          let nonTrivial = 0;
          for (const name of ['W', 'b'] as const) {
            expect(grads[name].length).toBe(fd[name].length);
            for (let e = 0; e < fd[name].length; e++) {
              const err = relErr(grads[name][e], fd[name][e]);
              if (err > worst) worst = err;
              if (Math.abs(fd[name][e]) > 1e-6) nonTrivial++;
              if (!(err < 1e-6)) {
                throw new Error(`∂L/∂${name}[${e}]: analytic ${grads[name][e]}, finite difference ${fd[name][e]} (rel err ${err})`);
              }
            }
          }
          expect(worst).toBeLessThan(1e-6);
          // The check is not vacuous: a good share of gradient entries are clearly non-zero.
          expect(nonTrivial).toBeGreaterThanOrEqual((params.W.length + params.b.length) / 4);
        });
      }
    }
  }
});

describe('lossAndGradients: bookkeeping', () => {
  it('overwrites grads (no accumulation across calls) and gives the same loss with or without grads', () => {
    const pr = makeSafeProblem(5, 2, 7, 'relu', 99);
    const { shape, params, x, batch, importance } = pr;
    const ws = createWorkspace(shape);
    const g1 = createGrads(shape);
    const g2 = createGrads(shape);
    g2.W.fill(123);
    g2.b.fill(-4);
    const l1 = new Float64Array(3);
    const l2 = new Float64Array(3);
    const l3 = new Float64Array(3);
    lossAndGradients(shape, params, x, batch, importance, ws, l1, g1);
    lossAndGradients(shape, params, x, batch, importance, ws, l2, g2);
    lossAndGradients(shape, params, x, batch, importance, ws, l2, g2);
    lossAndGradients(shape, params, x, batch, importance, ws, l3);
    expect(Array.from(g2.W)).toEqual(Array.from(g1.W));
    expect(Array.from(g2.b)).toEqual(Array.from(g1.b));
    expect(Array.from(l2)).toEqual(Array.from(l1));
    expect(Array.from(l3)).toEqual(Array.from(l1));
  });

  it('instances are independent: changing instance 1’s parameters changes only L_1 and its gradient block', () => {
    const pr = makeSafeProblem(5, 2, 7, 'relu', 7);
    const { shape, params, x, batch, importance } = pr;
    const ws = createWorkspace(shape);
    const before = new Float64Array(3);
    const gBefore = createGrads(shape);
    lossAndGradients(shape, params, x, batch, importance, ws, before, gBefore);
    const size = shape.nHidden * shape.nFeatures;
    for (let e = size; e < 2 * size; e++) params.W[e] *= 1.5;
    for (let e = 5; e < 10; e++) params.b[e] += 0.1;
    const after = new Float64Array(3);
    const gAfter = createGrads(shape);
    lossAndGradients(shape, params, x, batch, importance, ws, after, gAfter);
    expect(after[0]).toBe(before[0]);
    expect(after[2]).toBe(before[2]);
    expect(after[1]).not.toBe(before[1]);
    expect(Array.from(gAfter.W.subarray(0, size))).toEqual(Array.from(gBefore.W.subarray(0, size)));
    expect(Array.from(gAfter.W.subarray(2 * size))).toEqual(Array.from(gBefore.W.subarray(2 * size)));
  });

  it('the loss is the mean over batch AND features: a hand-computed case', () => {
    // n = 2, m = 1, one instance, W = [[1, 0]], b = [0, 0], linear. x = [0.5, 0.25]:
    // h = 0.5, x' = (0.5, 0) → errors (0, 0.25); I = (1, 0.5): L = 0.5·0.0625 / (1·2) = 0.015625.
    // With ReLU and b = (0, −1): x' = (0.5, ReLU(−1)) = (0.5, 0), same loss.
    for (const activation of ['linear', 'relu'] as const) {
      const shape: ToyModelShape = { nInstances: 1, nFeatures: 2, nHidden: 1, activation };
      const params = { W: Float64Array.from([1, 0]), b: Float64Array.from(activation === 'relu' ? [0, -1] : [0, 0]) };
      const lossOut = new Float64Array(1);
      const grads = createGrads(shape);
      lossAndGradients(shape, params, Float64Array.from([0.5, 0.25]), 1, Float64Array.from([1, 0.5]), createWorkspace(shape), lossOut, grads);
      expect(lossOut[0]).toBeCloseTo(0.015625, 15);
      // ∂L/∂b_1 = 2/(Bn)·I_1·(x'_1 − x_1)·ReLU' = 2/2·0.5·(−0.25) = −0.125 (linear); 0 with ReLU off.
      expect(grads.b[1]).toBeCloseTo(activation === 'linear' ? -0.125 : 0, 15);
      // ∂L/∂b_0 = 0 (exact reconstruction of feature 0).
      expect(grads.b[0]).toBe(0);
    }
  });

  it('float32 parameters and inputs give the float64 reference loss to float32 accuracy', () => {
    const pr = makeSafeProblem(5, 2, 7, 'relu', 3);
    const { shape, batch, importance } = pr;
    const p32 = { W: Float32Array.from(pr.params.W), b: Float32Array.from(pr.params.b) };
    const x32 = Float32Array.from(pr.x);
    const lossOut = new Float64Array(3);
    lossAndGradients(shape, p32, x32, batch, importance, createWorkspace(shape), lossOut);
    const ref = reference(shape, p32.W, p32.b, x32, batch, importance); // same rounded inputs; the float32 routes may run
    for (let k = 0; k < 3; k++) expect(relErr(lossOut[k], ref.loss[k])).toBeLessThan(1e-5);
  });
});

describe('reconstruct and hiddenActivations against the reference', () => {
  for (const activation of ACTIVATIONS) {
    for (const [n, m] of SHAPES) {
      for (const batch of BATCHES) {
        it(`${activation}, n=${n}, m=${m}, batch ${batch}`, () => {
          const pr = makeProblem(n, m, batch, activation, 500 + n * 10 + m + batch);
          const { shape, params, x } = pr;
          const ref = reference(shape, params.W, params.b, x, batch, pr.importance);
          const K = shape.nInstances;

          const out = new Float64Array(K * batch * n).fill(NaN);
          reconstruct(shape, params, x, batch, createWorkspace(shape), out);
          const hidden = new Float64Array(K * batch * m).fill(NaN);
          hiddenActivations(shape, params, x, batch, hidden);
          let negatives = 0;
          for (let k = 0; k < K; k++) {
            for (let r = 0; r < batch; r++) {
              for (let i = 0; i < n; i++) {
                const got = out[(k * batch + r) * n + i];
                const want = ref.out[k][r][i];
                expect(Math.abs(got - want)).toBeLessThan(1e-13);
                if (activation === 'relu') expect(got).toBeGreaterThanOrEqual(0);
                if (got < 0) negatives++;
              }
              for (let j = 0; j < m; j++) expect(Math.abs(hidden[(k * batch + r) * m + j] - ref.h[k][r][j])).toBeLessThan(1e-13);
            }
          }
          if (activation === 'linear' && batch > 1) expect(negatives).toBeGreaterThan(0);
        });
      }
    }
  }

  it('reconstruct with float32 buffers', () => {
    const pr = makeProblem(5, 2, 7, 'relu', 42);
    const { shape } = pr;
    const W = Float32Array.from(pr.params.W);
    const b = Float32Array.from(pr.params.b);
    const x = Float32Array.from(pr.x);
    const out = new Float32Array(x.length);
    reconstruct(shape, { W, b }, x, 7, createWorkspace(shape), out);
    const ref = reference(shape, W, b, x, 7, pr.importance);
    const flatRef = ref.out.flat(2);
    for (let e = 0; e < out.length; e++) expect(Math.abs(out[e] - flatRef[e])).toBeLessThan(1e-6 * (1 + Math.abs(flatRef[e])));
  });
});
