// The absolute-value model of Toy Models of Superposition ("Computation in Superposition"), many
// instances at once:
//   h = ReLU(W₁ x + b₁),   y = ReLU(W₂ h + b₂),   target |x|,
//   L_k = (1 / (B n)) Σ_batch Σ_i I_i (|x_i| − y_i)²    for each instance k,
// the same normalisation as the toy model, and the loss of a grid is Σ_k L_k. Unlike the toy
// model the two layers are not tied, and the hidden ReLU is what computes: |x| = ReLU(x) + ReLU(−x).
// The backward pass is written by hand (checked against finite differences in test/absModel.test.ts).
//
// Per sample only the active inputs, the active neurons and the outputs whose ReLU is open do
// work: sparse inputs switch on few neurons, and a trained model keeps the outputs of absent
// features shut, so a sparse batch costs far less than m·n per sample.

import type { Rng } from '../core/rng.js';

/** Instances × features × hidden neurons. */
export interface AbsModelShape {
  nInstances: number;
  nFeatures: number;
  nHidden: number;
}

type FloatArray = Float32Array | Float64Array;

/** The four parameter tensors (Float32Array in training, Float64Array in gradient checks). */
export interface AbsModelParams<A extends FloatArray = FloatArray> {
  W1: A; // [inst, hidden, feat]
  b1: A; // [inst, hidden]
  W2: A; // [inst, feat, hidden]
  b2: A; // [inst, feat]
}

/** Gradients, float64 so that a batch's sum loses nothing. */
export type AbsModelGrads = AbsModelParams<Float64Array>;

/** One sample's scratch: active inputs and neurons, hidden and output activations. */
export interface AbsWorkspace {
  activeInputs: Int32Array; // [feat]
  activeNeurons: Int32Array; // [hidden]
  h: Float64Array; // [hidden]
  gradHidden: Float64Array; // [hidden]
  y: Float64Array; // [feat]
  pre: Float64Array; // [feat] output pre-activations
  /** An all-zero sample (the rows with no active feature share its forward pass). */
  zeros: Float64Array; // [feat]
}

/** Zeroed parameters of the given array type. */
export function createAbsParams<A extends FloatArray>(shape: AbsModelShape, ArrayType: { new (length: number): A }): AbsModelParams<A> {
  const { nInstances: K, nFeatures: n, nHidden: m } = shape;
  return { W1: new ArrayType(K * m * n), b1: new ArrayType(K * m), W2: new ArrayType(K * n * m), b2: new ArrayType(K * n) };
}

/** Zeroed float64 gradient buffers for `shape`. */
export function createAbsGrads(shape: AbsModelShape): AbsModelGrads {
  return createAbsParams(shape, Float64Array);
}

export function createAbsWorkspace(shape: AbsModelShape): AbsWorkspace {
  const { nFeatures: n, nHidden: m } = shape;
  return {
    activeInputs: new Int32Array(n),
    activeNeurons: new Int32Array(m),
    h: new Float64Array(m),
    gradHidden: new Float64Array(m),
    y: new Float64Array(n),
    pre: new Float64Array(n),
    zeros: new Float64Array(n),
  };
}

/**
 * Xavier-normal weights as the toy model (N(0, 2/(m+n)) for both layers), zero biases. Instance k
 * draws W₁ then W₂ from rngs[k] only.
 */
export function initAbsParams(shape: AbsModelShape, params: AbsModelParams, rngs: readonly Rng[]): void {
  const { nInstances: K, nFeatures: n, nHidden: m } = shape;
  const std = Math.sqrt(2 / (m + n));
  const size = m * n;
  for (let k = 0; k < K; k++) {
    for (let e = 0; e < size; e++) params.W1[k * size + e] = std * rngs[k].normal();
    for (let e = 0; e < size; e++) params.W2[k * size + e] = std * rngs[k].normal();
  }
  params.b1.fill(0);
  params.b2.fill(0);
}

/**
 * Forward pass of one sample of instance k (x at xOffset): fills ws.h, ws.pre, ws.y and the
 * active lists; returns the number of active neurons (ws.activeNeurons[0..count)).
 */
export function absForwardSample(shape: AbsModelShape, params: AbsModelParams, k: number, x: ArrayLike<number>, xOffset: number, ws: AbsWorkspace): number {
  const { nFeatures: n, nHidden: m } = shape;
  const { W1, b1, W2, b2 } = params;
  const { activeInputs, activeNeurons, h, pre, y } = ws;
  let nActive = 0;
  for (let i = 0; i < n; i++) if (x[xOffset + i] !== 0) activeInputs[nActive++] = i;
  let nOn = 0;
  const w1 = k * m * n;
  for (let j = 0; j < m; j++) {
    let s = b1[k * m + j];
    const row = w1 + j * n;
    for (let a = 0; a < nActive; a++) {
      const i = activeInputs[a];
      s += W1[row + i] * x[xOffset + i];
    }
    h[j] = s > 0 ? s : 0;
    if (s > 0) activeNeurons[nOn++] = j;
  }
  const w2 = k * n * m;
  for (let i = 0; i < n; i++) {
    let s = b2[k * n + i];
    const row = w2 + i * m;
    for (let a = 0; a < nOn; a++) {
      const j = activeNeurons[a];
      s += W2[row + j] * h[j];
    }
    pre[i] = s;
    y[i] = s > 0 ? s : 0;
  }
  return nOn;
}

/** Add one sample's gradient (its output error already in ws.pre as dL/dy, zero where the ReLU is shut). */
function backwardSample(shape: AbsModelShape, params: AbsModelParams, k: number, x: ArrayLike<number>, xOffset: number, nOn: number, ws: AbsWorkspace, grads: AbsModelGrads): void {
  const { nFeatures: n, nHidden: m } = shape;
  const { activeNeurons, activeInputs, h, gradHidden, pre: gradOut } = ws;
  const w1 = k * m * n;
  const w2 = k * n * m;
  for (let a = 0; a < nOn; a++) gradHidden[activeNeurons[a]] = 0;
  for (let i = 0; i < n; i++) {
    const g = gradOut[i];
    if (g === 0) continue;
    grads.b2[k * n + i] += g;
    const row = w2 + i * m;
    for (let a = 0; a < nOn; a++) {
      const j = activeNeurons[a];
      grads.W2[row + j] += g * h[j];
      gradHidden[j] += g * params.W2[row + j];
    }
  }
  let nActive = 0;
  for (let i = 0; i < n; i++) if (x[xOffset + i] !== 0) activeInputs[nActive++] = i;
  for (let a = 0; a < nOn; a++) {
    const j = activeNeurons[a];
    const g = gradHidden[j];
    if (g === 0) continue;
    grads.b1[k * m + j] += g;
    const row = w1 + j * n;
    for (let c = 0; c < nActive; c++) {
      const i = activeInputs[c];
      grads.W1[row + i] += g * x[xOffset + i];
    }
  }
}

/**
 * Loss per instance on a batch x [inst, batch, feat] (importance [inst, feat]) into lossOut [inst],
 * and, when `grads` is given, its gradient, overwriting `grads`.
 */
export function absLossAndGradients(
  shape: AbsModelShape,
  params: AbsModelParams,
  x: ArrayLike<number>,
  batchSize: number,
  importance: Float64Array,
  ws: AbsWorkspace,
  lossOut: Float64Array,
  grads?: AbsModelGrads,
): void {
  const { nInstances: K, nFeatures: n } = shape;
  if (grads) for (const g of [grads.W1, grads.b1, grads.W2, grads.b2]) g.fill(0);
  const scale = 1 / (batchSize * n);
  for (let k = 0; k < K; k++) {
    let total = 0;
    // Rows with no active feature all give the same forward pass and gradient: done once, times their count.
    let zeroRows = 0;
    for (let r = 0; r < batchSize; r++) {
      const xOffset = (k * batchSize + r) * n;
      let any = false;
      for (let i = 0; i < n && !any; i++) any = x[xOffset + i] !== 0;
      if (!any) {
        zeroRows++;
        continue;
      }
      total += sampleLoss(shape, params, k, x, xOffset, importance, 2 * scale, ws, grads);
    }
    if (zeroRows > 0) total += zeroRows * sampleLoss(shape, params, k, ws.zeros, 0, importance, 2 * scale * zeroRows, ws, grads);
    lossOut[k] = total * scale;
  }
}

/** One sample's Σ_i I_i (y_i − |x_i|)², adding gradScale · I_i (y_i − |x_i|) · ∂y_i/∂θ to grads when given. */
function sampleLoss(
  shape: AbsModelShape,
  params: AbsModelParams,
  k: number,
  x: ArrayLike<number>,
  xOffset: number,
  importance: Float64Array,
  gradScale: number,
  ws: AbsWorkspace,
  grads: AbsModelGrads | undefined,
): number {
  const n = shape.nFeatures;
  const nOn = absForwardSample(shape, params, k, x, xOffset, ws);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const err = ws.y[i] - Math.abs(x[xOffset + i]);
    const weight = importance[k * n + i];
    total += weight * err * err;
    // ws.pre becomes dL/dpre: zero where the output ReLU is shut.
    ws.pre[i] = ws.pre[i] > 0 ? gradScale * weight * err : 0;
  }
  if (grads) backwardSample(shape, params, k, x, xOffset, nOn, ws, grads);
  return total;
}
