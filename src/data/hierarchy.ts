// Hierarchical features: a parent feature and its children, where a child can fire only when its
// parent does (so the parent is active whenever one of its children is). This is the shape of
// SAELens's synthetic hierarchy (children switched off where the parent is off, optionally at
// most one child per sample), and of Nabeshima's toy model for Matryoshka SAEs.
//
// The hierarchy is applied to a batch drawn from the independent distribution (features.ts), so
// it needs no random numbers of its own and a configuration without one draws exactly as before:
//   child_c ← child_c · [parent active]
//   exclusive mode: of the active children, only the one with the largest value stays active
//                   (values are i.i.d. uniform, so that child is uniform among the active ones).
// Each feature's probability p_i is therefore, for a child, its probability GIVEN its parent:
//   independent:  P(child c) = p_parent · p_c
//   exclusive:    P(child c) = p_parent · ∫₀¹ Π_{j≠c} (1 − p_j t) dt   (= p_parent (1 − (1 − q)^C)/C
//                 for C children all with p = q)
// The parent's own probability is unchanged.

/** One parent and its children, by feature index. */
export interface HierarchyGroup {
  parent: number;
  children: number[];
}

/** The hierarchy of one distribution (the same for every instance). */
export interface FeatureHierarchy {
  groups: HierarchyGroup[];
  /** At most one child of a parent active per sample. */
  exclusive: boolean;
}

/**
 * G groups laid out contiguously: parent g at feature g(C + 1), its C children right after it,
 * e.g. (2, 3) → {0: 1, 2, 3}, {4: 5, 6, 7}. Features from G(C + 1) on are outside any group.
 */
export function contiguousHierarchy(groupCount: number, childrenPerParent: number, exclusive: boolean): FeatureHierarchy {
  const groups: HierarchyGroup[] = [];
  for (let g = 0; g < groupCount; g++) {
    const parent = g * (childrenPerParent + 1);
    groups.push({ parent, children: Array.from({ length: childrenPerParent }, (_, c) => parent + 1 + c) });
  }
  return { groups, exclusive };
}

/**
 * Apply the hierarchy in place to rows [0, batchSize) of one instance's block of x, which starts
 * at `base` with stride nFeatures. Allocates nothing.
 */
export function applyHierarchy(
  hierarchy: FeatureHierarchy,
  x: Float32Array | Float64Array,
  base: number,
  batchSize: number,
  nFeatures: number,
): void {
  const { groups, exclusive } = hierarchy;
  for (let s = 0; s < batchSize; s++) {
    const row = base + s * nFeatures;
    for (let g = 0; g < groups.length; g++) {
      const { parent, children } = groups[g];
      if (x[row + parent] === 0) {
        for (let c = 0; c < children.length; c++) x[row + children[c]] = 0;
        continue;
      }
      if (!exclusive) continue;
      // Keep the largest active child (ties: the first in the list), zero the others.
      let keep = -1;
      for (let c = 0; c < children.length; c++) {
        const v = x[row + children[c]];
        if (v > 0 && (keep < 0 || v > x[row + children[keep]])) keep = c;
      }
      for (let c = 0; c < children.length; c++) if (c !== keep) x[row + children[c]] = 0;
    }
  }
}
