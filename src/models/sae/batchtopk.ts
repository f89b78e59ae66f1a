// BatchTopK SAE — Bussmann, Leask & Nanda 2024, "BatchTopK Sparse Autoencoders" (the BatchTopK
// activation over a batch, and the global threshold that replaces it at inference); docs/sae.md,
// § BatchTopK:
//   pre = W_enc (h − b_dec) + b_enc,   ĥ = W_dec z + b_dec,
//   training:  z = BatchTopK_{B·k}(ReLU(pre)): the B·k largest entries of the whole [B, d] batch,
//   L = mean_batch ‖h − ĥ‖² + α · L_aux         (the AuxK term of Gao et al. 2024, auxk.ts, which the
//                                                authors' training code also uses),
//   inference: z = pre · [pre > θ],   θ ← decay · θ + (1 − decay) · t after each training batch,
// with t the smallest kept activation of the batch (θ starts negative: the first batch sets θ = t).
// Selecting over the batch lets the number of active latents vary per sample (mean k); θ makes
// inference per-sample again and removes the dependence of one sample's code on the rest of its batch.
// Ties go to the lower flat index (s·d + l), so B·k entries are kept exactly; if fewer than B·k
// pre-activations are positive, all of those are kept. As for TopK, the selection is locally
// constant away from ties, so ∂z/∂pre = 1 on the kept entries and 0 elsewhere; θ does not enter
// the training loss.

import { addAuxKBuffers } from './auxk.js';
import { decode } from '../../kernels/sae/decoder.js';
import { encoderPreActivations } from '../../kernels/sae/encoder.js';
import { keptLatentsLossAndGradients } from './keptLatentsLoss.js';
import { topkActivations } from './topk.js';
import type { SaeArchitecture, SaeBatch, SaeLoss, SaeShape, SaeState, SaeStep, SaeWorkspace } from './types.js';
import { createSharedWorkspace, sharedParameterShapes } from './workspace.js';

/** Flat entry a ranks before b: larger value, or the same value and a lower index (a strict total order). */
function ranksBefore(values: ArrayLike<number>, a: number, b: number): boolean {
  const va = values[a];
  const vb = values[b];
  return va > vb || (va === vb && a < b);
}

/**
 * Quickselect (Hoare 1961, with Wirth's partition and a median-of-three pivot, no randomness):
 * permutes index[0..n) so that index[r] is the entry of rank r under ranksBefore, every entry
 * before position r ranks before it and every entry after ranks after it; returns index[r].
 * Expected O(n), against O(n log n) for sorting the B·d entries.
 */
function selectRank(values: ArrayLike<number>, index: Int32Array, n: number, r: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Order index[lo], index[mid], index[hi]: the pivot is their median, and the two outer ones
    // stop the scans below from running off the range.
    if (ranksBefore(values, index[mid], index[lo])) swap(index, mid, lo);
    if (ranksBefore(values, index[hi], index[lo])) swap(index, hi, lo);
    if (ranksBefore(values, index[hi], index[mid])) swap(index, hi, mid);
    const pivot = index[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (ranksBefore(values, index[i], pivot)) i++;
      while (ranksBefore(values, pivot, index[j])) j--;
      if (i <= j) {
        swap(index, i, j);
        i++;
        j--;
      }
    }
    // Now [lo, j] ranks before the pivot, [i, hi] after, and a position between them holds the pivot.
    if (r <= j) hi = j;
    else if (r >= i) lo = i;
    else return index[r];
  }
  return index[r];
}

function swap(index: Int32Array, a: number, b: number): void {
  const t = index[a];
  index[a] = index[b];
  index[b] = t;
}

/**
 * Training forward: pre, z = BatchTopK_{B·k}(ReLU(pre)), ĥ. Returns t, the smallest kept
 * activation, or −1 when nothing is positive (then nothing is kept and θ has nothing to track).
 * Also matryoshka's forward (the same activation; only its loss differs).
 */
export function batchTopKForward(batch: SaeBatch): number {
  const { shape, params, h, batchSize, hyper, ws } = batch;
  encoderPreActivations(shape, params.W_enc, params.b_enc, params.b_dec, h, batchSize, ws.pre);
  const size = batchSize * shape.dictSize;
  const kept = Math.min(Math.floor(batchSize * hyper.k), size);
  const positive = ws.extra.order as Int32Array;
  let nPositive = 0;
  // ReLU first: only positive entries are candidates (ascending, so equal values keep index order).
  for (let e = 0; e < size; e++) if (ws.pre[e] > 0) positive[nPositive++] = e;
  ws.z.fill(0, 0, size);
  const nKept = Math.min(kept, nPositive);
  if (nKept === 0) {
    decode(shape, params.W_dec, params.b_dec, ws.z, batchSize, ws.hHat);
    return -1;
  }
  let smallest: number;
  if (nPositive > kept) {
    // After the selection positive[0..kept) are the kept entries and positive[kept − 1] the last of them.
    smallest = ws.pre[selectRank(ws.pre, positive, nPositive, kept - 1)];
  } else {
    smallest = Infinity;
    for (let c = 0; c < nPositive; c++) smallest = Math.min(smallest, ws.pre[positive[c]]);
  }
  for (let c = 0; c < nKept; c++) ws.z[positive[c]] = ws.pre[positive[c]];
  decode(shape, params.W_dec, params.b_dec, ws.z, batchSize, ws.hHat);
  return smallest;
}

/** θ tracks t by an exponential moving average; a batch with nothing kept leaves it unchanged. */
export function trackThreshold(state: SaeState, decay: number, t: number): void {
  if (t > 0) state.threshold = state.threshold < 0 ? t : decay * state.threshold + (1 - decay) * t;
}

export const batchtopkSae: SaeArchitecture = {
  name: 'batchtopk',
  parameterShapes: sharedParameterShapes,
  initExtra() {},

  createWorkspace(shape: SaeShape, maxBatch: number): SaeWorkspace {
    const ws = createSharedWorkspace(shape, maxBatch);
    // The batch's positive entries for the selection; also topk's per-sample buffer for inference
    // before θ exists (it needs d ≤ maxBatch·d entries).
    ws.extra.order = new Int32Array(Math.max(maxBatch, 1) * shape.dictSize);
    addAuxKBuffers(shape, ws);
    return ws;
  },

  lossAndGradients(step: SaeStep): SaeLoss {
    const t = batchTopKForward(step);
    const loss = keptLatentsLossAndGradients(step);
    trackThreshold(step.state, step.hyper.thresholdDecay, t);
    return loss;
  },

  encode(batch: SaeBatch): void {
    const { shape, params, h, batchSize, hyper, state, ws } = batch;
    encoderPreActivations(shape, params.W_enc, params.b_enc, params.b_dec, h, batchSize, ws.pre);
    const theta = state.threshold;
    if (theta < 0) {
      // No training batch has set θ yet: per-sample TopK with the same k is the closest code.
      topkActivations(shape, hyper.k, batchSize, ws, ws.extra.order as Int32Array);
    } else {
      const size = batchSize * shape.dictSize;
      for (let e = 0; e < size; e++) ws.z[e] = ws.pre[e] > theta ? ws.pre[e] : 0;
    }
    decode(shape, params.W_dec, params.b_dec, ws.z, batchSize, ws.hHat);
  },
};
