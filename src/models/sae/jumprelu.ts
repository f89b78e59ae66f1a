// JumpReLU SAE with an L0 penalty — Rajamanoharan et al. 2024, "Jumping Ahead: Improving
// Reconstruction Fidelity with JumpReLU Sparse Autoencoders": §3 (the JumpReLU activation and the
// L0 loss) and §4 (training through the jump with straight-through estimators); docs/sae.md, § JumpReLU:
//   pre = W_enc (h − b_dec) + b_enc,   θ_j = exp(t_j),   z_j = pre_j · H(pre_j − θ_j),   ĥ = W_dec z + b_dec,
//   L = mean_batch ‖h − ĥ‖² + λ · mean_batch Σ_j H(pre_j − θ_j)          (λ = hyper.l1).
// H(u) = [u > 0]. ∂L/∂θ is zero almost everywhere, so the paper replaces it with pseudo-derivatives
// (a kernel density estimate of the jump), rectangle kernel K(u) = [|u| < 1/2], bandwidth ε:
//   ∂z_j/∂θ_j := −(θ_j/ε) K((pre_j − θ_j)/ε),   ∂H(pre_j − θ_j)/∂θ_j := −(1/ε) K((pre_j − θ_j)/ε),
//   ∂z_j/∂pre_j = H(pre_j − θ_j),   and H passes no gradient to pre_j.
// ε = hyper.bandwidth is absolute, in the units of pre (not relative to θ): a pre-activation moves
// θ_j iff |pre_j − θ_j| < ε/2. The parameter is t = log θ (the paper's log_threshold), which keeps
// θ > 0, so negative pre-activations are always zeroed as by a ReLU; ∂L/∂t_j = θ_j ∂L/∂θ_j.

import { decode, decoderBackward } from '../../kernels/sae/decoder.js';
import { encoderBackward, encoderPreActivations } from '../../kernels/sae/encoder.js';
import { reconstructionLoss } from '../../kernels/sae/reconstruction.js';
import type { SaeArchitecture, SaeBatch, SaeLoss, SaeParams, SaeShape, SaeStep, SaeWorkspace } from './types.js';
import { clearGradients, createSharedWorkspace, sharedParameterShapes } from './workspace.js';

/**
 * θ at initialisation (and after a latent is resampled). Our h has norm ~1, so a latent's
 * pre-activation is O(0.1–1) when its feature is present: θ = 0.01 starts the SAE as almost a plain
 * ReLU SAE (no latent starts dead), inside the paper's range and on the scale of the default ε, and
 * close enough to useful thresholds that Adam on log θ (steps of ~lr in log θ) reaches them quickly.
 */
export const INITIAL_THRESHOLD = 0.01;

function forward(batch: SaeBatch): void {
  const { shape, params, h, batchSize, ws } = batch;
  const d = shape.dictSize;
  const theta = ws.extra.theta as Float64Array;
  for (let l = 0; l < d; l++) theta[l] = Math.exp(params.log_threshold[l]);
  encoderPreActivations(shape, params.W_enc, params.b_enc, params.b_dec, h, batchSize, ws.pre);
  for (let s = 0; s < batchSize; s++) {
    for (let l = 0; l < d; l++) {
      const e = s * d + l;
      ws.z[e] = ws.pre[e] > theta[l] ? ws.pre[e] : 0;
    }
  }
  decode(shape, params.W_dec, params.b_dec, ws.z, batchSize, ws.hHat);
}

export const jumpreluSae: SaeArchitecture = {
  name: 'jumprelu',

  parameterShapes(shape: SaeShape): Record<string, number[]> {
    return { ...sharedParameterShapes(shape), log_threshold: [shape.dictSize] };
  },

  initExtra(_shape: SaeShape, params: SaeParams): void {
    params.log_threshold.fill(Math.log(INITIAL_THRESHOLD));
  },

  createWorkspace(shape: SaeShape, maxBatch: number): SaeWorkspace {
    const ws = createSharedWorkspace(shape, maxBatch);
    ws.extra.theta = new Float64Array(shape.dictSize); // θ = exp(t), computed once per call
    return ws;
  },

  lossAndGradients(step: SaeStep): SaeLoss {
    const { shape, params, h, batchSize, hyper, ws, grads } = step;
    clearGradients(grads);
    forward(step);
    const reconstruction = reconstructionLoss(shape, h, ws.hHat, batchSize, ws.gradHHat);
    decoderBackward(shape, params.W_dec, ws.z, ws.gradHHat, batchSize, grads.W_dec, grads.b_dec, ws.gradZ);
    const d = shape.dictSize;
    const theta = ws.extra.theta as Float64Array;
    const lambda = hyper.l1;
    const epsilon = hyper.bandwidth;
    // grads.log_threshold first collects ∂L/∂θ, then is scaled by θ below.
    const gradTheta = grads.log_threshold;
    let l0 = 0;
    for (let s = 0; s < batchSize; s++) {
      for (let l = 0; l < d; l++) {
        const e = s * d + l;
        const pre = ws.pre[e];
        const fires = pre > theta[l];
        if (fires) l0++;
        // ∂z/∂pre = H(pre − θ); the L0 term's H passes nothing to pre, so only ∂L_rec/∂z flows.
        ws.gradPre[e] = fires ? ws.gradZ[e] : 0;
        // K((pre − θ)/ε): only pre-activations within ε/2 of the threshold contribute to ∂L/∂θ.
        if (Math.abs((pre - theta[l]) / epsilon) < 0.5) {
          gradTheta[l] += ws.gradZ[e] * (-theta[l] / epsilon) + (lambda / batchSize) * (-1 / epsilon);
        }
      }
    }
    // t = log θ, so ∂L/∂t = θ ∂L/∂θ.
    for (let l = 0; l < d; l++) gradTheta[l] *= theta[l];
    encoderBackward(shape, params.W_enc, params.b_dec, h, ws.gradPre, batchSize, grads.W_enc, grads.b_enc, grads.b_dec);
    const sparsity = (lambda * l0) / batchSize;
    return { reconstruction, sparsity, auxiliary: 0, total: reconstruction + sparsity };
  },

  encode: forward,
};
