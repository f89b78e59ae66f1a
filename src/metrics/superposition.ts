// Superposition metrics of one instance's W (m × n, columns W_i = feature directions), as
// defined in Toy Models of Superposition §2–§3 and ARCHITECTURE.md:
//   ‖W_i‖;  represented: ‖W_i‖ > 0.5;  interference_i = Σ_{j≠i} (Ŵ_i·W_j)²;
//   D_i = ‖W_i‖² / Σ_j (Ŵ_i·W_j)²;  dimensions per feature = m / ‖W‖_F²;  Gram matrix WᵀW.
// All in float64, whatever the weights' storage type.

/** A feature is represented when ‖W_i‖ > 0.5. */
export const REPRESENTED_THRESHOLD = 0.5;

/** The geometry of one instance's W: norms, interference, dimensionality, dimensions per feature, WᵀW. */
export interface SuperpositionMetrics {
  featureNorms: number[]; // [feat]
  represented: number;
  interference: number[]; // [feat]
  dimensionality: number[]; // [feat]
  dimensionsPerFeature: number;
  gram: number[][]; // [feat, feat]
}

/** Gram matrix WᵀW of instance `instance` of W [inst, hidden, feat]. */
export function gramMatrix(W: ArrayLike<number>, instance: number, nHidden: number, nFeatures: number): number[][] {
  const base = instance * nHidden * nFeatures;
  const gram: number[][] = [];
  for (let i = 0; i < nFeatures; i++) {
    const row = new Array<number>(nFeatures).fill(0);
    for (let j = 0; j < nFeatures; j++) {
      let s = 0;
      for (let r = 0; r < nHidden; r++) s += W[base + r * nFeatures + i] * W[base + r * nFeatures + j];
      row[j] = s;
    }
    gram.push(row);
  }
  return gram;
}

/** Every superposition metric of one instance. A zero column has interference 0 and D_i = 0. */
export function superpositionMetrics(
  W: ArrayLike<number>,
  instance: number,
  nHidden: number,
  nFeatures: number,
): SuperpositionMetrics {
  const gram = gramMatrix(W, instance, nHidden, nFeatures);
  const featureNorms: number[] = [];
  const interference: number[] = [];
  const dimensionality: number[] = [];
  let frobeniusSquared = 0;
  for (let i = 0; i < nFeatures; i++) {
    const normSquared = gram[i][i];
    frobeniusSquared += normSquared;
    featureNorms.push(Math.sqrt(normSquared));
    if (normSquared === 0) {
      interference.push(0);
      dimensionality.push(0);
      continue;
    }
    // (Ŵ_i·W_j)² = (W_i·W_j)² / ‖W_i‖²
    let others = 0;
    for (let j = 0; j < nFeatures; j++) if (j !== i) others += (gram[i][j] * gram[i][j]) / normSquared;
    interference.push(others);
    dimensionality.push(normSquared / (normSquared + others));
  }
  return {
    featureNorms,
    represented: featureNorms.filter((norm) => norm > REPRESENTED_THRESHOLD).length,
    interference,
    dimensionality,
    dimensionsPerFeature: frobeniusSquared === 0 ? Infinity : nHidden / frobeniusSquared,
    gram,
  };
}
