// Feature absorption on ground truth (the idea: Chanin et al. 2024, "A is for Absorption"): an
// SAE absorbs a parent feature into a child when, on samples where both are present, the child's
// latent carries the parent's direction and the parent's own latent stays silent. With the true
// features known, for each parent P with matched latent l_P (the one-to-one matching of
// matching.ts, the one behind MCC), over the samples where P is active:
//   absorption(P) = #{ z_{l_P} = 0 and z_{l_c} > 0 for some child c with a matched latent l_c }
//                   / #{ x_P > 0 }
// A parent without a matched latent has no absorption (null); the SAE's absorption is the mean
// over the parents that have one (null if none does). An empty denominator gives 0, as the other
// ratios of the SAE metrics.

/** A parent feature and its children, by feature index (the shape of data/hierarchy.ts's groups). */
export interface ParentChildren {
  parent: number;
  children: readonly number[];
}

/** One parent's absorption over an evaluation set. */
export interface ParentAbsorption {
  parent: number;
  /** The parent's matched latent, −1 if none. */
  latent: number;
  /** Samples on which the parent is active. */
  parentActive: number;
  /** Of those, samples where its latent is silent while a child's latent fires. */
  absorbed: number;
  /** absorbed / parentActive; null without a matched latent. */
  fraction: number | null;
}

export interface AbsorptionResult {
  /** Mean of fraction over the parents with a matched latent; null if none has one. */
  mean: number | null;
  perParent: ParentAbsorption[];
}

/**
 * Counts absorption over batches of (x [batch, feat], z [batch, latent]). latentOf[i] is the latent
 * matched to feature i, −1 for none.
 *
 * @example
 * // parent 0 with child 1, matched to latents 0 and 1; one sample with both features active,
 * // where only the child's latent fires: absorption 1.
 * const acc = new AbsorptionAccumulator([{ parent: 0, children: [1] }], [0, 1], 2, 2);
 * acc.add([0.5, 0.7], [0, 1.2], 1);
 * acc.result().mean; // 1
 */
export class AbsorptionAccumulator {
  private readonly parentActive: Float64Array; // [group]
  private readonly absorbed: Float64Array; // [group]

  constructor(
    private readonly groups: readonly ParentChildren[],
    private readonly latentOf: ArrayLike<number>,
    private readonly nFeatures: number,
    private readonly dictSize: number,
  ) {
    this.parentActive = new Float64Array(groups.length);
    this.absorbed = new Float64Array(groups.length);
  }

  add(x: ArrayLike<number>, z: ArrayLike<number>, batchSize: number): void {
    const { groups, latentOf, nFeatures: n, dictSize: d } = this;
    for (let s = 0; s < batchSize; s++) {
      for (let g = 0; g < groups.length; g++) {
        const { parent, children } = groups[g];
        if (!(x[s * n + parent] > 0)) continue;
        this.parentActive[g]++;
        const lp = latentOf[parent];
        if (lp < 0 || z[s * d + lp] > 0) continue;
        for (const c of children) {
          const lc = latentOf[c];
          if (lc >= 0 && z[s * d + lc] > 0) {
            this.absorbed[g]++;
            break;
          }
        }
      }
    }
  }

  result(): AbsorptionResult {
    const perParent = this.groups.map(({ parent }, g): ParentAbsorption => {
      const latent = this.latentOf[parent];
      const active = this.parentActive[g];
      const fraction = latent < 0 ? null : active === 0 ? 0 : this.absorbed[g] / active;
      return { parent, latent, parentActive: active, absorbed: this.absorbed[g], fraction };
    });
    const scored = perParent.flatMap((p) => (p.fraction === null ? [] : [p.fraction]));
    return { mean: scored.length === 0 ? null : scored.reduce((a, b) => a + b, 0) / scored.length, perParent };
  }
}

/** latentOf [feat] from a matching over some features: features[r] ↦ matched[r], −1 elsewhere. */
export function latentOfFeatures(nFeatures: number, features: readonly number[], matched: readonly number[]): Int32Array {
  const latentOf = new Int32Array(nFeatures).fill(-1); // [feat]
  features.forEach((i, r) => (latentOf[i] = matched[r]));
  return latentOf;
}
