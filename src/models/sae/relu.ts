// ReLU SAE with an L1 penalty — Bricken et al. 2023, "Towards Monosemanticity", Problem Setup;
// docs/sae.md, § ReLU (L1):
//   z = ReLU(W_enc (h − b_dec) + b_enc),   ĥ = W_dec z + b_dec,
//   L = mean_batch ‖h − ĥ‖² + λ · mean_batch Σ_j z_j      (z ≥ 0, so Σ_j z_j = ‖z‖₁).
// Decoder columns are kept at unit norm by the training loop, so the L1 term cannot be gamed
// by shrinking z and growing W_dec.
//
// Speed: z is sparse, and ReLU passes gradient only where pre > 0. The encoder is the only dense
// O(B·d·m) work; it also collects, per sample, the latents with pre > 0 (reluLists.ts,
// reluEncoder). ĥ, ∂L/∂ĥ, ∂L/∂z = W_decᵀ ∂L/∂ĥ and all parameter gradients then cost
// O(L0·m) per sample (sparseReconstructionBackwardInto). Float results come back in kernelResult,
// so a step allocates nothing. Training fills ws.z, ws.hHat and ws.gradHHat (not ws.pre:
// nothing reads it, and storing B·d floats costs ~6% of a W5 step; encode fills it);
// ws.gradZ and ws.gradPre are not used (∂L/∂pre = ∂L/∂z + λ/B on the active
// latents, 0 elsewhere). ws.extra.activeCount / activeIndex hold the active lists of the last batch,
// which also give the training loop its firing counts (countFiring) without a scan of z.
// The training pass runs the encoder in WebAssembly SIMD where available (src/kernels/sae/reluEncoder.ts,
// bit-identical to reluEncoder), else in JS.

import { reluEncodeWasm, reluEncoderWasmAvailable } from '../../kernels/sae/reluEncoder.js';
import { type ActiveLatents, countListed, createActiveLatents } from '../../kernels/sae/activeLatents.js';
import { decodeActive } from '../../kernels/sae/decoder.js';
import { reluEncoder } from '../../kernels/sae/reluLists.js';
import { kernelResult } from '../../kernels/sae/scratch.js';
import { sparseReconstructionBackwardInto } from '../../kernels/sae/sparseReconstruction.js';
import type { SaeArchitecture, SaeBatch, SaeLoss, SaeShape, SaeStep, SaeWorkspace } from './types.js';
import { createSharedWorkspace, sharedParameterShapes } from './workspace.js';

/** λ/B for the backward, handed over in an array (a double argument would be boxed). */
const l1Offset = new Float64Array(1);

/** The ActiveLatents view of each workspace's lists (kept, so that a step allocates nothing). */
const listsOf = new WeakMap<SaeWorkspace, ActiveLatents>();

/** The workspace's active-latent lists, created on first use for workspaces made elsewhere. */
function activeLatents(shape: SaeShape, ws: SaeWorkspace, batchSize: number): ActiveLatents {
  const count = ws.extra.activeCount as Int32Array | undefined;
  const index = ws.extra.activeIndex as Int32Array | undefined;
  if (count !== undefined && index !== undefined && count.length >= batchSize && index.length >= batchSize * shape.dictSize) {
    const lists = listsOf.get(ws);
    if (lists !== undefined && lists.count === count && lists.index === index) return lists;
    listsOf.set(ws, { count, index });
    return { count, index };
  }
  const active = createActiveLatents(shape, batchSize);
  ws.extra.activeCount = active.count;
  ws.extra.activeIndex = active.index;
  listsOf.set(ws, active);
  return active;
}

/** z for a batch (and pre, unless storePre is false), and the active lists; Σ z is left in kernelResult[0]. */
function forward(batch: SaeBatch, active: ActiveLatents, storePre: boolean): void {
  const { shape, params, h, batchSize, ws } = batch;
  if (!storePre && reluEncoderWasmAvailable()) {
    // The same bits as reluEncoder, two samples per instruction (test/saeWasm.test.ts).
    reluEncodeWasm(shape.nInput, shape.dictSize, params.W_enc, params.b_enc, params.b_dec, h, batchSize, ws.z, active.count, active.index, kernelResult);
    return;
  }
  reluEncoder(shape, params.W_enc, params.b_enc, params.b_dec, h, batchSize, storePre ? ws.pre : null, ws.z, active);
}

export const reluSae: SaeArchitecture = {
  name: 'relu',
  parameterShapes: sharedParameterShapes,
  initExtra() {},

  createWorkspace(shape: SaeShape, maxBatch: number): SaeWorkspace {
    const ws = createSharedWorkspace(shape, maxBatch);
    activeLatents(shape, ws, maxBatch);
    return ws;
  },

  lossAndGradients(step: SaeStep): SaeLoss {
    const { shape, params, h, batchSize, hyper, ws, grads } = step;
    const active = activeLatents(shape, ws, batchSize);
    forward(step, active, false);
    const zSum = kernelResult[0];
    grads.W_enc.fill(0);
    grads.b_enc.fill(0);
    grads.W_dec.fill(0);
    grads.b_dec.fill(0);
    // ∂L/∂pre = ∂L_rec/∂z + λ/B on the active latents (ReLU' = 1 there, and ∂‖z‖₁/∂z = 1).
    l1Offset[0] = hyper.l1 / batchSize;
    sparseReconstructionBackwardInto(
      shape,
      params.W_enc,
      params.W_dec,
      params.b_dec,
      h,
      ws.z,
      batchSize,
      active,
      l1Offset,
      ws.hHat,
      ws.gradHHat,
      grads.W_enc,
      grads.b_enc,
      grads.W_dec,
      grads.b_dec,
      null,
      null,
    );
    const reconstruction = kernelResult[0];
    const sparsity = (hyper.l1 * zSum) / batchSize;
    return { reconstruction, sparsity, auxiliary: 0, total: reconstruction + sparsity };
  },

  countFiring(batch: SaeBatch, fired: Float64Array): void {
    const { shape, ws, batchSize } = batch;
    // The active list holds exactly the latents with pre > 0, i.e. with z = pre > 0.
    countListed(shape, activeLatents(shape, ws, batchSize), batchSize, fired);
  },

  encode(batch: SaeBatch): void {
    const { shape, params, batchSize, ws } = batch;
    const active = activeLatents(shape, ws, batchSize);
    forward(batch, active, true);
    decodeActive(shape, params.W_dec, params.b_dec, ws.z, batchSize, active, ws.hHat);
  },
};
