// The whole reconstruction path of a sparse SAE (ReLU; TopK without its auxiliary loss) in one pass
// per sample over its active latents: ĥ, L_rec, ∂L_rec/∂ĥ and the backward through decoder and
// encoder, O(B·m + nnz·m). A register kernel for m ≤ 8 and a general one.

import type { ActiveLatents } from './activeLatents.js';
import { NARROW, S_BDEC, S_BIAS, S_GRAD_BDEC, S_GRAD_W, S_GRAD_W2, S_ROW, S_ROW2, S_ROW3, S_W, S_WDEC_T, float64Copy, kernelResult, scratch, transposedDecoder, type Floats } from './scratch.js';
import type { SaeShape } from './types.js';

/**
 * The whole reconstruction path of a sparse SAE in one pass per sample, for activations with
 * z = pre on the listed latents and z = 0 elsewhere (ReLU; TopK without its auxiliary loss):
 *   ĥ = W_dec z + b_dec into hHat,  L_rec = mean_batch ‖h − ĥ‖² (returned),  ∂L_rec/∂ĥ into gradHHat,
 *   ∂L/∂pre = W_decᵀ ∂L/∂ĥ + gradPreOffset on the listed latents (0 elsewhere; the offset is e.g.
 *   the L1 term's λ/B), and its backward through the decoder and the encoder: accumulates
 *   ∂L/∂W_enc, ∂L/∂b_enc, ∂L/∂W_dec and ∂L/∂b_dec (both shares).
 * gradZ and gradPre, when given, receive ∂L/∂z and ∂L/∂pre at the listed entries only.
 * The list must hold exactly the latents where ∂z/∂pre = 1 (a superset of the nonzero z).
 * Cost O(B·m + nnz·m). Equal to decodeActive + reconstructionLoss + decoderBackwardActive +
 * encoderBackwardActive up to the order of floating-point sums; ĥ and L_rec are bit-identical
 * to decode + reconstructionLoss.
 */
export function sparseReconstructionBackward(
  shape: SaeShape,
  Wenc: Floats,
  Wdec: Floats,
  bDec: Floats,
  h: Floats,
  z: Float64Array,
  batchSize: number,
  active: ActiveLatents,
  gradPreOffset: number,
  hHat: Float64Array,
  gradHHat: Float64Array,
  gradWenc: Float64Array,
  gradBenc: Float64Array,
  gradWdec: Float64Array,
  gradBdec: Float64Array,
  gradZ: Float64Array | null = null,
  gradPre: Float64Array | null = null,
): number {
  sparseReconstructionBackwardInto(shape, Wenc, Wdec, bDec, h, z, batchSize, active, offsetScratch(gradPreOffset), hHat, gradHHat, gradWenc, gradBenc, gradWdec, gradBdec, gradZ, gradPre);
  return kernelResult[0];
}

const offsetHolder = new Float64Array(1);

/** `offset` in a one-element array (the form sparseReconstructionBackwardInto takes). */
function offsetScratch(offset: number): Float64Array {
  offsetHolder[0] = offset;
  return offsetHolder;
}

/** sparseReconstructionBackward with L_rec left in kernelResult[0] instead of returned (no boxed float). */
export function sparseReconstructionBackwardInto(
  shape: SaeShape,
  Wenc: Floats,
  Wdec: Floats,
  bDec: Floats,
  h: Floats,
  z: Float64Array,
  batchSize: number,
  active: ActiveLatents,
  gradPreOffset: Float64Array, // [1]: a double argument is boxed where the call is not inlined
  hHat: Float64Array,
  gradHHat: Float64Array,
  gradWenc: Float64Array,
  gradBenc: Float64Array,
  gradWdec: Float64Array,
  gradBdec: Float64Array,
  gradZ: Float64Array | null,
  gradPre: Float64Array | null,
): void {
  const { nInput: m, dictSize: d } = shape;
  // Rows of the float64 copies have `stride` entries: 8 (zero-padded) for the register kernel.
  const narrow = m <= NARROW;
  const stride = narrow ? NARROW : m;
  const wt = transposedDecoder(S_WDEC_T, Wdec, m, d, stride);
  const bd = scratch(S_BDEC, stride).fill(0, 0, stride);
  for (let j = 0; j < m; j++) bd[j] = bDec[j];
  const gwt = scratch(S_GRAD_W2, d * stride).fill(0, 0, d * stride); // ∂L/∂W_dec transposed
  const gwe = scratch(S_GRAD_W, d * stride).fill(0, 0, d * stride); // ∂L/∂W_enc
  const gbe = scratch(S_BIAS, d).fill(0, 0, d);
  const gbd = scratch(S_GRAD_BDEC, stride).fill(0, 0, stride);
  const { count, index } = active;
  if (narrow) sparseBackwardNarrow(m, d, wt, bd, h, z, batchSize, count, index, gradPreOffset, hHat, gradHHat, gwt, gwe, gbe, gbd, gradZ, gradPre);
  else sparseBackwardWide(m, d, wt, bd, h, z, batchSize, count, index, gradPreOffset, hHat, gradHHat, gwt, gwe, gbe, gbd, gradZ, gradPre);
  const sum = kernelResult[0];
  // The encoder's share of ∂L/∂b_dec, −Σ_s Σ_l ∂L/∂pre_sl W_enc[l, :] = −Σ_l ∂L/∂b_enc,l W_enc[l, :].
  const we = float64Copy(S_W, Wenc, d * m);
  for (let l = 0; l < d; l++) {
    const g = gbe[l];
    gradBenc[l] += g;
    for (let j = 0; j < m; j++) {
      if (g !== 0) gbd[j] -= g * we[l * m + j];
      gradWenc[l * m + j] += gwe[l * stride + j];
      gradWdec[j * d + l] += gwt[l * stride + j];
    }
  }
  for (let j = 0; j < m; j++) gradBdec[j] += gbd[j];
  kernelResult[0] = sum / batchSize;
}

/**
 * sparseReconstructionBackward's per-sample pass for m ≤ 8: a sample's ĥ, ∂L/∂ĥ and h − b_dec live
 * in 8 local variables (rows of wt, gwt, gwe have stride 8, zero-padded), which avoids the
 * load/store traffic and loop overhead of m-long inner loops; lanes 4–7 only run when m > 4.
 * Σ_s ‖h_s − ĥ_s‖² goes to kernelResult[0].
 */
function sparseBackwardNarrow(
  m: number, d: number, wt: Float64Array, bd: Float64Array, h: Floats, z: Float64Array, batchSize: number, count: Int32Array, index: Int32Array,
  offsetIn: Float64Array, hHat: Float64Array, gradHHat: Float64Array, gwt: Float64Array, gwe: Float64Array, gbe: Float64Array, gbd: Float64Array,
  gradZ: Float64Array | null, gradPre: Float64Array | null,
): void {
  const offset = offsetIn[0];
  const u1 = m > 1, u2 = m > 2, u3 = m > 3, u4 = m > 4, u5 = m > 5, u6 = m > 6, u7 = m > 7;
  const b0 = bd[0], b1 = bd[1], b2 = bd[2], b3 = bd[3], b4 = bd[4], b5 = bd[5], b6 = bd[6], b7 = bd[7];
  const scale = 2 / batchSize;
  let loss = 0;
  // Per sample, three phases that share its lanes in locals (so they stay in one function): ĥ, the error, the backward.
  for (let s = 0; s < batchSize; s++) {
    const hRow = s * m, zRow = s * d;
    const begin = zRow, end = zRow + count[s];
    // ĥ_s = b_dec + Σ_active W_dec[:, l] z_l, latents in increasing order (as decode).
    let a0 = b0, a1 = b1, a2 = b2, a3 = b3, a4 = b4, a5 = b5, a6 = b6, a7 = b7;
    for (let k = begin; k < end; k++) {
      const l = index[k];
      const zl = z[zRow + l];
      const w = l << 3;
      a0 += wt[w] * zl; a1 += wt[w + 1] * zl; a2 += wt[w + 2] * zl; a3 += wt[w + 3] * zl;
      if (u4) {
        a4 += wt[w + 4] * zl;
        if (u5) {
          a5 += wt[w + 5] * zl;
          if (u6) {
            a6 += wt[w + 6] * zl;
            if (u7) a7 += wt[w + 7] * zl;
          }
        }
      }
    }
    // Lanes j ≥ m are 0 throughout (zero padding); they are never read from h nor written out.
    const h0 = h[hRow], h1 = u1 ? h[hRow + 1] : 0, h2 = u2 ? h[hRow + 2] : 0, h3 = u3 ? h[hRow + 3] : 0;
    const h4 = u4 ? h[hRow + 4] : 0, h5 = u5 ? h[hRow + 5] : 0, h6 = u6 ? h[hRow + 6] : 0, h7 = u7 ? h[hRow + 7] : 0;
    const e0 = a0 - h0, e1 = a1 - h1, e2 = a2 - h2, e3 = a3 - h3, e4 = a4 - h4, e5 = a5 - h5, e6 = a6 - h6, e7 = a7 - h7;
    const g0 = scale * e0, g1 = scale * e1, g2 = scale * e2, g3 = scale * e3;
    const g4 = scale * e4, g5 = scale * e5, g6 = scale * e6, g7 = scale * e7;
    // Per lane j: L_rec's term, ĥ_j, ∂L/∂ĥ_j and ∂L/∂b_dec,j's decoder share.
    loss += e0 * e0; hHat[hRow] = a0; gradHHat[hRow] = g0; gbd[0] += g0;
    if (u1) {
      loss += e1 * e1; hHat[hRow + 1] = a1; gradHHat[hRow + 1] = g1; gbd[1] += g1;
      if (u2) {
        loss += e2 * e2; hHat[hRow + 2] = a2; gradHHat[hRow + 2] = g2; gbd[2] += g2;
        if (u3) {
          loss += e3 * e3; hHat[hRow + 3] = a3; gradHHat[hRow + 3] = g3; gbd[3] += g3;
          if (u4) {
            loss += e4 * e4; hHat[hRow + 4] = a4; gradHHat[hRow + 4] = g4; gbd[4] += g4;
            if (u5) {
              loss += e5 * e5; hHat[hRow + 5] = a5; gradHHat[hRow + 5] = g5; gbd[5] += g5;
              if (u6) {
                loss += e6 * e6; hHat[hRow + 6] = a6; gradHHat[hRow + 6] = g6; gbd[6] += g6;
                if (u7) { loss += e7 * e7; hHat[hRow + 7] = a7; gradHHat[hRow + 7] = g7; gbd[7] += g7; }
              }
            }
          }
        }
      }
    }
    if (begin === end) continue;
    const c0 = h0 - b0, c1 = h1 - b1, c2 = h2 - b2, c3 = h3 - b3, c4 = h4 - b4, c5 = h5 - b5, c6 = h6 - b6, c7 = h7 - b7;
    for (let k = begin; k < end; k++) {
      const l = index[k];
      const zl = z[zRow + l];
      const w = l << 3;
      let gz = wt[w] * g0 + wt[w + 1] * g1 + wt[w + 2] * g2 + wt[w + 3] * g3;
      if (u4) {
        gz += wt[w + 4] * g4;
        if (u5) {
          gz += wt[w + 5] * g5;
          if (u6) {
            gz += wt[w + 6] * g6;
            if (u7) gz += wt[w + 7] * g7;
          }
        }
      }
      const gp = gz + offset;
      if (gradZ !== null) gradZ[zRow + l] = gz;
      if (gradPre !== null) gradPre[zRow + l] = gp;
      gbe[l] += gp;
      // Per lane j: ∂L/∂W_dec[j, l] (stored transposed) and ∂L/∂W_enc[l, j].
      gwt[w] += g0 * zl; gwe[w] += gp * c0;
      gwt[w + 1] += g1 * zl; gwe[w + 1] += gp * c1;
      gwt[w + 2] += g2 * zl; gwe[w + 2] += gp * c2;
      gwt[w + 3] += g3 * zl; gwe[w + 3] += gp * c3;
      if (u4) {
        gwt[w + 4] += g4 * zl; gwe[w + 4] += gp * c4;
        if (u5) {
          gwt[w + 5] += g5 * zl; gwe[w + 5] += gp * c5;
          if (u6) {
            gwt[w + 6] += g6 * zl; gwe[w + 6] += gp * c6;
            if (u7) { gwt[w + 7] += g7 * zl; gwe[w + 7] += gp * c7; }
          }
        }
      }
    }
  }
  kernelResult[0] = loss;
}

/** sparseReconstructionBackward's per-sample pass for any m (rows of stride m); Σ_s ‖h_s − ĥ_s‖² to kernelResult[0]. */
function sparseBackwardWide(
  m: number,
  d: number,
  wt: Float64Array,
  bd: Float64Array,
  h: Floats,
  z: Float64Array,
  batchSize: number,
  count: Int32Array,
  index: Int32Array,
  offsetIn: Float64Array,
  hHat: Float64Array,
  gradHHat: Float64Array,
  gwt: Float64Array,
  gwe: Float64Array,
  gbe: Float64Array,
  gbd: Float64Array,
  gradZ: Float64Array | null,
  gradPre: Float64Array | null,
): void {
  const offset = offsetIn[0];
  const acc = scratch(S_ROW, m);
  const gh = scratch(S_ROW2, m);
  const hc = scratch(S_ROW3, m);
  const scale = 2 / batchSize;
  let loss = 0;
  for (let s = 0; s < batchSize; s++) {
    const hRow = s * m;
    const zRow = s * d;
    const begin = zRow;
    const end = zRow + count[s];
    for (let j = 0; j < m; j++) acc[j] = bd[j];
    for (let k = begin; k < end; k++) {
      const l = index[k];
      const zl = z[zRow + l];
      const wRow = l * m;
      for (let j = 0; j < m; j++) acc[j] += wt[wRow + j] * zl;
    }
    for (let j = 0; j < m; j++) {
      const a = acc[j];
      const hj = h[hRow + j];
      hHat[hRow + j] = a;
      const err = a - hj;
      loss += err * err;
      const g = scale * err;
      gradHHat[hRow + j] = g;
      gbd[j] += g;
      gh[j] = g;
      hc[j] = hj - bd[j];
    }
    for (let k = begin; k < end; k++) {
      const l = index[k];
      const zl = z[zRow + l];
      const wRow = l * m;
      let gz = 0;
      for (let j = 0; j < m; j++) gz += wt[wRow + j] * gh[j];
      const gp = gz + offset;
      if (gradZ !== null) gradZ[zRow + l] = gz;
      if (gradPre !== null) gradPre[zRow + l] = gp;
      gbe[l] += gp;
      for (let j = 0; j < m; j++) {
        gwt[wRow + j] += gh[j] * zl;
        gwe[wRow + j] += gp * hc[j];
      }
    }
  }
  kernelResult[0] = loss;
}
