// The toy model of Toy Models of Superposition (Elhage et al. 2022, §2), many instances at once:
//   h = W x,   x' = ReLU(Wᵀ h + b)   ("relu")   or   x' = Wᵀ h + b   ("linear"),
//   L_k = (1 / (B n)) Σ_batch Σ_i I_i (x_i − x'_i)²    for each instance k,
// and the loss of the whole grid is Σ_k L_k, so instances train independently in one model.
// The backward pass is written by hand (checked against finite differences in test/).
//
// lossAndGradients runs the kernel layer (src/kernels/toy/): x compressed to its active inputs, and
// per instance and batch the cheapest route by a cost model — h = W x four samples at a time, or
// G = WᵀW with the ReLU settled for the whole batch where it can be (see there). Its per-sample
// reference, lossAndGradientsReference, is in src/kernels/toy/reference.ts; reconstruct and
// hiddenActivations stay per sample.

import type { BatchLists } from '../core/batchLists.js';
import type { Rng } from '../core/rng.js';
import { lossAndGradientsFast } from '../kernels/toy/lossAndGradients.js';
import { forwardSample, type SampleWorkspace } from '../kernels/toy/reference.js';
import type { FloatArray, ToyModelGrads, ToyModelParams, ToyModelShape } from '../kernels/toy/types.js';
import { createKernelWorkspace, type ToyKernelWorkspace } from '../kernels/toy/workspace.js';

/** Scratch buffers, reused across samples and steps: one sample's (the reference's) and the kernel's. */
export interface ToyModelWorkspace extends SampleWorkspace {
  /** @internal Buffers of the kernel layer (src/kernels/toy/workspace.ts). */
  kernel: ToyKernelWorkspace;
}

/** Zeroed parameters W [inst, hidden, feat] and b [inst, feat] of the given array type (Float32Array in training). */
export function createParams<A extends FloatArray>(
  shape: ToyModelShape,
  ArrayType: { new (length: number): A },
): ToyModelParams<A> {
  const { nInstances, nFeatures, nHidden } = shape;
  return { W: new ArrayType(nInstances * nHidden * nFeatures), b: new ArrayType(nInstances * nFeatures) };
}

/** Zeroed gradient buffers (float64) for the parameters of `shape`. */
export function createGrads(shape: ToyModelShape): ToyModelGrads {
  const { nInstances, nFeatures, nHidden } = shape;
  return { W: new Float64Array(nInstances * nHidden * nFeatures), b: new Float64Array(nInstances * nFeatures) };
}

/** Scratch buffers for lossAndGradients and reconstruct, allocated once per model shape. */
export function createWorkspace(shape: ToyModelShape): ToyModelWorkspace {
  return {
    h: new Float64Array(shape.nHidden),
    gradHidden: new Float64Array(shape.nHidden),
    out: new Float64Array(shape.nFeatures),
    gradPre: new Float64Array(shape.nFeatures),
    active: new Int32Array(shape.nFeatures),
    kernel: createKernelWorkspace(shape),
  };
}

/**
 * Xavier-normal initialisation as in the paper's code: W ~ N(0, 2/(m+n)), b = 0.
 * Instance k draws from rngs[k], so its weights do not depend on the other instances.
 */
export function initParams<A extends FloatArray>(shape: ToyModelShape, params: ToyModelParams<A>, rngs: readonly Rng[]): void {
  const { nInstances, nFeatures, nHidden } = shape;
  const std = Math.sqrt(2 / (nHidden + nFeatures));
  const size = nHidden * nFeatures;
  for (let k = 0; k < nInstances; k++) {
    for (let e = 0; e < size; e++) params.W[k * size + e] = std * rngs[k].normal();
  }
  params.b.fill(0);
}

/**
 * Loss per instance on a batch, and (when `grads` is given) its gradient, overwriting `grads`.
 * x is [inst, batch, feat]; importance is [inst, feat]; lossOut gets [inst]. `lists`: the batch as
 * the lists of its active inputs (core/batchLists.ts) instead of x (float32 x, which is then only
 * written, where the lists do not suffice).
 */
export function lossAndGradients(
  shape: ToyModelShape,
  params: ToyModelParams<FloatArray>,
  x: FloatArray,
  batchSize: number,
  importance: Float64Array,
  ws: ToyModelWorkspace,
  lossOut: Float64Array,
  grads?: ToyModelGrads,
  lists?: BatchLists,
): void {
  lossAndGradientsFast(shape, params, x, batchSize, importance, ws.kernel, lossOut, grads, undefined, lists);
}

/** Reconstructions x' for a batch, into out [inst, batch, feat]. */
export function reconstruct(
  shape: ToyModelShape,
  params: ToyModelParams<FloatArray>,
  x: FloatArray,
  batchSize: number,
  ws: ToyModelWorkspace,
  out: FloatArray,
): void {
  const n = shape.nFeatures;
  for (let k = 0; k < shape.nInstances; k++) {
    for (let row = 0; row < batchSize; row++) {
      const xOffset = (k * batchSize + row) * n;
      forwardSample(shape, params, k, x, xOffset, ws);
      for (let i = 0; i < n; i++) out[xOffset + i] = ws.out[i];
    }
  }
}

/** Hidden activations h = W x for a batch, into hidden [inst, batch, hidden]. */
export function hiddenActivations(
  shape: ToyModelShape,
  params: ToyModelParams<FloatArray>,
  x: FloatArray,
  batchSize: number,
  hidden: FloatArray,
): void {
  const n = shape.nFeatures;
  const m = shape.nHidden;
  for (let k = 0; k < shape.nInstances; k++) {
    const wBase = k * m * n;
    for (let row = 0; row < batchSize; row++) {
      const xOffset = (k * batchSize + row) * n;
      const hOffset = (k * batchSize + row) * m;
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += params.W[wBase + j * n + i] * x[xOffset + i];
        hidden[hOffset + j] = s;
      }
    }
  }
}
