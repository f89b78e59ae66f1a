import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { topkSae } from '../../src/models/sae/topk.js';
import type { SaeHyper, SaeParams, SaeShape } from '../../src/models/sae/types.js';
import { DEFAULT_HYPER, freshState, gradientErrors, randomBatch, randomParams, zeroGrads } from './gradcheck.js';
import { largestPositive, referenceAux, referencePre, selectionMargin, stateWithDead, withFrozenResidual } from './topkReference.js';

// Independent reference pieces: plain loops and full sorts, no code shared with the implementation.








const MARGIN = 1e-3;

/**
 * Random parameters and batch whose TopK and AuxK selections have a margin: finite differences with
 * step 1e-6 move pre by ≪ MARGIN, so the selections stay fixed. Some sample must have a positive
 * entry that TopK drops, and with dead latents some sample must have an aux-selected dead latent
 * that TopK did not keep (so the AuxK path to pre is exercised).
 */
function stableCase(shape: SaeShape, batchSize: number, hyper: SaeHyper, dead: number[]): { params: SaeParams; h: Float64Array } {
  for (let attempt = 0; attempt < 2000; attempt++) {
    const rng = new Rng(23, shape.nInput, shape.dictSize, batchSize, dead.length, attempt);
    const params = randomParams(topkSae, shape, rng);
    const h = randomBatch(shape, batchSize, rng);
    const pre = referencePre(shape, params, h, batchSize);
    const kAux = Math.min(hyper.auxK, dead.length);
    let ok = true;
    let auxExercised = false;
    // TopK must drop some positive entry, or it would be indistinguishable from a ReLU.
    let cut = false;
    for (const row of pre) {
      if (row.filter((v) => v > 0).length > hyper.k) cut = true;
      if (selectionMargin(row, hyper.k) < MARGIN) ok = false;
      if (dead.length > 0 && selectionMargin(dead.map((l) => row[l]), kAux) < MARGIN) ok = false;
      const kept = largestPositive(row, [...row.keys()], hyper.k);
      if (largestPositive(row, dead, kAux).some((l) => !kept.includes(l))) auxExercised = true;
    }
    if (ok && cut && (dead.length === 0 || auxExercised)) return { params, h };
  }
  throw new Error('no stable case found');
}

describe('topk SAE (Gao et al. 2024)', () => {
  const cases: { shape: SaeShape; k: number; dead: number[] }[] = [
    { shape: { nInput: 2, dictSize: 5 }, k: 2, dead: [0, 2, 4] },
    { shape: { nInput: 5, dictSize: 3 }, k: 1, dead: [0, 2] },
    { shape: { nInput: 1, dictSize: 4 }, k: 3, dead: [0, 2] },
  ];
  for (const { shape, k, dead } of cases) {
    for (const batchSize of [1, 6]) {
      for (const withDead of [false, true]) {
        const deadLabel = withDead ? `dead latents ${dead.join(',')}` : 'no dead latents';
        const label = `m=${shape.nInput}, d=${shape.dictSize}, k=${k}, B=${batchSize}, ${deadLabel}`;
        it(`gradients match finite differences (${label})`, () => {
          const hyper = { ...DEFAULT_HYPER, k, auxK: 2, auxCoefficient: 0.25 };
          const deadSet = withDead ? dead : [];
          const { params, h } = stableCase(shape, batchSize, hyper, deadSet);
          const makeState = () => stateWithDead(shape, deadSet);
          const ws = topkSae.createWorkspace(shape, batchSize);
          const loss = topkSae.lossAndGradients({ shape, params, h, batchSize, hyper, state: makeState(), ws, grads: zeroGrads(params) });
          // The AuxK value against the reference, with e = h − ĥ at these parameters.
          const e = h.map((v, i) => v - ws.hHat[i]);
          const pre = referencePre(shape, params, h, batchSize);
          const expectedAux = hyper.auxCoefficient * referenceAux(shape, params, pre, e, deadSet, hyper.auxK);
          expect(loss.auxiliary).toBeCloseTo(expectedAux, 12);
          if (withDead) expect(loss.auxiliary).toBeGreaterThan(0);
          else expect(loss.auxiliary).toBe(0);
          const arch = withFrozenResidual(topkSae, shape, params, h, batchSize, hyper, makeState());
          const errors = gradientErrors(arch, shape, params, h, batchSize, hyper, makeState);
          for (const [name, error] of Object.entries(errors)) expect(error, name).toBeLessThan(1e-6);
        });
      }
    }
  }

  it('keeps the k largest positive pre-activations, ties to the lower index', () => {
    // m = 1, h = 1, b_dec = b_enc = 0: pre = W_enc = [0.5, 2, 0.5, −1, 2].
    const shape = { nInput: 1, dictSize: 5 };
    const params = {
      W_enc: Float64Array.of(0.5, 2, 0.5, -1, 2),
      b_enc: new Float64Array(5),
      W_dec: Float64Array.of(1, 1, 1, 1, 1),
      b_dec: new Float64Array(1),
    };
    const ws = topkSae.createWorkspace(shape, 1);
    const zFor = (k: number) => {
      topkSae.encode({ shape, params, h: Float64Array.of(1), batchSize: 1, hyper: { ...DEFAULT_HYPER, k }, state: freshState(shape), ws });
      return Array.from(ws.z);
    };
    expect(zFor(1)).toEqual([0, 2, 0, 0, 0]);
    expect(zFor(2)).toEqual([0, 2, 0, 0, 2]);
    expect(zFor(3)).toEqual([0.5, 2, 0, 0, 2]); // latent 0 beats latent 2 at 0.5
    // k beyond the number of positive entries keeps only those (ReLU before TopK).
    expect(zFor(5)).toEqual([0.5, 2, 0.5, 0, 2]);
    expect(zFor(9)).toEqual([0.5, 2, 0.5, 0, 2]);
    expect(Array.from(ws.hHat)).toEqual([5]);
  });

  it('loss terms and gradients match a hand computation (AuxK with e held constant)', () => {
    // m = 2, d = 3, B = 1, b_enc = b_dec = 0. Encoder rows [1, 0], [0, 1], [1, 1]; h = [2, 1]
    // → pre = [2, 1, 3]. k = 1 keeps latent 2. Decoder columns [1, 0], [0, 1], [0.6, 0.8]:
    // ĥ = 3·[0.6, 0.8] = [1.8, 2.4], e = h − ĥ = [0.2, −1.4], L_rec = 0.04 + 1.96 = 2.
    // Latents 0 and 1 dead, auxK = 1: z_aux keeps latent 0 (pre 2 > 1); W_dec z_aux = [2, 0];
    // r = W_dec z_aux − e = [1.8, 1.4], ‖r‖² = 5.2, α = 0.5 → auxiliary = 2.6.
    const shape = { nInput: 2, dictSize: 3 };
    const params = {
      W_enc: Float64Array.of(1, 0, 0, 1, 1, 1),
      b_enc: new Float64Array(3),
      W_dec: Float64Array.of(1, 0, 0.6, 0, 1, 0.8), // [input, latent]
      b_dec: new Float64Array(2),
    };
    const h = Float64Array.of(2, 1);
    const hyper = { ...DEFAULT_HYPER, k: 1, auxK: 1, auxCoefficient: 0.5 };
    const state = stateWithDead(shape, [0, 1]);
    const ws = topkSae.createWorkspace(shape, 1);
    const grads = zeroGrads(params);
    const loss = topkSae.lossAndGradients({ shape, params, h, batchSize: 1, hyper, state, ws, grads });
    expect(Array.from(ws.z)).toEqual([0, 0, 3]);
    expect(loss.reconstruction).toBeCloseTo(2, 14);
    expect(loss.sparsity).toBe(0);
    expect(loss.auxiliary).toBeCloseTo(2.6, 14);
    expect(loss.total).toBeCloseTo(4.6, 14);
    // Latent 2 (kept): ∂L_rec/∂pre_2 = 2(ĥ − h)·W_dec[:, 2] = 2·(−0.2·0.6 + 1.4·0.8) = 2. Had the
    // gradient flowed through e, AuxK would add 2α r·W_dec[:, 2] = 2.2 here.
    expect(grads.b_enc[2]).toBeCloseTo(2, 14);
    // Latent 0 (aux-selected): 2α r·W_dec[:, 0] = 1.8. Latent 1 (dead, not selected): 0.
    expect(grads.b_enc[0]).toBeCloseTo(1.8, 14);
    expect(grads.b_enc[1]).toBe(0);
    // W_dec: column 0 gets 2α r z_aux,0 = [3.6, 2.8]; column 2 gets 2(ĥ − h) z_2 = [−1.2, 8.4].
    expect(grads.W_dec[0]).toBeCloseTo(3.6, 14);
    expect(grads.W_dec[3]).toBeCloseTo(2.8, 14);
    expect(grads.W_dec[1]).toBe(0);
    expect(grads.W_dec[4]).toBe(0);
    expect(grads.W_dec[2]).toBeCloseTo(-1.2, 14);
    expect(grads.W_dec[5]).toBeCloseTo(8.4, 14);
    // b_dec: 2(ĥ − h) = [−0.4, 2.8] from ĥ, minus Σ_l ∂L/∂pre_l W_enc[l, :] = 2·[1, 1] + 1.8·[1, 0].
    expect(grads.b_dec[0]).toBeCloseTo(-4.2, 14);
    expect(grads.b_dec[1]).toBeCloseTo(0.8, 14);

    // auxK above the number of dead latents: k_aux = min(5, 2) = 2, z_aux = [2, 1, 0],
    // r = [2, 1] − e = [1.8, 2.4], ‖r‖² = 9 → auxiliary = 4.5.
    const allDead = topkSae.lossAndGradients({ shape, params, h, batchSize: 1, hyper: { ...hyper, auxK: 5 }, state, ws, grads });
    expect(allDead.auxiliary).toBeCloseTo(4.5, 14);
    // Dead means stepsSinceFired ≥ deadSteps: one step short, no latent is dead and L_aux = 0.
    const almost = stateWithDead(shape, []);
    almost.stepsSinceFired.fill(almost.deadSteps - 1);
    expect(topkSae.lossAndGradients({ shape, params, h, batchSize: 1, hyper, state: almost, ws, grads }).auxiliary).toBe(0);
  });

  it('L0 = min(k, #positive) per sample; z matches a full sort; encode matches training', () => {
    // Both regimes must occur: samples where TopK cuts (more than k positive) and samples with fewer.
    let cut = 0;
    let fewer = 0;
    for (const [m, d, k] of [
      [3, 20, 4],
      [5, 200, 7],
      [4, 6, 6],
    ]) {
      const shape = { nInput: m, dictSize: d };
      const batchSize = 40;
      const rng = new Rng(5, m, d, k);
      // float32 parameters, as in training
      const params = Object.fromEntries(Object.entries(randomParams(topkSae, shape, rng)).map(([n, p]) => [n, Float32Array.from(p)]));
      const h = randomBatch(shape, batchSize, rng);
      const hyper = { ...DEFAULT_HYPER, k };
      const ws = topkSae.createWorkspace(shape, batchSize);
      topkSae.lossAndGradients({ shape, params, h, batchSize, hyper, state: freshState(shape), ws, grads: zeroGrads(params) });
      const trainingZ = Array.from(ws.z.subarray(0, batchSize * d));
      const pre = referencePre(shape, params, h, batchSize);
      pre.forEach((row, s) => {
        const kept = largestPositive(row, [...row.keys()], k);
        const expected = row.map((v, l) => (kept.includes(l) ? v : 0));
        const z = Array.from(ws.z.subarray(s * d, (s + 1) * d));
        z.forEach((v, l) => expect(v).toBeCloseTo(expected[l], 12));
        const positive = row.filter((v) => v > 0).length;
        expect(z.filter((v) => v !== 0).length).toBe(Math.min(k, positive));
        if (positive > k) cut++;
        if (positive < k) fewer++;
      });
      topkSae.encode({ shape, params, h, batchSize, hyper, state: freshState(shape), ws });
      expect(Array.from(ws.z.subarray(0, batchSize * d))).toEqual(trainingZ);
    }
    expect(cut).toBeGreaterThan(0);
    expect(fewer).toBeGreaterThan(0);
  });

  it('overwrites the gradients instead of accumulating them', () => {
    const shape = { nInput: 3, dictSize: 6 };
    const rng = new Rng(9);
    const params = randomParams(topkSae, shape, rng);
    const h = randomBatch(shape, 8, rng);
    const hyper = { ...DEFAULT_HYPER, k: 2 };
    const state = stateWithDead(shape, [1, 4]);
    const ws = topkSae.createWorkspace(shape, 8);
    const grads = zeroGrads(params);
    topkSae.lossAndGradients({ shape, params, h, batchSize: 8, hyper, state, ws, grads });
    const first = Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, Array.from(g)]));
    topkSae.lossAndGradients({ shape, params, h, batchSize: 8, hyper, state, ws, grads });
    for (const [n, g] of Object.entries(grads)) expect(Array.from(g), n).toEqual(first[n]);
  });
});
