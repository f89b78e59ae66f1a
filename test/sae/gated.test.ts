import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { gatedSae } from '../../src/models/sae/gated.js';
import { reluSae } from '../../src/models/sae/relu.js';
import type { SaeHyper, SaeParams, SaeShape } from '../../src/models/sae/types.js';
import { DEFAULT_HYPER, freshState, gradientErrors, randomBatch, randomParams, zeroGrads } from './gradcheck.js';

const shapes: SaeShape[] = [
  { nInput: 2, dictSize: 5 },
  { nInput: 5, dictSize: 3 },
  { nInput: 1, dictSize: 4 },
];

interface Reference {
  piGate: number[][]; // [batch][latent]
  piMag: number[][];
  total: number;
}

/**
 * The gated loss written out from docs/sae.md, § Gated, independently of the implementation, with the auxiliary
 * term's decoder given separately (frozenWdec, frozenBdec), so that it can be held fixed while
 * W_dec and b_dec are perturbed. b_dec in the centred input h − b_dec is the live parameter.
 */
function referenceLoss(shape: SaeShape, p: SaeParams, h: Float64Array, batchSize: number, lambda: number, frozenWdec: ArrayLike<number>, frozenBdec: ArrayLike<number>): Reference {
  const { nInput: m, dictSize: d } = shape;
  const piGate: number[][] = [];
  const piMag: number[][] = [];
  let rec = 0;
  let l1 = 0;
  let aux = 0;
  for (let s = 0; s < batchSize; s++) {
    const x = Array.from({ length: m }, (_, j) => h[s * m + j] - p.b_dec[j]);
    const gate: number[] = [];
    const mag: number[] = [];
    for (let l = 0; l < d; l++) {
      let g = p.b_enc[l];
      let a = p.b_mag[l];
      for (let j = 0; j < m; j++) {
        g += p.W_enc[l * m + j] * x[j];
        a += Math.exp(p.r_mag[l]) * p.W_enc[l * m + j] * x[j];
      }
      gate.push(g);
      mag.push(a);
    }
    const z = gate.map((g, l) => (g > 0 ? Math.max(mag[l], 0) : 0));
    const fGate = gate.map((g) => Math.max(g, 0));
    for (let j = 0; j < m; j++) {
      let hHat = p.b_dec[j];
      let hHatGate = frozenBdec[j];
      for (let l = 0; l < d; l++) {
        hHat += p.W_dec[j * d + l] * z[l];
        hHatGate += frozenWdec[j * d + l] * fGate[l];
      }
      rec += (h[s * m + j] - hHat) ** 2;
      aux += (h[s * m + j] - hHatGate) ** 2;
    }
    l1 += fGate.reduce((a, b) => a + b, 0);
    piGate.push(gate);
    piMag.push(mag);
  }
  return { piGate, piMag, total: (rec + lambda * l1 + aux) / batchSize };
}

function analytic(shape: SaeShape, params: SaeParams, h: Float64Array, batchSize: number, hyper: SaeHyper) {
  const ws = gatedSae.createWorkspace(shape, batchSize);
  const grads = zeroGrads(params);
  const loss = gatedSae.lossAndGradients({ shape, params, h, batchSize, hyper, state: freshState(shape), ws, grads });
  return { ws, grads, loss };
}

describe('gated SAE (Rajamanoharan et al. 2024, "Gated SAEs")', () => {
  for (const shape of shapes) {
    for (const batchSize of [1, 6]) {
      const tag = `m=${shape.nInput}, d=${shape.dictSize}, B=${batchSize}`;
      const hyper = { ...DEFAULT_HYPER, l1: 0.3 };

      const setUp = () => {
        const rng = new Rng(31, shape.nInput, shape.dictSize, batchSize);
        const params = randomParams(gatedSae, shape, rng);
        const h = randomBatch(shape, batchSize, rng);
        // Open at least one gate, even in a batch of one: b_gate_0 is shifted so latent 0's largest
        // π_gate is 0.5, and b_mag_0 so its π_mag there is 0.4.
        const before = referenceLoss(shape, params, h, batchSize, hyper.l1, params.W_dec, params.b_dec);
        const s0 = before.piGate.reduce((best, row, s) => (row[0] > before.piGate[best][0] ? s : best), 0);
        params.b_enc[0] += 0.5 - before.piGate[s0][0];
        params.b_mag[0] += 0.4 - before.piMag[s0][0];
        const ref = referenceLoss(shape, params, h, batchSize, hyper.l1, params.W_dec, params.b_dec);
        // Every π_gate and π_mag further from 0 than any FD step moves it: the loss is smooth there.
        for (const v of [...ref.piGate.flat(), ...ref.piMag.flat()]) expect(Math.abs(v)).toBeGreaterThan(1e-4);
        const gate = ref.piGate.flat();
        expect(gate.some((g) => g > 0)).toBe(true);
        if (batchSize > 1) expect(gate.some((g) => g < 0)).toBe(true);
        return { params, h, ref };
      };

      it(`W_enc, b_enc, r_mag, b_mag gradients match finite differences of the total loss (${tag})`, () => {
        const { params, h, ref } = setUp();
        expect(analytic(shape, params, h, batchSize, hyper).loss.total).toBeCloseTo(ref.total, 12);
        const errors = gradientErrors(gatedSae, shape, params, h, batchSize, hyper, () => freshState(shape), 1e-6, ['W_dec', 'b_dec']);
        expect(Object.keys(errors).sort()).toEqual(['W_enc', 'b_enc', 'b_mag', 'r_mag']);
        for (const [name, error] of Object.entries(errors)) expect(error, name).toBeLessThan(1e-6);
      });

      it(`W_dec, b_dec gradients match finite differences with the auxiliary decoder frozen (${tag})`, () => {
        const { params, h } = setUp();
        const { grads } = analytic(shape, params, h, batchSize, hyper);
        const frozenWdec = Float64Array.from(params.W_dec);
        const frozenBdec = Float64Array.from(params.b_dec);
        const step = 1e-6;
        let differsFromUnfrozen = false;
        for (const name of ['W_dec', 'b_dec']) {
          const p = params[name];
          for (let e = 0; e < p.length; e++) {
            const saved = p[e];
            p[e] = saved + step;
            const up = referenceLoss(shape, params, h, batchSize, hyper.l1, frozenWdec, frozenBdec).total;
            const upLive = referenceLoss(shape, params, h, batchSize, hyper.l1, params.W_dec, params.b_dec).total;
            p[e] = saved - step;
            const down = referenceLoss(shape, params, h, batchSize, hyper.l1, frozenWdec, frozenBdec).total;
            const downLive = referenceLoss(shape, params, h, batchSize, hyper.l1, params.W_dec, params.b_dec).total;
            p[e] = saved;
            const numeric = (up - down) / (2 * step);
            const analyticGrad = grads[name][e];
            const error = Math.abs(analyticGrad - numeric) / Math.max(1e-8, Math.abs(analyticGrad) + Math.abs(numeric));
            expect(error, `${name}[${e}]`).toBeLessThan(1e-6);
            // The frozen copy matters: a live decoder in the auxiliary term has another gradient.
            if (Math.abs((upLive - downLive) / (2 * step) - numeric) > 1e-4) differsFromUnfrozen = true;
          }
        }
        expect(differsFromUnfrozen).toBe(true);
      });
    }
  }

  it('loss terms and gradients match a hand computation', () => {
    // m = 1, d = 2: W_gate = [[1], [1]], b_gate = [0, −2], r_mag = [ln 2, 0], b_mag = [−0.5, 0.5],
    // W_dec = [[0.5, 1]], b_dec = [0], λ = 0.1, h = 1 (so h − b_dec = 1 and W_gate(h − b_dec) = [1, 1]).
    //   π_gate = [1, −1],  π_mag = [2·1 − 0.5, 1·1 + 0.5] = [1.5, 1.5],  z = [1.5, 0] (gate 1 closed)
    //   ĥ = 0.75 → L_rec = 0.0625;  ReLU(π_gate) = [1, 0] → sparsity 0.1;
    //   ĥ_gate = 0.5 · 1 = 0.5 → L_aux = 0.25;  total 0.4125.
    // Backward: ∂L/∂ĥ = −0.5, ∂L/∂z = [−0.25, −0.5], ∂L/∂π_mag = [−0.25, 0] (gate 1 closed);
    //   ∂L_aux/∂ĥ_gate = −1, ∂L/∂π_gate_0 = λ + 0.5·(−1) = −0.4.
    //   b_gate: [−0.4, 0];  b_mag: [−0.25, 0];  r_mag_0: −0.25 · (π_mag_0 − b_mag_0) = −0.5;
    //   W_gate_0: (−0.4 + 2·(−0.25)) · 1 = −0.9;  W_dec: [−0.5 · 1.5, 0] = [−0.75, 0] (none from L_aux);
    //   b_dec: −0.5 (through ĥ) − W_gate_0 · (−0.9) = 0.4, of which +0.5 is the auxiliary term
    //   reaching b_dec through π_gate's input h − b_dec (not through the frozen b_dec').
    const shape = { nInput: 1, dictSize: 2 };
    const params = {
      W_enc: Float64Array.of(1, 1),
      b_enc: Float64Array.of(0, -2),
      r_mag: Float64Array.of(Math.log(2), 0),
      b_mag: Float64Array.of(-0.5, 0.5),
      W_dec: Float64Array.of(0.5, 1),
      b_dec: Float64Array.of(0),
    };
    const { ws, grads, loss } = analytic(shape, params, Float64Array.of(1), 1, { ...DEFAULT_HYPER, l1: 0.1 });
    expect(Array.from(ws.pre)).toEqual([1, -1]);
    const piMag = ws.extra.piMag as Float64Array;
    expect(piMag[0]).toBeCloseTo(1.5, 14);
    expect(piMag[1]).toBe(1.5);
    expect(ws.z[0]).toBeCloseTo(1.5, 14);
    expect(ws.z[1]).toBe(0);
    expect(loss.reconstruction).toBeCloseTo(0.0625, 14);
    expect(loss.sparsity).toBeCloseTo(0.1, 15);
    expect(loss.auxiliary).toBe(0.25);
    expect(loss.total).toBeCloseTo(0.4125, 14);
    const expected: Record<string, number[]> = {
      b_enc: [-0.4, 0],
      b_mag: [-0.25, 0],
      r_mag: [-0.5, 0],
      W_enc: [-0.9, 0],
      W_dec: [-0.75, 0],
      b_dec: [0.4],
    };
    for (const [name, values] of Object.entries(expected)) {
      values.forEach((v, e) => expect(grads[name][e], `${name}[${e}]`).toBeCloseTo(v, 14));
    }
  });

  it('at initialisation (r_mag = b_mag = 0) it computes what a ReLU SAE with the same weights does', () => {
    const shape = { nInput: 3, dictSize: 4 };
    const rng = new Rng(32);
    const params = randomParams(gatedSae, shape, rng);
    gatedSae.initExtra(shape, params, DEFAULT_HYPER);
    expect(Array.from(params.r_mag)).toEqual([0, 0, 0, 0]);
    expect(Array.from(params.b_mag)).toEqual([0, 0, 0, 0]);
    params.b_enc.fill(0); // the shared init
    const h = randomBatch(shape, 6, rng);
    const hyper = { ...DEFAULT_HYPER, l1: 0.2 };
    const { ws, loss } = analytic(shape, params, h, 6, hyper);
    const relu = reluSae.createWorkspace(shape, 6);
    const reluParams = { W_enc: params.W_enc, b_enc: params.b_enc, W_dec: params.W_dec, b_dec: params.b_dec };
    const reluLoss = reluSae.lossAndGradients({ shape, params: reluParams, h, batchSize: 6, hyper, state: freshState(shape), ws: relu, grads: zeroGrads(reluParams) });
    expect(Array.from(ws.z)).toEqual(Array.from(relu.z));
    expect(Array.from(ws.hHat)).toEqual(Array.from(relu.hHat));
    expect(loss.reconstruction).toBe(reluLoss.reconstruction);
    expect(loss.sparsity).toBeCloseTo(reluLoss.sparsity, 14);
    // The via-gate reconstruction is then the reconstruction itself.
    expect(loss.auxiliary).toBe(loss.reconstruction);
    // encode, with a workspace for a larger batch, gives the training forward pass.
    const big = gatedSae.createWorkspace(shape, 10);
    gatedSae.encode({ shape, params, h, batchSize: 6, hyper, state: freshState(shape), ws: big });
    expect(Array.from(big.z.subarray(0, 24))).toEqual(Array.from(ws.z));
    expect(Array.from(big.hHat.subarray(0, 18))).toEqual(Array.from(ws.hHat));
  });
});
