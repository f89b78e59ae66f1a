// The toy model of Toy Models of Superposition (Elhage et al. 2022, §2), many instances at once:
//   h = W x,   x' = ReLU(Wᵀ h + b)   ("relu")   or   x' = Wᵀ h + b   ("linear"),
//   L_k = (1 / (B n)) Σ_batch Σ_i I_i (x_i − x'_i)²    for each instance k,
// and the loss of the whole grid is Σ_k L_k, so instances train independently in one model.
// The backward pass is written by hand (checked against finite differences in test/).
//
// lossAndGradients runs the fast kernel of toyGram.ts: x compressed to its active inputs, and per
// instance and batch the cheapest route by a cost model — h = W x four samples at a time, or
// G = WᵀW with the ReLU settled for the whole batch where it can be (see there).
// lossAndGradientsReference is the straightforward per-sample version the kernel is tested against
// (test/toyKernels.test.ts); reconstruct and hiddenActivations stay per sample.

import type { Rng } from '../core/rng.js';
import { createKernelWorkspace, lossAndGradientsFast, type ToyKernelWorkspace } from './toyGram.js';

export type Activation = 'relu' | 'linear';
export type FloatArray = Float32Array | Float64Array;

export interface ToyModelShape {
  nInstances: number;
  nFeatures: number; // n
  nHidden: number; // m
  activation: Activation;
}

export interface ToyModelParams<A extends FloatArray = Float32Array> {
  W: A; // [inst, hidden, feat]
  b: A; // [inst, feat]
}

export interface ToyModelGrads {
  W: Float64Array; // [inst, hidden, feat]
  b: Float64Array; // [inst, feat]
}

/** Scratch buffers, reused across samples and steps. */
export interface ToyModelWorkspace {
  h: Float64Array; // [hidden] h = W x of the current sample
  gradHidden: Float64Array; // [hidden] ∂L/∂h
  out: Float64Array; // [feat] reconstruction x' of the current sample
  gradPre: Float64Array; // [feat] ∂L/∂a, a = Wᵀh + b
  active: Int32Array; // [feat] indices of the nonzero inputs of the current sample
  kernel: ToyKernelWorkspace; // buffers of the fast kernel (toyGram.ts)
}

export function createParams<A extends FloatArray>(
  shape: ToyModelShape,
  ArrayType: { new (length: number): A },
): ToyModelParams<A> {
  const { nInstances, nFeatures, nHidden } = shape;
  return { W: new ArrayType(nInstances * nHidden * nFeatures), b: new ArrayType(nInstances * nFeatures) };
}

export function createGrads(shape: ToyModelShape): ToyModelGrads {
  const { nInstances, nFeatures, nHidden } = shape;
  return { W: new Float64Array(nInstances * nHidden * nFeatures), b: new Float64Array(nInstances * nFeatures) };
}

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
 * x' of one sample of one instance into ws.out, h into ws.h, the active inputs into ws.active;
 * returns the number of active inputs. Rows of W are read contiguously.
 */
function forwardSample(
  shape: ToyModelShape,
  params: ToyModelParams<FloatArray>,
  instance: number,
  x: FloatArray,
  xOffset: number,
  ws: ToyModelWorkspace,
): number {
  const n = shape.nFeatures;
  const m = shape.nHidden;
  const W = params.W;
  const b = params.b;
  const wBase = instance * m * n;
  const bBase = instance * n;
  const { h, out, active } = ws;
  let nActive = 0;
  for (let j = 0; j < m; j++) h[j] = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[xOffset + i];
    if (xi === 0) continue;
    active[nActive++] = i;
    for (let j = 0; j < m; j++) h[j] += W[wBase + j * n + i] * xi;
  }
  for (let i = 0; i < n; i++) out[i] = b[bBase + i];
  for (let j = 0; j < m; j++) {
    const hj = h[j];
    const row = wBase + j * n;
    for (let i = 0; i < n; i++) out[i] += W[row + i] * hj;
  }
  if (shape.activation === 'relu') for (let i = 0; i < n; i++) if (out[i] < 0) out[i] = 0;
  return nActive;
}

/**
 * Loss per instance on a batch, and (when `grads` is given) its gradient, overwriting `grads`.
 * x is [inst, batch, feat]; importance is [inst, feat]; lossOut gets [inst].
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
): void {
  lossAndGradientsFast(shape, params, x, batchSize, importance, ws.kernel, lossOut, grads);
}

/**
 * The reference of lossAndGradients (same contract): one sample at a time along rows of W, sparse x
 * exploited only where it is free (inactive inputs skip h = W x and the x-part of ∂L/∂W).
 */
export function lossAndGradientsReference(
  shape: ToyModelShape,
  params: ToyModelParams<FloatArray>,
  x: FloatArray,
  batchSize: number,
  importance: Float64Array,
  ws: ToyModelWorkspace,
  lossOut: Float64Array,
  grads?: ToyModelGrads,
): void {
  const n = shape.nFeatures;
  const m = shape.nHidden;
  const W = params.W;
  const relu = shape.activation === 'relu';
  const scale = 1 / (batchSize * n);
  const { h, out, gradHidden, gradPre, active } = ws;
  if (grads) {
    grads.W.fill(0);
    grads.b.fill(0);
  }
  for (let k = 0; k < shape.nInstances; k++) {
    const wBase = k * m * n;
    const fBase = k * n;
    let loss = 0;
    for (let row = 0; row < batchSize; row++) {
      const xOffset = (k * batchSize + row) * n;
      const nActive = forwardSample(shape, params, k, x, xOffset, ws);
      for (let i = 0; i < n; i++) {
        const err = out[i] - x[xOffset + i];
        const weightedErr = importance[fBase + i] * err;
        loss += weightedErr * err;
        // ∂L/∂a_i = 2/(Bn) · I_i (x'_i − x_i) · ReLU'(a_i); the ReLU is off exactly when x'_i = 0.
        gradPre[i] = relu && out[i] === 0 ? 0 : 2 * scale * weightedErr;
      }
      if (!grads) continue;
      const gW = grads.W;
      const gb = grads.b;
      for (let i = 0; i < n; i++) gb[fBase + i] += gradPre[i];
      // Decoder path (a = Wᵀh + b): ∂L/∂W_ji += h_j ∂L/∂a_i, and ∂L/∂h_j = Σ_i W_ji ∂L/∂a_i.
      for (let j = 0; j < m; j++) {
        const hj = h[j];
        const rowBase = wBase + j * n;
        let s = 0;
        for (let i = 0; i < n; i++) {
          const g = gradPre[i];
          s += W[rowBase + i] * g;
          gW[rowBase + i] += hj * g;
        }
        gradHidden[j] = s;
      }
      // Encoder path (h = W x): ∂L/∂W_ji += ∂L/∂h_j x_i, only for active inputs.
      for (let a = 0; a < nActive; a++) {
        const i = active[a];
        const xi = x[xOffset + i];
        for (let j = 0; j < m; j++) gW[wBase + j * n + i] += gradHidden[j] * xi;
      }
    }
    lossOut[k] = loss * scale;
  }
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
