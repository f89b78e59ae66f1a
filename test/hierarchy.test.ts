// Hierarchical features (src/data/hierarchy.ts): the layout, the rule on hand-built rows, the
// generator's probabilities against closed forms, determinism, and the path into a toy run's
// distribution and an SAE's data.

import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import type { FeatureDistribution } from '../src/data/features.js';
import { applyHierarchy, contiguousHierarchy, type FeatureHierarchy } from '../src/data/hierarchy.js';
import { sampleInstance, sampleInstanceProjected } from '../src/data/skipSampler.js';
import { resolveToyConfig } from '../src/config/toy.js';
import { featureDistribution } from '../src/train/trainToy.js';

describe('hierarchy layout and rule', () => {
  it('lays groups out contiguously: parent, then its children', () => {
    expect(contiguousHierarchy(2, 3, false).groups).toEqual([
      { parent: 0, children: [1, 2, 3] },
      { parent: 4, children: [5, 6, 7] },
    ]);
    expect(contiguousHierarchy(1, 1, true)).toEqual({ groups: [{ parent: 0, children: [1] }], exclusive: true });
  });

  it('switches children off where the parent is off; exclusive keeps the largest child (ties: first)', () => {
    const independent = contiguousHierarchy(1, 3, false);
    const exclusive: FeatureHierarchy = { ...independent, exclusive: true };
    // rows of 5 features: parent 0, children 1–3, feature 4 outside the group.
    const rows = () =>
      Float64Array.of(
        0, 0.5, 0.2, 0, 0.9, // parent off: children go, feature 4 stays
        0.3, 0.5, 0.7, 0.1, 0.4, // parent on
        0.3, 0.6, 0, 0.6, 0, // parent on, a tie between children 1 and 3
        0.8, 0, 0, 0, 0, // parent alone
      );
    const a = rows();
    applyHierarchy(independent, a, 0, 4, 5);
    expect(Array.from(a)).toEqual([0, 0, 0, 0, 0.9, 0.3, 0.5, 0.7, 0.1, 0.4, 0.3, 0.6, 0, 0.6, 0, 0.8, 0, 0, 0, 0]);
    const b = rows();
    applyHierarchy(exclusive, b, 0, 4, 5);
    expect(Array.from(b)).toEqual([0, 0, 0, 0, 0.9, 0.3, 0, 0.7, 0, 0.4, 0.3, 0.6, 0, 0, 0, 0.8, 0, 0, 0, 0]);
    // Only the rows of the given block are touched.
    const c = rows();
    applyHierarchy(independent, c, 5, 1, 5);
    expect(Array.from(c)).toEqual(Array.from(rows()));
  });
});

/** Fractions of N samples: each feature active, and given pairs active together. */
function frequencies(dist: FeatureDistribution, N: number, pairs: [number, number][], seed = 3): { single: number[]; pair: number[]; parentOffChild: number } {
  const n = dist.nFeatures;
  const x = new Float32Array(N * n);
  sampleInstance(dist, 0, new Rng(seed), x, N);
  const single = new Array<number>(n).fill(0);
  const pair = pairs.map(() => 0);
  let parentOffChild = 0;
  for (let s = 0; s < N; s++) {
    const row = x.subarray(s * n, (s + 1) * n);
    for (let i = 0; i < n; i++) if (row[i] > 0) single[i]++;
    pairs.forEach(([i, j], q) => row[i] > 0 && row[j] > 0 && pair[q]++);
    for (const g of dist.hierarchy!.groups) if (row[g.parent] === 0 && g.children.some((c) => row[c] > 0)) parentOffChild++;
  }
  return { single: single.map((v) => v / N), pair: pair.map((v) => v / N), parentOffChild };
}

/** |estimate − p| within 5 standard errors of a proportion from N draws. */
function expectProportion(estimate: number, p: number, N: number, label: string): void {
  expect(Math.abs(estimate - p), `${label}: ${estimate} vs ${p}`).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / N) + 1e-12);
}

describe('hierarchical generator against closed forms', () => {
  const N = 200_000;
  // Features: parent 0 with children 1, 2; a lone feature 3. p = 0.3, 0.4, 0.6, 0.25.
  const p = [0.3, 0.4, 0.6, 0.25];
  const dist = (exclusive: boolean): FeatureDistribution => ({
    nInstances: 1,
    nFeatures: 4,
    featureProbability: Float64Array.from(p),
    hierarchy: { groups: [{ parent: 0, children: [1, 2] }], exclusive },
  });

  it('independent children: P(child) = p_P p_c, P(both) = p_P p_1 p_2, none without the parent', () => {
    const f = frequencies(dist(false), N, [[1, 2], [0, 3]]);
    expectProportion(f.single[0], 0.3, N, 'parent');
    expectProportion(f.single[1], 0.3 * 0.4, N, 'child 1');
    expectProportion(f.single[2], 0.3 * 0.6, N, 'child 2');
    expectProportion(f.single[3], 0.25, N, 'lone feature');
    expectProportion(f.pair[0], 0.3 * 0.4 * 0.6, N, 'children together');
    expectProportion(f.pair[1], 0.3 * 0.25, N, 'parent and lone feature');
    expect(f.parentOffChild).toBe(0);
  });

  it('exclusive children: P(child c) = p_P p_c (1 − p_other/2), never two at once', () => {
    // With two children, c survives when the other is off or has a smaller value:
    // ∫₀¹ (1 − p_o (1 − u)) du = 1 − p_o/2.
    const f = frequencies(dist(true), N, [[1, 2]]);
    expectProportion(f.single[0], 0.3, N, 'parent');
    expectProportion(f.single[1], 0.3 * 0.4 * (1 - 0.6 / 2), N, 'child 1');
    expectProportion(f.single[2], 0.3 * 0.6 * (1 - 0.4 / 2), N, 'child 2');
    expect(f.pair[0]).toBe(0);
    expect(f.parentOffChild).toBe(0);
  });

  it('exclusive with C equal children: P(child) = p_P (1 − (1 − q)^C)/C', () => {
    const C = 4;
    const q = 0.5;
    const d: FeatureDistribution = { nInstances: 1, nFeatures: 1 + C, featureProbability: Float64Array.from([0.2, q, q, q, q]), hierarchy: contiguousHierarchy(1, C, true) };
    const f = frequencies(d, N, []);
    for (let c = 1; c <= C; c++) expectProportion(f.single[c], (0.2 * (1 - (1 - q) ** C)) / C, N, `child ${c}`);
  });

  it('same seed, same numbers; the projected path makes h from the final x', () => {
    const d = dist(true);
    const x1 = new Float32Array(500 * 4);
    const x2 = new Float32Array(500 * 4);
    const h = new Float64Array(500 * 2);
    const W = Float32Array.of(1, 2, 3, 4, -1, 0.5, 0.25, 2); // [hidden 2, feat 4]
    sampleInstance(d, 0, new Rng(9), x1, 500);
    sampleInstanceProjected(d, 0, new Rng(9), x2, 500, W, 2, h);
    expect(x2).toEqual(x1);
    for (let s = 0; s < 500; s++)
      for (let j = 0; j < 2; j++) {
        let want = 0;
        for (let i = 0; i < 4; i++) if (x1[s * 4 + i] !== 0) want += W[j * 4 + i] * x1[s * 4 + i];
        expect(h[s * 2 + j]).toBe(want);
      }
  });
});

describe('hierarchy in a toy config', () => {
  it('reaches the distribution from --hierarchy, --hierarchy-children and --hierarchy-mode', () => {
    const config = resolveToyConfig({ nFeatures: 10, sparsity: [0.8], hierarchy: 2, hierarchyChildren: 2, hierarchyMode: 'exclusive' });
    expect(featureDistribution(config).hierarchy).toEqual({
      groups: [
        { parent: 0, children: [1, 2] },
        { parent: 3, children: [4, 5] },
      ],
      exclusive: true,
    });
    expect(featureDistribution(resolveToyConfig({ nFeatures: 8, hierarchy: 2 })).hierarchy?.groups[1]).toEqual({ parent: 4, children: [5, 6, 7] });
    expect('hierarchy' in featureDistribution(resolveToyConfig({}))).toBe(false);
  });
});

describe('hierarchy and prefixes from a sweep', () => {
  it('--set hierarchy sweeps runs, --set prefixes sets the matryoshka prefixes, bad values name the field', async () => {
    const { expandSweep, parseSet } = await import('../src/experiments/sweep/grid.js');
    const base = { nFeatures: 12, sae: { arch: ['matryoshka'], dictSize: [12] } };
    const runs = expandSweep(base, [parseSet('hierarchy=2,3'), parseSet('prefixes=3,6')]);
    expect(runs.map((r) => r.config.hierarchy)).toEqual([2, 3]);
    expect(runs.map((r) => r.sae?.prefixes)).toEqual([[3, 6], [3, 6]]);
    expect(() => expandSweep(base, [parseSet('prefixes=6,3')])).toThrow(/--prefixes must increase strictly/);
    expect(() => expandSweep(base, [parseSet('hierarchy=4')])).toThrow(/hierarchy=4: --hierarchy: 4 parents with their children need 16 features, more than --sparse-dim 12/);
  });
});
