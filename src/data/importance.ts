// Feature importance: how much each feature's reconstruction error counts in the loss.
// The paper and the seed use a geometric decay I_i = r^i (r = 0.9 in the paper, 0.7 in the seed).

/** I_i = r^i for i = 0..n−1. Example: geometricImportance(3, 0.5) → [1, 0.5, 0.25]. */
export function geometricImportance(nFeatures: number, decay: number): Float64Array {
  const importance = new Float64Array(nFeatures);
  for (let i = 0; i < nFeatures; i++) importance[i] = Math.pow(decay, i);
  return importance;
}

/** The same importance vector for every instance. // [inst, feat] */
export function importancePerInstance(importance: ArrayLike<number>, nInstances: number): Float64Array {
  const n = importance.length;
  const out = new Float64Array(nInstances * n);
  for (let k = 0; k < nInstances; k++) for (let i = 0; i < n; i++) out[k * n + i] = importance[i];
  return out;
}
