import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { darkPixelCount, json, pngSize } from './helpers/png.js';
import type { TopLevelSpec } from 'vega-lite';
import { renderSpec, writePlot } from '../src/report/render.js';
import {
  activeFractions,
  dataDistributionSpec,
  valueHistogram,
  featureNormsSpec,
  gramSpec,
  lossCurvesSpec,
  summarySpec,
  writeToyPlots,
  type ToyPlotInput,
  type ToyPlotInstance,
} from '../src/report/toyPlots.js';

const N = 5;
const M = 2;
const SPARSITIES = [0, 0.9, 0.99];

/** Deterministic W (m×n) per instance, with the derived metrics computed the same way as the real pipeline. */
function makeInstance(sparsity: number, k: number): ToyPlotInstance {
  const W = Array.from({ length: M }, (_, r) =>
    Array.from({ length: N }, (_, c) => Math.sin(1.3 * (r + 1) * (c + 1) + k) * (0.4 + 0.3 * k)),
  );
  const gram = Array.from({ length: N }, (_, i) =>
    Array.from({ length: N }, (_, j) => W.reduce((acc, row) => acc + row[i] * row[j], 0)),
  );
  const featureNorms = gram.map((row, i) => Math.sqrt(row[i]));
  const interference = featureNorms.map((ni, i) =>
    gram[i].reduce((acc, g, j) => (j === i ? acc : acc + (g / ni) ** 2), 0),
  );
  return {
    sparsity,
    finalLoss: 0.1 * (1 - sparsity) + 1e-4,
    featureNorms,
    interference,
    represented: featureNorms.filter((x) => x > 0.5).length,
    dimensionsPerFeature: M / featureNorms.reduce((a, x) => a + x * x, 0),
    gram,
  };
}

function makeInput(): ToyPlotInput {
  const instances = SPARSITIES.map(makeInstance);
  const history = instances.flatMap((inst, k) =>
    Array.from({ length: 20 }, (_, t) => ({
      step: t * 50,
      instance: k,
      sparsity: inst.sparsity,
      loss: inst.finalLoss * (1 + 4 * Math.exp(-t / 4)),
    })),
  );
  const values = Array.from({ length: 200 }, (_, i) => ((i * 0.618034) % 1) + 1e-3);
  const activeCounts = Array.from({ length: 64 }, (_, i) => i % (N + 1));
  return { nFeatures: N, nHidden: M, instances, history, dataSample: { values, activeCounts } };
}


describe('writeToyPlots', () => {
  let dir: string;
  let names: string[];
  const input = makeInput();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'superposition-report-'));
    names = await writeToyPlots(path.join(dir, 'plots'), input);
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('returns the base names in order', () => {
    expect(names).toEqual([
      'data_distribution',
      'feature_norms',
      'gram_00',
      'gram_01',
      'gram_02',
      'loss_curves',
      'summary',
    ]);
  });

  it('leaves exactly one .svg and one .png per plot and no temp files', () => {
    const files = fs.readdirSync(path.join(dir, 'plots')).sort();
    expect(files).toEqual(names.flatMap((n) => [`${n}.png`, `${n}.svg`]).sort());
  });

  const expectedText: Record<string, string[]> = {
    data_distribution: ['Synthetic data sample', 'Active features per sample'],
    feature_norms: ['S = 0', 'S = 0.9', 'S = 0.99', 'feature i'],
    gram_00: ['S = 0', 'instance 0'],
    gram_01: ['S = 0.9', 'instance 1'],
    gram_02: ['S = 0.99', 'instance 2'],
    loss_curves: ['Training loss per instance', 'sparsity'],
    summary: ['Final loss', 'm = 2'],
  };

  for (const [name, texts] of Object.entries(expectedText)) {
    it(`${name}: svg has text, png is a valid 2x render`, () => {
      const svg = fs.readFileSync(path.join(dir, 'plots', `${name}.svg`), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('<text');
      expect(svg).toContain('DejaVu Sans');
      for (const t of texts) expect(svg).toContain(t);

      const png = new Uint8Array(fs.readFileSync(path.join(dir, 'plots', `${name}.png`)));
      const { width, height } = pngSize(png);
      expect(width).toBeGreaterThan(0);
      expect(height).toBeGreaterThan(0);
      const svgWidth = Number(/^<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1]);
      const svgHeight = Number(/^<svg[^>]*\sheight="([\d.]+)"/.exec(svg)?.[1]);
      expect(width).toBe(Math.round(2 * svgWidth));
      expect(height).toBe(Math.round(2 * svgHeight));
      expect(darkPixelCount(png)).toBeGreaterThan(100);
    });
  }
});

describe('renderSpec', () => {
  const textSpec = (text: string): TopLevelSpec => ({
    width: 200,
    height: 60,
    data: { values: [{ t: text }] },
    mark: { type: 'text', fontSize: 40, color: 'black' },
    encoding: { text: { field: 't', type: 'nominal' } },
    config: { view: { stroke: null } },
  });

  it('draws text glyphs into the PNG (font resolved by resvg)', async () => {
    const withText = await renderSpec(textSpec('HELLO'));
    const empty = await renderSpec(textSpec(''));
    expect(withText.svg).toContain('HELLO');
    expect(darkPixelCount(empty.png)).toBe(0);
    expect(darkPixelCount(withText.png)).toBeGreaterThan(500);
  });

  it('writePlot creates missing directories and writes both files', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'superposition-writeplot-'));
    try {
      const target = path.join(dir, 'a', 'b');
      await writePlot(target, 'hello', textSpec('HELLO'));
      expect(fs.readdirSync(target).sort()).toEqual(['hello.png', 'hello.svg']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('spec builders', () => {
  const input = makeInput();

  it('gramSpec has n*n cells equal to W^T W, a symmetric clamped diverging scale, and the sparsity in the title', () => {
    const spec = json(gramSpec(input, 1));
    expect(spec.data.values).toHaveLength(N * N);
    for (const { i, j, value } of spec.data.values) {
      expect(value).toBeCloseTo(input.instances[1].gram[i][j], 12);
    }
    const scale = spec.encoding.color.scale;
    expect(scale.domain).toEqual([-1, 1]);
    expect(scale.clamp).toBe(true);
    expect(scale.scheme).toBe('redblue');
    expect(scale.reverse).toBe(true);
    expect(spec.title.text).toContain('S = 0.9');
    expect(spec.width).toEqual(spec.height);
    expect(() => gramSpec(input, 3)).toThrow(RangeError);
  });

  it('summarySpec draws a rule at m and fixes the represented-features domain to [0, n]', () => {
    const spec = json(summarySpec(input));
    const panel = spec.hconcat[1];
    const rules = panel.layer.filter((l: { mark: { type: string } }) => l.mark.type === 'rule');
    expect(rules).toHaveLength(1);
    expect(rules[0].encoding.y.datum).toBe(M);
    expect(panel.encoding.y.scale.domain).toEqual([0, N]);
    expect(spec.data.values.map((r: { represented: number }) => r.represented)).toEqual(
      input.instances.map((inst) => inst.represented),
    );
  });

  it('lossCurvesSpec drops non-positive and non-finite losses and uses a log y scale', () => {
    const bad = {
      ...input,
      history: [
        { step: 0, instance: 0, sparsity: 0, loss: 1 },
        { step: 1, instance: 0, sparsity: 0, loss: 0 },
        { step: 2, instance: 0, sparsity: 0, loss: -1 },
        { step: 3, instance: 0, sparsity: 0, loss: Number.NaN },
        { step: 4, instance: 0, sparsity: 0, loss: 0.5 },
      ],
    };
    const spec = json(lossCurvesSpec(bad));
    expect(spec.data.values.map((r: { loss: number }) => r.loss)).toEqual([1, 0.5]);
    expect(spec.encoding.y.scale.type).toBe('log');
    expect(spec.encoding.color.legend.title).toBe('sparsity');
  });

  it('featureNormsSpec has one bar per (instance, feature), panels ordered by instance, interference colour clamped to [0, 1]', () => {
    const spec = json(featureNormsSpec(input));
    expect(spec.data.values).toHaveLength(N * SPARSITIES.length);
    expect(spec.facet.sort).toEqual(['S = 0', 'S = 0.9', 'S = 0.99']);
    const row = spec.data.values.find((r: { panel: string; feature: number }) => r.panel === 'S = 0.9' && r.feature === 3);
    expect(row.norm).toBeCloseTo(input.instances[1].featureNorms[3], 12);
    expect(row.interference).toBeCloseTo(input.instances[1].interference[3], 12);
    expect(spec.spec.encoding.color.scale).toMatchObject({ domain: [0, 1], clamp: true });
  });

  it('dataDistributionSpec bins active values over [0, 1] and counts per sample', () => {
    const spec = json(dataDistributionSpec(input));
    expect(spec.hconcat).toHaveLength(2);
    expect(spec.hconcat[0].encoding.x.bin).toEqual({ binned: true, step: 0.05 });
    const bins = spec.hconcat[0].data.values as { start: number; end: number; count: number }[];
    expect(bins).toHaveLength(20);
    expect(bins.reduce((a, b) => a + b.count, 0)).toBe(input.dataSample.values.length);
    // Each value in the bin [start, end) that holds it (1 in the last one).
    for (const v of input.dataSample.values) {
      const k = Math.min(19, Math.floor(v / 0.05));
      expect(bins[k].start).toBeLessThanOrEqual(v + 1e-12);
      expect(v).toBeLessThanOrEqual(bins[k].end + 1e-12);
    }
    const polygon = spec.hconcat[1].data.values as { sparsity: string; active: number; fraction: number }[];
    expect(polygon.reduce((a, b) => a + b.fraction, 0)).toBeCloseTo(1, 12);
    const zeros = input.dataSample.activeCounts.filter((c) => c === 0).length;
    expect(polygon.find((d) => d.active === 0)?.fraction).toBeCloseTo(zeros / input.dataSample.activeCounts.length, 12);
  });

  it('the histogram and the per-sparsity fractions, by hand', () => {
    expect(valueHistogram([0.01, 0.04, 0.05, 0.5, 1, NaN]).filter((b) => b.count > 0)).toEqual([
      { start: 0, end: 0.05, count: 2 },
      { start: 0.05, end: 0.1, count: 1 },
      { start: 0.5, end: 0.55, count: 1 },
      { start: 0.9500000000000001, end: 1, count: 1 },
    ]);
    expect(activeFractions([1, 2, 2, 0], [0.9, 0.9, 0.9, 0.5])).toEqual([
      { sparsity: '0.9', active: 1, fraction: 1 / 3 },
      { sparsity: '0.9', active: 2, fraction: 2 / 3 },
      { sparsity: '0.5', active: 0, fraction: 1 },
    ]);
  });

  it('specs render without throwing for edge cases (no instances, no history)', async () => {
    const empty: ToyPlotInput = {
      nFeatures: N,
      nHidden: M,
      instances: [],
      history: [],
      dataSample: { values: [], activeCounts: [] },
    };
    for (const spec of [dataDistributionSpec(empty), featureNormsSpec(empty), lossCurvesSpec(empty), summarySpec(empty)]) {
      const { svg, png } = await renderSpec(spec);
      expect(svg.startsWith('<svg')).toBe(true);
      expect(pngSize(png).width).toBeGreaterThan(0);
    }
  });
});
