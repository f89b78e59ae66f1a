// TopK SAE — Gao et al. 2024, "Scaling and evaluating sparse autoencoders": §2.3 (the TopK
// activation) and §A.2 (the AuxK auxiliary loss); docs/sae.md, § TopK:
//   pre = W_enc (h − b_dec) + b_enc,   z = TopK_k(ReLU(pre)),   ĥ = W_dec z + b_dec,
//   L = mean_batch ‖h − ĥ‖² + α · L_aux          (L_aux in auxk.ts; α = hyper.auxCoefficient).
// TopK_k keeps the k largest entries of each sample and zeroes the rest, so L0 = k exactly whenever
// at least k pre-activations are positive (fewer are kept otherwise: ReLU first, so z ≥ 0). Ties go
// to the lower latent index, making z a deterministic function of pre. The sparsity constraint
// replaces an L1 penalty, so there is no shrinkage and no sparsity term (SaeLoss.sparsity = 0).
// Away from ties the selection is locally constant, so ∂z_j/∂pre_j = 1 on the kept latents and 0
// elsewhere: the ordinary gradient of the piecewise-linear map.

import { addAuxKBuffers, selectLargestPositive } from './auxk.js';
import { decode } from '../../kernels/sae/decoder.js';
import { encoderPreActivations } from '../../kernels/sae/encoder.js';
import { keptLatentsLossAndGradients } from './keptLatentsLoss.js';
import type { SaeArchitecture, SaeBatch, SaeLoss, SaeShape, SaeStep, SaeWorkspace } from './types.js';
import { createSharedWorkspace, sharedParameterShapes } from './workspace.js';

/**
 * z = TopK_k(ReLU(pre)) per sample from ws.pre into ws.z; order is a scratch buffer of ≥ d entries.
 * Also batchtopk's inference before its threshold exists.
 */
export function topkActivations(shape: SaeShape, k: number, batchSize: number, ws: SaeWorkspace, order: Int32Array): void {
  const d = shape.dictSize;
  const kept = Math.min(Math.floor(k), d);
  ws.z.fill(0, 0, batchSize * d);
  for (let s = 0; s < batchSize; s++) {
    const row = s * d;
    const count = selectLargestPositive(ws.pre, row, null, d, kept, order);
    for (let c = 0; c < count; c++) ws.z[row + order[c]] = ws.pre[row + order[c]];
  }
}

/** pre, z = TopK_k(ReLU(pre)) and ĥ into the workspace. */
function forward(batch: SaeBatch): void {
  const { shape, params, h, batchSize, hyper, ws } = batch;
  encoderPreActivations(shape, params.W_enc, params.b_enc, params.b_dec, h, batchSize, ws.pre);
  topkActivations(shape, hyper.k, batchSize, ws, ws.extra.order as Int32Array);
  decode(shape, params.W_dec, params.b_dec, ws.z, batchSize, ws.hHat);
}

export const topkSae: SaeArchitecture = {
  name: 'topk',
  parameterShapes: sharedParameterShapes,
  initExtra() {},

  createWorkspace(shape: SaeShape, maxBatch: number): SaeWorkspace {
    const ws = createSharedWorkspace(shape, maxBatch);
    ws.extra.order = new Int32Array(shape.dictSize); // one sample's kept latents, by decreasing pre
    addAuxKBuffers(shape, ws);
    return ws;
  },

  lossAndGradients(step: SaeStep): SaeLoss {
    forward(step);
    return keptLatentsLossAndGradients(step);
  },

  encode: forward,
};
