// Pieces every SAE architecture shares (SAE.md):
//   pre = W_enc (h − b_dec) + b_enc,   ĥ = W_dec z + b_dec,   L_rec = mean_batch ‖h − ĥ‖²,
// their backward passes, and the unit-norm constraint on decoder columns.
// Layouts: W_enc [latent, input], W_dec [input, latent], batches row-major [batch, ·].

import type { SaeShape, SaeWorkspace } from './types.js';

type Floats = ArrayLike<number>;
type Writable = { [index: number]: number; length: number };

export function sharedParameterShapes(shape: SaeShape): Record<string, number[]> {
  const { nInput: m, dictSize: d } = shape;
  return { W_enc: [d, m], b_enc: [d], W_dec: [m, d], b_dec: [m] };
}

export function createSharedWorkspace(shape: SaeShape, maxBatch: number): SaeWorkspace {
  const { nInput: m, dictSize: d } = shape;
  return {
    pre: new Float64Array(maxBatch * d),
    z: new Float64Array(maxBatch * d),
    hHat: new Float64Array(maxBatch * m),
    gradHHat: new Float64Array(maxBatch * m),
    gradZ: new Float64Array(maxBatch * d),
    gradPre: new Float64Array(maxBatch * d),
    extra: {},
  };
}

/** pre = W (h − b_dec) + bias for a batch; W is [latent, input]. */
export function encoderPreActivations(
  shape: SaeShape,
  W: Floats,
  bias: Floats,
  bDec: Floats,
  h: Floats,
  batchSize: number,
  pre: Writable,
): void {
  const { nInput: m, dictSize: d } = shape;
  for (let s = 0; s < batchSize; s++) {
    for (let l = 0; l < d; l++) {
      let a = bias[l];
      for (let j = 0; j < m; j++) a += W[l * m + j] * (h[s * m + j] - bDec[j]);
      pre[s * d + l] = a;
    }
  }
}

/** ĥ = W_dec z + b_dec for a batch, skipping zero latents. */
export function decode(shape: SaeShape, Wdec: Floats, bDec: Floats, z: Floats, batchSize: number, hHat: Writable): void {
  const { nInput: m, dictSize: d } = shape;
  for (let s = 0; s < batchSize; s++) {
    for (let j = 0; j < m; j++) hHat[s * m + j] = bDec[j];
    for (let l = 0; l < d; l++) {
      const zl = z[s * d + l];
      if (zl === 0) continue;
      for (let j = 0; j < m; j++) hHat[s * m + j] += Wdec[j * d + l] * zl;
    }
  }
}

/**
 * L_rec = (1/B) Σ_s ‖h_s − ĥ_s‖² and ∂L_rec/∂ĥ = 2(ĥ − h)/B into ws.gradHHat.
 */
export function reconstructionLoss(shape: SaeShape, h: Floats, hHat: Floats, batchSize: number, gradHHat: Writable): number {
  const m = shape.nInput;
  let loss = 0;
  const scale = 2 / batchSize;
  for (let e = 0; e < batchSize * m; e++) {
    const err = hHat[e] - h[e];
    loss += err * err;
    gradHHat[e] = scale * err;
  }
  return loss / batchSize;
}

/**
 * Backward through ĥ = W_dec z + b_dec: accumulates ∂L/∂W_dec and ∂L/∂b_dec, and writes
 * ∂L/∂z = W_decᵀ ∂L/∂ĥ into gradZ (for every latent: architectures mask it themselves).
 */
export function decoderBackward(
  shape: SaeShape,
  Wdec: Floats,
  z: Floats,
  gradHHat: Floats,
  batchSize: number,
  gradWdec: Float64Array,
  gradBdec: Float64Array,
  gradZ: Writable,
): void {
  const { nInput: m, dictSize: d } = shape;
  for (let s = 0; s < batchSize; s++) {
    for (let j = 0; j < m; j++) gradBdec[j] += gradHHat[s * m + j];
    for (let l = 0; l < d; l++) {
      const zl = z[s * d + l];
      let g = 0;
      for (let j = 0; j < m; j++) {
        const gh = gradHHat[s * m + j];
        g += Wdec[j * d + l] * gh;
        if (zl !== 0) gradWdec[j * d + l] += gh * zl;
      }
      gradZ[s * d + l] = g;
    }
  }
}

/**
 * Backward through pre = W (h − b_dec) + bias: accumulates ∂L/∂W, ∂L/∂bias and the encoder's
 * share of ∂L/∂b_dec (b_dec is subtracted from the input, so it gets −Wᵀ ∂L/∂pre).
 */
export function encoderBackward(
  shape: SaeShape,
  W: Floats,
  bDec: Floats,
  h: Floats,
  gradPre: Floats,
  batchSize: number,
  gradW: Float64Array,
  gradBias: Float64Array,
  gradBdec: Float64Array,
): void {
  const { nInput: m, dictSize: d } = shape;
  for (let s = 0; s < batchSize; s++) {
    for (let l = 0; l < d; l++) {
      const g = gradPre[s * d + l];
      if (g === 0) continue;
      gradBias[l] += g;
      for (let j = 0; j < m; j++) {
        gradW[l * m + j] += g * (h[s * m + j] - bDec[j]);
        gradBdec[j] -= g * W[l * m + j];
      }
    }
  }
}

/** Remove from each decoder column's gradient its component along the column (W_dec [input, latent]). */
export function removeParallelGradient(shape: SaeShape, Wdec: Floats, gradWdec: Float64Array): void {
  const { nInput: m, dictSize: d } = shape;
  for (let l = 0; l < d; l++) {
    let dot = 0;
    let normSquared = 0;
    for (let j = 0; j < m; j++) {
      dot += Wdec[j * d + l] * gradWdec[j * d + l];
      normSquared += Wdec[j * d + l] * Wdec[j * d + l];
    }
    if (normSquared === 0) continue;
    const c = dot / normSquared;
    for (let j = 0; j < m; j++) gradWdec[j * d + l] -= c * Wdec[j * d + l];
  }
}

/** Scale every decoder column to unit norm (zero columns stay zero). */
export function normaliseDecoderColumns(shape: SaeShape, Wdec: Writable): void {
  const { nInput: m, dictSize: d } = shape;
  for (let l = 0; l < d; l++) {
    let normSquared = 0;
    for (let j = 0; j < m; j++) normSquared += Wdec[j * d + l] * Wdec[j * d + l];
    if (normSquared === 0) continue;
    const inv = 1 / Math.sqrt(normSquared);
    for (let j = 0; j < m; j++) Wdec[j * d + l] *= inv;
  }
}
