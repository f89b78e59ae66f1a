// The kernel layer (src/kernels/toy/) against the straightforward reference
// (src/kernels/toy/reference.ts): every route, forced and chosen by the cost model, on random
// and on structured problems (outputs whose ReLU is settled on / off for the whole batch, mostly on,
// mostly off), float64 (agreement to 1e-12) and float32 parameters and inputs (to 1e-5; in practice
// far tighter, since both compute in float64 — but route 'h32', float32 WebAssembly SIMD, offered to
// float32 parameters only and tested further in toyWasm.test.ts).

import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import { lossAndGradientsFast } from '../src/kernels/toy/lossAndGradients.js';
import { lossAndGradientsReference } from '../src/kernels/toy/reference.js';
import { timeGram, timeH, timeHybrid } from '../src/kernels/toy/route.js';
import { compressRows, groupRows } from '../src/kernels/toy/rows.js';
import type { Activation, FloatArray, KernelOptions, ToyModelParams, ToyModelShape } from '../src/kernels/toy/types.js';
import { createKernelWorkspace } from '../src/kernels/toy/workspace.js';
import { createGrads, createParams, createWorkspace, lossAndGradients } from '../src/models/toyModel.js';
import { relErr } from './helpers/relErr.js';

interface Problem {
  shape: ToyModelShape;
  params: ToyModelParams<Float64Array>;
  x: Float64Array;
  batch: number;
  importance: Float64Array;
}

/**
 * Random problem; `structured` gives each feature a role: tiny W column and b = +0.5 (ReLU settled
 * on), small column and b = −3 (settled off), b = ±0.02 (mostly on / mostly off), or random.
 */
function makeProblem(
  n: number,
  m: number,
  batch: number,
  sparsities: number[],
  activation: Activation,
  seed: number,
  structured = false,
): Problem {
  const rng = new Rng(seed);
  const K = sparsities.length;
  const shape: ToyModelShape = { nInstances: K, nFeatures: n, nHidden: m, activation };
  const params = createParams(shape, Float64Array);
  for (let e = 0; e < params.W.length; e++) params.W[e] = 0.7 * rng.normal();
  for (let e = 0; e < params.b.length; e++) params.b[e] = 0.3 * rng.normal();
  if (structured) {
    for (let k = 0; k < K; k++) {
      for (let i = 0; i < n; i++) {
        const role = (i + k) % 5;
        const col = (j: number) => (k * m + j) * n + i;
        if (role === 0) {
          for (let j = 0; j < m; j++) params.W[col(j)] *= 1e-3;
          params.b[k * n + i] = 0.5;
        } else if (role === 1) {
          for (let j = 0; j < m; j++) params.W[col(j)] *= 0.05;
          params.b[k * n + i] = -3;
        }
        else if (role === 2) params.b[k * n + i] = 0.02;
        else if (role === 3) params.b[k * n + i] = -0.02;
      }
    }
  }
  const x = new Float64Array(K * batch * n);
  for (let k = 0; k < K; k++) {
    const p = 1 - sparsities[k];
    for (let r = 0; r < batch; r++) {
      for (let i = 0; i < n; i++) {
        const u = rng.uniform();
        const v = rng.uniform();
        x[(k * batch + r) * n + i] = u < p ? v : 0;
      }
    }
  }
  const importance = new Float64Array(K * n);
  for (let k = 0; k < K; k++) for (let i = 0; i < n; i++) importance[k * n + i] = (0.9 - 0.1 * (k % 4)) ** i * (0.75 + 0.5 * rng.uniform());
  return { shape, params, x, batch, importance };
}

function run(
  pr: { shape: ToyModelShape; params: ToyModelParams<FloatArray>; x: FloatArray; batch: number; importance: Float64Array },
  options?: KernelOptions,
) {
  const { shape, params, x, batch, importance } = pr;
  const ws = createWorkspace(shape);
  const loss = new Float64Array(shape.nInstances);
  const grads = createGrads(shape);
  if (options) lossAndGradientsFast(shape, params, x, batch, importance, ws.kernel, loss, grads, options);
  else lossAndGradientsReference(shape, params, x, batch, importance, ws, loss, grads);
  return { loss, grads, reports: ws.kernel.reports };
}

/** Loss per instance to `tol` relative, gradients to `tol` norm-wise per instance block. */
function expectAgreement(pr: Problem | ReturnType<typeof toFloat32>, options: KernelOptions, tol: number) {
  const ref = run(pr);
  const got = run(pr, options);
  const { nInstances: K, nFeatures: n, nHidden: m } = pr.shape;
  for (let k = 0; k < K; k++) {
    const want = ref.loss[k];
    expect(Math.abs(got.loss[k] - want) / Math.max(Math.abs(want), 1e-300), `loss[${k}] ${got.loss[k]} vs ${want}`).toBeLessThan(tol);
    const gW = relErr(got.grads.W.subarray(k * m * n, (k + 1) * m * n), ref.grads.W.subarray(k * m * n, (k + 1) * m * n));
    const gb = relErr(got.grads.b.subarray(k * n, (k + 1) * n), ref.grads.b.subarray(k * n, (k + 1) * n));
    expect(gW, `∂W of instance ${k}`).toBeLessThan(tol);
    expect(gb, `∂b of instance ${k}`).toBeLessThan(tol);
  }
  return got.reports;
}

function toFloat32(pr: Problem) {
  return {
    ...pr,
    params: { W: Float32Array.from(pr.params.W), b: Float32Array.from(pr.params.b) },
    x: Float32Array.from(pr.x),
  };
}

const ROUTES: Record<string, KernelOptions> = {
  h: { route: 'h' },
  'gram, nothing settled': { route: 'gram', settle: false },
  'gram, settled off only': { route: 'gram', moments: false },
  'gram, moments': { route: 'gram', moments: true },
  'hybrid, nothing settled': { route: 'hybrid', settle: false },
  'hybrid, moments': { route: 'hybrid', moments: true },
  'cost model': {},
};
/** Float32 parameters may also take route 'h32' (dense rows of x or gathered inputs). */
const ROUTES_F32: Record<string, KernelOptions> = {
  ...ROUTES,
  'h32, dense rows': { route: 'h32', gather: false },
  'h32, gathered': { route: 'h32', gather: true },
};

// (n, m): superposition, n < m, m = 1, n = 1, both 1, odd and even n for the two scans.
const SHAPES: Array<[number, number]> = [
  [5, 2],
  [3, 4],
  [4, 1],
  [1, 3],
  [1, 1],
  [12, 3],
  [9, 4],
];
// Dense, half, very sparse, and an instance with no active input at all (p = 0).
const SPARSITIES = [0, 0.5, 0.99, 1];

describe('fast kernel vs reference, float64 (1e-12)', () => {
  let seed = 1;
  for (const activation of ['relu', 'linear'] as const) {
    for (const [n, m] of SHAPES) {
      for (const batch of [1, 7, 64]) {
        for (const structured of [false, true]) {
          const thisSeed = seed++;
          it(`${activation}, n=${n}, m=${m}, batch ${batch}${structured ? ', structured' : ''}: every route`, () => {
            const pr = makeProblem(n, m, batch, SPARSITIES, activation, thisSeed, structured);
            for (const [name, options] of Object.entries(ROUTES)) {
              try {
                expectAgreement(pr, options, 1e-12);
              } catch (error) {
                throw new Error(`route ${name}: ${(error as Error).message}`);
              }
            }
          });
        }
      }
    }
  }
});

describe('fast kernel vs reference, float32 parameters and inputs (1e-5)', () => {
  for (const activation of ['relu', 'linear'] as const) {
    for (const [n, m] of [
      [20, 5],
      [7, 3],
    ] as const) {
      it(`${activation}, n=${n}, m=${m}, batch 128: every route`, () => {
        const pr = toFloat32(makeProblem(n, m, 128, [0, 0.5, 0.9, 0.99, 1], activation, 7 * n + m, true));
        for (const [name, options] of Object.entries(ROUTES_F32)) {
          try {
            expectAgreement(pr, options, 1e-5);
          } catch (error) {
            throw new Error(`route ${name}: ${(error as Error).message}`);
          }
        }
      });
    }
  }
});

describe('the structured problems reach every kind of output and loop', () => {
  it('settled on, settled off, moments, and both forward shapes of sweepRows', () => {
    const pr = makeProblem(20, 5, 64, [0, 0.5, 0.9], 'relu', 5, true);
    const reports = expectAgreement(pr, { route: 'gram' }, 1e-12);
    expect(reports.some((r) => r.on > 0)).toBe(true);
    expect(reports.some((r) => r.off > 0)).toBe(true);
    expect(reports.some((r) => r.moments && r.linear > r.on)).toBe(true); // UP outputs in the moments
    expect(reports.every((r) => r.perSample < 20)).toBe(true);
    // Dense rows (a = 20) against few per-sample outputs take the dot-product form; sparse rows the
    // column form: instance 0 is dense, instance 2 sparse, and both agree above.
    expect(reports[0].perSample).toBeLessThan(20);
  });

  it('the linear model is all moments (no per-sample outputs) when settled', () => {
    const pr = makeProblem(12, 3, 64, [0, 0.9], 'linear', 6);
    const reports = expectAgreement(pr, { route: 'gram' }, 1e-12);
    for (const r of reports) {
      expect(r.moments).toBe(true);
      expect(r.perSample).toBe(0);
    }
  });
});

describe('the cost model', () => {
  it('takes route h for dense inputs and route gram for sparse ones', () => {
    const pr = makeProblem(20, 5, 256, [0, 0.95], 'relu', 11);
    const { reports } = run(pr, {});
    expect(reports[0].route).toBe('h');
    expect(reports[1].route).toBe('gram');
    expectAgreement(pr, {}, 1e-12);
  });

  it('route h costs less than route gram for dense x and more for sparse x; the hybrid wins for large n²m', () => {
    const [n, m, B] = [100, 20, 1024];
    // dense: a = n in every row; sparse: a = 5
    expect(timeH(n, m, B, B * n, true)).toBeLessThan(timeGram(n, m, B, B * n, n, n, 0));
    expect(timeH(n, m, B, B * 5, false)).toBeGreaterThan(timeGram(n, m, B, B * 5, n, n, 0));
    // n = 1000, m = 100, 10 actives per sample, 40 outputs computed per sample: ∂W = W(M + Mᵀ)
    // (n²m) costs more than the per-sample backward.
    expect(timeHybrid(1000, 100, B, B * 10, 40, 40, 0)).toBeLessThan(timeGram(1000, 100, B, B * 10, 40, 40, 0));
  });

  it('takes the hybrid route when n²m dominates and few outputs are undecided', () => {
    // Every output but a few settled off (b ≪ 0, small columns): |P| small, n²m = 4e6 ≫ per sample.
    const pr = makeProblem(400, 25, 512, [0.99], 'relu', 12);
    for (let i = 0; i < 400; i++) {
      if (i % 20 === 0) continue;
      for (let j = 0; j < 25; j++) pr.params.W[j * 400 + i] *= 0.01;
      pr.params.b[i] = -5;
    }
    const { reports } = run(pr, {});
    expect(reports[0].route).toBe('hybrid');
    expect(reports[0].off).toBeGreaterThan(300);
    expectAgreement(pr, {}, 1e-12);
  });
});

describe('bookkeeping', () => {
  it('the same loss, to the bit, with or without gradients; gradients overwritten', () => {
    const pr = makeProblem(12, 3, 64, SPARSITIES, 'relu', 21, true);
    const { shape, params, x, batch, importance } = pr;
    const ws = createWorkspace(shape);
    const l1 = new Float64Array(shape.nInstances);
    const l2 = new Float64Array(shape.nInstances);
    const g1 = createGrads(shape);
    const g2 = createGrads(shape);
    g2.W.fill(7);
    g2.b.fill(-1);
    lossAndGradients(shape, params, x, batch, importance, ws, l1, g1);
    lossAndGradients(shape, params, x, batch, importance, ws, l2);
    expect(Array.from(l2)).toEqual(Array.from(l1));
    lossAndGradients(shape, params, x, batch, importance, ws, l2, g2);
    expect(Array.from(g2.W)).toEqual(Array.from(g1.W));
    expect(Array.from(g2.b)).toEqual(Array.from(g1.b));
  });

  it('one workspace serves growing and shrinking batches', () => {
    const big = makeProblem(9, 4, 100, [0.5, 0.9], 'relu', 31, true);
    const small = makeProblem(9, 4, 3, [0.5, 0.9], 'relu', 32, true);
    const ws = createWorkspace(small.shape);
    for (const pr of [small, big, small]) {
      const loss = new Float64Array(2);
      const grads = createGrads(pr.shape);
      lossAndGradients(pr.shape, pr.params, pr.x, pr.batch, pr.importance, ws, loss, grads);
      const ref = run(pr);
      expect(relErr(loss, ref.loss)).toBeLessThan(1e-12);
      expect(relErr(grads.W, ref.grads.W)).toBeLessThan(1e-12);
    }
  });

  it('a bias of −∞ switches its output off for good, with a finite loss as in the reference', () => {
    const pr = makeProblem(6, 2, 40, [0, 0.6], 'relu', 61);
    pr.params.b[2] = -Infinity;
    pr.params.b[6 + 4] = -Infinity;
    const ref = run(pr);
    expect(ref.loss.every(Number.isFinite)).toBe(true);
    for (const options of Object.values(ROUTES)) expectAgreement(pr, options, 1e-12);
  });

  it('negative zeros in x are inactive inputs, on every route (float32 pairs included)', () => {
    const pr = toFloat32(makeProblem(8, 3, 32, [0.7, 0.95], 'relu', 51, true));
    for (let e = 0; e < pr.x.length; e += 3) if (pr.x[e] === 0) pr.x[e] = -0;
    for (let i = 0; i < 8; i++) pr.x[5 * 8 + i] = i === 0 ? -0 : 0; // a row of zeros and one −0
    for (const options of Object.values(ROUTES_F32)) expectAgreement(pr, options, 1e-5);
  });

  it('NaN parameters give a NaN loss, as in the reference, on every route', () => {
    const pr = makeProblem(5, 2, 16, [0.5, 0.5], 'relu', 41);
    pr.params.W[3] = NaN; // instance 0 only
    const ref = run(pr);
    expect(Number.isNaN(ref.loss[0])).toBe(true);
    for (const options of Object.values(ROUTES)) {
      const got = run(pr, options);
      expect(Number.isNaN(got.loss[0])).toBe(true);
      expect(Math.abs(got.loss[1] - ref.loss[1]) / ref.loss[1]).toBeLessThan(1e-12);
    }
  });
});

describe('compressRows', () => {
  function naive(x: ArrayLike<number>, offset: number, batch: number, n: number) {
    const rows: Array<Array<[number, number]>> = [];
    for (let r = 0; r < batch; r++) {
      const row: Array<[number, number]> = [];
      for (let i = 0; i < n; i++) if (x[offset + r * n + i] !== 0) row.push([i, x[offset + r * n + i]]);
      if (row.length) rows.push(row);
    }
    return rows;
  }

  for (const [n, kind] of [
    [6, 'Float32Array (float pairs)'],
    [7, 'Float32Array, odd n (one at a time)'],
    [6, 'Float64Array'],
    [6, 'Float32Array at an odd offset'],
  ] as const) {
    it(`${kind}: the active inputs of every non-empty row, then grouped by count`, () => {
      const rng = new Rng(n);
      const batch = 50;
      const K = 2;
      const data = new Float64Array(K * batch * n + 1);
      for (let e = 0; e < data.length; e++) data[e] = rng.uniform() < 0.3 ? rng.uniform() : 0;
      data[5] = -0; // a negative zero is inactive
      data[8] = -0;
      data[9] = 0.25;
      // A row of zeros but for one −0: a float pair (−0, 0) reads as a nonzero float64.
      for (let i = 0; i < n; i++) data[3 * n + i] = 0;
      data[3 * n] = -0;
      let x: FloatArray = kind.startsWith('Float64') ? data : Float32Array.from(data);
      const shift = kind.includes('odd offset') ? 1 : 0;
      if (shift) x = (x as Float32Array).subarray(1);
      const shape: ToyModelShape = { nInstances: K, nFeatures: n, nHidden: 2, activation: 'relu' };
      const ws = createWorkspace(shape);
      // (the kernel grows its buffers on first use; a call does that)
      lossAndGradients(shape, createParams(shape, Float64Array), x, batch, new Float64Array(K * n).fill(1), ws, new Float64Array(K));
      const kw = ws.kernel;
      for (let k = 0; k < K; k++) {
        const offset = k * batch * n;
        const rows = compressRows(x, offset, batch, n, kw);
        groupRows(kw, n, rows);
        const want = naive(x, offset, batch, n);
        expect(rows).toBe(want.length);
        for (let r = 0; r < rows; r++) {
          const got: Array<[number, number]> = [];
          for (let p = kw.rowPtr[r]; p < kw.rowPtr[r + 1]; p++) got.push([kw.xIdx[p], kw.xVal[p]]);
          expect(got).toEqual(want[r]);
          expect(kw.rowOf[r]).toBeGreaterThanOrEqual(r);
        }
        // The grouping lists every row once, by ascending count.
        const seen = Array.from(kw.order.subarray(0, rows)).sort((a, b) => a - b);
        expect(seen).toEqual(Array.from({ length: rows }, (_, r) => r));
        for (let a = 1; a <= n; a++) {
          for (let t = kw.groupStart[a]; t < kw.groupStart[a + 1]; t++) {
            const r = kw.order[t];
            expect(kw.rowPtr[r + 1] - kw.rowPtr[r]).toBe(a);
          }
        }
      }
    });
  }

  it('createKernelWorkspace allocates no n² buffers until route gram is taken', () => {
    const kw = createKernelWorkspace({ nInstances: 1, nFeatures: 5000, nHidden: 10, activation: 'relu' });
    expect(kw.G.length).toBe(0);
    expect(kw.M.length).toBe(0);
  });
});
