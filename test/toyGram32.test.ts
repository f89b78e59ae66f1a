// Route 'gram32' of the toy kernel (x' = ReLU(G x + b), G = WᵀW, float32 WebAssembly SIMD over
// the active inputs: wasm/toy/gram32.ts driven by src/kernels/toy/wasm/gram32.ts) against the float64
// reference on float32 parameters and inputs: relative error < 1e-5 (loss per instance, gradients
// norm-wise per instance) over the shapes of route h32's tests (n < m, m = 1, n = 1, n off multiples of 4), batch 1, relu
// and linear models, dense to empty batches, and batches long enough to need several float32 blocks.
// Also: the cost model takes 'gram32' on sparse float32 data (the seed's default run) and never for
// float64 callers; results repeat to the bit.

import { describe, expect, it } from 'vitest';
import { lossAndGradientsFast } from '../src/kernels/toy/lossAndGradients.js';
import { timeGram32, timeH32 } from '../src/kernels/toy/route.js';
import { gramBlockRows, setGramRegisters } from '../src/kernels/toy/wasm/gram32.js';
import { denseKernelAvailable } from '../src/kernels/toy/wasm/module.js';
import { createGrads, createWorkspace, lossAndGradients } from '../src/models/toyModel.js';
import { expectAgreement32, makeProblem32, runFast, SHAPES32, SPARSITIES32 } from './helpers/toyProblem32.js';


describe('route gram32 (WebAssembly SIMD, float32)', () => {
  it('loads in Node', () => {
    expect(denseKernelAvailable()).toBe(true);
  });

  let seed = 700;
  for (const activation of ['relu', 'linear'] as const) {
    for (const [n, m] of SHAPES32) {
      for (const batch of [1, 7, 64]) {
        const thisSeed = seed++;
        it(`${activation}, n=${n}, m=${m}, batch ${batch}: agrees with the reference`, () => {
          const pr = makeProblem32(n, m, batch, SPARSITIES32, activation, thisSeed);
          const reports = expectAgreement32(pr, { route: 'gram32' });
          expect(reports.every((r) => r.route === 'gram32')).toBe(true);
        });
      }
    }
  }

  it('agrees over many float32 blocks (batch 3000, n = 3: ∂b every 256 samples, M every 256 to 1024)', () => {
    const pr = makeProblem32(3, 2, 3000, [0, 0.7, 0.97], 'relu', 801);
    expect(gramBlockRows(3, 3000, 9000)).toBe(256);
    expect(gramBlockRows(3, 3000, 2000)).toBe(1024);
    expectAgreement32(pr, { route: 'gram32' });
  });

  it('agrees for wide models (n = 150: four-vector products and their tails, the general sweep)', () => {
    const pr = makeProblem32(150, 10, 200, [0.99, 0.9], 'relu', 805);
    expectAgreement32(pr, { route: 'gram32' });
  });

  it('a NaN weight gives a NaN loss (the divergence guard relies on it)', () => {
    const pr = makeProblem32(20, 5, 64, [0.9], 'relu', 806);
    pr.params.W[7] = NaN;
    const got = runFast(pr, { route: 'gram32' });
    expect(Number.isNaN(got.loss[0])).toBe(true);
  });

  it('blocks of M: 256 to 1024 samples, at most 256 terms per entry of M on average', () => {
    expect(gramBlockRows(20, 1000, 20000)).toBe(256); // dense: every input in every sample
    expect(gramBlockRows(20, 1000, 2000)).toBe(1024); // 2 of 20 inputs per sample
    expect(gramBlockRows(20, 1024, 6963)).toBe(512); // 6.8 of 20: 512 · 6.8/20 ≈ 174 terms
    expect(gramBlockRows(100, 1024, 40000)).toBe(512);
    for (const [n, rows, actives] of [[20, 1024, 6963], [100, 1024, 40000], [100, 1024, 5000], [3, 3000, 9000]]) {
      const R = gramBlockRows(n, rows, actives);
      expect(R % 256).toBe(0);
      expect((R * actives) / rows / n).toBeLessThanOrEqual(256);
    }
  });

  it('without gradients: the same loss, to the bit', () => {
    const pr = makeProblem32(20, 5, 300, [0.9, 0.5], 'relu', 802);
    const withGrads = runFast(pr, { route: 'gram32' });
    const ws = createWorkspace(pr.shape);
    const loss = new Float64Array(2);
    lossAndGradientsFast(pr.shape, pr.params, pr.x, pr.batch, pr.importance, ws.kernel, loss, undefined, { route: 'gram32' });
    expect(Array.from(loss)).toEqual(Array.from(withGrads.loss));
  });

  it('the cost model takes gram32 on sparse float32 data and h32 on dense data; float64 callers get neither', () => {
    expect(timeGram32(20, 5, 900, 2000)).toBeLessThan(timeH32(20, 5, 900, 2000, true));
    expect(timeGram32(20, 5, 1024, 20480)).toBeGreaterThan(timeH32(20, 5, 1024, 20480, false));
    const pr = makeProblem32(20, 5, 1024, [0.9, 0], 'relu', 803);
    const fast = runFast(pr, {});
    expect(fast.reports.map((r) => r.route)).toEqual(['gram32', 'h32']);
    const shape = pr.shape;
    const ws = createWorkspace(shape);
    const loss = new Float64Array(2);
    const W64 = Float64Array.from(pr.params.W);
    const b64 = Float64Array.from(pr.params.b);
    lossAndGradients(shape, { W: W64, b: b64 }, Float64Array.from(pr.x), pr.batch, pr.importance, ws, loss, createGrads(shape));
    for (const report of ws.kernel.reports) expect(['h', 'gram', 'hybrid']).toContain(report.route);
  });

  it('repeats to the bit', () => {
    const pr = makeProblem32(37, 11, 500, [0.95, 0.6], 'relu', 804);
    const a = runFast(pr, { route: 'gram32' });
    const b = runFast(pr, { route: 'gram32' });
    expect(Array.from(a.loss)).toEqual(Array.from(b.loss));
    expect(Array.from(a.grads.W)).toEqual(Array.from(b.grads.W));
    expect(Array.from(a.grads.b)).toEqual(Array.from(b.grads.b));
  });
});

describe('route gram32: the register kernel, in chunks of up to 36 outputs', () => {
  for (const [n, m] of [[1, 1], [4, 2], [5, 2], [20, 5], [29, 7], [32, 6], [33, 4], [61, 9], [100, 20], [150, 3]] as Array<[number, number]>) {
    it(`n=${n}, m=${m}: the same bits as the general kernel`, () => {
      const pr = makeProblem32(n, m, 300, [0, 0.6, 0.95], 'relu', 900 + n);
      setGramRegisters(false);
      let general;
      try {
        general = runFast(pr, { route: 'gram32' });
      } finally {
        setGramRegisters(true);
      }
      const narrow = runFast(pr, { route: 'gram32' });
      expect(Array.from(narrow.loss)).toEqual(Array.from(general.loss));
      expect(Array.from(narrow.grads.W)).toEqual(Array.from(general.grads.W));
      expect(Array.from(narrow.grads.b)).toEqual(Array.from(general.grads.b));
    });
  }
});
