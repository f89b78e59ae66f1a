// The reference toy-model kernel: the loss and gradient one sample at a time along rows of W, the
// straightforward version every route of the fast kernel (lossAndGradients.ts) is tested against
// (test/toyKernels.test.ts); and the per-sample forward pass it shares with toyModel.reconstruct.

import type { FloatArray, ToyModelGrads, ToyModelParams, ToyModelShape } from './types.js';

/** Scratch buffers of one sample, reused across samples and steps. */
export interface SampleWorkspace {
  h: Float64Array; // [hidden] h = W x of the current sample
  gradHidden: Float64Array; // [hidden] ∂L/∂h
  out: Float64Array; // [feat] reconstruction x' of the current sample
  gradPre: Float64Array; // [feat] ∂L/∂a, a = Wᵀh + b
  active: Int32Array; // [feat] indices of the nonzero inputs of the current sample
}

/**
 * x' of one sample of one instance into ws.out, h into ws.h, the active inputs into ws.active;
 * returns the number of active inputs. Rows of W are read contiguously.
 */
export function forwardSample(
  shape: ToyModelShape,
  params: ToyModelParams<FloatArray>,
  instance: number,
  x: FloatArray,
  xOffset: number,
  ws: SampleWorkspace,
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
 * The reference of lossAndGradients (same contract): one sample at a time along rows of W, sparse x
 * exploited only where it is free (inactive inputs skip h = W x and the x-part of ∂L/∂W).
 */
export function lossAndGradientsReference(
  shape: ToyModelShape,
  params: ToyModelParams<FloatArray>,
  x: FloatArray,
  batchSize: number,
  importance: Float64Array,
  ws: SampleWorkspace,
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
