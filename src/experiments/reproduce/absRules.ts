// Claim 8's rules (pure): from each trained instance's features computed and neuron counts,
// whether the absolute-value model computes more features than neurons when the input is sparse,
// at most m/2 when it is dense, and shows the paper's neuron types. Written before the results.

import type { NeuronType } from '../../metrics/absNeurons.js';

/** What the rules read of one trained instance. */
export interface AbsInstanceSummary {
  seed: number;
  /** 1 − S. */
  density: number;
  /** Features computed (metrics/absComputed.ts). */
  computed: number;
  counts: Record<NeuronType | 'asymmetricMotif', number>;
}

/** Dense: 1 − S = 1. Sparse: 1 − S ≤ this. */
export const SPARSE_DENSITY = 0.03;
/** Share of seeds in which a per-seed condition must hold (at least one seed). */
export const SEED_SHARE = 2 / 3;
/** Dense instances: at least this share of the used neurons monosemantic. */
export const DENSE_MONOSEMANTIC_SHARE = 0.8;
/** The sparsest instance: at least this share of the used neurons polysemantic. */
export const SPARSE_POLYSEMANTIC_SHARE = 0.5;
/** "Both types in one model": at least this many monosemantic and this many polysemantic neurons. */
export const MIXED_MIN_EACH = 2;

const used = (s: AbsInstanceSummary) => s.counts.monosemantic + s.counts.polysemantic;
const seedsOf = (rows: readonly AbsInstanceSummary[]) => [...new Set(rows.map((r) => r.seed))].sort((a, b) => a - b);

/** Whether `holds` is true for ≥ SEED_SHARE of the seeds (and at least one); returns also the count. */
export function inMostSeeds(rows: readonly AbsInstanceSummary[], holds: (seedRows: AbsInstanceSummary[]) => boolean): { holds: boolean; seeds: number; of: number } {
  const seeds = seedsOf(rows);
  const count = seeds.filter((seed) => holds(rows.filter((r) => r.seed === seed))).length;
  return { holds: count >= 1 && count >= SEED_SHARE * seeds.length, seeds: count, of: seeds.length };
}

/** Dense half: in every seed the dense instance computes ≤ floor(m/2) features and at least m/4. */
export function denseComputationHolds(rows: readonly AbsInstanceSummary[], nHidden: number): boolean {
  const dense = rows.filter((r) => r.density === 1);
  return dense.length > 0 && dense.every((r) => r.computed <= Math.floor(nHidden / 2) && r.computed >= nHidden / 4);
}

/** Sparse half: in most seeds some sparse instance (1 − S ≤ 0.03) computes more features than it has neurons. */
export function sparseComputationHolds(rows: readonly AbsInstanceSummary[], nHidden: number) {
  return inMostSeeds(rows, (seedRows) => seedRows.some((r) => r.density <= SPARSE_DENSITY && r.computed > nHidden));
}

/**
 * The neuron types: (a) dense instances mostly monosemantic (every seed, ≥ 80% of used neurons);
 * (b) the sparsest instance mostly polysemantic (≥ 50% of used neurons, in most seeds); (c) both
 * types in one model (some instance with ≥ 2 of each, in most seeds); (d) the asymmetric
 * superposition motif somewhere (at least one motif neuron in any instance of any seed).
 */
export function neuronTypesHold(rows: readonly AbsInstanceSummary[]) {
  const dense = rows.filter((r) => r.density === 1);
  const denseMono = dense.length > 0 && dense.every((r) => used(r) > 0 && r.counts.monosemantic >= DENSE_MONOSEMANTIC_SHARE * used(r));
  const sparsest = Math.min(...rows.map((r) => r.density));
  const sparsePoly = inMostSeeds(rows, (seedRows) =>
    seedRows.some((r) => r.density === sparsest && used(r) > 0 && r.counts.polysemantic >= SPARSE_POLYSEMANTIC_SHARE * used(r)),
  );
  const mixed = inMostSeeds(rows, (seedRows) => seedRows.some((r) => r.counts.monosemantic >= MIXED_MIN_EACH && r.counts.polysemantic >= MIXED_MIN_EACH));
  const motifs = rows.reduce((s, r) => s + r.counts.asymmetricMotif, 0);
  return { denseMono, sparsePoly, mixed, motifs, holds: denseMono && sparsePoly.holds && mixed.holds && motifs > 0 };
}

/** reproduced: computation (dense and sparse halves) and neuron types; partly: one of the two; else not reproduced. */
export function absVerdict(computation: boolean, types: boolean): 'reproduced' | 'partly' | 'not reproduced' {
  return computation && types ? 'reproduced' : computation || types ? 'partly' : 'not reproduced';
}
