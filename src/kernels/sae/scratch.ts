// The float64 scratch the SAE kernels share: buffers that grow on demand and are reused, the
// slots that name their uses, and kernelResult, where a kernel leaves a float result.
// Layouts throughout the kernels: W_enc [latent, input], W_dec [input, latent], batches row-major [batch, ·].
//
// Performance notes. Parameters arrive as Float32Array (training) or Float64Array (gradient
// checks); the kernels copy them once per call into float64 scratch (exact), so inner loops only
// see Float64Array and per-sample values are hoisted. Scratch buffers grow on demand and are
// reused: nothing is allocated per call in the steady state. Each slot has one use, and no kernel
// calls another kernel while holding a slot. Results are the same as the plain loops, up to the
// order of floating-point sums where noted (pre, ĥ and L_rec are bit-identical everywhere).

export type Floats = ArrayLike<number>;
export type Writable = { [index: number]: number; length: number };

const scratchSlots: Float64Array[] = [];

/** A float64 scratch buffer of at least `size` entries for `slot` (contents undefined). */
export function scratch(slot: number, size: number): Float64Array {
  let buffer = scratchSlots[slot];
  if (buffer === undefined || buffer.length < size) {
    buffer = new Float64Array(Math.max(size, 16));
    scratchSlots[slot] = buffer;
  }
  return buffer;
}

/** The first `size` entries of `source` as float64, in the scratch buffer of `slot`. */
export function float64Copy(slot: number, source: Floats, size: number): Float64Array {
  const target = scratch(slot, size);
  for (let e = 0; e < size; e++) target[e] = source[e];
  return target;
}

/** W_dec [input, latent] transposed to [latent, stride ≥ input] (zero-padded), float64. */
export function transposedDecoder(slot: number, Wdec: Floats, m: number, d: number, stride: number): Float64Array {
  const target = scratch(slot, d * stride);
  if (stride > m) target.fill(0, 0, d * stride);
  for (let j = 0; j < m; j++) for (let l = 0; l < d; l++) target[l * stride + j] = Wdec[j * d + l];
  return target;
}

export const S_W = 0; // a copy of an encoder matrix [latent, input]
export const S_BIAS = 1; // a copy of an encoder bias, or an accumulated bias gradient [latent]
export const S_BDEC = 2; // a copy of b_dec [input, or 8 padded]
export const S_WDEC_T = 3; // W_dec transposed [latent, input or 8]
export const S_ROW = 4; // per-sample rows: h − b_dec, ĥ or ∂L/∂ĥ ([input], or [8, input] in the encoder)
export const S_ROW2 = 5; // a second per-sample row [input]
export const S_ROW3 = 6; // a third per-sample row [input]
export const S_GRAD_W = 7; // an accumulated matrix gradient [latent, input or 8]
export const S_GRAD_W2 = 8; // a second accumulated matrix gradient [latent, input or 8]
export const S_GRAD_BDEC = 9; // an accumulated b_dec gradient [input or 8]
export const S_STAGE = 10; // encoderPreActivations' output when the caller's buffer is not a Float64Array

/** Inputs up to which the register kernels (reluNarrow, sparseBackwardNarrow) keep a sample's rows in locals. */
export const NARROW = 8;

/**
 * Where kernels that are not inlined leave a float result (a float returned from a call is boxed in
 * a fresh heap number; a store into this array is not): the hot loop allocates nothing.
 */
export const kernelResult = new Float64Array(1);
