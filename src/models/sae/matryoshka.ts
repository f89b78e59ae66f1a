// Matryoshka BatchTopK SAE — Bussmann et al. 2025, "Learning Multi-Level Features with
// Matryoshka Sparse Autoencoders", and Nabeshima 2024 (Matryoshka SAEs); docs/sae.md, § Matryoshka.
// The BatchTopK code (batchtopk.ts) trained so that every prefix of the dictionary reconstructs on
// its own: with nested sizes g₁ < g₂ < … < g_K = d,
//   ĥ_k = b_dec + Σ_{l < g_k} W_dec,l z_l                 (the first g_k latents only)
//   L   = (1/K) Σ_k mean_batch ‖h − ĥ_k‖²  +  α · L_aux    (L_aux on the full ĥ = ĥ_K, auxk.ts)
// The inner prefixes cannot lean on later latents, so a general direction (a parent feature) must
// be carried by an early latent of its own instead of being folded into its children's latents:
// the remedy for feature absorption. The mean over K (rather than the sum) keeps the loss on the
// scale of one reconstruction, so the learning rate and AuxK weight of batchtopk carry over.
// Gradient: with G_k = Σ_{j ≥ k} 2(ĥ_j − h)/(K·B), a latent l in the band g_{k−1} ≤ l < g_k is in
// prefixes k … K, so ∂L/∂z_l = W_dec,lᵀ G_k, ∂L/∂W_dec,l = G_k z_l and ∂L/∂b_dec = G_1 (+ the encoder
// path); ∂z/∂pre = 1 on the kept entries as for BatchTopK. Inference, θ and AuxK are batchtopk's.

import { addAuxKBuffers, auxKLoss } from './auxk.js';
import { batchTopKForward, batchtopkSae, trackThreshold } from './batchtopk.js';
import { encoderBackward } from '../../kernels/sae/encoder.js';
import type { SaeArchitecture, SaeLoss, SaeShape, SaeStep, SaeWorkspace } from './types.js';
import { clearGradients, createSharedWorkspace, sharedParameterShapes } from './workspace.js';

/**
 * The prefix losses of a batch whose forward filled ws.z (kept entries, the rest 0): returns
 * (1/K) Σ_k mean_batch ‖h − ĥ_k‖², adds ∂/∂W_dec and ∂/∂b_dec into grads and writes ∂/∂pre of the
 * kept entries into ws.gradPre (0 elsewhere).
 */
function prefixLossAndGradients(step: SaeStep, prefixes: Int32Array): number {
  const { shape, params, h, batchSize, ws, grads } = step;
  const { nInput: m, dictSize: d } = shape;
  const K = prefixes.length;
  const Wdec = params.W_dec;
  const bDec = params.b_dec;
  const gradWdec = grads.W_dec;
  const err = ws.extra.prefixError as Float64Array; // [prefix, input] ĥ_k − h for one sample, then G_k
  const scale = 2 / (K * batchSize);
  let loss = 0;
  for (let s = 0; s < batchSize; s++) {
    const zRow = s * d;
    const hRow = s * m;
    // Forward, band by band: ĥ_k = ĥ_{k−1} + the band's latents; store ĥ_k − h.
    let start = 0;
    for (let k = 0; k < K; k++) {
      const out = k * m;
      for (let j = 0; j < m; j++) err[out + j] = k === 0 ? bDec[j] - h[hRow + j] : err[out - m + j];
      for (let l = start; l < prefixes[k]; l++) {
        const zl = ws.z[zRow + l];
        if (zl !== 0) for (let j = 0; j < m; j++) err[out + j] += Wdec[j * d + l] * zl;
      }
      for (let j = 0; j < m; j++) loss += err[out + j] * err[out + j];
      start = prefixes[k];
    }
    // Backward, outermost band first: G_k = G_{k+1} + scale · (ĥ_k − h), in place.
    for (let k = K - 1; k >= 0; k--) {
      const out = k * m;
      for (let j = 0; j < m; j++) err[out + j] = scale * err[out + j] + (k < K - 1 ? err[out + m + j] : 0);
      for (let l = k === 0 ? 0 : prefixes[k - 1]; l < prefixes[k]; l++) {
        const zl = ws.z[zRow + l];
        if (zl === 0) {
          ws.gradPre[zRow + l] = 0;
          continue;
        }
        let g = 0;
        for (let j = 0; j < m; j++) {
          g += Wdec[j * d + l] * err[out + j];
          gradWdec[j * d + l] += err[out + j] * zl;
        }
        ws.gradPre[zRow + l] = g;
      }
    }
    for (let j = 0; j < m; j++) grads.b_dec[j] += err[j];
  }
  return loss / (K * batchSize);
}

export const matryoshkaSae: SaeArchitecture = {
  name: 'matryoshka',
  parameterShapes: sharedParameterShapes,
  initExtra() {},

  createWorkspace(shape: SaeShape, maxBatch: number): SaeWorkspace {
    const ws = createSharedWorkspace(shape, maxBatch);
    ws.extra.order = new Int32Array(Math.max(maxBatch, 1) * shape.dictSize); // as batchtopk
    ws.extra.prefixError = new Float64Array(shape.dictSize * shape.nInput); // K ≤ d prefixes
    addAuxKBuffers(shape, ws);
    return ws;
  },

  lossAndGradients(step: SaeStep): SaeLoss {
    const prefixes = step.hyper.prefixes;
    if (!prefixes || prefixes[prefixes.length - 1] !== step.shape.dictSize)
      throw new Error('matryoshka: hyper.prefixes must be set and end with the dictionary size');
    const t = batchTopKForward(step);
    clearGradients(step.grads);
    const reconstruction = prefixLossAndGradients(step, prefixes);
    const auxiliary = auxKLoss(step); // on the full ĥ (ws.hHat), adding to ws.gradPre
    const { shape, params, h, batchSize, ws, grads } = step;
    encoderBackward(shape, params.W_enc, params.b_dec, h, ws.gradPre, batchSize, grads.W_enc, grads.b_enc, grads.b_dec);
    trackThreshold(step.state, step.hyper.thresholdDecay, t);
    return { reconstruction, sparsity: 0, auxiliary, total: reconstruction + auxiliary };
  },

  encode: batchtopkSae.encode,
};
