import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { darkPixelCount, json, pngSize } from './helpers/png.js';
import type { TopLevelSpec } from 'vega-lite';
import { directionRecovery } from '../src/metrics/matching.js';
import { renderSpec } from '../src/report/render.js';
import { cosineHeatmapSpec } from '../src/report/sae/cosineHeatmap.js';
import { featureArrowsSpec } from '../src/report/sae/featureArrows.js';
import { firingFrequencySpec } from '../src/report/sae/firingFrequency.js';
import type { SaePlotInput, SaePlotSae } from '../src/report/sae/input.js';
import { recoveryVsSparsitySpec } from '../src/report/sae/recoveryVsSparsity.js';
import { recoveryVsSweepSpec } from '../src/report/sae/recoveryVsSweep.js';
import { writeSaePlots } from '../src/report/saePlots.js';

const N = 5;
const D = 8;
const SPARSITIES = [0.7, 0.9];
const L1S = [0.01, 0.1];
const SEEDS = 2;

/** Deterministic pseudo-random numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function unit(v: number[]): number[] {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/**
 * One SAE over a toy instance with true features `W` ([feat][hidden]): latent perm[i] is a noisy
 * copy of feature i, the other latents are random; metrics come from the real directionRecovery.
 * Latent 3 is dead in every SAE, latent 6 also in seed 1; latent 7 is dense.
 */
function makeSae(
  index: number,
  toyInstance: number,
  sparsity: number,
  W: number[][],
  l1: number,
  seed: number,
): SaePlotSae {
  const m = W[0].length;
  const r = lcg(1 + 97 * index);
  const perm = [5, 2, 7, 0, 4]; // latent for feature i
  const decoder = Array.from({ length: D }, (_, l) => {
    const i = perm.indexOf(l);
    // Unmatched latents point between two features (m = 2) or anywhere (m > 2).
    const between = (2 * Math.PI * (l + 0.5)) / N;
    const base = i >= 0 ? W[i] : m === 2 ? [Math.cos(between), Math.sin(between)] : Array.from({ length: m }, () => r() - 0.5);
    return unit(base.map((x) => x + (r() - 0.5) * (0.1 + l1 + 0.1 * seed)));
  });
  const unitW = W.map(unit);
  const cosines = unitW.map((w) =>
    decoder.map((d) => Math.max(-1, Math.min(1, w.reduce((a, x, j) => a + x * d[j], 0)))),
  );
  const representedFeatures = W.map((w, i) => [i, Math.hypot(...w)] as const)
    .filter(([, norm]) => norm > 0.5)
    .map(([i]) => i);
  const rec = directionRecovery(cosines, representedFeatures);
  const all = directionRecovery(
    cosines,
    W.map((_, i) => i),
  );
  const firingFrequency = Array.from({ length: D }, (_, l) => {
    if (l === 3 || (l === 6 && seed === 1)) return 0;
    if (l === 7) return 0.75;
    return 10 ** (-1 - 2 * r());
  });
  return {
    index,
    toyInstance,
    sparsity,
    arch: 'relu',
    dictSize: D,
    l1,
    k: null,
    seed,
    mmcs: rec.mmcs,
    mmcsAll: all.mmcs,
    mcc: rec.mcc,
    recovered090: rec.recovered090,
    represented: representedFeatures.length,
    l0: 1,
    trueL0: N * (1 - sparsity),
    deadLatents: firingFrequency.filter((f) => f === 0).length,
    cosines,
    representedFeatures,
    matchedLatent: rec.matchedLatent,
    firingFrequency,
    decoder,
    trueFeatures: W,
  };
}

/** True features in R^m: n directions, the last `weak` of them with norm 0.3 (not represented). */
function trueFeatures(m: number, weak: number, t: number): number[][] {
  const r = lcg(500 + t);
  return Array.from({ length: N }, (_, i) => {
    const v =
      m === 2
        ? [Math.cos((2 * Math.PI * i) / N + 0.1 * t), Math.sin((2 * Math.PI * i) / N + 0.1 * t)]
        : unit(Array.from({ length: m }, () => r() - 0.5));
    return v.map((x) => x * (i >= N - weak ? 0.3 : 1));
  });
}

function makeInput(m = 2): SaePlotInput {
  const saes: SaePlotSae[] = [];
  SPARSITIES.forEach((sparsity, t) => {
    const W = trueFeatures(m, t === 0 ? 2 : 0, t);
    for (const l1 of L1S) {
      for (let seed = 0; seed < SEEDS; seed++) saes.push(makeSae(saes.length, t, sparsity, W, l1, seed));
    }
  });
  return { nFeatures: N, nHidden: m, saes };
}


describe('writeSaePlots', () => {
  let dir: string;
  let names: string[];
  const input = makeInput();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'superposition-sae-plots-'));
    names = await writeSaePlots(path.join(dir, 'plots'), input, ['l1', 'dictSize']);
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('returns the base names in order, arrows included for m = 2', () => {
    expect(names).toEqual([
      'cosines',
      'recovery_vs_sparsity',
      'recovery_vs_l1',
      'recovery_vs_dictSize',
      'firing_frequency',
      'arrows',
    ]);
  });

  it('leaves exactly one .svg and one .png per plot and no temp files', () => {
    const files = fs.readdirSync(path.join(dir, 'plots')).sort();
    expect(files).toEqual(names.flatMap((n) => [`${n}.png`, `${n}.svg`]).sort());
  });

  const expectedText: Record<string, string[]> = {
    cosines: ['Cosine between true features', 'relu d=8 λ=0.01, S=0.7', 'relu d=8 λ=0.1, S=0.9', 'feature i'],
    recovery_vs_sparsity: ['Feature recovery vs sparsity', 'MMCS', 'MCC', 'recovered@0.9', 'relu d=8 λ=0.01', 'm = 2'],
    recovery_vs_l1: ['Feature recovery vs sparsity coefficient λ', 'log scale', 'MMCS'],
    recovery_vs_dictSize: ['Feature recovery vs dictionary size d', 'MCC'],
    firing_frequency: ['Latent firing frequency', 'dead', 'dense', 'relu: 64 latents in 8 SAEs — 12 dead, 8 dense'],
    arrows: ['True feature directions and SAE decoder directions', 'relu d=8 λ=0.1, S=0.9', 'matched'],
  };

  for (const [name, texts] of Object.entries(expectedText)) {
    it(`${name}: svg has its titles, png is a valid 2x render with dark pixels`, () => {
      const svg = fs.readFileSync(path.join(dir, 'plots', `${name}.svg`), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('DejaVu Sans');
      for (const t of texts) expect(svg).toContain(t);

      const png = new Uint8Array(fs.readFileSync(path.join(dir, 'plots', `${name}.png`)));
      const { width, height } = pngSize(png);
      const svgWidth = Number(/^<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1]);
      const svgHeight = Number(/^<svg[^>]*\sheight="([\d.]+)"/.exec(svg)?.[1]);
      expect(width).toBe(Math.round(2 * svgWidth));
      expect(height).toBe(Math.round(2 * svgHeight));
      expect(darkPixelCount(png)).toBeGreaterThan(100);
    });
  }

  it('writes no arrows plot when m != 2', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'superposition-sae-plots-m3-'));
    try {
      const written = await writeSaePlots(other, makeInput(3), ['l1']);
      expect(written).toEqual(['cosines', 'recovery_vs_sparsity', 'recovery_vs_l1', 'firing_frequency']);
      expect(fs.existsSync(path.join(other, 'arrows.svg'))).toBe(false);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('cosineHeatmapSpec', () => {
  const input = makeInput();

  it('has one panel per seed-0 SAE, titled by configuration and sparsity', () => {
    const spec = json(cosineHeatmapSpec(input));
    expect(spec.facet.sort).toEqual([
      'relu d=8 λ=0.01, S=0.7',
      'relu d=8 λ=0.1, S=0.7',
      'relu d=8 λ=0.01, S=0.9',
      'relu d=8 λ=0.1, S=0.9',
    ]);
    expect(spec.data.values).toHaveLength(4 * N * D);
    const layer = spec.spec.layer[0];
    expect(layer.encoding.color.scale).toMatchObject({ scheme: 'redblue', reverse: true, domain: [-1, 1], clamp: true });
  });

  it('orders columns by the matching: matched latents in feature order, then the rest by best cosine', () => {
    const spec = json(cosineHeatmapSpec(input));
    for (const [p, sae] of input.saes.filter((s) => s.seed === 0).entries()) {
      const panel = spec.facet.sort[p];
      const rows = spec.data.values.filter((r: { panel: string }) => r.panel === panel);
      const latentAt: number[] = [];
      for (const r of rows) {
        // Every cell carries the cosine of its own (feature, latent) pair.
        expect(r.cos).toBe(sae.cosines[r.feature][r.latent]);
        latentAt[r.column] = r.latent;
      }
      // Hand-computed expectation.
      const matched = sae.representedFeatures
        .map((f, j) => [f, sae.matchedLatent[j]] as const)
        .sort((a, b) => a[0] - b[0])
        .map(([, l]) => l)
        .filter((l) => l >= 0);
      const best = (l: number) => Math.max(...sae.cosines.map((row) => row[l]));
      const rest = [...Array(D).keys()].filter((l) => !matched.includes(l)).sort((a, b) => best(b) - best(a));
      expect(latentAt).toEqual([...matched, ...rest]);
      // The synthetic decoder makes latent [5, 2, 7, 0, 4][i] the copy of feature i.
      expect(latentAt.slice(0, matched.length)).toEqual([5, 2, 7, 0, 4].slice(0, matched.length));
      // Outlines sit exactly on the matched pairs, which lie on the diagonal.
      const outlined = rows.filter((r: { matched: boolean }) => r.matched);
      expect(outlined).toHaveLength(matched.length);
      for (const r of outlined) expect(r.column).toBe(sae.representedFeatures.indexOf(r.feature));
    }
  });

  it('labels topk panels by k and caps the grid at 24 panels, saying so in the subtitle', () => {
    const base = makeInput().saes[0];
    const saes = Array.from({ length: 30 }, (_, j) => ({ ...base, index: j, arch: 'topk', l1: null, k: j + 1 }));
    const spec = json(cosineHeatmapSpec({ nFeatures: N, nHidden: 2, saes }));
    expect(spec.facet.sort).toHaveLength(24);
    expect(spec.facet.sort[1]).toBe('topk d=8 k=2, S=0.7');
    expect(spec.title.subtitle.join(' ')).toContain('first 24 of 30');
    expect(json(cosineHeatmapSpec(input)).title.subtitle.join(' ')).not.toContain('showing the first');
  });
});

describe('recoveryVsSparsitySpec', () => {
  const input = makeInput();
  const spec = json(recoveryVsSparsitySpec(input));
  const [mmcsPanel, mccPanel, recoveredPanel, repPanel] = spec.hconcat;

  it('has the three metric panels and a represented-features panel with a dashed line', () => {
    expect(spec.hconcat).toHaveLength(4);
    expect(mmcsPanel.title).toContain('MMCS');
    expect(mccPanel.title).toContain('MCC');
    expect(recoveredPanel.title).toContain('recovered@0.9');
    const line = repPanel.layer.find((l: { mark: { type: string } }) => l.mark.type === 'line');
    expect(line.mark.strokeDash).toBeDefined();
    expect(repPanel.data.values).toEqual([
      { sparsity: 0.7, x: 0, represented: 3 },
      { sparsity: 0.9, x: 1, represented: 5 },
    ]);
  });

  it('aggregates over seeds: one row per (configuration, sparsity) with mean, min and max', () => {
    expect(mmcsPanel.data.values).toHaveLength(SPARSITIES.length * L1S.length);
    for (const [t, sparsity] of SPARSITIES.entries()) {
      for (const l1 of L1S) {
        const seeds = input.saes.filter((s) => s.toyInstance === t && s.l1 === l1);
        expect(seeds).toHaveLength(2);
        const [a, b] = seeds;
        const config = `relu d=8 λ=${l1}`;
        const find = (panel: { data: { values: { config: string; sparsity: number }[] } }) =>
          panel.data.values.find((r) => r.config === config && r.sparsity === sparsity);
        expect(find(mmcsPanel)).toMatchObject({
          mean: (a.mmcs + b.mmcs) / 2,
          min: Math.min(a.mmcs, b.mmcs),
          max: Math.max(a.mmcs, b.mmcs),
          seeds: 2,
        });
        expect(find(mccPanel)).toMatchObject({ mean: (a.mcc + b.mcc) / 2, seeds: 2 });
        const fraction = (s: SaePlotSae) => s.recovered090 / s.represented;
        expect((find(recoveredPanel) as unknown as { mean: number }).mean).toBeCloseTo((fraction(a) + fraction(b)) / 2, 12);
      }
    }
    // The seeds really differ, so a spec that plotted one seed would fail the check above.
    expect(input.saes[0].mmcs).not.toBe(input.saes[1].mmcs);
  });

  it('places sparsities on evenly spaced positions with their values as labels, dodging configurations', () => {
    const point = mmcsPanel.layer.find((l: { mark: { type: string } }) => l.mark.type === 'point');
    expect(point.encoding.x.axis.values).toEqual([0, 1]);
    expect(point.encoding.x.axis.labelExpr).toContain('"0.7","0.9"');
    const xs = mmcsPanel.data.values.filter((r: { sparsity: number }) => r.sparsity === 0.9).map((r: { x: number }) => r.x);
    expect(new Set(xs).size).toBe(2);
    for (const x of xs) expect(Math.abs(x - 1)).toBeLessThan(0.5);
  });

  it('joins topk SAEs whose default k changes with sparsity into one line', () => {
    const saes = makeInput().saes.map((s) => ({ ...s, arch: 'topk', l1: null, k: s.toyInstance === 0 ? 2 : 1 }));
    const out = json(recoveryVsSparsitySpec({ nFeatures: N, nHidden: 2, saes }));
    const configs = new Set(out.hconcat[0].data.values.map((r: { config: string }) => r.config));
    expect([...configs]).toEqual(['topk d=8 k≈n(1−S)']);
  });
});

describe('recoveryVsSweepSpec', () => {
  const input = makeInput();

  it('uses a log x scale for positive λ and a linear one when λ = 0 is present', () => {
    const log = json(recoveryVsSweepSpec(input, 'l1'));
    expect(log.hconcat).toHaveLength(3);
    expect(log.hconcat[0].layer[1].encoding.x.scale.type).toBe('log');
    const withZero = { ...input, saes: input.saes.map((s) => (s.l1 === 0.01 ? { ...s, l1: 0 } : s)) };
    const linear = json(recoveryVsSweepSpec(withZero, 'l1'));
    expect(linear.hconcat[0].layer[1].encoding.x.scale.type).toBeUndefined();
  });

  it('averages over seeds per (sparsity, arch, value), coloured by sparsity and dashed by arch', () => {
    const spec = json(recoveryVsSweepSpec(input, 'l1'));
    const panel = spec.hconcat[1]; // MCC
    expect(panel.data.values).toHaveLength(4);
    const row = panel.data.values.find((r: { sparsity: number; value: number }) => r.sparsity === 0.9 && r.value === 0.1);
    const seeds = input.saes.filter((s) => s.sparsity === 0.9 && s.l1 === 0.1);
    expect(row.mean).toBeCloseTo((seeds[0].mcc + seeds[1].mcc) / 2, 12);
    expect(row.seeds).toBe(2);
    const line = panel.layer[1].encoding;
    expect(line.color.field).toBe('sparsity');
    expect(line.strokeDash.field).toBe('arch');
  });

  it('keeps only SAEs that have the swept field', () => {
    const spec = json(recoveryVsSweepSpec(input, 'k'));
    expect(spec.hconcat[0].data.values).toHaveLength(0);
    expect(spec.title.subtitle.join(' ')).toContain('no SAE has k');
  });
});

describe('firingFrequencySpec', () => {
  const input = makeInput();

  it('counts dead latents in a separate bar left of the histogram and bins the rest', () => {
    const spec = json(firingFrequencySpec(input));
    expect(spec.vconcat).toHaveLength(1);
    const values = spec.vconcat[0].data.values as { kind: string; start: number; end: number; count: number }[];
    const dead = values.filter((v) => v.kind === 'dead');
    // Latent 3 of all 8 SAEs, latent 6 of the 4 seed-1 SAEs.
    expect(dead).toHaveLength(1);
    expect(dead[0].count).toBe(12);
    const total = input.saes.reduce((a, s) => a + s.firingFrequency.filter((f) => f === 0).length, 0);
    expect(dead[0].count).toBe(total);
    const bins = values.filter((v) => v.kind === 'bin');
    expect(bins.reduce((a, v) => a + v.count, 0)).toBe(8 * D - 12);
    for (const b of bins) expect(b.start).toBeGreaterThan(dead[0].end);
    // The 8 dense latents (frequency 0.75) land in the bin containing log10(0.75).
    const denseBin = bins.find((b) => b.start <= Math.log10(0.75) && Math.log10(0.75) < b.end);
    expect(denseBin?.count).toBe(8);
    expect(spec.vconcat[0].title.text).toBe('relu: 64 latents in 8 SAEs — 12 dead, 8 dense');
    const rule = spec.vconcat[0].layer.find((l: { mark: { type: string } }) => l.mark.type === 'rule');
    expect(rule.encoding.x.datum).toBeCloseTo(Math.log10(0.5), 12);
  });

  it('bins an exact decade at its own left edge and a frequency of 1 in the last bin; one panel per arch', () => {
    const base = input.saes[0];
    const saes = [
      { ...base, arch: 'relu', firingFrequency: [0.01, 1, 0, 0] },
      { ...base, index: 1, arch: 'topk', l1: null, k: 1, firingFrequency: [0.001, 0.002] },
    ];
    const spec = json(firingFrequencySpec({ nFeatures: N, nHidden: 2, saes }));
    expect(spec.vconcat).toHaveLength(2);
    const relu = spec.vconcat[0].data.values;
    expect(relu.find((v: { kind: string }) => v.kind === 'dead').count).toBe(2);
    expect(relu.find((v: { start: number }) => v.start === -2).count).toBe(1);
    expect(relu.find((v: { end: number }) => v.end === 0).count).toBe(1);
    const topk = spec.vconcat[1].data.values;
    expect(topk.find((v: { kind: string }) => v.kind === 'dead').count).toBe(0);
    // log10(0.002) = -2.70 lies in [-2.75, -2.5); log10(0.001) = -3 starts the first bin.
    expect(topk.filter((v: { kind: string }) => v.kind === 'bin')).toEqual([
      { kind: 'bin', start: -3, end: -2.75, count: 1 },
      { kind: 'bin', start: -2.75, end: -2.5, count: 1 },
    ]);
  });
});

/** featureArrowsSpec for an m = 2 input, failing the test if it returns null. */
function arrowsOf(input: SaePlotInput): TopLevelSpec {
  const spec = featureArrowsSpec(input);
  if (spec === null) throw new Error('featureArrowsSpec returned null for m = 2');
  return spec;
}

describe('featureArrowsSpec', () => {
  it('returns null unless m = 2', () => {
    expect(featureArrowsSpec(makeInput(3))).toBeNull();
    expect(featureArrowsSpec(makeInput(2))).not.toBeNull();
  });

  it('draws one panel per seed-0 SAE with equal square x/y scales, features from the origin, unit decoders', () => {
    const input = makeInput();
    const spec = json(arrowsOf(input));
    expect(spec.facet.sort).toHaveLength(4);
    expect(spec.spec.width).toBe(spec.spec.height);
    const featureLayer = spec.spec.layer.find(
      (l: { mark: { type: string }; transform: { filter: string }[] }) =>
        l.mark.type === 'rule' && l.transform[0].filter.includes('feature'),
    );
    expect(featureLayer.encoding.x.scale.domain).toEqual(featureLayer.encoding.y.scale.domain);
    expect(featureLayer.encoding.x2).toEqual({ datum: 0 });
    expect(featureLayer.encoding.y2).toEqual({ datum: 0 });
    const panel = spec.facet.sort[3];
    const rows = spec.data.values.filter((r: { panel: string }) => r.panel === panel);
    const features = rows.filter((r: { kind: string }) => r.kind === 'feature');
    expect(features.map((r: { label: string }) => r.label)).toEqual(['0', '1', '2', '3', '4']);
    expect(features[2].x).toBe(input.saes[6].trueFeatures[2][0]);
    const latents = rows.filter((r: { kind: string }) => r.kind === 'latent');
    expect(latents).toHaveLength(D);
    for (const l of latents) expect(Math.hypot(l.x, l.y)).toBeCloseTo(1, 12);
    expect(latents[3].status).toBe('dead');
    const head = spec.spec.layer.find((l: { mark: { shape?: string } }) => l.mark.shape === 'triangle');
    expect(head.encoding.angle.scale).toBeNull();
  });

  it('shows at most 12 panels', () => {
    const base = makeInput().saes[0];
    const saes = Array.from({ length: 15 }, (_, j) => ({ ...base, index: j, l1: j + 1 }));
    const spec = json(arrowsOf({ nFeatures: N, nHidden: 2, saes }));
    expect(spec.facet.sort).toHaveLength(12);
    expect(spec.title.subtitle.join(' ')).toContain('first 12 of 15');
  });
});

describe('edge cases', () => {
  it('every spec renders with no SAEs', async () => {
    const empty: SaePlotInput = { nFeatures: N, nHidden: 2, saes: [] };
    const specs = [
      cosineHeatmapSpec(empty),
      recoveryVsSparsitySpec(empty),
      recoveryVsSweepSpec(empty, 'l1'),
      firingFrequencySpec(empty),
      arrowsOf(empty),
    ];
    for (const spec of specs) {
      const { svg, png } = await renderSpec(spec);
      expect(svg.startsWith('<svg')).toBe(true);
      expect(pngSize(png).width).toBeGreaterThan(0);
    }
  });
});
