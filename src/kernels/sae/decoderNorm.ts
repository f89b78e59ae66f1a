// The unit-norm constraint on decoder columns (docs/sae.md, § Training details): the training loop
// removes from each column's gradient its component along the column before the optimizer step, and
// scales the columns back to unit norm after it, so the sparsity penalty cannot be gamed by
// shrinking z and growing W_dec.

import type { Floats, Writable } from './scratch.js';
import type { SaeShape } from './types.js';

/** Remove from each decoder column's gradient its component along the column (W_dec [input, latent]). */
export function removeParallelGradient(shape: SaeShape, Wdec: Floats, gradWdec: Float64Array): void {
  const { nInput: m, dictSize: d } = shape;
  for (let l = 0; l < d; l++) {
    let dot = 0;
    let normSquared = 0;
    for (let j = 0; j < m; j++) {
      dot += Wdec[j * d + l] * gradWdec[j * d + l];
      normSquared += Wdec[j * d + l] * Wdec[j * d + l];
    }
    if (normSquared === 0) continue;
    const c = dot / normSquared;
    for (let j = 0; j < m; j++) gradWdec[j * d + l] -= c * Wdec[j * d + l];
  }
}

/** Scale every decoder column to unit norm (zero columns stay zero). */
export function normaliseDecoderColumns(shape: SaeShape, Wdec: Writable): void {
  const { nInput: m, dictSize: d } = shape;
  for (let l = 0; l < d; l++) {
    let normSquared = 0;
    for (let j = 0; j < m; j++) normSquared += Wdec[j * d + l] * Wdec[j * d + l];
    if (normSquared === 0) continue;
    const inv = 1 / Math.sqrt(normSquared);
    for (let j = 0; j < m; j++) Wdec[j * d + l] *= inv;
  }
}
