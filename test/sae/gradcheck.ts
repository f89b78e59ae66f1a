// Finite-difference gradient checking for SAE architectures, in float64.

import { Rng } from '../../src/core/rng.js';
import type { SaeArchitecture, SaeGrads, SaeHyper, SaeParams, SaeShape, SaeState } from '../../src/models/sae/types.js';

export const DEFAULT_HYPER: SaeHyper = { l1: 0.05, k: 2, auxK: 2, auxCoefficient: 1 / 32, bandwidth: 0.01, thresholdDecay: 0.99 };

export function randomParams(arch: SaeArchitecture, shape: SaeShape, rng: Rng, scale = 0.5): SaeParams {
  const params: SaeParams = {};
  for (const [name, dims] of Object.entries(arch.parameterShapes(shape))) {
    const size = dims.reduce((a, b) => a * b, 1);
    params[name] = Float64Array.from({ length: size }, () => scale * rng.normal());
  }
  return params;
}

export function zeroGrads(params: SaeParams): SaeGrads {
  return Object.fromEntries(Object.entries(params).map(([name, p]) => [name, new Float64Array(p.length)]));
}

export function freshState(shape: SaeShape, deadSteps = 10): SaeState {
  return { stepsSinceFired: new Float64Array(shape.dictSize), deadSteps, threshold: -1 };
}

export function randomBatch(shape: SaeShape, batchSize: number, rng: Rng): Float64Array {
  return Float64Array.from({ length: batchSize * shape.nInput }, () => rng.normal());
}

/** max over entries of |analytic − numeric| / max(1e-8, |analytic| + |numeric|), per parameter. */
export function gradientErrors(
  arch: SaeArchitecture,
  shape: SaeShape,
  params: SaeParams,
  h: Float64Array,
  batchSize: number,
  hyper: SaeHyper,
  makeState: () => SaeState,
  step = 1e-6,
  skip: readonly string[] = [],
): Record<string, number> {
  const ws = arch.createWorkspace(shape, batchSize);
  const grads = zeroGrads(params);
  arch.lossAndGradients({ shape, params, h, batchSize, hyper, state: makeState(), ws, grads });
  const lossAt = () => arch.lossAndGradients({ shape, params, h, batchSize, hyper, state: makeState(), ws, grads: zeroGrads(params) }).total;
  const errors: Record<string, number> = {};
  for (const [name, p] of Object.entries(params)) {
    if (skip.includes(name)) continue;
    let worst = 0;
    for (let e = 0; e < p.length; e++) {
      const saved = p[e];
      p[e] = saved + step;
      const up = lossAt();
      p[e] = saved - step;
      const down = lossAt();
      p[e] = saved;
      const numeric = (up - down) / (2 * step);
      const analytic = grads[name][e];
      worst = Math.max(worst, Math.abs(analytic - numeric) / Math.max(1e-8, Math.abs(analytic) + Math.abs(numeric)));
    }
    errors[name] = worst;
  }
  return errors;
}
