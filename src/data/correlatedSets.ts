// Correlated and anticorrelated features, the generators of Toy Models of Superposition, section
// "The Geometry of Superposition: Correlated and Anticorrelated Features": the n features fall
// into consecutive sets of k, (0 … k−1), (k … 2k−1), …, and a set's features fire together or
// exclude each other. With p = 1 − S, per sample and per set:
//   correlated:      all k features active with probability p, else all zero; values i.i.d. U(0, 1]
//                    (so each feature is active with probability p, and never without the others)
//   anticorrelated:  all zero with probability S, else exactly one of the k, uniformly chosen, is
//                    active (so each feature is active with probability p/k, never two at once)
//   independent:     each feature on its own with probability p (the distribution of features.ts,
//                    drawn row by row here: the same law, other numbers than the skip sampler)
//
// The draws go row by row, set by set, from one stream per instance: u < p decides the set, then
// the values (and, anticorrelated, u' picks the feature before its value). Claim 5 of `reproduce`
// (n = 4, k = 2) draws through sampleSets; training draws through sampleCorrelatedBatch.

import type { FeatureDistribution } from './features.js';

/** How the features of a set co-occur; 'independent' is the ordinary distribution. */
export type CorrelationKind = 'independent' | 'correlated' | 'anticorrelated';

/** A toy run's correlation (--correlation, --correlation-set): its kind and the features per set. */
export interface FeatureCorrelation {
  kind: 'correlated' | 'anticorrelated';
  setSize: number;
}

/** The draws the generator needs (core/rng.ts's Rng). */
export interface UniformSource {
  /** U[0, 1) */
  uniform(): number;
  /** U(0, 1]: an active feature is never exactly 0 */
  uniformPositive(): number;
}

/**
 * Fill `rows` samples of n features (stride n) starting at `offset` of x, sets of `setSize`
 * consecutive features, p = 1 − S per set. Every entry of those rows is written (zeros included).
 * n must be a multiple of setSize.
 *
 * @example
 * // Anticorrelated pairs, S = 0.9: a row is (0, v, 0, 0), (0, 0, 0, 0), …; never (v, w, …).
 * sampleSets('anticorrelated', 2, 0.1, new Rng(0), x, 0, 1024, 4);
 */
export function sampleSets(
  kind: CorrelationKind,
  setSize: number,
  p: number,
  rng: UniformSource,
  x: Float32Array | Float64Array,
  offset: number,
  rows: number,
  nFeatures: number,
): void {
  for (let row = 0; row < rows; row++) {
    const base = offset + row * nFeatures;
    for (let first = base; first < base + nFeatures; first += setSize) {
      for (let j = 0; j < setSize; j++) x[first + j] = 0;
      if (kind === 'independent') {
        for (let j = 0; j < setSize; j++) if (rng.uniform() < p) x[first + j] = rng.uniformPositive();
      } else if (kind === 'correlated') {
        if (rng.uniform() < p) for (let j = 0; j < setSize; j++) x[first + j] = rng.uniformPositive();
      } else if (rng.uniform() < p) {
        // floor(u·k) is uniform over 0 … k−1 (for k = 2 exactly "u < 1/2 → the first"); min guards k·u rounding up to k.
        const chosen = Math.min(setSize - 1, Math.floor(rng.uniform() * setSize));
        x[first + chosen] = rng.uniformPositive();
      }
    }
  }
}

/**
 * The probability p that a set of instance k is not all zero: 1 − S of the instance, read from its
 * first feature (a correlated config has one probability per instance; config/toy.ts refuses
 * per-feature probabilities with --correlation).
 */
export function setProbability(dist: FeatureDistribution, instance: number): number {
  return dist.featureProbability[instance * dist.nFeatures];
}

/** Fresh samples for every instance, each from its own stream, allocating nothing. `x` is [inst, rows, feat]. */
export function sampleCorrelatedBatch(
  kind: CorrelationKind,
  setSize: number,
  dist: FeatureDistribution,
  rngs: readonly UniformSource[],
  x: Float32Array | Float64Array,
  rows: number,
): void {
  const n = dist.nFeatures;
  for (let k = 0; k < dist.nInstances; k++)
    sampleSets(kind, setSize, setProbability(dist, k), rngs[k], x, k * rows * n, rows, n);
}

/**
 * One instance's samples (its block of x [inst, rows, feat]) and h = W x [rows, m] of them
 * (W [m, feat]): each h entry is 0 + Σ_i W_ji x_i over the nonzero stored x_i in increasing i, the
 * sum skipSampler.ts's sampleInstanceProjected makes for independent features.
 */
export function sampleCorrelatedProjected(
  kind: CorrelationKind,
  setSize: number,
  dist: FeatureDistribution,
  instance: number,
  rng: UniformSource,
  x: Float32Array | Float64Array,
  rows: number,
  W: ArrayLike<number>,
  m: number,
  h: Float64Array,
): void {
  const n = dist.nFeatures;
  const base = instance * rows * n;
  sampleSets(kind, setSize, setProbability(dist, instance), rng, x, base, rows, n);
  h.fill(0, 0, rows * m);
  for (let s = 0; s < rows; s++) {
    const row = base + s * n;
    for (let i = 0; i < n; i++) {
      const v = x[row + i];
      if (v === 0) continue;
      for (let j = 0; j < m; j++) h[s * m + j] += W[j * n + i] * v;
    }
  }
}
