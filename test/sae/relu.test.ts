import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { countPositive } from '../../src/kernels/sae/activeLatents.js';
import { reluSae } from '../../src/models/sae/relu.js';
import type { SaeShape } from '../../src/models/sae/types.js';
import { DEFAULT_HYPER, freshState, gradientErrors, randomBatch, randomParams } from './gradcheck.js';

describe('relu SAE (Bricken et al. 2023)', () => {
  const shapes: SaeShape[] = [
    { nInput: 2, dictSize: 5 },
    { nInput: 5, dictSize: 3 },
    { nInput: 1, dictSize: 4 },
  ];
  for (const shape of shapes) {
    for (const batchSize of [1, 6]) {
      it(`gradients match finite differences (m=${shape.nInput}, d=${shape.dictSize}, B=${batchSize})`, () => {
        const rng = new Rng(11, shape.nInput, shape.dictSize, batchSize);
        const params = randomParams(reluSae, shape, rng);
        const h = randomBatch(shape, batchSize, rng);
        // Keep every pre-activation away from the ReLU's kink.
        const ws = reluSae.createWorkspace(shape, batchSize);
        reluSae.encode({ shape, params, h, batchSize, hyper: DEFAULT_HYPER, state: freshState(shape), ws });
        for (let e = 0; e < batchSize * shape.dictSize; e++) expect(Math.abs(ws.pre[e])).toBeGreaterThan(1e-4);
        const errors = gradientErrors(reluSae, shape, params, h, batchSize, DEFAULT_HYPER, () => freshState(shape));
        for (const [name, error] of Object.entries(errors)) expect(error, name).toBeLessThan(1e-6);
      });
    }
  }

  it('countFiring (from the active lists) equals a scan of z > 0, after training and inference passes', () => {
    const shape = { nInput: 5, dictSize: 40 };
    for (const batchSize of [1, 13, 256]) {
      const rng = new Rng(5, batchSize);
      const params = randomParams(reluSae, shape, rng);
      const ws = reluSae.createWorkspace(shape, 256);
      const grads = { W_enc: new Float64Array(200), b_enc: new Float64Array(40), W_dec: new Float64Array(200), b_dec: new Float64Array(5) };
      for (const pass of ['train', 'encode'] as const) {
        const h = randomBatch(shape, batchSize, rng);
        const step = { shape, params, h, batchSize, hyper: DEFAULT_HYPER, state: freshState(shape), ws, grads };
        if (pass === 'train') reluSae.lossAndGradients(step);
        else reluSae.encode(step);
        const listed = new Float64Array(40).fill(1);
        const scanned = new Float64Array(40).fill(1);
        reluSae.countFiring!(step, listed);
        countPositive(shape, ws.z, batchSize, scanned);
        expect(Array.from(listed)).toEqual(Array.from(scanned));
        expect(scanned.some((c) => c > 1)).toBe(true);
      }
    }
  });

  it('loss terms match a hand computation', () => {
    // m = 1, d = 2: W_enc = [[1], [-1]], b_enc = [0, 0.5], W_dec = [[1, -1]], b_dec = [0.25].
    // h = 1: h − b_dec = 0.75; pre = [0.75, -0.25]; z = [0.75, 0]; ĥ = 0.75 + 0.25 = 1 → L_rec = 0.
    // L1 = λ · 0.75.
    const shape = { nInput: 1, dictSize: 2 };
    const params = {
      W_enc: Float64Array.of(1, -1),
      b_enc: Float64Array.of(0, 0.5),
      W_dec: Float64Array.of(1, -1),
      b_dec: Float64Array.of(0.25),
    };
    const ws = reluSae.createWorkspace(shape, 1);
    const grads = { W_enc: new Float64Array(2), b_enc: new Float64Array(2), W_dec: new Float64Array(2), b_dec: new Float64Array(1) };
    const loss = reluSae.lossAndGradients({ shape, params, h: Float64Array.of(1), batchSize: 1, hyper: { ...DEFAULT_HYPER, l1: 0.1 }, state: freshState(shape), ws, grads });
    expect(Array.from(ws.z)).toEqual([0.75, 0]);
    expect(loss.reconstruction).toBe(0);
    expect(loss.sparsity).toBeCloseTo(0.075, 15);
    // Only the L1 term has a gradient: ∂/∂b_enc_0 = λ, ∂/∂W_enc_0 = λ·0.75, ∂/∂b_dec = −λ·W_enc_0.
    expect(grads.b_enc[0]).toBeCloseTo(0.1, 15);
    expect(grads.b_enc[1]).toBe(0);
    expect(grads.W_enc[0]).toBeCloseTo(0.075, 15);
    expect(grads.b_dec[0]).toBeCloseTo(-0.1, 15);
    // Inference stores the pre-activations too.
    reluSae.encode({ shape, params, h: Float64Array.of(1), batchSize: 1, hyper: DEFAULT_HYPER, state: freshState(shape), ws });
    expect(Array.from(ws.pre)).toEqual([0.75, -0.25]);
    expect(Array.from(ws.z)).toEqual([0.75, 0]);
  });
});
