// Signed sparse features for the absolute-value model (Toy Models of Superposition, "Computation
// in Superposition"): x_i = [u_i < p_i] · v_i with v_i ~ Uniform[−1, 1], and the target |x_i|.
// The active entries are found by geometric skips over the flattened [batch, feat] block of an
// instance (the gap to the next active entry of a Bernoulli(p) sequence is Geometric(p)), so a
// sparse batch costs one draw per active entry; only the per-feature probabilities need a
// Bernoulli draw per entry.

import type { Rng } from '../core/rng.js';

/** Whether every feature of instance k has the same probability (then skips apply). */
function uniformProbability(featureProbability: Float64Array, k: number, n: number): number | undefined {
  const p = featureProbability[k * n];
  for (let i = 1; i < n; i++) if (featureProbability[k * n + i] !== p) return undefined;
  return p;
}

/** A value uniform on [−1, 1): the sign and magnitude of an active feature. */
function signedValue(rng: Rng): number {
  return 2 * rng.uniform() - 1;
}

/**
 * Fill x [inst, batch, feat] with signed sparse features: entry (k, r, i) active with probability
 * featureProbability[k, i], then Uniform[−1, 1). Instance k draws only from rngs[k], so an
 * instance's numbers do not depend on the others.
 */
export function sampleSignedBatch(featureProbability: Float64Array, nFeatures: number, rngs: readonly Rng[], x: Float32Array | Float64Array, batchSize: number): void {
  const n = nFeatures;
  const block = batchSize * n;
  for (let k = 0; k < rngs.length; k++) {
    const rng = rngs[k];
    const base = k * block;
    x.fill(0, base, base + block);
    const p = uniformProbability(featureProbability, k, n);
    if (p === undefined) {
      for (let e = 0; e < block; e++) if (rng.uniform() < featureProbability[k * n + (e % n)]) x[base + e] = signedValue(rng);
    } else if (p >= 1) {
      for (let e = 0; e < block; e++) x[base + e] = signedValue(rng);
    } else if (p > 0) {
      // Gap to the next active entry: floor(log(u) / log(1 − p)) with u in (0, 1].
      const logQ = Math.log1p(-p);
      for (let e = Math.floor(Math.log(rng.uniformPositive()) / logQ); e < block; e += 1 + Math.floor(Math.log(rng.uniformPositive()) / logQ))
        x[base + e] = signedValue(rng);
    }
  }
}
