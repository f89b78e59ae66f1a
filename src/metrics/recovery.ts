// Feature-recovery metrics: how well an SAE's decoder and activations recover the toy model's
// ground-truth features (docs/sae.md, § Recovery metrics; ARCHITECTURE.md, math conventions).
//
// Directions (W: m × n stored [hidden, feat]; W_dec: m × d stored [hidden, latent]):
//   cos(i, l)     = Ŵ_i · (W_dec,l / ‖W_dec,l‖)
//   MMCS          = mean_i max_l cos(i, l)                       (Sharkey et al. 2022; many-to-one)
//   recovered@τ   = #{i : max_l cos(i, l) ≥ τ}
//   MCC           = mean_i cos(i, π(i)) over the one-to-one matching π maximising Σ cos
//                   (Hungarian / Jonker–Volgenant; when d < n the unmatched features score 0)
// Activations, over an evaluation set streamed batch by batch (latent l fires: z_l > 0;
// feature i active: x_i > 0):
//   precision = P(i active | l fires), recall = P(l fires | i active), F1 = 2PR / (P + R),
//   purity = Pearson(z_l, x_i), L0, true L0, dead / dense latents, firing frequencies,
//   MSE = mean ‖h − ĥ‖², FVE = 1 − Σ‖h − ĥ‖² / Σ‖h − h̄‖²,
//   shrinkage = mean ‖ĥ − b_dec‖ / mean ‖h − b_dec‖ over samples with h ≠ 0.
//
// Convention for undefined ratios: a metric whose denominator is empty or zero (no firing, no
// active samples, a constant variable, no variance in h, no sample with h ≠ 0, no features)
// is reported as 0, never NaN, so that metrics.json stays plain numbers.
// No Node API here: this file also runs in the browser explorer.

import { linearSumAssignment } from 'linear-sum-assignment';

export const RECOVERY_THRESHOLDS = { loose: 0.9, strict: 0.99 } as const;
/** A latent is dense when it fires on more than this fraction of samples. */
export const DENSE_FREQUENCY = 0.5;

// ───────────────────────────── directions ─────────────────────────────

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

// ───────────────────────────── activations ─────────────────────────────

export interface ActivityRecovery {
  // Per matched pair (feature i ↔ latent l), in the order of `pairs`:
  precision: number[]; // P(i active | l fires); 0 if l never fires
  recall: number[]; // P(l fires | i active); 0 if i is never active
  f1: number[]; // 2PR / (P + R); 0 when both are 0
  purity: number[]; // Pearson(z_l, x_i) over all samples; 0 when either is constant
  l0: number; // mean number of nonzero z per sample
  trueL0: number; // mean number of active (x_i > 0) features per sample
  deadLatents: number; // latents that never fire (z > 0) on the evaluation set
  denseLatents: number; // latents firing on > 50% of samples
  firingFrequency: number[]; // [latent] fraction of samples with z_l > 0
  mse: number; // mean over samples of ‖h − ĥ‖²
  fve: number; // 1 − Σ‖h − ĥ‖² / Σ‖h − h̄‖²; 0 when h has no variance
  shrinkage: number; // mean ‖ĥ − b_dec‖ / mean ‖h − b_dec‖ over samples with h ≠ 0; 0 if none
}

/**
 * Running count, mean and centred second moment of a variable, merged one batch at a time
 * (Chan, Golub & LeVeque 1979): each batch's moments are taken about the batch mean, then
 * combined, so no Σv² − (Σv)²/N cancellation and no dependence on how the data is batched.
 *   M2 = M2_a + M2_b + δ² n_a n_b / n,   δ = mean_b − mean_a.
 */
function mergeMoments(
  n: number, mean: number, m2: number,
  nB: number, meanB: number, m2B: number,
): [mean: number, m2: number] {
  const total = n + nB;
  const delta = meanB - mean;
  return [mean + (delta * nB) / total, m2 + m2B + (delta * delta * n * nB) / total];
}

/**
 * Streaming accumulator so that evaluation sets of 100k+ samples need no big buffers: call add()
 * per batch, then result(). x: [B, n], z: [B, d], h and hHat: [B, m] (row-major, Float32Array or
 * Float64Array), bDec: [m]. pairs: the (feature, latent) pairs to score precision / recall / F1 /
 * purity on (e.g. matchedPairs of directionRecovery's matching).
 *
 * Everything accumulates in float64. The mean of h (for FVE) and the Pearson moments (for purity)
 * use batch-wise Welford / Chan merging (see mergeMoments), not raw Σv and Σv².
 * Before any add(), result() reports zeros and every latent dead.
 */
export class ActivityAccumulator {
  private readonly bDec: Float64Array; // [hidden]
  private readonly pairFeature: Int32Array; // [pair]
  private readonly pairLatent: Int32Array; // [pair]

  private samples = 0;
  private nonzeroZ = 0; // Σ_samples #{l : z_l ≠ 0}
  private activeX = 0; // Σ_samples #{i : x_i > 0}
  private readonly fires: Float64Array; // [latent] #samples with z_l > 0
  private readonly active: Float64Array; // [feat] #samples with x_i > 0
  private readonly both: Float64Array; // [pair] #samples with z_l > 0 and x_i > 0

  // Pearson moments per pair, about the running means.
  private readonly meanZ: Float64Array; // [pair]
  private readonly meanX: Float64Array; // [pair]
  private readonly m2Z: Float64Array; // [pair] Σ(z − z̄)²
  private readonly m2X: Float64Array; // [pair] Σ(x − x̄)²
  private readonly coZX: Float64Array; // [pair] Σ(z − z̄)(x − x̄)
  // Exact constancy test: rounding in the means can leave a constant variable a tiny nonzero M2.
  private readonly minZ: Float64Array; // [latent]
  private readonly maxZ: Float64Array; // [latent]
  private readonly minX: Float64Array; // [feat]
  private readonly maxX: Float64Array; // [feat]

  private readonly meanH: Float64Array; // [hidden]
  private readonly m2H: Float64Array; // [hidden] Σ(h_j − h̄_j)²
  private squaredError = 0; // Σ_samples ‖h − ĥ‖²
  private normHatNonzero = 0; // Σ_{h ≠ 0} ‖ĥ − b_dec‖
  private normNonzero = 0; // Σ_{h ≠ 0} ‖h − b_dec‖

  constructor(
    private readonly nFeatures: number,
    private readonly dictSize: number,
    private readonly nHidden: number,
    bDec: ArrayLike<number>,
    pairs: readonly { feature: number; latent: number }[],
  ) {
    checkLength('bDec', bDec, nHidden);
    for (const { feature, latent } of pairs) {
      if (!Number.isInteger(feature) || feature < 0 || feature >= nFeatures)
        throw new RangeError(`ActivityAccumulator: pair feature ${feature} is outside 0..${nFeatures - 1}`);
      if (!Number.isInteger(latent) || latent < 0 || latent >= dictSize)
        throw new RangeError(`ActivityAccumulator: pair latent ${latent} is outside 0..${dictSize - 1}`);
    }
    this.bDec = Float64Array.from({ length: nHidden }, (_, j) => bDec[j]);
    this.pairFeature = Int32Array.from(pairs, (p) => p.feature);
    this.pairLatent = Int32Array.from(pairs, (p) => p.latent);
    const P = pairs.length;
    this.fires = new Float64Array(dictSize);
    this.active = new Float64Array(nFeatures);
    this.both = new Float64Array(P);
    this.meanZ = new Float64Array(P);
    this.meanX = new Float64Array(P);
    this.m2Z = new Float64Array(P);
    this.m2X = new Float64Array(P);
    this.coZX = new Float64Array(P);
    this.minZ = new Float64Array(dictSize).fill(Infinity);
    this.maxZ = new Float64Array(dictSize).fill(-Infinity);
    this.minX = new Float64Array(nFeatures).fill(Infinity);
    this.maxX = new Float64Array(nFeatures).fill(-Infinity);
    this.meanH = new Float64Array(nHidden);
    this.m2H = new Float64Array(nHidden);
  }

  add(x: ArrayLike<number>, z: ArrayLike<number>, h: ArrayLike<number>, hHat: ArrayLike<number>, batchSize: number): void {
    const B = batchSize;
    if (!Number.isInteger(B) || B < 0) throw new RangeError(`ActivityAccumulator.add: bad batch size ${B}`);
    if (B === 0) return;
    const n = this.nFeatures, d = this.dictSize, m = this.nHidden;
    checkLength('x', x, B * n);
    checkLength('z', z, B * d);
    checkLength('h', h, B * m);
    checkLength('hHat', hHat, B * m);

    this.countFiring(x, z, B);
    this.accumulatePairs(x, z, B);
    this.accumulateReconstruction(h, hHat, B);
    this.samples += B;
  }

  /** Firing / activity counts, L0s, and the min / max that decide constancy. */
  private countFiring(x: ArrayLike<number>, z: ArrayLike<number>, B: number): void {
    const n = this.nFeatures, d = this.dictSize;
    for (let s = 0; s < B; s++) {
      for (let l = 0; l < d; l++) {
        const v = z[s * d + l];
        if (v !== 0) this.nonzeroZ++;
        if (v > 0) this.fires[l]++;
        if (v < this.minZ[l]) this.minZ[l] = v;
        if (v > this.maxZ[l]) this.maxZ[l] = v;
      }
      for (let i = 0; i < n; i++) {
        const v = x[s * n + i];
        if (v > 0) {
          this.active[i]++;
          this.activeX++;
        }
        if (v < this.minX[i]) this.minX[i] = v;
        if (v > this.maxX[i]) this.maxX[i] = v;
      }
    }
  }

  /** Co-firing counts and Pearson moments of each scored pair. */
  private accumulatePairs(x: ArrayLike<number>, z: ArrayLike<number>, B: number): void {
    const n = this.nFeatures, d = this.dictSize;
    for (let p = 0; p < this.pairLatent.length; p++) {
      const l = this.pairLatent[p], i = this.pairFeature[p];
      let sumZ = 0, sumX = 0;
      for (let s = 0; s < B; s++) {
        const zv = z[s * d + l], xv = x[s * n + i];
        sumZ += zv;
        sumX += xv;
        if (zv > 0 && xv > 0) this.both[p]++;
      }
      const batchMeanZ = sumZ / B, batchMeanX = sumX / B;
      let m2Z = 0, m2X = 0, co = 0;
      for (let s = 0; s < B; s++) {
        const dz = z[s * d + l] - batchMeanZ, dx = x[s * n + i] - batchMeanX;
        m2Z += dz * dz;
        m2X += dx * dx;
        co += dz * dx;
      }
      // Co-moment merge: C = C_a + C_b + δz δx n_a n_b / n (same form as mergeMoments).
      const nA = this.samples, total = nA + B;
      const deltaZ = batchMeanZ - this.meanZ[p], deltaX = batchMeanX - this.meanX[p];
      this.coZX[p] += co + (deltaZ * deltaX * nA * B) / total;
      [this.meanZ[p], this.m2Z[p]] = mergeMoments(nA, this.meanZ[p], this.m2Z[p], B, batchMeanZ, m2Z);
      [this.meanX[p], this.m2X[p]] = mergeMoments(nA, this.meanX[p], this.m2X[p], B, batchMeanX, m2X);
    }
  }

  /** Squared error, the variance of h about its running mean, and shrinkage norms. */
  private accumulateReconstruction(h: ArrayLike<number>, hHat: ArrayLike<number>, B: number): void {
    const m = this.nHidden;
    for (let j = 0; j < m; j++) {
      let sumH = 0;
      for (let s = 0; s < B; s++) sumH += h[s * m + j];
      const batchMean = sumH / B;
      let m2 = 0;
      for (let s = 0; s < B; s++) {
        const dev = h[s * m + j] - batchMean;
        m2 += dev * dev;
      }
      [this.meanH[j], this.m2H[j]] = mergeMoments(this.samples, this.meanH[j], this.m2H[j], B, batchMean, m2);
    }
    for (let s = 0; s < B; s++) {
      let err = 0, hatNorm2 = 0, norm2 = 0, nonzero = false;
      for (let j = 0; j < m; j++) {
        const hv = h[s * m + j], hatv = hHat[s * m + j], b = this.bDec[j];
        err += (hv - hatv) * (hv - hatv);
        hatNorm2 += (hatv - b) * (hatv - b);
        norm2 += (hv - b) * (hv - b);
        if (hv !== 0) nonzero = true;
      }
      this.squaredError += err;
      // Samples with h = 0 (no active feature) would count pure b_dec error as "shrinkage".
      if (nonzero) {
        this.normHatNonzero += Math.sqrt(hatNorm2);
        this.normNonzero += Math.sqrt(norm2);
      }
    }
  }

  result(): ActivityRecovery {
    const N = this.samples;
    const perSample = (total: number) => (N === 0 ? 0 : total / N);
    const ratio = (num: number, den: number) => (den === 0 ? 0 : num / den);

    const precision: number[] = [], recall: number[] = [], f1: number[] = [], purity: number[] = [];
    for (let p = 0; p < this.pairLatent.length; p++) {
      const l = this.pairLatent[p], i = this.pairFeature[p];
      const P = ratio(this.both[p], this.fires[l]);
      const R = ratio(this.both[p], this.active[i]);
      precision.push(P);
      recall.push(R);
      f1.push(ratio(2 * P * R, P + R));
      const constant = this.minZ[l] === this.maxZ[l] || this.minX[i] === this.maxX[i] || N === 0;
      const r = constant ? 0 : this.coZX[p] / Math.sqrt(this.m2Z[p] * this.m2X[p]);
      purity.push(Math.min(1, Math.max(-1, r)));
    }

    const firingFrequency = Array.from(this.fires, (f) => perSample(f));
    // Means of ‖ĥ − b‖ and ‖h − b‖ share their sample count, so their ratio is a ratio of sums.
    const totalVariance = sum(this.m2H);
    return {
      precision,
      recall,
      f1,
      purity,
      l0: perSample(this.nonzeroZ),
      trueL0: perSample(this.activeX),
      deadLatents: Array.from(this.fires).filter((f) => f === 0).length,
      denseLatents: firingFrequency.filter((f) => f > DENSE_FREQUENCY).length,
      firingFrequency,
      mse: perSample(this.squaredError),
      fve: totalVariance === 0 ? 0 : 1 - this.squaredError / totalVariance,
      shrinkage: ratio(this.normHatNonzero, this.normNonzero),
    };
  }
}

// ───────────────────────────── helpers ─────────────────────────────

/** Largest entry; 0 for an empty row (no latents: nothing recovered). A loop, not Math.max(...row),
 *  which overflows the call stack for dictionaries of ~100k latents. */
function maxOrZero(row: readonly number[]): number {
  if (row.length === 0) return 0;
  let best = row[0];
  for (let l = 1; l < row.length; l++) if (row[l] > best) best = row[l];
  return best;
}

function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < values.length; k++) s += values[k];
  return s;
}

/** Longer buffers are fine (a reused batch buffer with a short last batch); shorter are a bug. */
function checkLength(name: string, a: ArrayLike<number>, needed: number): void {
  if (a.length < needed) throw new RangeError(`${name} has ${a.length} entries, needs ${needed}`);
}
