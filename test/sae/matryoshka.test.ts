// The Matryoshka BatchTopK SAE: its prefix loss against a plain reference, its hand-written
// gradient against central finite differences of that reference in float64, by-hand values, and
// its reduction to batchtopk with a single prefix.

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { batchtopkSae } from '../../src/models/sae/batchtopk.js';
import { matryoshkaSae } from '../../src/models/sae/matryoshka.js';
import type { SaeHyper, SaeParams, SaeShape } from '../../src/models/sae/types.js';
import { DEFAULT_HYPER, freshState, randomBatch, randomParams, zeroGrads } from './gradcheck.js';
import { deadLatents, largestPositive, referenceAux, referencePre, selectionMargin, stateWithDead } from './topkReference.js';

/** BatchTopK by a full sort of the flattened batch, [batch][latent]. */
function referenceZ(pre: number[][], k: number): number[][] {
  const flat = pre.flat();
  const kept = new Set(largestPositive(flat, [...flat.keys()], pre.length * k));
  return pre.map((row, s) => row.map((v, l) => (kept.has(s * row.length + l) ? v : 0)));
}

/** ĥ of sample s using latents [0, g) only. */
function prefixReconstruction(shape: SaeShape, params: SaeParams, z: number[], g: number): number[] {
  const { nInput: m, dictSize: d } = shape;
  return Array.from({ length: m }, (_, j) => {
    let a = params.b_dec[j];
    for (let l = 0; l < g; l++) a += params.W_dec[j * d + l] * z[l];
    return a;
  });
}

/** (1/K) Σ_k mean_batch ‖h − ĥ_k‖², with the kept set fixed to `keptZ`'s support (as the derivative sees it). */
function referencePrefixLoss(shape: SaeShape, params: SaeParams, h: ArrayLike<number>, batchSize: number, prefixes: number[], support: boolean[][]): number {
  const m = shape.nInput;
  const pre = referencePre(shape, params, h, batchSize);
  let total = 0;
  pre.forEach((row, s) => {
    const z = row.map((v, l) => (support[s][l] ? v : 0));
    for (const g of prefixes) {
      const rec = prefixReconstruction(shape, params, z, g);
      for (let j = 0; j < m; j++) total += (h[s * m + j] - rec[j]) ** 2;
    }
  });
  return total / (prefixes.length * batchSize);
}

const MARGIN = 1e-3;

function stableCase(shape: SaeShape, batchSize: number, k: number, dead: number[], auxK: number): { params: SaeParams; h: Float64Array } {
  for (let attempt = 0; attempt < 2000; attempt++) {
    const rng = new Rng(47, shape.nInput, shape.dictSize, batchSize, dead.length, attempt);
    const params = randomParams(matryoshkaSae, shape, rng);
    const h = randomBatch(shape, batchSize, rng);
    const pre = referencePre(shape, params, h, batchSize);
    let ok = selectionMargin(pre.flat(), batchSize * k) >= MARGIN;
    const kAux = Math.min(auxK, dead.length);
    for (const row of pre) if (dead.length > 0 && selectionMargin(dead.map((l) => row[l]), kAux) < MARGIN) ok = false;
    const cut = pre.flat().filter((v) => v > 0).length > batchSize * k;
    if (ok && cut) return { params, h };
  }
  throw new Error('no stable case found');
}

describe('matryoshka SAE (Bussmann et al. 2025)', () => {
  const cases: { shape: SaeShape; k: number; prefixes: number[]; dead: number[] }[] = [
    { shape: { nInput: 3, dictSize: 6 }, k: 2, prefixes: [1, 3, 6], dead: [] },
    { shape: { nInput: 2, dictSize: 5 }, k: 2, prefixes: [2, 5], dead: [1, 4] },
    { shape: { nInput: 4, dictSize: 8 }, k: 3, prefixes: [1, 2, 4, 8], dead: [0, 5, 7] },
  ];
  for (const { shape, k, prefixes, dead } of cases) {
    for (const batchSize of [1, 5]) {
      it(`loss and gradients match a reference and its finite differences (m=${shape.nInput}, d=${shape.dictSize}, prefixes ${prefixes.join(',')}, B=${batchSize}, dead ${dead.join(',') || 'none'})`, () => {
        const hyper: SaeHyper = { ...DEFAULT_HYPER, k, auxK: 2, auxCoefficient: 0.25, prefixes: Int32Array.from(prefixes) };
        const { params, h } = stableCase(shape, batchSize, k, dead, hyper.auxK);
        const state = () => stateWithDead(shape, dead);
        const ws = matryoshkaSae.createWorkspace(shape, batchSize);
        const grads = zeroGrads(params);
        const loss = matryoshkaSae.lossAndGradients({ shape, params, h, batchSize, hyper, state: state(), ws, grads });
        const pre = referencePre(shape, params, h, batchSize);
        const z = referenceZ(pre, k);
        const support = z.map((row) => row.map((v) => v !== 0));
        expect(loss.reconstruction).toBeCloseTo(referencePrefixLoss(shape, params, h, batchSize, prefixes, support), 12);
        // AuxK's target e = h − ĥ (full dictionary) is a constant: freeze it at these parameters.
        const e = Array.from(h, (v, i) => v - prefixReconstruction(shape, params, z[Math.floor(i / shape.nInput)], shape.dictSize)[i % shape.nInput]);
        const deadList = deadLatents(state());
        const auxAt = (p: SaeParams) => hyper.auxCoefficient * referenceAux(shape, p, referencePre(shape, p, h, batchSize), e, deadList, hyper.auxK);
        expect(loss.auxiliary).toBeCloseTo(auxAt(params), 12);
        if (dead.length > 0) expect(loss.auxiliary).toBeGreaterThan(0);
        const total = (p: SaeParams) => referencePrefixLoss(shape, p, h, batchSize, prefixes, support) + auxAt(p);
        const step = 1e-6;
        for (const [name, p] of Object.entries(params)) {
          for (let i = 0; i < p.length; i++) {
            const saved = p[i];
            p[i] = saved + step;
            const up = total(params);
            p[i] = saved - step;
            const down = total(params);
            p[i] = saved;
            const numeric = (up - down) / (2 * step);
            const analytic = grads[name][i];
            expect(Math.abs(analytic - numeric) / Math.max(1e-8, Math.abs(analytic) + Math.abs(numeric)), `${name}[${i}]`).toBeLessThan(1e-6);
          }
        }
      });
    }
  }

  it('with the whole dictionary as its only prefix it is batchtopk: the same z, loss and gradients', () => {
    const shape = { nInput: 3, dictSize: 7 };
    const rng = new Rng(5);
    const params = randomParams(matryoshkaSae, shape, rng);
    const h = randomBatch(shape, 9, rng);
    const hyper: SaeHyper = { ...DEFAULT_HYPER, k: 2, auxK: 3, auxCoefficient: 0.5 };
    const run = (arch: typeof matryoshkaSae, hy: SaeHyper) => {
      const ws = arch.createWorkspace(shape, 9);
      const grads = zeroGrads(params);
      const state = stateWithDead(shape, [2, 6]);
      const loss = arch.lossAndGradients({ shape, params, h, batchSize: 9, hyper: hy, state, ws, grads });
      return { loss, grads, z: Array.from(ws.z), threshold: state.threshold };
    };
    const m = run(matryoshkaSae, { ...hyper, prefixes: Int32Array.of(7) });
    const b = run(batchtopkSae, hyper);
    expect(m.z).toEqual(b.z);
    expect(m.threshold).toBe(b.threshold);
    expect(m.loss.total).toBeCloseTo(b.loss.total, 12);
    for (const name of Object.keys(b.grads)) b.grads[name].forEach((g, i) => expect(m.grads[name][i], `${name}[${i}]`).toBeCloseTo(g, 12));
  });

  it('prefix losses by hand (m = 1, d = 3, prefixes 1, 3)', () => {
    // W_enc = [1, 0.5, 0.25], b = 0, W_dec = [1, 2, −1]; h = [2]: pre = [2, 1, 0.5], k = 2 keeps 2 and 1.
    // ĥ₁ = 1·2 = 2 (error 0); ĥ₂ = 2 + 2·1 = 4 (error 2). L = (0 + 4)/2 = 2.
    // G₂ = 2·2/(2·1) = 2, G₁ = G₂ + 0 = 2: ∂L/∂z₀ = 1·2 = 2, ∂L/∂z₁ = 2·2 = 4; ∂L/∂b_dec (decoder) = 2
    // and the encoder path −Σ W_enc,l ∂L/∂pre_l = −(1·2 + 0.5·4) = −4, so ∂L/∂b_dec = −2.
    const shape = { nInput: 1, dictSize: 3 };
    const params = { W_enc: Float64Array.of(1, 0.5, 0.25), b_enc: new Float64Array(3), W_dec: Float64Array.of(1, 2, -1), b_dec: new Float64Array(1) };
    const hyper: SaeHyper = { ...DEFAULT_HYPER, k: 2, auxCoefficient: 0, prefixes: Int32Array.of(1, 3) };
    const ws = matryoshkaSae.createWorkspace(shape, 1);
    const grads = zeroGrads(params);
    const loss = matryoshkaSae.lossAndGradients({ shape, params, h: Float64Array.of(2), batchSize: 1, hyper, state: freshState(shape), ws, grads });
    expect(Array.from(ws.z.subarray(0, 3))).toEqual([2, 1, 0]);
    expect(loss.reconstruction).toBeCloseTo(2, 14);
    expect(Array.from(grads.b_enc)).toEqual([2, 4, 0]);
    expect(Array.from(grads.W_dec)).toEqual([2 * 2, 2 * 1, 0]);
    expect(grads.b_dec[0]).toBeCloseTo(-2, 14);
  });

  it('refuses to run without prefixes ending at the dictionary size', () => {
    const shape = { nInput: 1, dictSize: 3 };
    const params = randomParams(matryoshkaSae, shape, new Rng(1));
    const ws = matryoshkaSae.createWorkspace(shape, 1);
    const step = { shape, params, h: Float64Array.of(1), batchSize: 1, state: freshState(shape), ws, grads: zeroGrads(params) };
    expect(() => matryoshkaSae.lossAndGradients({ ...step, hyper: DEFAULT_HYPER })).toThrow(/prefixes/);
    expect(() => matryoshkaSae.lossAndGradients({ ...step, hyper: { ...DEFAULT_HYPER, prefixes: Int32Array.of(1, 2) } })).toThrow(/prefixes/);
  });
});
