// How each matched pair (feature i ↔ latent l) fires together over an evaluation set streamed
// batch by batch (docs/sae.md, "Recovery metrics"): precision = P(i active | l fires),
// recall = P(l fires | i active), F1 = 2PR / (P + R), purity = Pearson(z_l, x_i).

import type { FiringCounts } from './activity.js';
import { mergeMoments } from './moments.js';

/** Per matched (feature, latent) pair: precision, recall, F1 and purity of the latent as a detector of the feature. */
export interface PairRecovery {
  // Per matched pair (feature i ↔ latent l), in the order of `pairs`:
  precision: number[]; // P(i active | l fires); 0 if l never fires
  recall: number[]; // P(l fires | i active); 0 if i is never active
  f1: number[]; // 2PR / (P + R); 0 when both are 0
  purity: number[]; // Pearson(z_l, x_i) over all samples; 0 when either is constant
}

/**
 * Co-firing counts and Pearson moments of each scored pair, one batch at a time; the firing
 * counts of the same batches (FiringCounts) complete them in result(). x: [B, n], z: [B, d].
 * The Pearson moments use batch-wise Welford / Chan merging (see mergeMoments), not raw Σv and Σv².
 */
export class PairMoments {
  private readonly pairFeature: Int32Array; // [pair]
  private readonly pairLatent: Int32Array; // [pair]
  private samples = 0;
  private readonly both: Float64Array; // [pair] #samples with z_l > 0 and x_i > 0
  // Pearson moments per pair, about the running means.
  private readonly meanZ: Float64Array; // [pair]
  private readonly meanX: Float64Array; // [pair]
  private readonly m2Z: Float64Array; // [pair] Σ(z − z̄)²
  private readonly m2X: Float64Array; // [pair] Σ(x − x̄)²
  private readonly coZX: Float64Array; // [pair] Σ(z − z̄)(x − x̄)

  constructor(
    private readonly nFeatures: number,
    private readonly dictSize: number,
    pairs: readonly { feature: number; latent: number }[],
  ) {
    this.pairFeature = Int32Array.from(pairs, (p) => p.feature);
    this.pairLatent = Int32Array.from(pairs, (p) => p.latent);
    const P = pairs.length;
    this.both = new Float64Array(P);
    this.meanZ = new Float64Array(P);
    this.meanX = new Float64Array(P);
    this.m2Z = new Float64Array(P);
    this.m2X = new Float64Array(P);
    this.coZX = new Float64Array(P);
  }

  /** Co-firing counts and Pearson moments of each scored pair. */
  add(x: ArrayLike<number>, z: ArrayLike<number>, B: number): void {
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
    this.samples += B;
  }

  /** `firing`: the counts of the same batches, for P, R and the constancy of z_l and x_i. */
  result(firing: FiringCounts): PairRecovery {
    const N = this.samples;
    const ratio = (num: number, den: number) => (den === 0 ? 0 : num / den);
    const precision: number[] = [], recall: number[] = [], f1: number[] = [], purity: number[] = [];
    for (let p = 0; p < this.pairLatent.length; p++) {
      const l = this.pairLatent[p], i = this.pairFeature[p];
      const P = ratio(this.both[p], firing.fires[l]);
      const R = ratio(this.both[p], firing.active[i]);
      precision.push(P);
      recall.push(R);
      f1.push(ratio(2 * P * R, P + R));
      const constant = firing.minZ[l] === firing.maxZ[l] || firing.minX[i] === firing.maxX[i] || N === 0;
      const r = constant ? 0 : this.coZX[p] / Math.sqrt(this.m2Z[p] * this.m2X[p]);
      purity.push(Math.min(1, Math.max(-1, r)));
    }
    return { precision, recall, f1, purity };
  }
}
