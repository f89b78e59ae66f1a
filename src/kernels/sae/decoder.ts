// The decoder every SAE shares, ĥ = W_dec z + b_dec (docs/sae.md, § Architectures), and its
// backward pass, dense (skipping zero latents) and over an active-latent list.

import type { ActiveLatents } from './activeLatents.js';
import { S_BDEC, S_GRAD_BDEC, S_GRAD_W, S_ROW, S_WDEC_T, float64Copy, scratch, transposedDecoder, type Floats, type Writable } from './scratch.js';
import type { SaeShape } from './types.js';

/** ĥ = W_dec z + b_dec for a batch, skipping zero latents. */
export function decode(shape: SaeShape, Wdec: Floats, bDec: Floats, z: Floats, batchSize: number, hHat: Writable): void {
  const { nInput: m, dictSize: d } = shape;
  const wt = transposedDecoder(S_WDEC_T, Wdec, m, d, m);
  const bd = float64Copy(S_BDEC, bDec, m);
  const acc = scratch(S_ROW, m);
  for (let s = 0; s < batchSize; s++) {
    for (let j = 0; j < m; j++) acc[j] = bd[j];
    const zRow = s * d;
    for (let l = 0; l < d; l++) {
      const zl = z[zRow + l];
      if (zl === 0) continue;
      const wRow = l * m;
      for (let j = 0; j < m; j++) acc[j] += wt[wRow + j] * zl;
    }
    const hRow = s * m;
    for (let j = 0; j < m; j++) hHat[hRow + j] = acc[j];
  }
}

/**
 * Backward through ĥ = W_dec z + b_dec: accumulates ∂L/∂W_dec and ∂L/∂b_dec, and writes
 * ∂L/∂z = W_decᵀ ∂L/∂ĥ into gradZ (for every latent: architectures mask it themselves).
 * For sparse z see decoderBackwardActive and sparseReconstructionBackward.
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
  const wt = transposedDecoder(S_WDEC_T, Wdec, m, d, m);
  const gwt = scratch(S_GRAD_W, d * m).fill(0, 0, d * m); // ∂L/∂W_dec transposed
  const gbd = scratch(S_GRAD_BDEC, m).fill(0, 0, m);
  const gh = scratch(S_ROW, m);
  for (let s = 0; s < batchSize; s++) {
    const hRow = s * m;
    for (let j = 0; j < m; j++) {
      const g = gradHHat[hRow + j];
      gh[j] = g;
      gbd[j] += g;
    }
    const zRow = s * d;
    for (let l = 0, wRow = 0; l < d; l++, wRow += m) {
      let g = 0;
      for (let j = 0; j < m; j++) g += wt[wRow + j] * gh[j];
      gradZ[zRow + l] = g;
      const zl = z[zRow + l];
      if (zl !== 0) for (let j = 0; j < m; j++) gwt[wRow + j] += gh[j] * zl;
    }
  }
  for (let j = 0; j < m; j++) {
    gradBdec[j] += gbd[j];
    for (let l = 0; l < d; l++) gradWdec[j * d + l] += gwt[l * m + j];
  }
}

/** ĥ = W_dec z + b_dec over the listed latents only (the others must have z = 0); bit-identical to decode. */
export function decodeActive(
  shape: SaeShape,
  Wdec: Floats,
  bDec: Floats,
  z: Floats,
  batchSize: number,
  active: ActiveLatents,
  hHat: Writable,
): void {
  const { nInput: m, dictSize: d } = shape;
  const { count, index } = active;
  const wt = transposedDecoder(S_WDEC_T, Wdec, m, d, m);
  const bd = float64Copy(S_BDEC, bDec, m);
  const acc = scratch(S_ROW, m);
  for (let s = 0; s < batchSize; s++) {
    for (let j = 0; j < m; j++) acc[j] = bd[j];
    const zRow = s * d;
    for (let k = zRow, end = zRow + count[s]; k < end; k++) {
      const l = index[k];
      const zl = z[zRow + l];
      const wRow = l * m;
      for (let j = 0; j < m; j++) acc[j] += wt[wRow + j] * zl;
    }
    const hRow = s * m;
    for (let j = 0; j < m; j++) hHat[hRow + j] = acc[j];
  }
}

/**
 * decoderBackward over the listed latents: accumulates ∂L/∂W_dec and ∂L/∂b_dec (all of it) and
 * writes ∂L/∂z = W_decᵀ ∂L/∂ĥ into gradZ at the listed entries only (the others are not written).
 */
export function decoderBackwardActive(
  shape: SaeShape,
  Wdec: Floats,
  z: Floats,
  gradHHat: Floats,
  batchSize: number,
  active: ActiveLatents,
  gradWdec: Float64Array,
  gradBdec: Float64Array,
  gradZ: Writable,
): void {
  const { nInput: m, dictSize: d } = shape;
  const { count, index } = active;
  const wt = transposedDecoder(S_WDEC_T, Wdec, m, d, m);
  const gwt = scratch(S_GRAD_W, d * m).fill(0, 0, d * m);
  const gbd = scratch(S_GRAD_BDEC, m).fill(0, 0, m);
  const gh = scratch(S_ROW, m);
  for (let s = 0; s < batchSize; s++) {
    const hRow = s * m;
    for (let j = 0; j < m; j++) {
      const g = gradHHat[hRow + j];
      gh[j] = g;
      gbd[j] += g;
    }
    const zRow = s * d;
    for (let k = zRow, end = zRow + count[s]; k < end; k++) {
      const l = index[k];
      const wRow = l * m;
      let g = 0;
      for (let j = 0; j < m; j++) g += wt[wRow + j] * gh[j];
      gradZ[zRow + l] = g;
      const zl = z[zRow + l];
      if (zl !== 0) for (let j = 0; j < m; j++) gwt[wRow + j] += gh[j] * zl;
    }
  }
  for (let j = 0; j < m; j++) {
    gradBdec[j] += gbd[j];
    for (let l = 0; l < d; l++) gradWdec[j * d + l] += gwt[l * m + j];
  }
}
