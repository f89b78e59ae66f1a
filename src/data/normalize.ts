// Unit-norm samples: Henighan et al. 2023 rescale every sample x of the toy data to ‖x‖ = 1 after
// drawing it, which makes memorising training points easier (a point's hidden vector then has a
// length the model can rely on). Rows that drew no active feature stay zero.

/**
 * Rescale each of `rows` consecutive rows of length `nFeatures` in `x` to unit Euclidean norm,
 * in place; the norm is summed in float64. An all-zero row is left as it is.
 *
 * @example
 * const x = Float32Array.from([3, 4, 0, 0]); // two rows of 2
 * normalizeRows(x, 2, 2); // x = [0.6, 0.8, 0, 0]
 */
export function normalizeRows(x: Float32Array | Float64Array, rows: number, nFeatures: number): void {
  for (let r = 0; r < rows; r++) {
    const start = r * nFeatures;
    let squares = 0;
    for (let i = 0; i < nFeatures; i++) squares += x[start + i] * x[start + i];
    if (squares === 0) continue;
    const scale = 1 / Math.sqrt(squares);
    for (let i = 0; i < nFeatures; i++) x[start + i] *= scale;
  }
}

/**
 * normalizeRows for x [rows, nFeatures] together with its image h = W x [rows, nHidden]: h is
 * linear in x, so each h row is divided by the same norm (the SAE's data, drawn with h built
 * while x is sampled).
 *
 * @example
 * const x = Float32Array.from([3, 4]); const h = Float64Array.from([10]);
 * normalizeRowsWithImage(x, h, 1, 2, 1); // x = [0.6, 0.8], h = [2]
 */
export function normalizeRowsWithImage(x: Float32Array | Float64Array, h: Float64Array, rows: number, nFeatures: number, nHidden: number): void {
  for (let r = 0; r < rows; r++) {
    let squares = 0;
    for (let i = 0; i < nFeatures; i++) squares += x[r * nFeatures + i] * x[r * nFeatures + i];
    if (squares === 0) continue;
    const scale = 1 / Math.sqrt(squares);
    for (let i = 0; i < nFeatures; i++) x[r * nFeatures + i] *= scale;
    for (let j = 0; j < nHidden; j++) h[r * nHidden + j] *= scale;
  }
}
