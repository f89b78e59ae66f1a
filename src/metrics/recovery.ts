// Feature-recovery metrics: how well an SAE's decoder and activations recover the toy model's
// ground-truth features (docs/sae.md, "Recovery metrics"; ARCHITECTURE.md, math conventions).
// This file gathers the activation metrics into one streaming accumulator; each concept has a
// file of its own:
//   matching.ts        directions: cos(i, l), MMCS, recovered@τ, MCC by Hungarian matching
//   activity.ts        L0, true L0, dead / dense latents, firing frequencies
//   pairActivity.ts    per matched pair: precision, recall, F1, purity
//   reconstruction.ts  MSE, FVE, shrinkage
//
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

import { FiringCounts, type FiringRecovery } from './activity.js';
import { checkLength } from './arrays.js';
import { PairMoments, type PairRecovery } from './pairActivity.js';
import { ReconstructionMoments, type ReconstructionRecovery } from './reconstruction.js';

/** Activation metrics of an SAE on an evaluation set: per matched pair, firing, reconstruction. */
export type ActivityRecovery = PairRecovery & FiringRecovery & ReconstructionRecovery;

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
  private readonly firing: FiringCounts;
  private readonly pairs: PairMoments;
  private readonly reconstruction: ReconstructionMoments;

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
    this.firing = new FiringCounts(nFeatures, dictSize);
    this.pairs = new PairMoments(nFeatures, dictSize, pairs);
    this.reconstruction = new ReconstructionMoments(nHidden, bDec);
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

    this.firing.add(x, z, B);
    this.pairs.add(x, z, B);
    this.reconstruction.add(h, hHat, B);
  }

  result(): ActivityRecovery {
    const { precision, recall, f1, purity } = this.pairs.result(this.firing);
    const { l0, trueL0, deadLatents, denseLatents, firingFrequency } = this.firing.result();
    const { mse, fve, shrinkage } = this.reconstruction.result();
    // The key order of metrics.json.
    return { precision, recall, f1, purity, l0, trueL0, deadLatents, denseLatents, firingFrequency, mse, fve, shrinkage };
  }
}
