// The loss and gradients of the TopK family (docs/sae.md, § TopK and § BatchTopK): z = pre on the
// kept latents and 0 elsewhere, L = mean_batch ‖h − ĥ‖² + α · L_aux. topk and batchtopk differ only
// in how their forward pass chooses the kept set (per sample, or over the whole batch); this is the
// backward they share.

import { auxKLoss } from './auxk.js';
import { decoderBackward } from '../../kernels/sae/decoder.js';
import { encoderBackward } from '../../kernels/sae/encoder.js';
import { reconstructionLoss } from '../../kernels/sae/reconstruction.js';
import type { SaeLoss, SaeStep } from './types.js';
import { clearGradients } from './workspace.js';

/**
 * The loss of a batch whose forward pass filled ws.pre, ws.z (kept entries = pre, the rest 0) and
 * ws.hHat, and its gradient into step.grads (overwritten).
 */
export function keptLatentsLossAndGradients(step: SaeStep): SaeLoss {
  const { shape, params, h, batchSize, ws, grads } = step;
  clearGradients(grads);
  const reconstruction = reconstructionLoss(shape, h, ws.hHat, batchSize, ws.gradHHat);
  decoderBackward(shape, params.W_dec, ws.z, ws.gradHHat, batchSize, grads.W_dec, grads.b_dec, ws.gradZ);
  const size = batchSize * shape.dictSize;
  // Kept entries are exactly the nonzero ones (they are positive), and only they pass gradient.
  for (let e = 0; e < size; e++) ws.gradPre[e] = ws.z[e] !== 0 ? ws.gradZ[e] : 0;
  // After the main backward: AuxK adds its own ∂/∂pre on the aux-selected dead latents.
  const auxiliary = auxKLoss(step);
  encoderBackward(shape, params.W_enc, params.b_dec, h, ws.gradPre, batchSize, grads.W_enc, grads.b_enc, grads.b_dec);
  return { reconstruction, sparsity: 0, auxiliary, total: reconstruction + auxiliary };
}
