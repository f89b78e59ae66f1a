// Lists of active latents: per sample, the latents through which a gradient flows, and the firing
// counts the training loop reads from them (or from a scan of z).
//
// z from a sparse activation (ReLU, TopK, JumpReLU) has a few nonzero entries per sample; the list
// holds, per sample, the latents through which a gradient flows, in increasing order: sample s owns
// index[s·d .. s·d + count[s]). Every latent with z ≠ 0 must be listed (the list may hold more, e.g.
// latents at z = 0 that still need ∂L/∂z). The kernels over a list (decodeActive,
// decoderBackwardActive, encoderBackwardActive, sparseReconstructionBackward) cost O(B·m + nnz·m)
// instead of O(B·d·m).

import type { SaeShape } from './types.js';

type Floats = ArrayLike<number>;

/** Buffers for the active latents of up to maxBatch samples. */
export interface ActiveLatents {
  count: Int32Array; // [batch]
  index: Int32Array; // [batch, latent], the first count[s] entries of row s used
}

export function createActiveLatents(shape: SaeShape, maxBatch: number): ActiveLatents {
  return { count: new Int32Array(Math.max(1, maxBatch)), index: new Int32Array(Math.max(1, maxBatch * shape.dictSize)) };
}

/** fired[l] += the number of samples whose list holds latent l. */
export function countListed(shape: SaeShape, active: ActiveLatents, batchSize: number, fired: Float64Array): void {
  const d = shape.dictSize;
  const { count, index } = active;
  for (let s = 0; s < batchSize; s++) {
    const row = s * d;
    for (let k = row, end = row + count[s]; k < end; k++) fired[index[k]]++;
  }
}

/** fired[l] += the number of samples with z > 0 on latent l (a scan of z [batch, latent]). */
export function countPositive(shape: SaeShape, z: Floats, batchSize: number, fired: Float64Array): void {
  const d = shape.dictSize;
  for (let s = 0; s < batchSize; s++) {
    const row = s * d;
    for (let l = 0; l < d; l++) if (z[row + l] > 0) fired[l]++;
  }
}

/** The list of nonzero z per sample; returns the total number of entries. */
export function collectActiveLatents(shape: SaeShape, z: Floats, batchSize: number, active: ActiveLatents): number {
  const d = shape.dictSize;
  const { count, index } = active;
  let total = 0;
  for (let s = 0; s < batchSize; s++) {
    const row = s * d;
    let c = 0;
    for (let l = 0; l < d; l++) if (z[row + l] !== 0) index[row + c++] = l;
    count[s] = c;
    total += c;
  }
  return total;
}
