import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { INITIAL_THRESHOLD, jumpreluSae } from '../../src/models/sae/jumprelu.js';
import type { SaeHyper, SaeParams, SaeShape } from '../../src/models/sae/types.js';
import { DEFAULT_HYPER, freshState, gradientErrors, randomBatch, randomParams, zeroGrads } from './gradcheck.js';

const shapes: SaeShape[] = [
  { nInput: 2, dictSize: 5 },
  { nInput: 5, dictSize: 3 },
  { nInput: 1, dictSize: 4 },
];

/** Random params with θ = 0.2 · exp(0.5 N(0, 1)), on the scale of the pre-activations. */
function jumpreluParams(shape: SaeShape, rng: Rng): SaeParams {
  const params = randomParams(jumpreluSae, shape, rng);
  for (let l = 0; l < shape.dictSize; l++) params.log_threshold[l] = Math.log(0.2) + 0.5 * rng.normal();
  return params;
}

/** pre = W_enc (h − b_dec) + b_enc, written out independently of the implementation. [batch][latent] */
function referencePre(shape: SaeShape, p: SaeParams, h: Float64Array, batchSize: number): number[][] {
  const { nInput: m, dictSize: d } = shape;
  return Array.from({ length: batchSize }, (_, s) =>
    Array.from({ length: d }, (_, l) => {
      let a = p.b_enc[l];
      for (let j = 0; j < m; j++) a += p.W_enc[l * m + j] * (h[s * m + j] - p.b_dec[j]);
      return a;
    }),
  );
}

/**
 * The paper's pseudo-derivative of the loss w.r.t. t = log θ, from scratch:
 *   ∂L/∂t_l = θ_l Σ_s K((pre_sl − θ_l)/ε) [ ∂L/∂z_sl · (−θ_l/ε) + (λ/B) · (−1/ε) ],
 *   ∂L/∂z_sl = Σ_i (2/B)(ĥ_si − h_si) W_dec[i, l],   K(u) = [|u| < 1/2].
 */
function pseudoGradientLogThreshold(shape: SaeShape, p: SaeParams, h: Float64Array, batchSize: number, hyper: SaeHyper): number[] {
  const { nInput: m, dictSize: d } = shape;
  const pre = referencePre(shape, p, h, batchSize);
  const theta = Array.from({ length: d }, (_, l) => Math.exp(p.log_threshold[l]));
  const eps = hyper.bandwidth;
  const K = (u: number) => (Math.abs(u) < 0.5 ? 1 : 0);
  const grad = new Array<number>(d).fill(0);
  for (let s = 0; s < batchSize; s++) {
    const z = pre[s].map((v, l) => (v > theta[l] ? v : 0));
    const hHat = Array.from({ length: m }, (_, i) => p.b_dec[i] + z.reduce((a, zl, l) => a + p.W_dec[i * d + l] * zl, 0));
    for (let l = 0; l < d; l++) {
      let dLdz = 0;
      for (let i = 0; i < m; i++) dLdz += (2 / batchSize) * (hHat[i] - h[s * m + i]) * p.W_dec[i * d + l];
      const k = K((pre[s][l] - theta[l]) / eps);
      grad[l] += k * (dLdz * (-theta[l] / eps) + (hyper.l1 / batchSize) * (-1 / eps));
    }
  }
  return grad.map((g, l) => theta[l] * g);
}

function analyticGrads(shape: SaeShape, params: SaeParams, h: Float64Array, batchSize: number, hyper: SaeHyper) {
  const ws = jumpreluSae.createWorkspace(shape, batchSize);
  const grads = zeroGrads(params);
  const loss = jumpreluSae.lossAndGradients({ shape, params, h, batchSize, hyper, state: freshState(shape), ws, grads });
  return { ws, grads, loss };
}

const relativeError = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-8, Math.abs(a) + Math.abs(b));

describe('jumprelu SAE (Rajamanoharan et al. 2024, "Jumping Ahead")', () => {
  for (const shape of shapes) {
    for (const batchSize of [1, 6]) {
      const tag = `m=${shape.nInput}, d=${shape.dictSize}, B=${batchSize}`;

      it(`W_enc, b_enc, W_dec, b_dec gradients match finite differences (${tag})`, () => {
        const rng = new Rng(21, shape.nInput, shape.dictSize, batchSize);
        const params = jumpreluParams(shape, rng);
        const h = randomBatch(shape, batchSize, rng);
        const hyper = { ...DEFAULT_HYPER, l1: 0.3 };
        // Make sure latents fire and others do not, even in a batch of one: of the latents with a
        // positive pre-activation, alternately put θ_l at 0.5× (fires) and 1.5× (does not) of their
        // largest one (pre does not depend on θ).
        // Shift b_enc_0 so that latent 0's largest pre-activation is 0.5: at least one is positive.
        params.b_enc[0] += 0.5 - Math.max(...referencePre(shape, params, h, batchSize).map((row) => row[0]));
        const rows = referencePre(shape, params, h, batchSize);
        let positive = 0;
        for (let l = 0; l < shape.dictSize; l++) {
          const top = Math.max(...rows.map((row) => row[l]));
          if (top > 0.01) params.log_threshold[l] = Math.log((positive++ % 2 === 0 ? 0.5 : 1.5) * top);
        }
        // No pre-activation within the FD step of its threshold: L0 is then locally constant, as the
        // straight-through rule (H passes nothing to pre) assumes.
        const pre = rows.flat();
        const theta = (e: number) => Math.exp(params.log_threshold[e % shape.dictSize]);
        pre.forEach((v, e) => expect(Math.abs(v - theta(e))).toBeGreaterThan(1e-4));
        expect(pre.some((v, e) => v > theta(e))).toBe(true);
        expect(pre.some((v, e) => v < theta(e))).toBe(true);
        const errors = gradientErrors(jumpreluSae, shape, params, h, batchSize, hyper, () => freshState(shape), 1e-6, ['log_threshold']);
        expect(Object.keys(errors).sort()).toEqual(['W_dec', 'W_enc', 'b_dec', 'b_enc']);
        for (const [name, error] of Object.entries(errors)) expect(error, name).toBeLessThan(1e-6);
      });

      it(`log_threshold gradient matches the paper's pseudo-derivatives inside the kernel window (${tag})`, () => {
        const rng = new Rng(22, shape.nInput, shape.dictSize, batchSize);
        const params = jumpreluParams(shape, rng);
        const h = randomBatch(shape, batchSize, rng);
        const hyper = { ...DEFAULT_HYPER, l1: 0.3, bandwidth: 0.05 };
        const eps = hyper.bandwidth;
        // Put θ_l at ±0.3ε from latent l's largest pre-activation (pre does not depend on θ), so that
        // pre-activations on both sides of the threshold lie inside |pre − θ| < ε/2.
        const pre = referencePre(shape, params, h, batchSize);
        let inside = 0;
        for (let l = 0; l < shape.dictSize; l++) {
          const top = Math.max(...pre.map((row) => row[l]));
          if (top <= eps) continue;
          params.log_threshold[l] = Math.log(top + (l % 2 === 0 ? -0.3 : 0.3) * eps);
          inside++;
        }
        expect(inside).toBeGreaterThan(0);
        const expected = pseudoGradientLogThreshold(shape, params, h, batchSize, hyper);
        expect(expected.filter((g) => g !== 0).length).toBe(inside);
        const { grads } = analyticGrads(shape, params, h, batchSize, hyper);
        for (let l = 0; l < shape.dictSize; l++) expect(relativeError(grads.log_threshold[l], expected[l]), `latent ${l}`).toBeLessThan(1e-12);
      });

      it(`log_threshold gradient is zero when no pre-activation is inside the kernel window (${tag})`, () => {
        const rng = new Rng(23, shape.nInput, shape.dictSize, batchSize);
        const params = jumpreluParams(shape, rng);
        const h = randomBatch(shape, batchSize, rng);
        const hyper = { ...DEFAULT_HYPER, l1: 0.3, bandwidth: 1e-3 };
        const eps = hyper.bandwidth;
        // Near misses: θ_l at ±0.7ε from latent l's largest pre-activation, just outside the window
        // (a kernel twice as wide would catch them), and no other pre-activation inside it.
        const pre = referencePre(shape, params, h, batchSize);
        let nearMisses = 0;
        for (let l = 0; l < shape.dictSize; l++) {
          const top = Math.max(...pre.map((row) => row[l]));
          if (top <= eps) continue;
          params.log_threshold[l] = Math.log(top + (l % 2 === 0 ? -0.7 : 0.7) * eps);
          nearMisses++;
        }
        expect(nearMisses).toBeGreaterThan(0);
        for (const row of pre) row.forEach((v, l) => expect(Math.abs(v - Math.exp(params.log_threshold[l]))).toBeGreaterThan(0.6 * eps));
        expect(pseudoGradientLogThreshold(shape, params, h, batchSize, hyper).every((g) => g === 0)).toBe(true);
        const { grads, loss } = analyticGrads(shape, params, h, batchSize, hyper);
        expect(Array.from(grads.log_threshold)).toEqual(new Array(shape.dictSize).fill(0));
        expect(loss.total).toBeGreaterThan(0);
      });
    }
  }

  it('loss terms and gradients match a hand computation', () => {
    // m = 1, d = 2: W_enc = [[1], [1]], b_enc = [0, −0.5], W_dec = [[0.5, 1]], b_dec = [0], θ = [0.5, 0.75].
    // h = 1: pre = [1, 0.5]; latent 0 fires (1 > 0.5), latent 1 does not (0.5 < 0.75): z = [1, 0].
    // ĥ = 0.5 → L_rec = 0.25; L0 = 1 → sparsity = λ = 0.1; total 0.35.
    // ∂L/∂ĥ = 2(0.5 − 1) = −1; ∂L/∂z = W_decᵀ(−1) = [−0.5, −1]; ∂L/∂pre = [−0.5, 0].
    // ε = 2, so both |pre − θ| = 0.5 and 0.25 are < ε/2 = 1: both thresholds get pseudo-gradients
    //   ∂L/∂θ_0 = (−0.5)(−0.5/2) + 0.1(−1/2) = 0.075,   ∂L/∂t_0 = 0.5 · 0.075 = 0.0375,
    //   ∂L/∂θ_1 = (−1)(−0.75/2) + 0.1(−1/2) = 0.325,    ∂L/∂t_1 = 0.75 · 0.325 = 0.24375.
    const shape = { nInput: 1, dictSize: 2 };
    const params = {
      W_enc: Float64Array.of(1, 1),
      b_enc: Float64Array.of(0, -0.5),
      W_dec: Float64Array.of(0.5, 1),
      b_dec: Float64Array.of(0),
      log_threshold: Float64Array.of(Math.log(0.5), Math.log(0.75)),
    };
    const hyper = { ...DEFAULT_HYPER, l1: 0.1, bandwidth: 2 };
    const { ws, grads, loss } = analyticGrads(shape, params, Float64Array.of(1), 1, hyper);
    expect(Array.from(ws.pre)).toEqual([1, 0.5]);
    expect(Array.from(ws.z)).toEqual([1, 0]);
    expect(ws.hHat[0]).toBe(0.5);
    expect(loss.reconstruction).toBe(0.25);
    expect(loss.sparsity).toBeCloseTo(0.1, 15);
    expect(loss.auxiliary).toBe(0);
    expect(loss.total).toBeCloseTo(0.35, 15);
    expect(Array.from(grads.b_enc)).toEqual([-0.5, 0]);
    expect(Array.from(grads.W_enc)).toEqual([-0.5, 0]);
    expect(Array.from(grads.W_dec)).toEqual([-1, 0]);
    // ∂L/∂b_dec = ∂L/∂ĥ − W_encᵀ ∂L/∂pre = −1 + 0.5.
    expect(grads.b_dec[0]).toBeCloseTo(-0.5, 15);
    expect(grads.log_threshold[0]).toBeCloseTo(0.0375, 14);
    expect(grads.log_threshold[1]).toBeCloseTo(0.24375, 14);
  });

  it('initialises θ to INITIAL_THRESHOLD, and encode gives the training forward pass', () => {
    const shape = { nInput: 3, dictSize: 4 };
    const rng = new Rng(24);
    const params = jumpreluParams(shape, rng);
    jumpreluSae.initExtra(shape, params, DEFAULT_HYPER);
    for (const t of params.log_threshold) expect(Math.exp(t)).toBeCloseTo(INITIAL_THRESHOLD, 15);
    const h = randomBatch(shape, 6, rng);
    const { ws } = analyticGrads(shape, params, h, 6, DEFAULT_HYPER);
    const z = Array.from(ws.z);
    const hHat = Array.from(ws.hHat);
    // A workspace for a larger batch works for a smaller one.
    const big = jumpreluSae.createWorkspace(shape, 10);
    jumpreluSae.encode({ shape, params, h, batchSize: 6, hyper: DEFAULT_HYPER, state: freshState(shape), ws: big });
    expect(Array.from(big.z.subarray(0, 6 * 4))).toEqual(z);
    expect(Array.from(big.hHat.subarray(0, 6 * 3))).toEqual(hHat);
  });
});
