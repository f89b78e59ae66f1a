// The reconstruction term every SAE's loss starts from, L_rec = mean_batch ‖h − ĥ‖² (docs/sae.md,
// § Architectures), with its gradient ∂L_rec/∂ĥ.

import type { Floats, Writable } from './scratch.js';
import type { SaeShape } from './types.js';

/**
 * L_rec = (1/B) Σ_s ‖h_s − ĥ_s‖² and ∂L_rec/∂ĥ = 2(ĥ − h)/B into ws.gradHHat.
 */
export function reconstructionLoss(shape: SaeShape, h: Floats, hHat: Floats, batchSize: number, gradHHat: Writable): number {
  const m = shape.nInput;
  let loss = 0;
  const scale = 2 / batchSize;
  for (let e = 0; e < batchSize * m; e++) {
    const err = hHat[e] - h[e];
    loss += err * err;
    gradHHat[e] = scale * err;
  }
  return loss / batchSize;
}
