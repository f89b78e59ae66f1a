// `superposition reproduce --quick`: one run (in beforeAll, ~1.5–3 min on 2 cores) checked for
// its outputs' shape — a verdict per claim, decided by a stated rule, and one page with a figure
// per implemented claim — plus unit tests of the verdict rules' helpers.

import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  angularGaps,
  anticorrelatedHolds,
  betweenPlateaus,
  arrangementRatio,
  classifyPhase,
  correlatedHolds,
  criticalVerdict,
  dimensionalityPeaks,
  inverseDensityGrid,
  judgeCondition,
  judgeRegime,
  localMaxima,
  nonDecreasingWithin,
  pairLoss,
  peakCause,
  plateauWidth,
  relabel,
  runReproduce,
  samplePairs,
  solutionGeometry,
  uniformVerdict,
  windowHalfWidth,
} from '../src/experiments/reproduce.js';
import type { PairSolution } from '../src/experiments/reproduce/correlatedRules.js';
import { Rng } from '../src/core/rng.js';
import { writeReproduce } from '../src/cli/reproduce.js';
import { VERSION } from '../src/version.js';
import { SAE_ARCHS } from '../src/config/sae.js';
import { runCli, tempDir } from './helpers/cli.js';

const CLAIM_IDS = ['1-pentagon', '2-n20-geometry', '3-uniform-plateaus', '4-phase-diagram', '5-correlated-features', '6-critical-region', '7-sae-recovery', '8-computation-in-superposition', '9-double-descent', '10-absorption'];
const VERDICTS = ['reproduced', 'partly', 'not reproduced', 'not run'];

interface VerdictEntry {
  id: string;
  claim: string;
  source: string;
  measured: string;
  rule: string;
  verdict: string;
  reason?: string;
  config?: { seeds?: number[]; saeSeeds?: number[] };
  numbers?: unknown;
  figures: string[];
}

describe('rule helpers', () => {
  it('angularGaps: a regular pentagon has five 72° gaps summing to 360°', () => {
    const pentagon = Array.from({ length: 5 }, (_, i) => [Math.cos((i * 2 * Math.PI) / 5 + 0.3), Math.sin((i * 2 * Math.PI) / 5 + 0.3)] as [number, number]);
    const gaps = angularGaps(pentagon);
    expect(gaps).toHaveLength(5);
    for (const g of gaps) expect(g).toBeCloseTo(72, 6);
  });

  it('localMaxima: a peak counts as clear only when its ±1 SD band clears its neighbours', () => {
    const curve = (means: number[], sds: number[]) => means.map((mean, i) => ({ sparsity: i / 10, mean, sd: sds[i], perSeed: [] }));
    expect(localMaxima(curve([1, 3, 1], [0.1, 0.1, 0.1]))).toEqual([{ sparsity: 0.1, mean: 3, clear: true }]);
    expect(localMaxima(curve([1, 1.2, 1], [0.2, 0.2, 0.2]))[0].clear).toBe(false);
    expect(localMaxima(curve([1, 2, 3], [0, 0, 0]))).toEqual([]);
  });

  it('nonDecreasingWithin: dips up to the tolerance are allowed', () => {
    expect(nonDecreasingWithin([5, 6, 5.2, 7], 1)).toBe(true);
    expect(nonDecreasingWithin([5, 7, 5.5], 1)).toBe(false);
  });

  it('classifyPhase: from W = [w0 w1] of n=2, m=1', () => {
    expect(classifyPhase(1, 0.1)).toBe('not learned');
    expect(classifyPhase(0.1, 1)).toBe('dedicated dimension');
    expect(classifyPhase(1, -1)).toBe('superposition');
    expect(classifyPhase(1, 1)).toBe('other');
  });

  it('samplePairs (the paper\'s generators): correlated sets fire together with probability p; an anti-correlated set is zero with probability S, else exactly one feature', () => {
    const rows = 40_000;
    const p = 0.1;
    for (const kind of ['independent', 'correlated', 'anticorrelated'] as const) {
      const x = new Float32Array(rows * 4);
      samplePairs(kind, p, new Rng(7), x, 0, rows);
      let active0 = 0;
      let both = 0;
      let setActive = 0;
      for (let r = 0; r < rows; r++) {
        if (x[r * 4] > 0) active0++;
        if (x[r * 4] > 0 && x[r * 4 + 1] > 0) both++;
        if (x[r * 4] > 0 || x[r * 4 + 1] > 0) setActive++;
      }
      expect(active0 / rows, kind).toBeCloseTo(kind === 'anticorrelated' ? p / 2 : p, 2);
      if (kind === 'correlated') expect(both).toBe(active0);
      if (kind === 'anticorrelated') {
        expect(both).toBe(0);
        expect(setActive / rows).toBeCloseTo(p, 2);
      }
    }
  });
});

describe('claim 5 rules: geometry, arrangement test, verdict halves', () => {
  const cross = (pairing: 'orthogonal' | 'antipodal'): PairSolution => {
    // Two antipodal axes at right angles; 'orthogonal' puts the sets (0,1), (2,3) at right angles.
    const [e0, e1, m0, m1]: [number, number][] = [[1, 0], [0, 1], [-1, 0], [0, -1]];
    return { columns: pairing === 'orthogonal' ? [e0, e1, m0, m1] : [e0, m0, e1, m1], bias: [-0.1, -0.1, -0.1, -0.1] };
  };

  it('solutionGeometry and relabel: the three pairings of a cross are one antipodal, two orthogonal', () => {
    expect(solutionGeometry(cross('orthogonal'))).toBe('orthogonal');
    expect(solutionGeometry(cross('antipodal'))).toBe('antipodal');
    expect(solutionGeometry(relabel(cross('orthogonal'), [0, 2, 1, 3]))).toBe('antipodal');
    expect(solutionGeometry({ columns: [[1, 0], [0.1, 0], [0, 1], [0, -1]], bias: [0, 0, 0, 0] })).toBe('other');
  });

  it('pairLoss by hand: one row, one active feature on a dedicated axis', () => {
    const sol: PairSolution = { columns: [[1, 0], [0, 1], [0, 0], [0, 0]], bias: [0, 0, 0.5, 0] };
    // x = (0.5, 0, 0, 0): h = (0.5, 0); outputs (0.5, 0, 0.5, 0); squared errors 0 + 0 + 0.25 + 0 over 4.
    expect(pairLoss(sol, Float32Array.from([0.5, 0, 0, 0]), 1)).toBeCloseTo(0.25 / 4, 12);
  });

  it('arrangementRatio: correlated data prefers the orthogonal arrangement, anti-correlated the antipodal, independent ties', () => {
    const rows = 50_000;
    const ratio = (kind: 'independent' | 'correlated' | 'anticorrelated') => {
      const x = new Float32Array(rows * 4);
      samplePairs(kind, 0.1, new Rng(3), x, 0, rows);
      return arrangementRatio(cross('orthogonal'), x, rows).ratio!;
    };
    expect(ratio('correlated')).toBeLessThan(0.8);
    expect(ratio('anticorrelated')).toBeGreaterThan(1.25);
    expect(ratio('independent')).toBeGreaterThan(0.9);
    expect(ratio('independent')).toBeLessThan(1.1);
    expect(arrangementRatio({ columns: [[1, 0], [0, 0], [0, 1], [0, 0]], bias: [0, 0, 0, 0] }, new Float32Array(4), 1).ratio).toBeNull();
  });

  it('judgeCondition and the two halves: denominators are the represented pairs', () => {
    const anti = judgeCondition([
      { cosines: [-0.99, -0.95], ratio: 5 },
      { cosines: [-0.97, null], ratio: null },
      { cosines: [0.1, -0.99], ratio: 2 },
    ]);
    expect(anti).toMatchObject({ pairs: 6, representedPairs: 5, antipodal: 4, orthogonal: 1, comparedSeeds: 2, antipodalLower: 2, orthogonalLower: 0 });
    expect(anticorrelatedHolds(anti)).toBe(true);
    expect(anticorrelatedHolds(judgeCondition([{ cosines: [-0.99, 0.1], ratio: null }, { cosines: [0.0, null], ratio: null }]))).toBe(false);
    const corr = [{ cosines: [0.01, -0.02], ratio: 0.1 }, { cosines: [0.2, null], ratio: 0.5 }, { cosines: [0.0, 0.05], ratio: 0.9 }];
    expect(correlatedHolds(judgeCondition(corr))).toBe(true);
    // One antipodal pair, or no seed where the arrangements compare, or ties (independent): fails.
    expect(correlatedHolds(judgeCondition([...corr, { cosines: [-0.95, 0], ratio: 0.1 }]))).toBe(false);
    expect(correlatedHolds(judgeCondition(corr.map((c) => ({ ...c, ratio: null }))))).toBe(false);
    expect(correlatedHolds(judgeCondition(corr.map((c) => ({ ...c, ratio: 1.02 }))))).toBe(false);
  });
});

describe('claim 6 rules: both regimes, and what the peak belongs to', () => {
  const grid = [0.8, 0.82, 0.84, 0.86, 0.87, 0.9];
  const rows = (losses: number[][]) => losses.flatMap((perSeed, i) => perSeed.map((loss) => ({ sparsity: grid[i], loss })));
  it('judgeRegime: a clear peak, one within the spread, none', () => {
    // Raw losses chosen so loss/(1−S) has no maximum in the region (it rises with S there).
    const clear = rows([[1, 1.02], [1.1, 1.12], [2, 2.02], [1.1, 1.12], [1.0, 1.02], [0.9, 0.92]]);
    expect(judgeRegime(clear, grid).status).toBe('clear');
    const within = rows([[0.3, 0.3], [0.3, 0.3], [0.2, 0.5], [0.31, 0.31], [0.05, 0.05], [0.01, 0.01]]);
    expect(judgeRegime(within, grid).status).toBe('within spread');
    const falling = rows([[6, 6], [5, 5], [4, 4], [3, 3], [2, 2], [1, 1]]);
    expect(judgeRegime(falling, grid).status).toBe('none');
  });
  it('criticalVerdict: clear in both regimes, in one, nowhere', () => {
    expect(criticalVerdict('clear', 'clear')).toBe('reproduced');
    expect(criticalVerdict('none', 'clear')).toBe('partly');
    expect(criticalVerdict('within spread', 'none')).toBe('partly');
    expect(criticalVerdict('none', 'none')).toBe('not reproduced');
  });
  it('peakCause: superposition, under-training, a finite dataset, nothing', () => {
    const s = (status: 'clear' | 'none', numEpochs: number, datasetSize = 100_000) => ({ datasetSize, numEpochs, status });
    expect(peakCause('clear', [s('none', 5)])).toMatch(/^superposition/);
    expect(peakCause('none', [s('clear', 5), s('none', 25), s('clear', 5, 10_000), s('none', 25, 10_000)])).toMatch(/^under-training/);
    expect(peakCause('none', [s('none', 5), s('clear', 25, 10_000)])).toMatch(/^a finite dataset/);
    expect(peakCause('within spread', [s('none', 5), s('none', 25)])).toMatch(/^nothing/);
  });
});

describe('claim 3 rules: dimensionality peaks and plateaus', () => {
  it('finds a peak where values cluster, and none in a flat spread', () => {
    const flat = Array.from({ length: 400 }, (_, i) => (i + 0.5) / 400);
    expect(dimensionalityPeaks(flat).every((p) => !p.peak)).toBe(true);
    const clustered = [...flat, ...Array.from({ length: 30 }, (_, i) => 0.5 + (i - 15) * 0.0005)];
    const peaks = dimensionalityPeaks(clustered);
    expect(peaks.find((p) => p.fraction === '1/2')?.peak).toBe(true);
    expect(peaks.filter((p) => p.peak).map((p) => p.fraction)).toEqual(['1/2']);
    // Hand count for 1/2: 30 clustered + 12 flat values within ±0.015; ring: 48 flat values in 0.015 < |D − 0.5| ≤ 0.075.
    const half = peaks.find((p) => p.fraction === '1/2')!;
    expect([half.count, half.ring]).toEqual([42, 48]);
    expect(half.ratio).toBeCloseTo((42 / 0.03) / (48 / 0.12), 10);
  });

  it('no line at 1; windows of close fractions never overlap, and a cluster at 3/8 does not lower 2/5\'s ratio', () => {
    expect(dimensionalityPeaks([]).map((p) => p.fraction)).toEqual(['3/4', '2/3', '1/2', '2/5', '3/8', '1/3', '2/7', '1/4']);
    expect(windowHalfWidth(3 / 8)).toBeCloseTo(0.01, 12);
    expect(windowHalfWidth(2 / 5)).toBeCloseTo(0.01, 12);
    expect(windowHalfWidth(1 / 2)).toBe(0.015);
    const flat = Array.from({ length: 400 }, (_, i) => (i + 0.5) / 400);
    const at = (f: number, k: number) => Array.from({ length: k }, (_, i) => f + (i - k / 2) * 0.00004); // within ±0.004
    const both = dimensionalityPeaks([...flat, ...at(2 / 5, 20), ...at(3 / 8, 200)]);
    const alone = dimensionalityPeaks([...flat, ...at(2 / 5, 20)]);
    const ratio = (ps: ReturnType<typeof dimensionalityPeaks>, f: string) => ps.find((p) => p.fraction === f)!.ratio;
    expect(ratio(both, '2/5')).toBeCloseTo(ratio(alone, '2/5'), 10);
    expect(both.filter((p) => p.peak).map((p) => p.fraction)).toEqual(['2/5', '3/8']);
  });

  it('betweenPlateaus: off the plateaus at 1 and 1/2, above 0.2', () => {
    expect([1, 0.97, 0.9, 0.6, 0.54, 0.5, 0.46, 0.4, 0.25, 0.19].map((d) => betweenPlateaus(d))).toEqual([false, false, true, true, false, false, false, true, true, false]);
  });

  it('inverseDensityGrid: log-spaced over [1, max] plus the extra points inside each window', () => {
    const grid = inverseDensityGrid(10, 20, 4, [[1.2, 2.5], [3.5, 7]]);
    expect(grid[0]).toBe(1);
    expect(grid[grid.length - 1]).toBe(20);
    expect(grid.filter((v) => v >= 1.2 && v <= 2.5).length).toBeGreaterThanOrEqual(4);
    expect(grid.filter((v) => v >= 3.5 && v <= 7).length).toBeGreaterThanOrEqual(4);
    expect([...grid].sort((a, b) => a - b)).toEqual(grid);
    expect(inverseDensityGrid(22, 20, 6, [[1.2, 2.5], [3.5, 7]]).length).toBeGreaterThanOrEqual(30);
  });

  it('uniformVerdict: plateaus and peaks (1/2 and two others, the notebook\'s lines count)', () => {
    const peaks = (...at: number[]) => [0.75, 2 / 3, 0.5, 0.4, 0.375, 1 / 3, 2 / 7, 0.25].map((value) => ({ value, peak: at.includes(value) }));
    expect(uniformVerdict(peaks(0.5, 0.4, 1 / 3), true, true)).toBe('reproduced');
    expect(uniformVerdict(peaks(0.5, 0.4, 1 / 3), true, false)).toBe('partly');
    expect(uniformVerdict(peaks(0.5, 0.4), true, true)).toBe('partly');
    expect(uniformVerdict(peaks(0.4, 0.375, 1 / 3), false, true)).toBe('not reproduced');
  });

  it('a straight descent in log x has stickiness ≈ 1; a flat stretch at 1/2 raises it', () => {
    const xs = Array.from({ length: 21 }, (_, k) => 20 ** (k / 20));
    const straight = xs.map((x) => ({ x, y: 1 - 0.9 * (Math.log(x) / Math.log(20)) }));
    expect(plateauWidth(straight, 0.5, 0.7, 0.3).stickiness).toBeCloseTo(1, 1);
    expect(plateauWidth(straight, 1, 1, 0.5).stickiness).toBeCloseTo(1, 1);
    // Flat at 0.5 from x = 2 to x = 4, straight elsewhere with the same slope.
    const slope = 0.9 / Math.log(20);
    const sticky = xs.map((x) => {
      const t = Math.log(x);
      const y = t < Math.log(2) ? 0.5 + slope * (Math.log(2) - t) : t < Math.log(4) ? 0.5 : 0.5 - slope * (t - Math.log(4));
      return { x, y };
    });
    const half = plateauWidth(sticky, 0.5, 0.7, 0.3);
    expect(half.factor).toBeGreaterThan(2);
    expect(half.stickiness).toBeGreaterThan(2);
  });
});

describe('reproduce --quick', () => {
  const out = tempDir('reproduce');
  let verdicts: { version: string; quick: boolean; runtimeSeconds: number; cpuSeconds: number; claims: VerdictEntry[] };
  let html: string;

  beforeAll(async () => {
    const result = await runReproduce({ quick: true, workers: 2, log: (line) => console.log(`reproduce: ${line}`) });
    await writeReproduce(out, result);
    verdicts = JSON.parse(fs.readFileSync(path.join(out, 'verdicts.json'), 'utf8'));
    html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    console.log(`reproduce --quick: ${result.runtimeSeconds.toFixed(0)} s; ${result.claims.map((c) => `${c.id}: ${c.verdict}`).join('; ')}`);
  }, 400_000);

  // The budget is 5 minutes on 2 cores. Wall time depends on whatever else runs (here: the other
  // test files), so the check is on the run's own CPU time: under 2 × 300 s at 75% parallel use.
  it('fits the quick budget (5 minutes on 2 cores), by its CPU time', () => {
    expect(verdicts.quick).toBe(true);
    expect(verdicts.cpuSeconds).toBeGreaterThan(0);
    expect(verdicts.cpuSeconds).toBeLessThan(450);
  });

  it('verdicts.json: one entry per claim, with the required keys and an allowed verdict', () => {
    expect(verdicts.version).toBe(VERSION);
    expect(verdicts.claims.map((c) => c.id).sort()).toEqual([...CLAIM_IDS].sort());
    for (const c of verdicts.claims) {
      for (const key of ['claim', 'source', 'measured', 'rule'] as const) expect(c[key], `${c.id}.${key}`).toMatch(/\S/);
      expect(VERDICTS, c.id).toContain(c.verdict);
      expect(c.verdict, `${c.id} must be run`).not.toBe('not run');
      if (c.verdict === 'not run') {
        expect(c.reason, c.id).toMatch(/\S/);
      } else {
        expect(c.numbers, c.id).toBeDefined();
        expect(c.figures.length, c.id).toBeGreaterThan(0);
        const seeds = c.config?.seeds ?? c.config?.saeSeeds ?? [];
        expect(seeds.length, `${c.id}: spread over ≥ 3 seeds`).toBeGreaterThanOrEqual(3);
      }
    }
  });

  it('claim 7 carries the recovery map: every architecture × dictionary size × sparsity, both metrics, spread over seeds', () => {
    const c7 = verdicts.claims.find((c) => c.id === '7-sae-recovery')!;
    const map = (c7.numbers as { recoveryMap: { config: { dictSize: number[]; sparsity: number[]; saeSeeds: number }; summary: { metric: string; arch: string; dictSize: number; sparsity: number; mean: number; min: number; max: number; seeds: number }[] } }).recoveryMap;
    const { dictSize, sparsity, saeSeeds } = map.config;
    expect(saeSeeds).toBeGreaterThanOrEqual(2);
    expect(map.summary).toHaveLength(2 * SAE_ARCHS.length * dictSize.length * sparsity.length);
    for (const metric of ['MCC', 'recovered@0.9'])
      for (const arch of SAE_ARCHS)
        for (const d of dictSize)
          for (const s of sparsity) {
            const p = map.summary.find((q) => q.metric === metric && q.arch === arch && q.dictSize === d && q.sparsity === s);
            expect(p, `${metric} ${arch} d=${d} S=${s}`).toBeDefined();
            expect(p!.seeds).toBe(saeSeeds);
            expect(p!.min).toBeLessThanOrEqual(p!.mean);
            expect(p!.mean).toBeLessThanOrEqual(p!.max);
          }
    expect(c7.figures.length).toBe(2);
  });

  it('claim 10: absorption and L0 for batchtopk and matryoshka at every SAE seed, the rule\'s parts, one figure', () => {
    const c = verdicts.claims.find((v) => v.id === '10-absorption')!;
    const numbers = c.numbers as { judgement: { pairs: number; premise: boolean; equalL0: boolean }; perSae: { arch: string; seed: number; absorption: number | null; l0: number }[] };
    const seeds = c.config!.saeSeeds!;
    expect(numbers.perSae.map((r) => `${r.arch}/${r.seed}`).sort()).toEqual(['batchtopk', 'matryoshka'].flatMap((a) => seeds.map((s) => `${a}/${s}`)).sort());
    for (const r of numbers.perSae) {
      if (r.absorption !== null) {
        expect(r.absorption).toBeGreaterThanOrEqual(0);
        expect(r.absorption).toBeLessThanOrEqual(1);
      }
      expect(r.l0).toBeGreaterThan(0);
    }
    expect(typeof numbers.judgement.premise).toBe('boolean');
    expect(c.measured).toMatch(/batchtopk .* vs matryoshka .*L0/);
    expect(c.figures).toHaveLength(1);
  });

  it('report.html: one page, offline, the verdict table first, a figure per implemented claim', () => {
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|url\(['"]?(https?:|\/\/)/i);
    expect(html).toContain(VERSION);
    const table = html.indexOf('<table class="verdicts">');
    expect(table).toBeGreaterThan(0);
    for (const c of verdicts.claims) {
      const start = html.indexOf(`<section id="${c.id}">`);
      expect(start, c.id).toBeGreaterThan(table);
      const section = html.slice(start, html.indexOf('</section>', start));
      expect(section).toContain(c.verdict);
      const svgs = section.match(/<figure><svg/g)?.length ?? 0;
      expect(svgs, c.id).toBe(c.verdict === 'not run' ? 0 : c.figures.length);
      if (c.verdict !== 'not run') expect(svgs, c.id).toBeGreaterThan(0);
    }
  });

  it('claim 9: per training set size the test and training loss, each seed\'s regime and measures; the peak and the switch; three figures', () => {
    const c = verdicts.claims.find((x) => x.id === '9-double-descent')!;
    const numbers = c.numbers as {
      peak: { T: number; clear: boolean };
      switch: { lastPoints: number | null; firstFeatures: number | null; holds: boolean };
      perSize: { T: number; testLoss: { mean: number; perSeed: number[] }; trainLoss: { mean: number }; regimes: string[]; measures: { pointShare: number }[] }[];
    };
    const sizes = numbers.perSize.map((p) => p.T);
    expect(sizes.length).toBeGreaterThanOrEqual(5);
    expect([...sizes].sort((a, b) => a - b)).toEqual(sizes);
    expect(sizes.slice(1, -1)).toContain(numbers.peak.T);
    for (const p of numbers.perSize) {
      expect(p.testLoss.perSeed).toHaveLength(c.config!.seeds!.length);
      expect(p.regimes.every((r) => ['points', 'features', 'neither'].includes(r))).toBe(true);
      expect(p.measures.every((m) => Number.isFinite(m.pointShare) && m.pointShare >= 0)).toBe(true);
      expect(Number.isFinite(p.testLoss.mean) && Number.isFinite(p.trainLoss.mean)).toBe(true);
    }
    expect(typeof numbers.switch.holds).toBe('boolean');
    expect(c.figures).toHaveLength(3);
    expect(c.measured).toMatch(/T\*=\d+/);
  });

  it('claim 8: an instance per (seed, 1 − S) with its features computed and neuron counts, and three figures', () => {
    const c8 = verdicts.claims.find((c) => c.id === '8-computation-in-superposition')!;
    const numbers = c8.numbers as { perInstance: { seed: number; density: number; computed: number; counts: Record<string, number> }[] };
    expect(numbers.perInstance).toHaveLength(3 * 5);
    for (const r of numbers.perInstance) {
      expect(r.computed).toBeGreaterThanOrEqual(0);
      expect(r.computed).toBeLessThanOrEqual(20);
      expect(r.counts.monosemantic + r.counts.polysemantic + r.counts.unused).toBe(6);
    }
    expect(c8.figures).toHaveLength(3);
  });

  it('figures/: every figure also as <claim id>-<k>.svg and .png', () => {
    for (const c of verdicts.claims) {
      c.figures.forEach((_, k) => {
        const name = path.join(out, 'figures', `${c.id}-${k + 1}`);
        expect(fs.readFileSync(`${name}.svg`, 'utf8'), name).toMatch(/^<svg/);
        expect([...fs.readFileSync(`${name}.png`).subarray(1, 4)].map((b) => String.fromCharCode(b)).join(''), name).toBe('PNG');
      });
    }
  });

  it('the CLI dispatches `reproduce` (help, and a bad flag is exit 2)', () => {
    const help = runCli(['reproduce', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--quick');
    const bad = runCli(['reproduce', '--nope']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown option/);
    const workers = runCli(['reproduce', '--quick', '--workers', '0', '--out', path.join(out, 'never')]);
    expect(workers.status).toBe(2);
    expect(workers.stderr.trim()).toBe('superposition reproduce: error: --workers must be an integer in [1, 256] (got "0")');
    expect(fs.existsSync(path.join(out, 'never'))).toBe(false);
  });
});
