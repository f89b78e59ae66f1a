// Sparse synthetic features, as in Toy Models of Superposition §2:
//   x_i = [u_i < p_i] · v_i,   u, v ~ U[0, 1] independent,   p_i = featureProbability = 1 − S.
// v is drawn on (0, 1] so that an active feature is never exactly 0 (zero means inactive).
// The Bernoulli mask is drawn column by column with geometric skips: the gap between two
// active samples of feature i is Geometric(p_i), so the cost is one draw per active entry rather
// than one per entry. The distribution is exactly that of independent Bernoulli(p_i) draws.

import type { Rng } from '../core/rng.js';

export interface FeatureDistribution {
  nInstances: number;
  nFeatures: number;
  /** Probability that each feature is active. // [inst, feat] */
  featureProbability: Float64Array;
}

/** p[inst, feat] = 1 − sparsity[inst], the same for every feature of an instance. */
export function probabilityFromSparsity(sparsity: readonly number[], nFeatures: number): Float64Array {
  const p = new Float64Array(sparsity.length * nFeatures); // [inst, feat]
  for (let k = 0; k < sparsity.length; k++) p.fill(1 - sparsity[k], k * nFeatures, (k + 1) * nFeatures);
  return p;
}

/**
 * Fill one instance's block of `x` (rows `batchSize`, stride nFeatures) with fresh features.
 * `x` is [inst, batch, feat]; only the slice of instance `instance` is written.
 */
export function sampleInstance(
  dist: FeatureDistribution,
  instance: number,
  rng: Rng,
  x: Float32Array | Float64Array,
  batchSize: number,
): void {
  const n = dist.nFeatures;
  const base = instance * batchSize * n;
  x.fill(0, base, base + batchSize * n);
  for (let i = 0; i < n; i++) {
    const p = dist.featureProbability[instance * n + i];
    if (p <= 0) continue;
    if (p >= 1) {
      for (let row = 0; row < batchSize; row++) x[base + row * n + i] = rng.uniformPositive();
      continue;
    }
    const logFailure = Math.log1p(-p);
    let row = -1;
    for (;;) {
      // Number of inactive rows before the next active one: floor(log U / log(1 − p)).
      row += 1 + Math.floor(Math.log(rng.uniformPositive()) / logFailure);
      if (row >= batchSize) break;
      x[base + row * n + i] = rng.uniformPositive();
    }
  }
}

/** Fresh features for every instance, each from its own stream. `x` is [inst, batch, feat]. */
export function sampleBatch(
  dist: FeatureDistribution,
  rngs: readonly Rng[],
  x: Float32Array | Float64Array,
  batchSize: number,
): void {
  for (let k = 0; k < dist.nInstances; k++) sampleInstance(dist, k, rngs[k], x, batchSize);
}
