// ReLU SAE with an L1 penalty — Bricken et al. 2023, "Towards Monosemanticity", Problem Setup:
//   z = ReLU(W_enc (h − b_dec) + b_enc),   ĥ = W_dec z + b_dec,
//   L = mean_batch ‖h − ĥ‖² + λ · mean_batch Σ_j z_j      (z ≥ 0, so Σ_j z_j = ‖z‖₁).
// Decoder columns are kept at unit norm by the training loop, so the L1 term cannot be gamed
// by shrinking z and growing W_dec.

import {
  createSharedWorkspace,
  decode,
  decoderBackward,
  encoderBackward,
  encoderPreActivations,
  reconstructionLoss,
  sharedParameterShapes,
} from './common.js';
import type { SaeArchitecture, SaeGrads, SaeHyper, SaeLoss, SaeParams, SaeShape, SaeState, SaeWorkspace } from './types.js';

function forward(shape: SaeShape, params: SaeParams, h: ArrayLike<number>, batchSize: number, ws: SaeWorkspace): void {
  encoderPreActivations(shape, params.W_enc, params.b_enc, params.b_dec, h, batchSize, ws.pre);
  const size = batchSize * shape.dictSize;
  for (let e = 0; e < size; e++) ws.z[e] = ws.pre[e] > 0 ? ws.pre[e] : 0;
  decode(shape, params.W_dec, params.b_dec, ws.z, batchSize, ws.hHat);
}

export const reluSae: SaeArchitecture = {
  name: 'relu',
  parameterShapes: sharedParameterShapes,
  initExtra() {},
  createWorkspace: createSharedWorkspace,

  lossAndGradients(
    shape: SaeShape,
    params: SaeParams,
    h: ArrayLike<number>,
    batchSize: number,
    hyper: SaeHyper,
    _state: SaeState,
    ws: SaeWorkspace,
    grads: SaeGrads,
  ): SaeLoss {
    for (const g of Object.values(grads)) g.fill(0);
    forward(shape, params, h, batchSize, ws);
    const reconstruction = reconstructionLoss(shape, h, ws.hHat, batchSize, ws.gradHHat);
    decoderBackward(shape, params.W_dec, ws.z, ws.gradHHat, batchSize, grads.W_dec, grads.b_dec, ws.gradZ);
    const size = batchSize * shape.dictSize;
    const l1Grad = hyper.l1 / batchSize;
    let l1 = 0;
    for (let e = 0; e < size; e++) {
      l1 += ws.z[e];
      // ∂/∂pre of ReLU: 1 where pre > 0; the L1 term adds λ/B there.
      ws.gradPre[e] = ws.pre[e] > 0 ? ws.gradZ[e] + l1Grad : 0;
    }
    encoderBackward(shape, params.W_enc, params.b_dec, h, ws.gradPre, batchSize, grads.W_enc, grads.b_enc, grads.b_dec);
    const sparsity = (hyper.l1 * l1) / batchSize;
    return { reconstruction, sparsity, auxiliary: 0, total: reconstruction + sparsity };
  },

  encode(shape, params, h, batchSize, _hyper, _state, ws) {
    forward(shape, params, h, batchSize, ws);
  },
};
