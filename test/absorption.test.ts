// The absorption metric (src/metrics/absorption.ts) on hand-built activations, and its place in
// an SAE's metrics when the toy run has hierarchical features (and only then).

import { describe, expect, it } from 'vitest';
import { AbsorptionAccumulator, latentOfFeatures } from '../src/metrics/absorption.js';
import { trainSaes, trainToyModel } from '../src/train/library.js';
import { saeSummaryTable } from '../src/cli/summary.js';

describe('absorption on hand-built cases', () => {
  // Features: parent 0 with children 1, 2; parent 3 with child 4. Latents: 0 ↔ feature 0,
  // 1 ↔ 1, 2 ↔ 2, 3 ↔ 3, and feature 4 has no matched latent.
  const groups = [
    { parent: 0, children: [1, 2] },
    { parent: 3, children: [4] },
  ];
  const latentOf = [0, 1, 2, 3, -1];

  it('counts parent-active samples where the parent latent is silent and a child latent fires', () => {
    const acc = new AbsorptionAccumulator(groups, latentOf, 5, 4);
    // x [sample][feature], z [sample][latent]
    const x = [
      [0.5, 0.4, 0, 0, 0], // parent 0 and child 1; only the child's latent fires → absorbed
      [0.5, 0, 0.3, 0, 0], // parent 0 and child 2; both latents fire → not absorbed
      [0.5, 0, 0, 0, 0], // parent 0 alone; nothing fires → silent, but no child latent: not absorbed
      [0, 0.4, 0, 0, 0], // parent inactive: not counted (even though its latent is silent)
      [0.2, 0.1, 0.9, 0.7, 0.6], // parent 0: latent 0 silent, child 2's latent fires → absorbed;
      //                            parent 3: its latent fires → not absorbed
    ];
    const z = [
      [0, 1.1, 0, 0],
      [0.4, 0, 0.2, 0],
      [0, 0, 0, 0],
      [0, 0.5, 0, 0],
      [0, 0, 1, 0.3],
    ];
    acc.add(x.flat(), z.slice(0, 2).flat(), 2); // in two batches: counts accumulate
    acc.add(x.slice(2).flat(), z.slice(2).flat(), 3);
    const r = acc.result();
    expect(r.perParent[0]).toEqual({ parent: 0, latent: 0, parentActive: 4, absorbed: 2, fraction: 0.5 });
    // Parent 3: one active sample, its latent fires; its child has no latent, so it could not absorb anyway.
    expect(r.perParent[1]).toEqual({ parent: 3, latent: 3, parentActive: 1, absorbed: 0, fraction: 0 });
    expect(r.mean).toBe(0.25);
  });

  it('a parent without a matched latent is left out of the mean; none at all gives null; no active sample gives 0', () => {
    const acc = new AbsorptionAccumulator(groups, [-1, 1, 2, 3, -1], 5, 4);
    acc.add([0.5, 0.4, 0, 0, 0], [0, 1, 0, 0], 1);
    const r = acc.result();
    expect(r.perParent[0].fraction).toBeNull();
    expect(r.perParent[1]).toMatchObject({ parentActive: 0, fraction: 0 });
    expect(r.mean).toBe(0);
    expect(new AbsorptionAccumulator(groups, [-1, -1, -1, -1, -1], 5, 4).result().mean).toBeNull();
  });

  it('latentOfFeatures spreads a matching over some features onto all of them', () => {
    expect(Array.from(latentOfFeatures(5, [0, 2, 4], [3, -1, 1]))).toEqual([3, -1, -1, -1, 1]);
  });
});

describe('absorption in the SAE metrics', () => {
  it('is reported when the toy model has a hierarchy, and absent otherwise', () => {
    const base = { nFeatures: 8, nHidden: 6, sparsity: [0.8], steps: 300, evalSize: 2000, importanceDecay: 1 };
    const sae = { arch: ['batchtopk' as const, 'matryoshka' as const], dictSize: [8], saeSteps: 200, saeEvalSize: 3000 };
    const plain = trainSaes(trainToyModel(base), sae);
    for (const s of plain.saes) expect('absorption' in s.metrics).toBe(false);
    expect(saeSummaryTable(plain.saes).split('\n')[0]).not.toContain('absorption');
    const toy = trainToyModel({ ...base, hierarchy: 2, hierarchyChildren: 3 });
    const { saes } = trainSaes(toy, sae);
    expect(saes.map((s) => s.metrics.arch)).toEqual(['batchtopk', 'matryoshka']);
    const table = saeSummaryTable(saes).split('\n');
    expect(table[0]).toMatch(/ absorption$/);
    saes.forEach((s, r) => expect(table[2 + r].trim().split(/\s+/).pop()).toBe(s.metrics.absorption === null ? '-' : s.metrics.absorption!.toFixed(3)));
    for (const s of saes) {
      const perParent = s.metrics.absorptionPerParent!;
      expect(perParent.map((p) => p.parent)).toEqual([0, 4]);
      for (const p of perParent) {
        expect(p.absorbed).toBeLessThanOrEqual(p.parentActive);
        // Parents fire with p = 0.2 on 3000 samples.
        expect(p.parentActive).toBeGreaterThan(450);
        expect(p.parentActive).toBeLessThan(750);
      }
      const scored = perParent.filter((p) => p.fraction !== null).map((p) => p.fraction!);
      expect(s.metrics.absorption).toBe(scored.length ? scored.reduce((a, b) => a + b, 0) / scored.length : null);
    }
  });
});
