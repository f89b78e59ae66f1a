// Claim 8's rules on synthetic instance summaries.
import { describe, expect, it } from 'vitest';
import { absVerdict, denseComputationHolds, inMostSeeds, neuronTypesHold, sparseComputationHolds, type AbsInstanceSummary } from '../src/experiments/reproduce/absRules.js';

const row = (seed: number, density: number, computed: number, mono: number, poly: number, motif = 0, unused = 0): AbsInstanceSummary => ({
  seed,
  density,
  computed,
  counts: { monosemantic: mono, polysemantic: poly, asymmetricMotif: motif, unused },
});

// m = 12: dense computes 6 with 12 monosemantic neurons; 0.1 mixed; 0.01 computes 15, mostly polysemantic with a motif.
const seedRows = (seed: number, sparseComputed = 15, motif = 1) => [row(seed, 1, 6, 12, 0), row(seed, 0.1, 8, 8, 4), row(seed, 0.01, sparseComputed, 2, 10, motif)];

describe('claim 8 rules', () => {
  it('dense half: between m/4 and floor(m/2) in every seed', () => {
    expect(denseComputationHolds([...seedRows(0), ...seedRows(1)], 12)).toBe(true);
    expect(denseComputationHolds([row(0, 1, 7, 12, 0)], 12)).toBe(false); // 7 > 6
    expect(denseComputationHolds([row(0, 1, 2, 12, 0)], 12)).toBe(false); // 2 < 3
    expect(denseComputationHolds([row(0, 0.1, 5, 12, 0)], 12)).toBe(false); // no dense instance
  });

  it('sparse half: > m at 1 − S ≤ 0.03 in ≥ 2/3 of the seeds', () => {
    expect(sparseComputationHolds([...seedRows(0), ...seedRows(1), ...seedRows(2, 12)], 12)).toEqual({ holds: true, seeds: 2, of: 3 });
    expect(sparseComputationHolds([...seedRows(0), ...seedRows(1, 12), ...seedRows(2, 12)], 12)).toEqual({ holds: false, seeds: 1, of: 3 });
    // 13 computed at 1 − S = 0.1 is not sparse enough to count.
    expect(sparseComputationHolds([row(0, 0.1, 13, 0, 12)], 12).holds).toBe(false);
    expect(inMostSeeds([], () => true).holds).toBe(false);
  });

  it('neuron types: all four parts, each able to fail alone', () => {
    const good = [...seedRows(0), ...seedRows(1, 15, 0)];
    expect(neuronTypesHold(good).holds).toBe(true);
    expect(neuronTypesHold([...seedRows(0, 15, 0), ...seedRows(1, 15, 0)]).motifs).toBe(0);
    expect(neuronTypesHold([...seedRows(0, 15, 0), ...seedRows(1, 15, 0)]).holds).toBe(false);
    // Dense with 3 of 12 used neurons polysemantic: 9/12 = 75% < 80%.
    expect(neuronTypesHold([row(0, 1, 6, 9, 3), ...seedRows(0).slice(1)]).denseMono).toBe(false);
    // Sparsest mostly monosemantic.
    expect(neuronTypesHold([row(0, 1, 6, 12, 0), row(0, 0.1, 8, 8, 4), row(0, 0.01, 15, 8, 4, 1)]).sparsePoly.holds).toBe(false);
    // No instance with ≥ 2 of each type.
    expect(neuronTypesHold([row(0, 1, 6, 12, 0), row(0, 0.01, 15, 1, 11, 1)]).mixed.holds).toBe(false);
  });

  it('verdict: both halves reproduced, one partly, none not reproduced', () => {
    expect(absVerdict(true, true)).toBe('reproduced');
    expect(absVerdict(true, false)).toBe('partly');
    expect(absVerdict(false, true)).toBe('partly');
    expect(absVerdict(false, false)).toBe('not reproduced');
  });
});
