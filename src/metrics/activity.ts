// Latent activity over an evaluation set streamed batch by batch (latent l fires: z_l > 0;
// feature i active: x_i > 0): L0, true L0, dead and dense latents, firing frequencies
// (docs/sae.md, "Recovery metrics"). Also the per-variable min / max that decide whether a
// latent or a feature is constant (pairActivity.ts's purity).

/** A latent is dense when it fires on more than this fraction of samples. */
export const DENSE_FREQUENCY = 0.5;

/** How the latents fire: L0, true L0, dead and dense latents, firing frequencies. */
export interface FiringRecovery {
  l0: number; // mean number of nonzero z per sample
  trueL0: number; // mean number of active (x_i > 0) features per sample
  deadLatents: number; // latents that never fire (z > 0) on the evaluation set
  denseLatents: number; // latents firing on > 50% of samples
  firingFrequency: number[]; // [latent] fraction of samples with z_l > 0
}

/** Firing and activity counts of latents and features, one batch at a time. x: [B, n], z: [B, d]. */
export class FiringCounts {
  samples = 0;
  nonzeroZ = 0; // Σ_samples #{l : z_l ≠ 0}
  activeX = 0; // Σ_samples #{i : x_i > 0}
  readonly fires: Float64Array; // [latent] #samples with z_l > 0
  readonly active: Float64Array; // [feat] #samples with x_i > 0
  // Exact constancy test: rounding in the means can leave a constant variable a tiny nonzero M2.
  readonly minZ: Float64Array; // [latent]
  readonly maxZ: Float64Array; // [latent]
  readonly minX: Float64Array; // [feat]
  readonly maxX: Float64Array; // [feat]

  constructor(
    private readonly nFeatures: number,
    private readonly dictSize: number,
  ) {
    this.fires = new Float64Array(dictSize);
    this.active = new Float64Array(nFeatures);
    this.minZ = new Float64Array(dictSize).fill(Infinity);
    this.maxZ = new Float64Array(dictSize).fill(-Infinity);
    this.minX = new Float64Array(nFeatures).fill(Infinity);
    this.maxX = new Float64Array(nFeatures).fill(-Infinity);
  }

  /** Firing / activity counts, L0s, and the min / max that decide constancy. */
  add(x: ArrayLike<number>, z: ArrayLike<number>, B: number): void {
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
    this.samples += B;
  }

  /** Before any add(): zeros, and every latent dead. */
  result(): FiringRecovery {
    const N = this.samples;
    const perSample = (total: number) => (N === 0 ? 0 : total / N);
    const firingFrequency = Array.from(this.fires, (f) => perSample(f));
    return {
      l0: perSample(this.nonzeroZ),
      trueL0: perSample(this.activeX),
      deadLatents: Array.from(this.fires).filter((f) => f === 0).length,
      denseLatents: firingFrequency.filter((f) => f > DENSE_FREQUENCY).length,
      firingFrequency,
    };
  }
}
