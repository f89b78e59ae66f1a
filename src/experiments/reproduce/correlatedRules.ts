// Claim 5's data and rule helpers (pure): the paper's correlated / anti-correlated generator, the
// loss of an n=4, m=2 solution on a batch, the relabellings that turn one pair geometry into
// another, and the judgement of a condition from its lowest-loss restarts.

import { sampleSets, type CorrelationKind, type UniformSource } from '../../data/correlatedSets.js';

export type Correlation = CorrelationKind;

/** Represented: ‖Wᵢ‖ > 0.5. Antipodal: cos < −0.9. Orthogonal: |cos| < 0.3. */
export const REPRESENTED = 0.5;
export const ANTIPODAL_COS = -0.9;
export const ORTHOGONAL_COS = 0.3;
/** Share of represented pairs (or of seeds) that must show the expected geometry (or preference). */
export const SHARE = 2 / 3;
/** A preference between arrangements: the preferred one's loss ≤ this × the other's. */
export const PREFERENCE_RATIO = 0.8;

/**
 * One batch of n=4 features in sets (0,1), (2,3), with p = 1 − S (the paper's generators, in
 * data/correlatedSets.ts): independent (each feature active with probability p); correlated (the
 * set is active together with probability p, values independent); anti-correlated (the set is all
 * zero with probability S, else exactly one of its features is active, either with equal odds).
 */
export function samplePairs(kind: Correlation, p: number, rng: UniformSource, x: Float32Array, offset: number, batchSize: number): void {
  sampleSets(kind, 2, p, rng, x, offset, batchSize, 4);
}

/** A 2-D solution: the four columns Wᵢ and the biases bᵢ. */
export interface PairSolution {
  columns: [number, number][];
  bias: number[];
}

/** The model's loss, uniform importance: (1/(B·4)) Σ_rows Σᵢ (xᵢ − ReLU(Wᵢ·h + bᵢ))², h = Σⱼ Wⱼ xⱼ. */
export function pairLoss(sol: PairSolution, x: Float32Array, rows: number): number {
  const { columns: w, bias } = sol;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let h0 = 0;
    let h1 = 0;
    for (let j = 0; j < 4; j++) {
      h0 += w[j][0] * x[r * 4 + j];
      h1 += w[j][1] * x[r * 4 + j];
    }
    for (let i = 0; i < 4; i++) {
      const out = Math.max(0, w[i][0] * h0 + w[i][1] * h1 + bias[i]);
      total += (x[r * 4 + i] - out) ** 2;
    }
  }
  return total / (rows * 4);
}

/** The three ways to put four features into the pair slots (0,1), (2,3); the first is the identity. */
export const PAIRINGS: readonly (readonly [number, number, number, number])[] = [
  [0, 1, 2, 3],
  [0, 2, 1, 3],
  [0, 3, 1, 2],
];

/** The solution with its features relabelled: slot j gets feature perm[j]'s column and bias. */
export function relabel(sol: PairSolution, perm: readonly number[]): PairSolution {
  return { columns: perm.map((j) => sol.columns[j]), bias: perm.map((j) => sol.bias[j]) };
}

export type PairGeometry = 'antipodal' | 'orthogonal' | 'other' | 'not represented';

/** cos(Wᵢ, Wⱼ) of the pair, null unless both are represented. */
export function pairCos(u: readonly number[], v: readonly number[]): number | null {
  const nu = Math.hypot(u[0], u[1]);
  const nv = Math.hypot(v[0], v[1]);
  return nu > REPRESENTED && nv > REPRESENTED ? (u[0] * v[0] + u[1] * v[1]) / (nu * nv) : null;
}

export function classifyPair(cos: number | null): PairGeometry {
  if (cos === null) return 'not represented';
  if (cos < ANTIPODAL_COS) return 'antipodal';
  if (Math.abs(cos) < ORTHOGONAL_COS) return 'orthogonal';
  return 'other';
}

/** A solution's geometry: antipodal (or orthogonal) if both pairs are represented and both are. */
export function solutionGeometry(sol: PairSolution): PairGeometry {
  const [a, b] = [0, 2].map((i) => classifyPair(pairCos(sol.columns[i], sol.columns[i + 1])));
  return a === b ? a : 'other';
}

/**
 * The arrangement test: over the three relabellings of one solution, the lowest loss of those
 * whose pairs are orthogonal over the lowest of those whose pairs are antipodal (on the data of
 * its condition). < 1: the orthogonal arrangement has the lower loss. null when the solution's
 * directions allow no such pair of arrangements (e.g. fewer than four represented features).
 */
export function arrangementRatio(sol: PairSolution, x: Float32Array, rows: number): { ratio: number | null; orthogonal: number | null; antipodal: number | null } {
  let orthogonal: number | null = null;
  let antipodal: number | null = null;
  for (const perm of PAIRINGS) {
    const s = relabel(sol, perm);
    const g = solutionGeometry(s);
    if (g !== 'orthogonal' && g !== 'antipodal') continue;
    const loss = pairLoss(s, x, rows);
    if (g === 'orthogonal') orthogonal = orthogonal === null ? loss : Math.min(orthogonal, loss);
    else antipodal = antipodal === null ? loss : Math.min(antipodal, loss);
  }
  return { ratio: orthogonal !== null && antipodal !== null ? orthogonal / antipodal : null, orthogonal, antipodal };
}

export interface JudgedSeed {
  /** Within-pair cosines of the lowest-loss restart (null: a feature of the pair not represented). */
  cosines: (number | null)[];
  /** orthogonal-arrangement loss / antipodal-arrangement loss of the lowest-loss restart. */
  ratio: number | null;
}

/** Counts over the judged (lowest-loss) restarts of one condition. */
export function judgeCondition(seeds: readonly JudgedSeed[]) {
  const cosines = seeds.flatMap((s) => s.cosines).filter((c): c is number => c !== null);
  const ratios = seeds.map((s) => s.ratio).filter((r): r is number => r !== null);
  return {
    pairs: seeds.length * 2,
    representedPairs: cosines.length,
    antipodal: cosines.filter((c) => classifyPair(c) === 'antipodal').length,
    orthogonal: cosines.filter((c) => classifyPair(c) === 'orthogonal').length,
    comparedSeeds: ratios.length,
    orthogonalLower: ratios.filter((r) => r <= PREFERENCE_RATIO).length,
    antipodalLower: ratios.filter((r) => r >= 1 / PREFERENCE_RATIO).length,
  };
}

export type ConditionCounts = ReturnType<typeof judgeCondition>;

/** Anti-correlated half: ≥ 2/3 of the represented pairs of the judged restarts antipodal. */
export function anticorrelatedHolds(c: ConditionCounts): boolean {
  return c.representedPairs > 0 && c.antipodal >= SHARE * c.representedPairs;
}

/**
 * Correlated half: ≥ 2/3 of the represented pairs orthogonal, none antipodal, and (the part that
 * tells correlated from independent pairs, whose arrangements tie) in ≥ 2/3 of the seeds where the
 * comparison exists — and at least one — the orthogonal arrangement's loss ≤ 0.8 × the antipodal one's.
 */
export function correlatedHolds(c: ConditionCounts): boolean {
  return (
    c.representedPairs > 0 &&
    c.orthogonal >= SHARE * c.representedPairs &&
    c.antipodal === 0 &&
    c.comparedSeeds > 0 &&
    c.orthogonalLower >= SHARE * c.comparedSeeds
  );
}
