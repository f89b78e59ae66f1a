// The absolute-value model: loss against a plain reference, the hand-written gradient of all four
// tensors against central finite differences in float64, and the signed sparse sampler.
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import { absLossAndGradients, createAbsGrads, createAbsParams, createAbsWorkspace, type AbsModelParams, type AbsModelShape } from '../src/models/absModel.js';
import { sampleSignedBatch } from '../src/data/signedFeatures.js';

/** Per instance: (1/(B n)) Σ_r Σ_i I_i (|x_i| − ReLU(W₂ ReLU(W₁x + b₁) + b₂)_i)², and the smallest |pre-activation|. */
function reference(shape: AbsModelShape, p: AbsModelParams<Float64Array>, x: Float64Array, B: number, I: Float64Array): { loss: number[]; margin: number } {
  const { nInstances: K, nFeatures: n, nHidden: m } = shape;
  const loss: number[] = [];
  let margin = Infinity;
  for (let k = 0; k < K; k++) {
    let total = 0;
    for (let r = 0; r < B; r++) {
      const xr = Array.from({ length: n }, (_, i) => x[(k * B + r) * n + i]);
      const pre1 = Array.from({ length: m }, (_, j) => p.b1[k * m + j] + xr.reduce((s, v, i) => s + p.W1[(k * m + j) * n + i] * v, 0));
      const h = pre1.map((v) => Math.max(0, v));
      const pre2 = Array.from({ length: n }, (_, i) => p.b2[k * n + i] + h.reduce((s, v, j) => s + p.W2[(k * n + i) * m + j] * v, 0));
      for (const v of [...pre1, ...pre2]) margin = Math.min(margin, Math.abs(v));
      pre2.forEach((v, i) => (total += I[k * n + i] * (Math.abs(xr[i]) - Math.max(0, v)) ** 2));
    }
    loss.push(total / (B * n));
  }
  return { loss, margin };
}

/** A problem whose pre-activations all stay ≥ 0.02 from the ReLU kinks (redrawn until they do). */
function problem(seed: number) {
  const shape: AbsModelShape = { nInstances: 3, nFeatures: 5, nHidden: 4 };
  const B = 6;
  for (let attempt = 0; ; attempt++) {
    const rng = new Rng(seed, attempt);
    const params = createAbsParams(shape, Float64Array);
    for (const t of [params.W1, params.W2]) for (let e = 0; e < t.length; e++) t[e] = rng.normal();
    for (const t of [params.b1, params.b2]) for (let e = 0; e < t.length; e++) t[e] = 0.3 * rng.normal();
    const x = new Float64Array(shape.nInstances * B * shape.nFeatures);
    for (let e = 0; e < x.length; e++) x[e] = rng.uniform() < 0.6 ? 2 * rng.uniform() - 1 : 0;
    // Rows 0 and 3 of every instance all zero: the model's shared path for empty rows is checked too.
    for (let k = 0; k < shape.nInstances; k++) for (const r of [0, 3]) x.fill(0, (k * B + r) * shape.nFeatures, (k * B + r + 1) * shape.nFeatures);
    const I = Float64Array.from({ length: shape.nInstances * shape.nFeatures }, (_, e) => 0.8 ** (e % shape.nFeatures) + 0.1 * (e % 3));
    if (reference(shape, params, x, B, I).margin > 0.02) return { shape, params, x, B, I };
  }
}

describe('absolute-value model', () => {
  it('loss per instance equals the plain reference', () => {
    const { shape, params, x, B, I } = problem(1);
    const loss = new Float64Array(shape.nInstances);
    absLossAndGradients(shape, params, x, B, I, createAbsWorkspace(shape), loss);
    const ref = reference(shape, params, x, B, I).loss;
    ref.forEach((v, k) => expect(loss[k]).toBeCloseTo(v, 14));
  });

  it('hand-written gradients of W1, b1, W2, b2 match central finite differences (float64, 3 instances, no kink within 0.02)', () => {
    for (const seed of [2, 3]) {
      const { shape, params, x, B, I } = problem(seed);
      const ws = createAbsWorkspace(shape);
      const loss = new Float64Array(shape.nInstances);
      const grads = createAbsGrads(shape);
      absLossAndGradients(shape, params, x, B, I, ws, loss, grads);
      const total = () => {
        absLossAndGradients(shape, params, x, B, I, ws, loss);
        return loss.reduce((s, v) => s + v, 0);
      };
      const h = 1e-6;
      for (const name of ['W1', 'b1', 'W2', 'b2'] as const) {
        const t = params[name];
        let worst = 0;
        for (let e = 0; e < t.length; e++) {
          const keep = t[e];
          t[e] = keep + h;
          const up = total();
          t[e] = keep - h;
          const down = total();
          t[e] = keep;
          const numeric = (up - down) / (2 * h);
          worst = Math.max(worst, Math.abs(numeric - grads[name][e]) / Math.max(1e-6, Math.abs(numeric)));
        }
        expect(worst, name).toBeLessThan(1e-6);
        expect(grads[name].some((g) => g !== 0), `${name} has a gradient`).toBe(true);
      }
    }
  });
});

describe('signed sparse features', () => {
  const n = 10;
  const B = 4000;
  const probs = (ps: number[]) => Float64Array.from(ps.flatMap((p) => new Array(n).fill(p)));

  it('is deterministic per instance stream, active with probability p, values uniform on [−1, 1)', () => {
    const draw = () => {
      const x = new Float32Array(3 * B * n);
      sampleSignedBatch(probs([1, 0.3, 0.01]), n, [0, 1, 2].map((k) => Rng.stream(7, k, 1)), x, B);
      return x;
    };
    const x = draw();
    expect(draw()).toEqual(x);
    [1, 0.3, 0.01].forEach((p, k) => {
      const block = x.subarray(k * B * n, (k + 1) * B * n);
      const active = block.filter((v) => v !== 0);
      const sd = Math.sqrt((p * (1 - p)) / block.length);
      expect(Math.abs(active.length / block.length - p)).toBeLessThan(4 * sd + 1e-12);
      expect(active.every((v) => v >= -1 && v < 1)).toBe(true);
      const meanAbs = active.reduce((s, v) => s + Math.abs(v), 0) / active.length;
      const negative = active.filter((v) => v < 0).length / active.length;
      expect(Math.abs(meanAbs - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / active.length));
      expect(Math.abs(negative - 0.5)).toBeLessThan(4 * Math.sqrt(0.25 / active.length));
    });
  });

  it('an instance draws the same numbers whatever instances share its batch', () => {
    const alone = new Float32Array(B * n);
    sampleSignedBatch(probs([0.05]), n, [Rng.stream(3, 1, 1)], alone, B);
    const packed = new Float32Array(2 * B * n);
    sampleSignedBatch(probs([0.5, 0.05]), n, [Rng.stream(3, 0, 1), Rng.stream(3, 1, 1)], packed, B);
    expect(packed.subarray(B * n)).toEqual(alone);
  });

  it('per-feature probabilities: feature i active at its own rate', () => {
    const p = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 0.5 : 0.05));
    const x = new Float32Array(B * n);
    sampleSignedBatch(p, n, [Rng.stream(1, 0, 1)], x, B);
    for (let i = 0; i < n; i++) {
      let count = 0;
      for (let r = 0; r < B; r++) if (x[r * n + i] !== 0) count++;
      expect(Math.abs(count / B - p[i])).toBeLessThan(4 * Math.sqrt((p[i] * (1 - p[i])) / B));
    }
  });
});
