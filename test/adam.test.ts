import { describe, expect, it } from 'vitest';
import { adamStep, createAdamState, DEFAULT_ADAM, type AdamOptions } from '../src/core/adam.js';
import { Rng } from '../src/core/rng.js';

const base: AdamOptions = { optimizer: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };

/** Two steps on a single parameter θ0 = 1 with gradients 0.5 then −0.25, lr 0.1. */
function twoSteps(options: AdamOptions): number[] {
  const param = new Float64Array([1]);
  const state = createAdamState(1);
  const out: number[] = [];
  adamStep(param, new Float64Array([0.5]), state, 0.1, options);
  out.push(param[0]);
  adamStep(param, new Float64Array([-0.25]), state, 0.1, options);
  out.push(param[0]);
  expect(state.t).toBe(2);
  return out;
}

describe('Adam, hand-computed', () => {
  it('defaults are the paper’s: β (0.9, 0.999), ε 1e-8, plain Adam, no decay', () => {
    expect(DEFAULT_ADAM).toEqual(base);
  });

  it('plain Adam, two steps', () => {
    // Step 1 (t = 1), g = 0.5:
    //   m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 0.00025; bias corrections 1−0.9 = 0.1, 1−0.999 = 0.001
    //   m̂ = 0.5, √v̂ = √0.25 = 0.5  →  Δ = 0.1·0.5/(0.5 + 1e-8) = 0.1/(1 + 2e-8) = 0.099999998000000040
    //   θ1 = 0.900000001999999960   (the first step is lr·sign(g) up to ε)
    // Step 2 (t = 2), g = −0.25:
    //   m = 0.9·0.05 + 0.1·(−0.25) = 0.02,  v = 0.999·0.00025 + 0.001·0.0625 = 0.00031225
    //   corrections 1 − 0.81 = 0.19, 1 − 0.998001 = 0.001999
    //   m̂ = 0.02/0.19 = 0.10526315789473684,  v̂ = 0.00031225/0.001999 = 0.15620310155077539
    //   √v̂ = 0.39522538070166418,  Δ = 0.1·m̂/(√v̂ + 1e-8) = 0.026633703292153797
    //   θ2 = 0.900000002 − 0.0266337032921538 = 0.87336629870784616
    const [t1, t2] = twoSteps(base);
    expect(Math.abs(t1 - 0.90000000199999996)).toBeLessThan(1e-15);
    expect(Math.abs(t2 - 0.87336629870784616)).toBeLessThan(1e-15);
  });

  it('Adam with L2 weight decay (PyTorch: g ← g + λθ), λ = 0.1', () => {
    // Step 1: g = 0.5 + 0.1·1 = 0.6; m = 0.06, v = 0.00036; m̂ = 0.6, √v̂ = 0.6
    //   Δ = 0.1·0.6/(0.6 + 1e-8) = 0.1/(1 + 1.6667e-8)  →  θ1 = 0.90000000166666664
    // Step 2: g = −0.25 + 0.1·θ1 = −0.15999999983333333
    //   m = 0.9·0.06 + 0.1·g = 0.038000000016666666,  v = 0.999·0.00036 + 0.001·g² = 0.00038523999994666667
    //   m̂ = m/0.19 = 0.20000000008771930,  v̂ = v/0.001999 = 0.19271635815240954,  √v̂ = 0.43899471312580695
    //   Δ = 0.1·m̂/(√v̂ + 1e-8) = 0.045558634204904411
    //   θ2 = θ1 − Δ = 0.85444136746176223
    const [t1, t2] = twoSteps({ ...base, weightDecay: 0.1 });
    expect(Math.abs(t1 - 0.90000000166666664)).toBeLessThan(1e-15);
    expect(Math.abs(t2 - 0.85444136746176223)).toBeLessThan(1e-15);
  });

  it('AdamW (θ ← θ(1 − lr·λ) before the Adam step), λ = 0.1', () => {
    // Step 1: θ ← 1·(1 − 0.01) = 0.99, then the same Adam move as plain Adam (g is not decayed):
    //   θ1 = 0.99 − 0.099999998 = 0.89000000199999996
    // Step 2: θ ← 0.890000002·0.99 = 0.88110000198, then −0.026633703292153797 (same m, v as plain Adam)
    //   θ2 = 0.85446629868784616
    const [t1, t2] = twoSteps({ ...base, optimizer: 'adamw', weightDecay: 0.1 });
    expect(Math.abs(t1 - 0.89000000199999996)).toBeLessThan(1e-15);
    expect(Math.abs(t2 - 0.85446629868784616)).toBeLessThan(1e-15);
  });

  it('the first step moves every coordinate by lr·sign(g) (up to ε), whatever the gradient scale', () => {
    const param = new Float64Array([0, 0, 0, 5, -5]);
    const grad = new Float64Array([1e3, -1e-3, 0.7, -2, 1e-2]);
    adamStep(param, grad, createAdamState(5), 0.01, base);
    const want = [-0.01, 0.01, -0.01, 5.01, -5.01];
    for (let i = 0; i < 5; i++) expect(Math.abs(param[i] - want[i])).toBeLessThan(1e-7);
    // A zero gradient does not move the parameter (0/(0+ε) = 0).
    const p2 = new Float64Array([3]);
    adamStep(p2, new Float64Array([0]), createAdamState(1), 0.1, base);
    expect(p2[0]).toBe(3);
  });

  it('moments and step counter are stored in the state', () => {
    const state = createAdamState(2);
    adamStep(new Float64Array([1, 2]), new Float64Array([0.5, -1]), state, 0.1, base);
    expect(state.t).toBe(1);
    expect(state.m[0]).toBeCloseTo(0.05, 15);
    expect(state.m[1]).toBeCloseTo(-0.1, 15);
    expect(state.v[0]).toBeCloseTo(0.00025, 15);
    expect(state.v[1]).toBeCloseTo(0.001, 15);
  });
});

// Straightforward float64 reference of torch.optim.Adam / AdamW (single tensor, non-amsgrad),
// written from the PyTorch documentation's algorithm box.
function referenceAdam(
  theta0: number[],
  grads: number[][],
  lrs: number[],
  opt: { decoupled: boolean; b1: number; b2: number; eps: number; wd: number },
  round: (x: number) => number = (x) => x,
): number[] {
  const theta = theta0.map(round);
  const m = theta.map(() => 0);
  const v = theta.map(() => 0);
  for (let t = 1; t <= grads.length; t++) {
    const lr = lrs[t - 1];
    for (let i = 0; i < theta.length; i++) {
      let g = grads[t - 1][i];
      let th = theta[i];
      if (opt.decoupled) th = th - lr * opt.wd * th;
      else g = g + opt.wd * th;
      m[i] = opt.b1 * m[i] + (1 - opt.b1) * g;
      v[i] = opt.b2 * v[i] + (1 - opt.b2) * g * g;
      const mHat = m[i] / (1 - opt.b1 ** t);
      const vHat = v[i] / (1 - opt.b2 ** t);
      theta[i] = round(th - (lr * mHat) / (Math.sqrt(vHat) + opt.eps));
    }
  }
  return theta;
}

describe('Adam against a float64 reference of PyTorch’s update rule', () => {
  const size = 24;
  const steps = 50;
  const rng = new Rng(2718);
  const theta0 = Array.from({ length: size }, () => rng.normal());
  // Gradients of all signs and scales, some exactly zero; a varying learning rate.
  const grads = Array.from({ length: steps }, (_, t) =>
    Array.from({ length: size }, (_, i) => (i % 7 === 3 && t % 2 === 0 ? 0 : rng.normal() * 10 ** ((i % 5) - 2))),
  );
  const lrs = Array.from({ length: steps }, (_, t) => 0.05 * (1 - t / (2 * steps)));

  const cases: Array<[string, AdamOptions]> = [
    ['adam', { ...base }],
    ['adam + L2', { ...base, weightDecay: 0.01 }],
    ['adamw', { ...base, optimizer: 'adamw', weightDecay: 0.01 }],
    ['adamw, other betas and eps', { optimizer: 'adamw', beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.3 }],
    ['adam, strong L2', { optimizer: 'adam', beta1: 0.5, beta2: 0.9, epsilon: 1e-4, weightDecay: 0.5 }],
  ];

  for (const [name, options] of cases) {
    it(`${name}: 50 steps, Float64Array params`, () => {
      const param = Float64Array.from(theta0);
      const state = createAdamState(size);
      for (let t = 0; t < steps; t++) adamStep(param, Float64Array.from(grads[t]), state, lrs[t], options);
      const want = referenceAdam(theta0, grads, lrs, {
        decoupled: options.optimizer === 'adamw',
        b1: options.beta1,
        b2: options.beta2,
        eps: options.epsilon,
        wd: options.weightDecay,
      });
      for (let i = 0; i < size; i++) expect(Math.abs(param[i] - want[i])).toBeLessThan(1e-12 * (1 + Math.abs(want[i])));
      // The parameters actually moved (so the comparison is not vacuous).
      expect(Math.abs(param[0] - theta0[0])).toBeGreaterThan(1e-3);
    });

    it(`${name}: 50 steps, Float32Array params (moments in float64, params rounded to float32)`, () => {
      const param = Float32Array.from(theta0);
      const state = createAdamState(size);
      for (let t = 0; t < steps; t++) adamStep(param, Float32Array.from(grads[t]), state, lrs[t], options);
      const grads32 = grads.map((g) => g.map(Math.fround));
      const want = referenceAdam(
        theta0,
        grads32,
        lrs,
        {
          decoupled: options.optimizer === 'adamw',
          b1: options.beta1,
          b2: options.beta2,
          eps: options.epsilon,
          wd: options.weightDecay,
        },
        Math.fround,
      );
      for (let i = 0; i < size; i++) expect(Math.abs(param[i] - want[i])).toBeLessThan(1e-6 * (1 + Math.abs(want[i])));
    });
  }

  it('separate states for separate tensors: stepping one does not affect the other', () => {
    const a = Float64Array.from([1, 2]);
    const b = Float64Array.from([1, 2]);
    const sa = createAdamState(2);
    const sb = createAdamState(2);
    const other = Float64Array.from([5]);
    const so = createAdamState(1);
    for (let t = 0; t < 5; t++) {
      adamStep(a, Float64Array.from([0.3, -0.1 * t]), sa, 0.01, base);
      adamStep(other, Float64Array.from([100]), so, 0.5, base);
      adamStep(b, Float64Array.from([0.3, -0.1 * t]), sb, 0.01, base);
    }
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(sa.t).toBe(5);
    expect(so.t).toBe(5);
  });
});

describe('Adam minimises a quadratic', () => {
  // f(θ) = Σ c_i (θ_i − a_i)², ∇f = 2 c_i (θ_i − a_i); minimum θ = a, f = 0.
  const a = [1.5, -2, 0.25, 3, -0.75];
  const c = [1, 10, 0.1, 100, 3]; // badly conditioned: Adam's per-coordinate scaling copes
  const f = (theta: ArrayLike<number>) => a.reduce((acc, ai, i) => acc + c[i] * (theta[i] - ai) ** 2, 0);

  for (const [name, options] of [
    ['adam', base],
    ['adamw (λ small, minimum shifts only slightly)', { ...base, optimizer: 'adamw' as const, weightDecay: 1e-4 }],
  ] as Array<[string, AdamOptions]>) {
    it(name, () => {
      const theta = new Float64Array(a.length);
      const state = createAdamState(a.length);
      const f0 = f(theta);
      const steps = 3000;
      for (let t = 0; t < steps; t++) {
        const grad = Float64Array.from(a, (ai, i) => 2 * c[i] * (theta[i] - ai));
        const lr = 0.05 * (1 - t / steps) + 1e-4; // decaying lr so the iterate settles
        adamStep(theta, grad, state, lr, options);
      }
      expect(f(theta)).toBeLessThan(1e-6 * f0);
      for (let i = 0; i < a.length; i++) expect(Math.abs(theta[i] - a[i])).toBeLessThan(1e-3);
    });
  }
});
