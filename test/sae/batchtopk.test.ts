import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { batchtopkSae } from '../../src/models/sae/batchtopk.js';
import type { SaeHyper, SaeParams, SaeShape } from '../../src/models/sae/types.js';
import { DEFAULT_HYPER, freshState, gradientErrors, randomBatch, randomParams, zeroGrads } from './gradcheck.js';
import { largestPositive, referenceAux, referencePre, selectionMargin, stateWithDead, withFrozenResidual } from './topkReference.js';

// Independent reference pieces: plain loops and full sorts, no code shared with the implementation.
// (topk.test.ts has its own copies of the first few: a test file cannot import another's helpers
// without also registering its tests.)




/** BatchTopK by a full sort of the flattened batch: z as a flat array. */
function referenceBatchTopK(pre: number[][], k: number): number[] {
  const flat = pre.flat();
  const kept = new Set(largestPositive(flat, [...flat.keys()], pre.length * k));
  return flat.map((v, e) => (kept.has(e) ? v : 0));
}





const MARGIN = 1e-3;

/**
 * Random parameters and batch whose BatchTopK (over the flattened batch) and AuxK selections have a
 * margin, so ±1e-6 finite differences do not change them. Some positive entry must be dropped, and
 * with dead latents some aux-selected dead latent must not be kept by BatchTopK in its sample.
 */
function stableCase(shape: SaeShape, batchSize: number, hyper: SaeHyper, dead: number[]): { params: SaeParams; h: Float64Array } {
  for (let attempt = 0; attempt < 2000; attempt++) {
    const rng = new Rng(31, shape.nInput, shape.dictSize, batchSize, dead.length, attempt);
    const params = randomParams(batchtopkSae, shape, rng);
    const h = randomBatch(shape, batchSize, rng);
    const pre = referencePre(shape, params, h, batchSize);
    const z = referenceBatchTopK(pre, hyper.k);
    const kAux = Math.min(hyper.auxK, dead.length);
    let ok = selectionMargin(pre.flat(), batchSize * hyper.k) >= MARGIN;
    let auxExercised = false;
    pre.forEach((row, s) => {
      if (dead.length > 0 && selectionMargin(dead.map((l) => row[l]), kAux) < MARGIN) ok = false;
      if (largestPositive(row, dead, kAux).some((l) => z[s * shape.dictSize + l] === 0)) auxExercised = true;
    });
    // BatchTopK must drop some positive entry, or it would be indistinguishable from a ReLU.
    const cut = pre.flat().filter((v) => v > 0).length > batchSize * hyper.k;
    if (ok && cut && (dead.length === 0 || auxExercised)) return { params, h };
  }
  throw new Error('no stable case found');
}

describe('batchtopk SAE (Bussmann, Leask & Nanda 2024)', () => {
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
          const ws = batchtopkSae.createWorkspace(shape, batchSize);
          const loss = batchtopkSae.lossAndGradients({ shape, params, h, batchSize, hyper, state: makeState(), ws, grads: zeroGrads(params) });
          const pre = referencePre(shape, params, h, batchSize);
          const z = referenceBatchTopK(pre, k);
          Array.from(ws.z.subarray(0, z.length)).forEach((v, e) => expect(v).toBeCloseTo(z[e], 12));
          const e = h.map((v, i) => v - ws.hHat[i]);
          expect(loss.auxiliary).toBeCloseTo(hyper.auxCoefficient * referenceAux(shape, params, pre, e, deadSet, hyper.auxK), 12);
          if (withDead) expect(loss.auxiliary).toBeGreaterThan(0);
          else expect(loss.auxiliary).toBe(0);
          // Each call gets a fresh state, so θ's update does not carry between finite differences
          // (the training loss does not read θ anyway).
          const arch = withFrozenResidual(batchtopkSae, shape, params, h, batchSize, hyper, makeState());
          const errors = gradientErrors(arch, shape, params, h, batchSize, hyper, makeState);
          for (const [name, error] of Object.entries(errors)) expect(error, name).toBeLessThan(1e-6);
        });
      }
    }
  }

  // m = 1, d = 3, b_enc = b_dec = 0, W_enc = [1, 0.5, −1] (a column), W_dec = [1, −1, 1] (a row):
  // pre[s] = h_s · [1, 0.5, −1].
  const shape = { nInput: 1, dictSize: 3 };
  const handParams = () => ({
    W_enc: Float64Array.of(1, 0.5, -1),
    b_enc: new Float64Array(3),
    W_dec: Float64Array.of(1, -1, 1),
    b_dec: new Float64Array(1),
  });

  it('keeps the B·k largest entries of the batch, with per-sample counts varying; loss terms by hand', () => {
    // h = [3, 1, −2]: pre = [[3, 1.5, −3], [1, 0.5, −1], [−2, −1, 2]]. B·k = 3 keeps 3, 2, 1.5:
    // sample 0 keeps two latents, sample 1 none, sample 2 one.
    // ĥ = [3 − 1.5, 0, 2] = [1.5, 0, 2]; e = h − ĥ = [1.5, 1, −4]; L_rec = (2.25 + 1 + 16)/3.
    // Latent 1 dead, auxK = 4 → k_aux = 1: z_aux,1 = [1.5, 0.5, 0] (sample 2's pre is −1);
    // W_dec z_aux = [−1.5, −0.5, 0]; e − W_dec z_aux = [3, 1.5, −4] → L_aux = 27.25/3; α = 0.25.
    const params = handParams();
    const h = Float64Array.of(3, 1, -2);
    const hyper = { ...DEFAULT_HYPER, k: 1, auxK: 4, auxCoefficient: 0.25, thresholdDecay: 0.9 };
    const state = stateWithDead(shape, [1]);
    const ws = batchtopkSae.createWorkspace(shape, 3);
    const grads = zeroGrads(params);
    const loss = batchtopkSae.lossAndGradients({ shape, params, h, batchSize: 3, hyper, state, ws, grads });
    expect(Array.from(ws.z)).toEqual([3, 1.5, 0, 0, 0, 0, 0, 0, 2]);
    expect(Array.from(ws.hHat)).toEqual([1.5, 0, 2]);
    expect(loss.reconstruction).toBeCloseTo(19.25 / 3, 14);
    expect(loss.sparsity).toBe(0);
    expect(loss.auxiliary).toBeCloseTo((0.25 * 27.25) / 3, 14);
    expect(loss.total).toBeCloseTo(19.25 / 3 + (0.25 * 27.25) / 3, 14);
    // ∂L/∂b_enc,1: L_rec through sample 0's kept latent 1, 2(ĥ − h)/B · W_dec = 2(−1.5)/3 · (−1) = 1;
    // AuxK through samples 0 and 1, 2α r/B · W_dec with r = W_dec z_aux − e = −3, −1.5: 0.5 + 0.25.
    expect(grads.b_enc[1]).toBeCloseTo(1.75, 14);
    // Latent 2 (alive) is kept in sample 2 only, where ĥ − h = 2 − (−2) = 4: 2·4/3 · W_dec = 8/3.
    expect(grads.b_enc[2]).toBeCloseTo(8 / 3, 14);
    // θ: the first batch sets it to the smallest kept activation, 1.5.
    expect(state.threshold).toBe(1.5);
  });

  it('breaks ties at the cut by flat index (earlier samples first)', () => {
    // h = [1, 1], W_enc = [1, 1, −1]: both samples' pre = [1, 1, −1]; B·k = 2 of four equal values.
    const params = { ...handParams(), W_enc: Float64Array.of(1, 1, -1) };
    const ws = batchtopkSae.createWorkspace(shape, 2);
    const state = freshState(shape);
    batchtopkSae.lossAndGradients({ shape, params, h: Float64Array.of(1, 1), batchSize: 2, hyper: { ...DEFAULT_HYPER, k: 1 }, state, ws, grads: zeroGrads(params) });
    expect(Array.from(ws.z)).toEqual([1, 1, 0, 0, 0, 0]);
    expect(state.threshold).toBe(1);
  });

  it("θ is the exponential moving average of each batch's smallest kept activation", () => {
    const params = handParams();
    const hyper = { ...DEFAULT_HYPER, k: 1, thresholdDecay: 0.9 };
    const state = freshState(shape);
    expect(state.threshold).toBeLessThan(0);
    const ws = batchtopkSae.createWorkspace(shape, 3);
    const grads = zeroGrads(params);
    // Batch 1 as above: t = 1.5, and θ < 0 before, so θ = 1.5.
    batchtopkSae.lossAndGradients({ shape, params, h: Float64Array.of(3, 1, -2), batchSize: 3, hyper, state, ws, grads });
    expect(state.threshold).toBe(1.5);
    // Batch 2, h = [1, 2, 0.5]: pre = [[1, 0.5, −1], [2, 1, −2], [0.5, 0.25, −0.5]]; keeps 2, 1 (flat
    // index 0), 1 (flat index 4), so t = 1 and θ = 0.9 · 1.5 + 0.1 · 1 = 1.45.
    batchtopkSae.lossAndGradients({ shape, params, h: Float64Array.of(1, 2, 0.5), batchSize: 3, hyper, state, ws, grads });
    expect(Array.from(ws.z)).toEqual([1, 0, 0, 2, 1, 0, 0, 0, 0]);
    expect(state.threshold).toBeCloseTo(1.45, 14);
    // A batch with nothing positive keeps nothing and leaves θ alone.
    const silent = { ...params, b_enc: Float64Array.of(-10, -10, -10) };
    batchtopkSae.lossAndGradients({ shape, params: silent, h: Float64Array.of(1, 2, 0.5), batchSize: 3, hyper, state, ws, grads });
    expect(Array.from(ws.z)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(state.threshold).toBeCloseTo(1.45, 14);
    // Fewer positive entries than B·k: all are kept, and t is the smallest of them.
    // b_enc = [−1.75, 0, 0], h = [1, 2, 0.5]: pre = [[−0.75, 0.5, −1], [0.25, 1, −2], [−1.25, 0.25, −0.5]],
    // four positive entries for B·k = 6 places.
    const fewer = { ...params, b_enc: Float64Array.of(-1.75, 0, 0) };
    batchtopkSae.lossAndGradients({ shape, params: fewer, h: Float64Array.of(1, 2, 0.5), batchSize: 3, hyper: { ...hyper, k: 2 }, state, ws, grads });
    expect(Array.from(ws.z)).toEqual([0, 0.5, 0, 0.25, 1, 0, 0, 0.25, 0]);
    expect(state.threshold).toBeCloseTo(0.9 * 1.45 + 0.1 * 0.25, 14);
  });

  it('inference uses z = pre · [pre > θ], or per-sample TopK before θ exists', () => {
    const params = handParams();
    const hyper = { ...DEFAULT_HYPER, k: 1 };
    const h = Float64Array.of(3, 1, -2);
    const ws = batchtopkSae.createWorkspace(shape, 3);
    // θ = 1.45: pre = [[3, 1.5, −3], [1, 0.5, −1], [−2, −1, 2]] → keep 3, 1.5 and 2.
    const trained = { ...freshState(shape), threshold: 1.45 };
    batchtopkSae.encode({ shape, params, h, batchSize: 3, hyper, state: trained, ws });
    expect(Array.from(ws.z)).toEqual([3, 1.5, 0, 0, 0, 0, 0, 0, 2]);
    expect(Array.from(ws.hHat)).toEqual([1.5, 0, 2]);
    // θ = 1.5 exactly: the comparison is strict, so 1.5 is dropped.
    batchtopkSae.encode({ shape, params, h, batchSize: 3, hyper, state: { ...trained, threshold: 1.5 }, ws });
    expect(Array.from(ws.z)).toEqual([3, 0, 0, 0, 0, 0, 0, 0, 2]);
    // θ < 0 (untrained): TopK with k = 1 per sample, so sample 1 keeps its 1.
    const untrained = freshState(shape);
    batchtopkSae.encode({ shape, params, h, batchSize: 3, hyper, state: untrained, ws });
    expect(Array.from(ws.z)).toEqual([3, 0, 0, 1, 0, 0, 0, 0, 2]);
    expect(untrained.threshold).toBe(-1); // encode never moves θ
  });

  it('keeps exactly B·k entries on random batches, matching a full sort', () => {
    let varied = false;
    for (const [m, d, k, batchSize] of [
      [3, 20, 2, 64],
      [5, 100, 5, 200],
      [2, 4, 1, 7],
    ]) {
      const sh = { nInput: m, dictSize: d };
      const rng = new Rng(17, m, d, k);
      // float32 parameters, as in training
      const params = Object.fromEntries(Object.entries(randomParams(batchtopkSae, sh, rng)).map(([n, p]) => [n, Float32Array.from(p)]));
      const h = randomBatch(sh, batchSize, rng);
      const ws = batchtopkSae.createWorkspace(sh, batchSize);
      const state = freshState(sh);
      batchtopkSae.lossAndGradients({ shape: sh, params, h, batchSize, hyper: { ...DEFAULT_HYPER, k }, state, ws, grads: zeroGrads(params) });
      const pre = referencePre(sh, params, h, batchSize);
      const expected = referenceBatchTopK(pre, k);
      expect(pre.flat().filter((v) => v > 0).length).toBeGreaterThan(batchSize * k);
      const z = Array.from(ws.z.subarray(0, batchSize * d));
      z.forEach((v, e) => expect(v).toBeCloseTo(expected[e], 12));
      expect(z.filter((v) => v !== 0).length).toBe(batchSize * k);
      const perSample = pre.map((_, s) => z.slice(s * d, (s + 1) * d).filter((v) => v !== 0).length);
      if (new Set(perSample).size > 1) varied = true;
      expect(state.threshold).toBe(Math.min(...z.filter((v) => v !== 0)));
    }
    expect(varied).toBe(true);
  });
});
