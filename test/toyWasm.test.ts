// Route 'h32' of the toy kernel (float32 WebAssembly SIMD, wasm/toy/h32.ts driven by
// src/kernels/toy/wasm/h32.ts) against the float64 reference (kernels/toy/reference.ts) on
// float32 parameters and inputs: relative error < 1e-5 (loss per instance; gradients norm-wise per
// instance), over shapes with n < m, m = 1, n = 1, n not a multiple of 4 (padded rows), batch 1,
// relu and linear models, dense and sparse batches, both ways of reading x (dense rows, gathered).
// Also: float64 callers never get route 'h32'; the cost model's choice is repeatable. The backward of a
// block runs over its nonzero g alone when g is sparse enough: every case again with that path forced
// on every block and off, and calls where it is taken on some blocks only, on blocks whose g is all
// zero, and on rows with NaN.

import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import { lossAndGradientsFast } from '../src/kernels/toy/lossAndGradients.js';
import { lossAndGradientsReference } from '../src/kernels/toy/reference.js';
import { timeH, timeH32 } from '../src/kernels/toy/route.js';
import { compressRows } from '../src/kernels/toy/rows.js';
import type { KernelOptions } from '../src/kernels/toy/types.js';
import { compressRows32, copyCompressedLists, countedActives, countLoaded32, loadX32 } from '../src/kernels/toy/wasm/compress.js';
import { blockCounts, setSparseGradFraction, sparseGradFraction } from '../src/kernels/toy/wasm/h32.js';
import { blockRows } from '../src/kernels/toy/wasm/layout.js';
import { denseKernelAvailable } from '../src/kernels/toy/wasm/module.js';
import { createKernelWorkspace } from '../src/kernels/toy/workspace.js';
import { createGrads, createWorkspace, lossAndGradients } from '../src/models/toyModel.js';
import { expectAgreement32, makeProblem32, runFast, SHAPES32, SPARSITIES32 } from './helpers/toyProblem32.js';

/** Runs f with the sparse backward forced on every block (1), off (−1) or by default (undefined). */
function withSparseFraction<T>(fraction: number | undefined, f: () => T): T {
  setSparseGradFraction(fraction);
  try {
    return f();
  } finally {
    setSparseGradFraction(undefined);
  }
}

/** Blocks whose backward ran sparse and dense during f. */
function countBlocks(f: () => void): { sparse: number; dense: number } {
  const sparse0 = blockCounts.sparse;
  const dense0 = blockCounts.dense;
  f();
  return { sparse: blockCounts.sparse - sparse0, dense: blockCounts.dense - dense0 };
}

const available = denseKernelAvailable();

describe('route h32 (WebAssembly SIMD, float32)', () => {
  it('loads in Node', () => {
    expect(available).toBe(true);
  });

  const SHAPES = SHAPES32;
  const SPARSITIES = SPARSITIES32;
  let seed = 100;
  for (const activation of ['relu', 'linear'] as const) {
    for (const [n, m] of SHAPES) {
      for (const batch of [1, 7, 64]) {
        const thisSeed = seed++;
        it(`${activation}, n=${n}, m=${m}, batch ${batch}: dense rows and gathered inputs, sparse backward forced, off, by default`, () => {
          const pr = makeProblem32(n, m, batch, SPARSITIES, activation, thisSeed);
          for (const fraction of [1, -1, undefined]) {
            for (const gather of [false, true]) {
              const blocks = countBlocks(() => {
                const reports = withSparseFraction(fraction, () => expectAgreement32(pr, { route: 'h32', gather }));
                expect(reports.every((r) => r.route === 'h32')).toBe(true);
              });
              if (fraction === 1) expect(blocks.dense).toBe(0);
              if (fraction === -1) expect(blocks.sparse).toBe(0);
            }
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

  it('the sparse backward on some blocks of a call only (the crossover), agreeing either way', () => {
    // n = 100, m = 20: blocks of 256 rows; rows 0..511 nearly all off (negative biases, few actives),
    // rows 512.. dense: the first two blocks go sparse, the last two dense.
    const n = 100;
    const m = 20;
    const batch = 1000;
    expect(blockRows(n)).toBe(256);
    const pr = makeProblem32(n, m, batch, [0.98], 'relu', 71);
    for (let l = 0; l < n; l++) pr.params.b[l] = -1.5;
    for (let e = 0; e < pr.params.W.length; e++) pr.params.W[e] *= 0.5;
    const rng = new Rng(72);
    for (let r = 512; r < batch; r++) for (let i = 0; i < n; i++) pr.x[r * n + i] = rng.uniform();
    for (const gather of [false, true]) {
      const blocks = countBlocks(() => expectAgreement32(pr, { route: 'h32', gather }));
      expect(blocks).toEqual({ sparse: 2, dense: 2 });
    }
    // The same problem at thresholds around the default: the same numbers within the tolerance.
    const f = sparseGradFraction(20);
    expect(f).toBeGreaterThan(0.1);
    expect(f).toBeLessThan(0.15);
    for (const fraction of [0, 0.01, 0.05, 0.3, 0.9]) withSparseFraction(fraction, () => expectAgreement32(pr, { route: 'h32', gather: true }));
  });

  it('blocks whose g is all zero (every output off): only the off-loss, zero gradients', () => {
    for (const [n, m, batch] of [
      [13, 6, 70],
      [1000, 100, 80],
    ] as const) {
      const pr = makeProblem32(n, m, batch, [0.5, 0.99], 'relu', n + 3);
      for (let e = 0; e < pr.params.b.length; e++) pr.params.b[e] = -1e3;
      for (const fraction of [undefined, 1, 0, -1]) {
        for (const gather of [false, true]) {
          const blocks = countBlocks(() => withSparseFraction(fraction, () => expectAgreement32(pr, { route: 'h32', gather })));
          if (fraction !== -1) expect(blocks.dense).toBe(0);
          const got = withSparseFraction(fraction, () => runFast(pr, { route: 'h32', gather }));
          expect(got.loss.every((v) => v >= 0)).toBe(true);
          expect(got.grads.W.every((v) => v === 0)).toBe(true);
          expect(got.grads.b.every((v) => v === 0)).toBe(true);
        }
      }
    }
  });

  it('rows with NaN (a NaN input or weight) give a NaN loss, sparse backward or dense', () => {
    for (const [n, m] of [
      [6, 3],
      [37, 11],
      [1000, 100],
    ] as const) {
      const pr = makeProblem32(n, m, 40, [0.9, 0.9, 0.9], 'relu', n + 5);
      for (let e = 0; e < pr.params.b.length; e++) pr.params.b[e] = -2; // sparse g
      pr.x[0 * 40 * n + 3 * n + 1] = NaN; // instance 0: one input of row 3
      pr.params.W[1 * m * n + (m - 1) * n + (n - 1)] = NaN; // instance 1: the last weight (rows using feature n − 1)
      for (let r = 0; r < 40; r++) pr.x[40 * n + r * n + (n - 1)] = r % 7 === 0 ? 0.5 : 0;
      for (const fraction of [undefined, 1, -1]) {
        for (const gather of [false, true]) {
          const got = withSparseFraction(fraction, () => runFast(pr, { route: 'h32', gather }));
          expect(Number.isNaN(got.loss[0]), `n=${n}, instance 0`).toBe(true);
          expect(Number.isNaN(got.loss[1]), `n=${n}, instance 1`).toBe(true);
          expect(Number.isFinite(got.loss[2]), `n=${n}, instance 2`).toBe(true);
        }
      }
    }
  });

  it('settled-on and settled-off outputs (large positive and negative biases)', () => {
    const pr = makeProblem32(24, 6, 64, [0, 0.7], 'relu', 7);
    for (let e = 0; e < pr.params.b.length; e++) pr.params.b[e] = e % 3 === 0 ? 4 : e % 3 === 1 ? -4 : pr.params.b[e];
    for (const gather of [false, true]) expectAgreement32(pr, { route: 'h32', gather });
  });

  it('dense rows read in place where they need no padding: the same bits as the copied rows', () => {
    // n = 24 and 100 (multiples of 4), batch 600 (three blocks, the last one short), every row kept:
    // float32 x is read where it was loaded; the same x as float64 takes the copying path.
    for (const n of [24, 100]) {
      const pr = makeProblem32(n, 6, 600, [0, 0.5], 'relu', n);
      const inPlace = runFast(pr, { route: 'h32', gather: false });
      const copied = runFast({ ...pr, x: Float64Array.from(pr.x) as unknown as Float32Array }, { route: 'h32', gather: false });
      expect(Array.from(inPlace.loss)).toEqual(Array.from(copied.loss));
      expect(Array.from(inPlace.grads.W)).toEqual(Array.from(copied.grads.W));
      expect(Array.from(inPlace.grads.b)).toEqual(Array.from(copied.grads.b));
      expectAgreement32(pr, { route: 'h32', gather: false });
    }
  });

  it('one workspace through shapes, batches and routes in turn (the memory is laid out again)', () => {
    const problems = [
      makeProblem32(9, 4, 100, [0.2, 0.9], 'relu', 31),
      makeProblem32(9, 4, 300, [0.2, 0.9], 'relu', 32),
      makeProblem32(50, 7, 40, [0, 0.95], 'linear', 33),
      makeProblem32(9, 4, 5, [0.2, 0.9], 'relu', 34),
      makeProblem32(1000, 100, 40, [0.99], 'relu', 35),
    ];
    for (const pr of [...problems, ...problems]) {
      for (const options of [{ route: 'h32' }, { route: 'h' }, { route: 'h32', gather: true }] as KernelOptions[]) {
        for (const fraction of [undefined, 1]) withSparseFraction(fraction, () => expectAgreement32(pr, options));
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

  it('the same numbers, to the bit, on a repeated call with the sparse backward taken', () => {
    const pr = makeProblem32(1000, 100, 300, [0.99, 0.99], 'relu', 81);
    for (let e = 0; e < pr.params.W.length; e++) pr.params.W[e] *= 0.1; // ‖W_i‖ ≈ 0.7
    for (let e = 0; e < pr.params.b.length; e++) pr.params.b[e] = -0.2; // a few tens of nonzero g per row
    const a = runFast(pr, { route: 'h32', gather: true });
    const blocks = countBlocks(() => runFast(pr, { route: 'h32', gather: true }));
    expect(blocks).toEqual({ sparse: 2 * Math.ceil(300 / blockRows(1000)), dense: 0 });
    expectAgreement32(pr, { route: 'h32', gather: true });
    const b = runFast(pr, { route: 'h32', gather: true });
    expect(Array.from(b.loss)).toEqual(Array.from(a.loss));
    expect(Array.from(b.grads.W)).toEqual(Array.from(a.grads.W));
    expect(Array.from(b.grads.b)).toEqual(Array.from(a.grads.b));
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

describe('route h32: gathered (W g) xᵀ summed in float32 over at most 256 terms per entry', () => {
  it('batch 3000 at S = 0.3 (about 2100 terms per input: eight moves to float64 each), and a second call from clean sums', () => {
    const pr = makeProblem32(9, 3, 3000, [0.3, 0.9], 'relu', 77);
    for (const fraction of [-1, undefined]) {
      withSparseFraction(fraction, () => expectAgreement32(pr, { route: 'h32', gather: true }));
    }
    // The float32 sums are left zero for the next call: the same numbers again, to the bit.
    const first = runFast(pr, { route: 'h32', gather: true });
    const second = runFast(pr, { route: 'h32', gather: true });
    expect(Array.from(second.grads.W)).toEqual(Array.from(first.grads.W));
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

describe('compressRows32 (WebAssembly) gives exactly the lists of compressRows', () => {
  // (Resident lists feed route h32 directly; the agreement tests above run through that path.)
  const cases: [number, number, number][] = [
    // [n, batch, p]
    [20, 1024, 0.1],
    [20, 1, 0.5],
    [1, 7, 0.5],
    [3, 33, 0.4],
    [13, 64, 0.05],
    [100, 50, 1],
    [6, 40, 0],
    [1000, 9, 0.01],
  ];
  for (const [n, batch, p] of cases) {
    it(`n=${n}, batch ${batch}, p=${p} (with −0, NaN, empty and full rows, two instances)`, () => {
      if (!denseKernelAvailable()) return;
      const rng = new Rng(n * 7919 + batch);
      const x = new Float32Array(2 * batch * n); // [inst, batch, feat]
      for (let e = 0; e < x.length; e++) {
        const u = rng.uniform();
        x[e] = u < p ? rng.uniformPositive() : u < p + 0.02 ? -0 : 0;
      }
      if (x.length > 5) x[5] = NaN;
      for (let i = 0; i < n; i++) x[(batch - 1) * n + i] = 0.5; // a full row
      for (const k of [0, 1]) {
        const offset = k * batch * n;
        const shape = { nInstances: 2, nFeatures: n, nHidden: 4, activation: 'relu' as const };
        const kw = createKernelWorkspace(shape);
        const ref = createKernelWorkspace(shape);
        // Both need room for the batch: one full pass of each through lossAndGradientsFast sizes them.
        const params = { W: new Float32Array(2 * 4 * n), b: new Float32Array(2 * n) };
        const imp = new Float64Array(2 * n).fill(1);
        lossAndGradientsFast(shape, params, new Float32Array(2 * batch * n), batch, imp, kw, new Float64Array(2));
        lossAndGradientsFast(shape, params, new Float64Array(2 * batch * n), batch, imp, ref, new Float64Array(2));
        const rows = compressRows32(x, offset, batch, n, 4);
        copyCompressedLists(rows, kw.rowPtr, kw.rowOf, kw.xIdx, kw.xVal);
        const rowsRef = compressRows(x, offset, batch, n, ref);
        expect(rows).toBe(rowsRef);
        const actives = ref.rowPtr[rowsRef];
        expect(Array.from(kw.rowPtr.subarray(0, rows + 1))).toEqual(Array.from(ref.rowPtr.subarray(0, rows + 1)));
        expect(Array.from(kw.rowOf.subarray(0, rows))).toEqual(Array.from(ref.rowOf.subarray(0, rows)));
        expect(Array.from(kw.xIdx.subarray(0, actives))).toEqual(Array.from(ref.xIdx.subarray(0, actives)));
        expect(Array.from(kw.xVal.subarray(0, actives))).toEqual(Array.from(ref.xVal.subarray(0, actives)));
        // Counting alone finds the same rows and active inputs.
        loadX32(x, offset, batch, n, 4);
        expect(countLoaded32(batch, n)).toBe(rowsRef);
        expect(countedActives()).toBe(actives);
      }
    });
  }
});

describe("route 'h32' over dense rows counts the batch before making lists, with the same results", () => {
  it('dense batches, then one with an empty row (the lists needed after all), then sparse: as a fresh workspace', () => {
    if (!denseKernelAvailable()) return;
    const n = 24;
    const m = 6;
    const B = 256;
    const shape = { nInstances: 2, nFeatures: n, nHidden: m, activation: 'relu' as const };
    const rng = new Rng(31);
    const params = { W: new Float32Array(2 * m * n).map(() => rng.normal() * 0.3), b: new Float32Array(2 * n).map(() => rng.normal() * 0.1) };
    const imp = new Float64Array(2 * n).map((_, e) => 0.9 ** (e % n));
    const batch = (p: number, emptyRow: boolean) => {
      const x = new Float32Array(2 * B * n).map(() => (rng.uniform() < p ? rng.uniformPositive() : 0));
      if (emptyRow) x.fill(0, 3 * n, 4 * n); // instance 0, sample 3
      return x;
    };
    const kw = createKernelWorkspace(shape);
    const sequence = [batch(1, false), batch(0.9, false), batch(1, true), batch(1, false), batch(0.05, false), batch(1, false)];
    let countedOnce = false;
    for (const x of sequence) {
      countedOnce ||= kw.reports[0].denseRows;
      const loss = new Float64Array(2);
      const grads = createGrads(shape);
      lossAndGradientsFast(shape, params, x, B, imp, kw, loss, grads);
      const fresh = createKernelWorkspace(shape);
      const loss2 = new Float64Array(2);
      const grads2 = createGrads(shape);
      lossAndGradientsFast(shape, params, x, B, imp, fresh, loss2, grads2);
      expect(Array.from(loss)).toEqual(Array.from(loss2));
      expect(Array.from(grads.W)).toEqual(Array.from(grads2.W));
      expect(Array.from(grads.b)).toEqual(Array.from(grads2.b));
    }
    expect(countedOnce).toBe(true);
  });
});
