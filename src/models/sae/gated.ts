// Gated SAE — Rajamanoharan et al. 2024, "Improving Dictionary Learning with Gated Sparse
// Autoencoders", §3 (the gated encoder, the weight sharing between its two paths, and the training
// loss with its auxiliary task); docs/sae.md, § Gated:
//   π_gate = W_gate (h − b_dec) + b_gate,   π_mag = (exp(r_mag) ⊙ W_gate)(h − b_dec) + b_mag,
//   z = [π_gate > 0] ⊙ ReLU(π_mag),   ĥ = W_dec z + b_dec,
//   L = mean_batch ‖h − ĥ‖² + λ · mean_batch Σ_j ReLU(π_gate)_j + mean_batch ‖h − ĥ_gate‖²,
//   ĥ_gate = W_dec' ReLU(π_gate) + b_dec'   (the "via gate" reconstruction, λ = hyper.l1).
// W_gate and b_gate are stored as W_enc and b_enc, so the shared init (W_enc = W_decᵀ, b_enc = 0)
// applies to the gate; exp(r_mag_j) scales row j of W_gate for the magnitude path.
// [π_gate > 0] passes no gradient: the main reconstruction trains only the magnitude path and the
// decoder; the gate path is trained by the L1 term and the auxiliary term. W_dec', b_dec' are frozen
// copies of the decoder (the paper's stop_gradient), so the auxiliary term gives W_dec and b_dec no
// gradient through ĥ_gate. b_dec also enters π_gate through the centred input h − b_dec; the paper
// stops the gradient only in the decoder copy, not there (so does SAELens's GatedTrainingSAE, whose
// centred input is not detached): the L1 and auxiliary terms reach b_dec through −W_gateᵀ ∂L/∂π_gate.

import { decode, decoderBackward } from '../../kernels/sae/decoder.js';
import { encoderBackward, encoderPreActivations } from '../../kernels/sae/encoder.js';
import { reconstructionLoss } from '../../kernels/sae/reconstruction.js';
import type { SaeArchitecture, SaeBatch, SaeLoss, SaeParams, SaeShape, SaeStep, SaeWorkspace } from './types.js';
import { clearGradients, createSharedWorkspace, sharedParameterShapes } from './workspace.js';

/** π_gate into ws.pre, π_mag into ws.extra.piMag, z and ĥ. */
function forward(batch: SaeBatch): void {
  const { shape, params, h, batchSize, ws } = batch;
  const d = shape.dictSize;
  const magScale = ws.extra.magScale as Float64Array;
  const piMag = ws.extra.piMag as Float64Array;
  const bGate = params.b_enc;
  const bMag = params.b_mag;
  for (let l = 0; l < d; l++) magScale[l] = Math.exp(params.r_mag[l]);
  encoderPreActivations(shape, params.W_enc, bGate, params.b_dec, h, batchSize, ws.pre);
  for (let s = 0; s < batchSize; s++) {
    for (let l = 0; l < d; l++) {
      const e = s * d + l;
      const piGate = ws.pre[e];
      // π_gate − b_gate = W_gate (h − b_dec): the magnitude path reuses the gate's matrix product.
      piMag[e] = magScale[l] * (piGate - bGate[l]) + bMag[l];
      ws.z[e] = piGate > 0 && piMag[e] > 0 ? piMag[e] : 0;
    }
  }
  decode(shape, params.W_dec, params.b_dec, ws.z, batchSize, ws.hHat);
}

export const gatedSae: SaeArchitecture = {
  name: 'gated',

  parameterShapes(shape: SaeShape): Record<string, number[]> {
    const d = shape.dictSize;
    return { ...sharedParameterShapes(shape), r_mag: [d], b_mag: [d] };
  },

  /** r_mag = 0 and b_mag = 0 (with b_gate = 0): at init π_mag = π_gate, i.e. a plain ReLU SAE. */
  initExtra(_shape: SaeShape, params: SaeParams): void {
    params.r_mag.fill(0);
    params.b_mag.fill(0);
  },

  createWorkspace(shape: SaeShape, maxBatch: number): SaeWorkspace {
    const { nInput: m, dictSize: d } = shape;
    const ws = createSharedWorkspace(shape, maxBatch);
    ws.extra.magScale = new Float64Array(d); // exp(r_mag)
    ws.extra.piMag = new Float64Array(maxBatch * d); // π_mag [batch, latent]
    ws.extra.fGate = new Float64Array(maxBatch * d); // ReLU(π_gate) [batch, latent]
    ws.extra.hHatGate = new Float64Array(maxBatch * m); // ĥ_gate [batch, input]
    ws.extra.gradHHatGate = new Float64Array(maxBatch * m); // ∂L_aux/∂ĥ_gate [batch, input]
    ws.extra.gradPiMag = new Float64Array(maxBatch * d); // ∂L/∂π_mag [batch, latent]
    // ∂L/∂(W_gate (h − b_dec)) [batch, latent]: both paths are affine in this shared product.
    ws.extra.gradShared = new Float64Array(maxBatch * d);
    // encoderBackward's bias output for the shared product; it belongs to no parameter (b_gate and
    // b_mag are summed separately), so it is scratch. [latent]
    ws.extra.gradSharedBias = new Float64Array(d);
    return ws;
  },

  lossAndGradients(step: SaeStep): SaeLoss {
    const { shape, params, h, batchSize, hyper, ws, grads } = step;
    const { nInput: m, dictSize: d } = shape;
    const piMag = ws.extra.piMag as Float64Array;
    const magScale = ws.extra.magScale as Float64Array;
    const fGate = ws.extra.fGate as Float64Array;
    const hHatGate = ws.extra.hHatGate as Float64Array;
    const gradHHatGate = ws.extra.gradHHatGate as Float64Array;
    const gradPiMag = ws.extra.gradPiMag as Float64Array;
    const gradShared = ws.extra.gradShared as Float64Array;
    const gradSharedBias = ws.extra.gradSharedBias as Float64Array;
    const Wdec = params.W_dec;
    const lambda = hyper.l1;

    clearGradients(grads);
    forward(step);
    const reconstruction = reconstructionLoss(shape, h, ws.hHat, batchSize, ws.gradHHat);
    decoderBackward(shape, Wdec, ws.z, ws.gradHHat, batchSize, grads.W_dec, grads.b_dec, ws.gradZ);

    const size = batchSize * d;
    let l1 = 0;
    for (let e = 0; e < size; e++) {
      fGate[e] = ws.pre[e] > 0 ? ws.pre[e] : 0;
      l1 += fGate[e];
    }
    // The frozen copy has the decoder's current values; only its backward pass differs.
    decode(shape, Wdec, params.b_dec, fGate, batchSize, hHatGate);
    const auxiliary = reconstructionLoss(shape, h, hHatGate, batchSize, gradHHatGate);

    const l1Grad = lambda / batchSize;
    for (let s = 0; s < batchSize; s++) {
      for (let l = 0; l < d; l++) {
        const e = s * d + l;
        if (ws.pre[e] <= 0) {
          // Closed gate: z = 0 and ReLU(π_gate) = 0 whatever π_gate and π_mag do nearby.
          ws.gradPre[e] = 0;
          gradPiMag[e] = 0;
          gradShared[e] = 0;
          continue;
        }
        // ∂L_aux/∂ReLU(π_gate) = W_dec'ᵀ ∂L_aux/∂ĥ_gate, read from the frozen copy: nothing is
        // accumulated into the decoder's gradients.
        let gradFGate = 0;
        for (let j = 0; j < m; j++) gradFGate += Wdec[j * d + l] * gradHHatGate[s * m + j];
        const gradPiGate = l1Grad + gradFGate;
        // The gate is open, so z = ReLU(π_mag) here.
        const gradMag = piMag[e] > 0 ? ws.gradZ[e] : 0;
        ws.gradPre[e] = gradPiGate;
        gradPiMag[e] = gradMag;
        grads.b_enc[l] += gradPiGate;
        grads.b_mag[l] += gradMag;
        // ∂π_mag/∂r_mag = exp(r_mag) W_gate (h − b_dec) = π_mag − b_mag.
        grads.r_mag[l] += gradMag * (piMag[e] - params.b_mag[l]);
        gradShared[e] = gradPiGate + magScale[l] * gradMag;
      }
    }
    // W_gate and b_dec (through h − b_dec) get the gradient of both paths at once.
    gradSharedBias.fill(0);
    encoderBackward(shape, params.W_enc, params.b_dec, h, gradShared, batchSize, grads.W_enc, gradSharedBias, grads.b_dec);
    const sparsity = (lambda * l1) / batchSize;
    return { reconstruction, sparsity, auxiliary, total: reconstruction + sparsity + auxiliary };
  },

  encode: forward,
};
