// Direction recovery: how well an SAE's decoder directions match the toy model's true feature
// directions W_i (docs/sae.md, "Recovery metrics"). W: m × n stored [hidden, feat]; W_dec: m × d
// stored [hidden, latent]:
//   cos(i, l)     = Ŵ_i · (W_dec,l / ‖W_dec,l‖)
//   MMCS          = mean_i max_l cos(i, l)                       (Sharkey et al. 2022; many-to-one)
//   recovered@τ   = #{i : max_l cos(i, l) ≥ τ}
//   MCC           = mean_i cos(i, π(i)) over the one-to-one matching π maximising Σ cos
//                   (Hungarian / Jonker–Volgenant; when d < n the unmatched features score 0)
// Undefined ratios are 0, never NaN (see recovery.ts). No Node API: runs in the browser too.

import { linearSumAssignment } from 'linear-sum-assignment';
import { checkLength, maxOrZero, sum } from './arrays.js';

/** The τ of recovered@τ: recovered090 and recovered099. */
export const RECOVERY_THRESHOLDS = { loose: 0.9, strict: 0.99 } as const;

/**
 * Columns of a row-major rows × cols matrix as unit vectors, [col][row] in float64.
 * A zero column stays zero, so every cosine against it is 0.
 * Example: unitColumns([3, 0, 4, 0], 2, 2) → [[0.6, 0.8], [0, 0]].
 */
export function unitColumns(M: ArrayLike<number>, rows: number, cols: number): Float64Array[] {
  const columns: Float64Array[] = [];
  for (let c = 0; c < cols; c++) {
    const v = new Float64Array(rows); // [row]
    let normSquared = 0;
    for (let r = 0; r < rows; r++) {
      v[r] = M[r * cols + c];
      normSquared += v[r] * v[r];
    }
    if (normSquared > 0) {
      const inv = 1 / Math.sqrt(normSquared);
      for (let r = 0; r < rows; r++) v[r] *= inv;
    }
    columns.push(v);
  }
  return columns;
}

/** cos[i][l] = Ŵ_i · (W_dec,l / ‖W_dec,l‖); zero vectors give cosine 0. */
export function featureLatentCosines(
  W: ArrayLike<number>,
  nHidden: number,
  nFeatures: number,
  Wdec: ArrayLike<number>,
  dictSize: number,
): number[][] {
  checkLength('W', W, nHidden * nFeatures);
  checkLength('Wdec', Wdec, nHidden * dictSize);
  const features = unitColumns(W, nHidden, nFeatures); // [feat][hidden]
  const latents = unitColumns(Wdec, nHidden, dictSize); // [latent][hidden]
  const cos: number[][] = []; // [feat][latent]
  for (const f of features) {
    const row = new Array<number>(dictSize);
    for (let l = 0; l < dictSize; l++) {
      const d = latents[l];
      let dot = 0;
      for (let j = 0; j < nHidden; j++) dot += f[j] * d[j];
      // Rounding can push the cosine of two parallel unit vectors just past ±1.
      row[l] = Math.min(1, Math.max(-1, dot));
    }
    cos.push(row);
  }
  return cos;
}

/** How well decoder directions match true feature directions, over a set of features. */
export interface DirectionRecovery {
  mmcs: number; // mean over the given features of max_l cos(i, l)
  recovered090: number; // #{i : max_l cos ≥ 0.9}
  recovered099: number; // #{i : max_l cos ≥ 0.99}
  mcc: number; // mean cos over a one-to-one matching maximising Σ cos; unmatched features score 0
  matchedLatent: number[]; // per given feature: the latent it is matched to (-1 if unmatched)
  bestCosine: number[]; // per given feature: max_l cos
}

/**
 * Direction metrics over a subset of features (e.g. the represented ones, ‖W_i‖ > 0.5), given
 * cosines[i][l] from featureLatentCosines. Arrays in the result follow the order of `features`.
 *
 * - Empty subset: mmcs = mcc = 0, counts 0, empty arrays (no NaN).
 * - No latents (d = 0): bestCosine = 0 and matchedLatent = -1 for every feature.
 * - d < |features|: only d features can be matched; the others get latent -1 and count 0 in MCC,
 *   which still divides by |features|.
 * - d ≥ |features|: every feature is matched, even to a negative cosine (a full matching).
 *   So MCC ≤ MMCS when d ≥ |features|; when d < |features| an unmatched feature's 0 can beat a
 *   negative best cosine, and MCC may exceed MMCS (in general MCC ≤ mean max(bestCosine, 0)).
 * - Ties: MCC is the optimum whichever optimal matching is chosen; matchedLatent is the one the
 *   solver returns (deterministic for a given matrix).
 * Throws RangeError on a non-finite cosine (a diverged SAE must be reported, not scored).
 *
 * Example: cosines [[1, 0], [0.94, 0.34]] over features [0, 1] → mmcs 0.97 (latent 0 counted
 * twice), mcc (1 + 0.34) / 2 = 0.67, matchedLatent [0, 1].
 */
export function directionRecovery(cosines: number[][], features: readonly number[]): DirectionRecovery {
  const dictSize = cosines.length > 0 ? cosines[0].length : 0;
  const rows: number[][] = []; // [given feature][latent]
  for (const i of features) {
    if (!Number.isInteger(i) || i < 0 || i >= cosines.length)
      throw new RangeError(`directionRecovery: feature ${i} is outside 0..${cosines.length - 1}`);
    const row = cosines[i];
    if (row.length !== dictSize) throw new RangeError('directionRecovery: cosine rows differ in length');
    for (const c of row) if (!Number.isFinite(c)) throw new RangeError(`directionRecovery: cosine of feature ${i} is ${c}`);
    rows.push(row);
  }
  const k = rows.length;

  const bestCosine = rows.map(maxOrZero);
  const matchedLatent = maximumCosineMatching(rows, dictSize);
  let matchedSum = 0;
  for (let r = 0; r < k; r++) if (matchedLatent[r] >= 0) matchedSum += rows[r][matchedLatent[r]];

  return {
    mmcs: k === 0 ? 0 : sum(bestCosine) / k,
    recovered090: bestCosine.filter((c) => c >= RECOVERY_THRESHOLDS.loose).length,
    recovered099: bestCosine.filter((c) => c >= RECOVERY_THRESHOLDS.strict).length,
    mcc: k === 0 ? 0 : matchedSum / k,
    matchedLatent,
    bestCosine,
  };
}

/**
 * One-to-one matching of rows (features) to columns (latents) maximising the summed cosine:
 * latent index per row, -1 for rows left unmatched when there are fewer columns than rows.
 * `linear-sum-assignment` maximises by default (option spelled `maximaze`), accepts rectangular
 * matrices, assigns every element of the smaller side, and reports rowAssignments[row] = column
 * or -1. We pass `maximaze: true` explicitly rather than lean on the default.
 */
function maximumCosineMatching(rows: number[][], dictSize: number): number[] {
  const k = rows.length;
  if (k === 0 || dictSize === 0) return new Array<number>(k).fill(-1);
  const { rowAssignments } = linearSumAssignment(rows, { maximaze: true });
  const matched = Array.from(rowAssignments, (l) => l); // [given feature]
  // The solver signals failure only through partial assignments: check we got a full matching.
  const used = new Set<number>();
  for (const l of matched) {
    if (l === -1) continue;
    if (!Number.isInteger(l) || l < 0 || l >= dictSize || used.has(l))
      throw new Error('directionRecovery: assignment solver returned an invalid matching');
    used.add(l);
  }
  if (used.size !== Math.min(k, dictSize)) throw new Error('directionRecovery: assignment solver left a matching incomplete');
  return matched;
}

/**
 * The (feature, latent) pairs of a matching, skipping unmatched features — the `pairs` argument
 * of ActivityAccumulator. Example: matchedPairs([2, 5], [7, -1]) → [{ feature: 2, latent: 7 }].
 */
export function matchedPairs(
  features: readonly number[],
  matchedLatent: readonly number[],
): { feature: number; latent: number }[] {
  const pairs: { feature: number; latent: number }[] = [];
  features.forEach((feature, r) => {
    if (matchedLatent[r] >= 0) pairs.push({ feature, latent: matchedLatent[r] });
  });
  return pairs;
}
