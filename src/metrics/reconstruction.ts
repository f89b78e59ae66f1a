// How well an SAE reconstructs the hidden activations h, over an evaluation set streamed batch by
// batch (docs/sae.md, "Recovery metrics"): MSE = mean ‖h − ĥ‖², FVE = 1 − Σ‖h − ĥ‖² / Σ‖h − h̄‖²,
// shrinkage = mean ‖ĥ − b_dec‖ / mean ‖h − b_dec‖ over samples with h ≠ 0.

import { sum } from './arrays.js';
import { mergeMoments } from './moments.js';

/** How well an SAE reconstructs h: MSE, fraction of variance explained, shrinkage. */
export interface ReconstructionRecovery {
  mse: number; // mean over samples of ‖h − ĥ‖²
  fve: number; // 1 − Σ‖h − ĥ‖² / Σ‖h − h̄‖²; 0 when h has no variance
  shrinkage: number; // mean ‖ĥ − b_dec‖ / mean ‖h − b_dec‖ over samples with h ≠ 0; 0 if none
}

/**
 * Squared error, the variance of h about its running mean (batch-wise Welford / Chan merging, see
 * mergeMoments) and the shrinkage norms, one batch at a time. h and hHat: [B, m], bDec: [m].
 */
export class ReconstructionMoments {
  private readonly bDec: Float64Array; // [hidden]
  private samples = 0;
  private readonly meanH: Float64Array; // [hidden]
  private readonly m2H: Float64Array; // [hidden] Σ(h_j − h̄_j)²
  private squaredError = 0; // Σ_samples ‖h − ĥ‖²
  private normHatNonzero = 0; // Σ_{h ≠ 0} ‖ĥ − b_dec‖
  private normNonzero = 0; // Σ_{h ≠ 0} ‖h − b_dec‖

  constructor(
    private readonly nHidden: number,
    bDec: ArrayLike<number>,
  ) {
    this.bDec = Float64Array.from({ length: nHidden }, (_, j) => bDec[j]);
    this.meanH = new Float64Array(nHidden);
    this.m2H = new Float64Array(nHidden);
  }

  /** Squared error, the variance of h about its running mean, and shrinkage norms. */
  add(h: ArrayLike<number>, hHat: ArrayLike<number>, B: number): void {
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
    this.samples += B;
  }

  result(): ReconstructionRecovery {
    const N = this.samples;
    const ratio = (num: number, den: number) => (den === 0 ? 0 : num / den);
    // Means of ‖ĥ − b‖ and ‖h − b‖ share their sample count, so their ratio is a ratio of sums.
    const totalVariance = sum(this.m2H);
    return {
      mse: N === 0 ? 0 : this.squaredError / N,
      fve: totalVariance === 0 ? 0 : 1 - this.squaredError / totalVariance,
      shrinkage: ratio(this.normHatNonzero, this.normNonzero),
    };
  }
}
