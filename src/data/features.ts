// Sparse synthetic features, as in Toy Models of Superposition §2:
//   x_i = [u_i < p_i] · v_i,   u, v ~ U[0, 1] independent,   p_i = featureProbability = 1 − S.
// v is drawn on (0, 1] so that an active feature is never exactly 0 (zero means inactive).
// This file holds the distribution; importance.ts the importance I_i of each feature. The batches
// are drawn by skipSampler.ts (geometric skips, with skipTable.ts), float32 ones in WebAssembly
// by wasmSampler.ts; hierarchy.ts makes some features depend on others (parents and children).

import type { FeatureHierarchy } from './hierarchy.js';

/** Where sparse features come from: per instance and feature, the probability p_i that x_i is active. */
export interface FeatureDistribution {
  nInstances: number;
  nFeatures: number;
  /** Probability that each feature is active. // [inst, feat] */
  featureProbability: Float64Array;
  /** Parents and children (hierarchy.ts): a child's probability is then its probability given its parent. */
  hierarchy?: FeatureHierarchy;
}

/** p[inst, feat] = 1 − sparsity[inst], the same for every feature of an instance. */
export function probabilityFromSparsity(sparsity: readonly number[], nFeatures: number): Float64Array {
  const p = new Float64Array(sparsity.length * nFeatures); // [inst, feat]
  for (let k = 0; k < sparsity.length; k++) p.fill(1 - sparsity[k], k * nFeatures, (k + 1) * nFeatures);
  return p;
}
