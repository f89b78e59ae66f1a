// What a toy model trained on a finite dataset stores (Henighan et al. 2023, "Superposition,
// Memorization, and Double Descent"): the dimensionality of its training points' hidden vectors
// h_t = W x_t beside that of its feature directions W_i. Both use the same measure, the one
// Toy Models of Superposition defines for features:
//   D_c = ‖c‖² / Σ_d (ĉ·d)²  over the columns c, d of a matrix (d = c included),
// so a regular T-gon of hidden vectors in m = 2 gives every point m/T, and a point (or feature)
// alone on its own axis gets 1. All in float64, whatever the inputs' storage type.

/**
 * Hidden vectors h_t = W x_t of `rows` samples: W is instance `instance` of [inst, hidden, feat],
 * X is [rows, feat]. Returns H [hidden, rows], whose columns are the h_t.
 *
 * @example
 * // W = [[1, 0, 2], [0, 1, 0]] (m = 2, n = 3), x = (1, 1, 1): h = (3, 1)
 * hiddenVectors([1, 0, 2, 0, 1, 0], 0, 2, 3, [1, 1, 1], 1); // [3, 1]
 */
export function hiddenVectors(
  W: ArrayLike<number>,
  instance: number,
  nHidden: number,
  nFeatures: number,
  X: ArrayLike<number>,
  rows: number,
): Float64Array {
  const base = instance * nHidden * nFeatures;
  const H = new Float64Array(nHidden * rows); // [hidden, rows]
  for (let t = 0; t < rows; t++) {
    for (let r = 0; r < nHidden; r++) {
      let s = 0;
      for (let i = 0; i < nFeatures; i++) {
        const x = X[t * nFeatures + i];
        if (x !== 0) s += W[base + r * nFeatures + i] * x;
      }
      H[r * rows + t] = s;
    }
  }
  return H;
}

/**
 * D_c = ‖c‖² / Σ_d (ĉ·d)² for every column c of M [rows, cols] (stored row by row); 0 for a zero
 * column. For M = W this is the feature dimensionality D_i; for M = H (hiddenVectors) the
 * training-point dimensionality D_t of Henighan et al. 2023.
 *
 * @example
 * // (1, 0) and (−2, 0): 1/(1 + 4) and 4/(1 + 4)
 * columnDimensionalities([1, -2, 0, 0], 2, 2); // [0.2, 0.8]
 */
export function columnDimensionalities(M: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const columns = Array.from({ length: cols }, (_, c) => Float64Array.from({ length: rows }, (_, r) => M[r * cols + c]));
  const D = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    const v = columns[c];
    let normSquared = 0;
    for (let r = 0; r < rows; r++) normSquared += v[r] * v[r];
    if (normSquared === 0) continue;
    // (ĉ·d)² = (c·d)² / ‖c‖²
    let overlap = 0;
    for (let d = 0; d < cols; d++) {
      const w = columns[d];
      let dot = 0;
      for (let r = 0; r < rows; r++) dot += v[r] * w[r];
      overlap += (dot * dot) / normSquared;
    }
    D[c] = normSquared / overlap;
  }
  return D;
}

/** Median of a list (mean of the middle two for an even count); NaN when empty. */
export function median(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  const sorted = Array.from(values).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** What one model stores: its training points' and its features' dimensionalities, summarised. */
export interface StorageMeasures {
  /** median_t D_t · T / m: 1 when every training point holds its share m/T (a regular T-gon), ~0 when most hold none. */
  pointShare: number;
  /** The largest training-point dimensionality max_t D_t. */
  maxPointDimensionality: number;
  /** The largest feature dimensionality max_i D_i. */
  maxFeatureDimensionality: number;
}

/**
 * The summary the double-descent claim judges, from the training points' D_t and the features' D_i
 * of one model with m hidden dimensions.
 *
 * @example
 * // a regular triangle of 3 training points in m = 2 (each D_t = 2/3), features at most 0.4
 * storageMeasures([2 / 3, 2 / 3, 2 / 3], [0.4, 0.1], 2); // { pointShare: 1, maxPoint…: 0.667, maxFeature…: 0.4 }
 */
export function storageMeasures(pointD: ArrayLike<number>, featureD: ArrayLike<number>, nHidden: number): StorageMeasures {
  const max = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, v), 0);
  return {
    pointShare: (median(pointD) * pointD.length) / nHidden,
    maxPointDimensionality: max(pointD),
    maxFeatureDimensionality: max(featureD),
  };
}
