// Shared by topk and batchtopk: the per-sample TopK selection (Gao et al. 2024, "Scaling and
// evaluating sparse autoencoders", §2.3) and the AuxK auxiliary loss for dead latents (§A.2), which
// Bussmann, Leask & Nanda 2024 also use for BatchTopK (docs/sae.md, § TopK):
//   L_aux = mean_batch ‖e − W_dec z_aux‖²,   e = h − ĥ,
//   z_aux = the k_aux largest entries of ReLU(pre) among dead latents,   k_aux = min(auxK, #dead),
// and the total loss adds α · L_aux (α = hyper.auxCoefficient). e is a constant target (the paper's
// stop-gradient on the main reconstruction): L_aux asks the dead latents to model what the live ones
// missed, without pulling the main reconstruction towards what the dead latents can already do.
// The auxiliary reconstruction has no b_dec: e is already a residual of ĥ, which contains b_dec.
// A latent is dead when it has not fired for state.deadSteps training steps; with no dead latent
// (or auxK = 0) the term is 0. In a sample where no dead latent has pre > 0, z_aux = 0 and the sample
// still contributes ‖e‖², a constant without gradient.

import type { SaeShape, SaeStep, SaeWorkspace } from './types.js';

/**
 * The indices of the k largest positive values[offset + c] over candidates c, sorted by decreasing
 * value, into out[0..count); returns count = min(k, number of positive candidates). candidates is a
 * list of indices in increasing order (null: 0..nCandidates−1). Ties go to the lower index: a later
 * candidate displaces a kept one only if strictly larger, and is inserted after equal values.
 * A sorted buffer of size k costs O(n + (insertions)·k), with few insertions when k ≪ n.
 */
export function selectLargestPositive(
  values: ArrayLike<number>,
  offset: number,
  candidates: Int32Array | null,
  nCandidates: number,
  k: number,
  out: Int32Array,
): number {
  if (k <= 0) return 0;
  let count = 0;
  for (let c = 0; c < nCandidates; c++) {
    const l = candidates === null ? c : candidates[c];
    const v = values[offset + l];
    // ReLU first: a non-positive entry is 0 after it and never kept (NaN fails this test too).
    if (!(v > 0)) continue;
    let pos: number;
    if (count < k) pos = count++;
    else if (v > values[offset + out[k - 1]]) pos = k - 1; // drops the current k-th
    else continue;
    while (pos > 0 && values[offset + out[pos - 1]] < v) {
      out[pos] = out[pos - 1];
      pos--;
    }
    out[pos] = l;
  }
  return count;
}

/** The buffers auxKLoss needs, into ws.extra. */
export function addAuxKBuffers(shape: SaeShape, ws: SaeWorkspace): void {
  ws.extra.deadLatents = new Int32Array(shape.dictSize); // the dead latents, increasing
  ws.extra.auxSelected = new Int32Array(shape.dictSize); // one sample's z_aux support
  ws.extra.auxResidual = new Float64Array(shape.nInput); // W_dec z_aux − e for one sample
}

/**
 * α · L_aux for a batch whose ws.pre and ws.hHat (the main reconstruction) are filled. Adds
 * ∂(α L_aux)/∂W_dec to grads.W_dec and ∂(α L_aux)/∂pre to ws.gradPre (on the aux-selected latents;
 * ∂z_aux/∂pre = 1 there); the caller's encoder backward carries the latter to W_enc, b_enc, b_dec.
 */
export function auxKLoss(step: SaeStep): number {
  const { shape, params, h, batchSize, hyper, state, ws, grads } = step;
  const { nInput: m, dictSize: d } = shape;
  const alpha = hyper.auxCoefficient;
  if (alpha === 0) return 0;
  const dead = ws.extra.deadLatents as Int32Array;
  const selected = ws.extra.auxSelected as Int32Array;
  const residual = ws.extra.auxResidual as Float64Array;
  let nDead = 0;
  for (let l = 0; l < d; l++) if (state.stepsSinceFired[l] >= state.deadSteps) dead[nDead++] = l;
  const kAux = Math.min(Math.floor(hyper.auxK), nDead);
  if (kAux <= 0) return 0;
  const Wdec = params.W_dec;
  const gradWdec = grads.W_dec;
  // ∂(α · mean_batch ‖r‖²)/∂r = 2α r / B with r = W_dec z_aux − e.
  const scale = (2 * alpha) / batchSize;
  let loss = 0;
  for (let s = 0; s < batchSize; s++) {
    const row = s * d;
    const count = selectLargestPositive(ws.pre, row, dead, nDead, kAux, selected);
    // r = W_dec z_aux − e = W_dec z_aux − (h − ĥ).
    for (let j = 0; j < m; j++) residual[j] = ws.hHat[s * m + j] - h[s * m + j];
    for (let c = 0; c < count; c++) {
      const l = selected[c];
      const zl = ws.pre[row + l];
      for (let j = 0; j < m; j++) residual[j] += Wdec[j * d + l] * zl;
    }
    for (let j = 0; j < m; j++) loss += residual[j] * residual[j];
    for (let c = 0; c < count; c++) {
      const l = selected[c];
      const zl = ws.pre[row + l];
      let g = 0;
      for (let j = 0; j < m; j++) {
        g += Wdec[j * d + l] * residual[j];
        gradWdec[j * d + l] += scale * residual[j] * zl;
      }
      ws.gradPre[row + l] += scale * g;
    }
  }
  return (alpha * loss) / batchSize;
}
