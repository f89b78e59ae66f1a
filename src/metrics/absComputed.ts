// Which features an absolute-value model computes (Toy Models of Superposition, "Computation in
// Superposition"). Feature i is *computed* when, with feature i alone active, the output y_i
// follows |x_i| over the whole range: on the grid x_i = t ∈ {−1, −0.95, …, 1},
//   R_i = Σ_t (y_i(t e_i) − |t|)² / Σ_t t²    (the error relative to the zero output's),
// and R_i ≤ 0.1. Alone, because the question is whether the circuit for |x_i| exists; the
// interference of other features is what the loss measures. The threshold separates the
// alternatives clearly: exact |x| gives 0, the best constant output (0.5) 0.25, one side only
// (ReLU(x)) 0.5, nothing 1.

/** One instance's weights: W1 [hidden, feat], b1 [hidden], W2 [feat, hidden], b2 [feat]. */
export interface AbsWeights {
  nFeatures: number;
  nHidden: number;
  W1: ArrayLike<number>; // [hidden, feat]
  b1: ArrayLike<number>; // [hidden]
  W2: ArrayLike<number>; // [feat, hidden]
  b2: ArrayLike<number>; // [feat]
}

/** R_i at most this: feature i is computed. */
export const COMPUTED_MAX_RELATIVE_ERROR = 0.1;
/** Grid points per unit of x: t = k / 20, k = −20…20. */
const GRID_STEPS = 20;

/** One instance of a packed model: its slices of W1 [inst, hidden, feat], b1, W2 [inst, feat, hidden], b2. */
export function instanceWeights(
  params: { W1: ArrayLike<number>; b1: ArrayLike<number>; W2: ArrayLike<number>; b2: ArrayLike<number> },
  k: number,
  nFeatures: number,
  nHidden: number,
): AbsWeights {
  const mn = nFeatures * nHidden;
  const slice = (a: ArrayLike<number>, start: number, length: number) => Array.from({ length }, (_, e) => a[start + e]);
  return {
    nFeatures,
    nHidden,
    W1: slice(params.W1, k * mn, mn),
    b1: slice(params.b1, k * nHidden, nHidden),
    W2: slice(params.W2, k * mn, mn),
    b2: slice(params.b2, k * nFeatures, nFeatures),
  };
}

/** y_i when only feature i is active, with value t. */
export function outputAlone(w: AbsWeights, i: number, t: number): number {
  const { nFeatures: n, nHidden: m } = w;
  let s = w.b2[i];
  for (let j = 0; j < m; j++) {
    const h = w.b1[j] + w.W1[j * n + i] * t;
    if (h > 0) s += w.W2[i * m + j] * h;
  }
  return s > 0 ? s : 0;
}

/** R_i over the grid points k/20 with k in [from, to]. */
function relativeError(w: AbsWeights, i: number, from: number, to: number): number {
  let err = 0;
  let base = 0;
  for (let k = from; k <= to; k++) {
    const t = k / GRID_STEPS;
    err += (outputAlone(w, i, t) - Math.abs(t)) ** 2;
    base += t * t;
  }
  return err / base;
}

/** R_i for every feature (see the header). @example relativeErrors(exactAbs)[0] === 0 */
export function relativeErrors(w: AbsWeights): number[] {
  return Array.from({ length: w.nFeatures }, (_, i) => relativeError(w, i, -GRID_STEPS, GRID_STEPS));
}

/**
 * [R_i on t < 0, R_i on t > 0] for every feature: a feature computed on one side only (ReLU(x) or
 * ReLU(−x)) has one of them near 0 and the other near 1.
 */
export function sideErrors(w: AbsWeights): [number, number][] {
  return Array.from({ length: w.nFeatures }, (_, i) => [relativeError(w, i, -GRID_STEPS, -1), relativeError(w, i, 1, GRID_STEPS)]);
}

/** Per feature, whether it is computed (R_i ≤ COMPUTED_MAX_RELATIVE_ERROR). */
export function computedFeatures(w: AbsWeights): boolean[] {
  return relativeErrors(w).map((r) => r <= COMPUTED_MAX_RELATIVE_ERROR);
}
