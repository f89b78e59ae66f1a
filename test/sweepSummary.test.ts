// The sweep-level summary: summary.csv read back from the runs' own metrics.json (and
// sae/metrics.json), summary.png/.svg with the loss (and SAE recovery) against the first swept
// numeric field, written after a sweep and again after --resume.

import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sweepAxes, sweepSummarySpec, type SweepPlotInput } from '../src/report/sweepPlots.js';
import { json, pngSize } from './helpers/png.js';
import { runCli, tempDir } from './helpers/cli.js';

type Row = Record<string, string>;

function readCsv(file: string): { columns: string[]; rows: Row[] } {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const columns = header.split(',');
  return { columns, rows: lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [columns[i], cell]))) };
}

function readJson(file: string) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function records(out: string) {
  return fs.readFileSync(path.join(out, 'runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

function expectPlot(out: string, texts: string[]): void {
  const png = fs.readFileSync(path.join(out, 'summary.png'));
  const { width, height } = pngSize(png);
  expect(width).toBeGreaterThan(300);
  expect(height).toBeGreaterThan(200);
  const svg = fs.readFileSync(path.join(out, 'summary.svg'), 'utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).toMatch(/class="mark-symbol role-mark/); // points
  expect(svg).toMatch(/class="mark-line role-mark/); // lines
  for (const text of texts) expect(svg).toContain(text);
}

describe('sweep summary of toy runs', () => {
  const out = path.join(tempDir('sweep-summary'), 'sweep');
  let stdout = '';
  beforeAll(() => {
    const r = runCli(['sweep', '--set', 'sparsity=0.7,0.9', '--set', 'seed=0,1', '--set', 'model=relu,linear', '--steps', '50', '--eval-size', '2000', '--workers', '1', '--quiet', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    stdout = r.stdout;
  });

  it('summary.csv has one row per run with its --set fields and the numbers of its metrics.json', () => {
    const { columns, rows } = readCsv(path.join(out, 'summary.csv'));
    expect(columns).toEqual(['run', 'sparsity', 'seed', 'model', 'finalLoss', 'represented', 'dimensionsPerFeature']);
    const runs = records(out);
    expect(rows).toHaveLength(8);
    expect(rows.map((r) => r.run).sort()).toEqual(runs.map((r) => r.id).sort());
    for (const record of runs) {
      const row = rows.find((r) => r.run === record.id)!;
      expect(Number(row.sparsity)).toBe(record.setting.sparsity);
      expect(Number(row.seed)).toBe(record.setting.seed);
      expect(row.model).toBe(record.setting.model);
      const [instance] = readJson(path.join(out, record.dir, 'metrics.json')).instances;
      expect(Number(row.finalLoss)).toBe(instance.finalLoss); // full precision, no rounding
      expect(Number(row.represented)).toBe(instance.represented);
      expect(Number(row.dimensionsPerFeature)).toBe(instance.dimensionsPerFeature);
    }
  });

  it('summary.png is a PNG and summary.svg draws seeds as points with a mean line per model', () => {
    expectPlot(out, ['Final loss', 'sparsity', 'model=relu', 'model=linear', 'points: seeds']);
    expect(stdout).toMatch(/runs\.jsonl, summary\.csv, summary\.png \+ summary\.svg/);
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('--resume rewrites the summary with every run, including the ones it redid', () => {
    const lines = fs.readFileSync(path.join(out, 'runs.jsonl'), 'utf8').trim().split('\n');
    fs.writeFileSync(path.join(out, 'runs.jsonl'), `${lines.slice(0, 5).join('\n')}\n`); // as if killed after 5 runs
    for (const file of ['summary.csv', 'summary.png', 'summary.svg']) fs.rmSync(path.join(out, file));
    const r = runCli(['sweep', '--resume', out, '--workers', '1', '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const { rows } = readCsv(path.join(out, 'summary.csv'));
    expect(rows).toHaveLength(8);
    expect(new Set(rows.map((row) => row.run)).size).toBe(8);
    for (const record of records(out))
      expect(Number(rows.find((row) => row.run === record.id)!.finalLoss)).toBe(readJson(path.join(out, record.dir, 'metrics.json')).instances[0].finalLoss);
    expectPlot(out, ['Final loss']);
  });
});

describe('sweep summary with SAEs', () => {
  it('one row per SAE, with its grid position and the recovery numbers of sae/metrics.json; MMCS and recovered panels', () => {
    const out = path.join(tempDir('sweep-summary-sae'), 'sweep');
    const r = runCli([
      'sweep', '--set', 'sparsity=0.8,0.95', '--set', 'l1=0.01,0.1', '--arch', 'relu', 'topk', '--sae-seeds', '2',
      '--steps', '50', '--eval-size', '2000', '--sae-steps', '50', '--sae-eval-size', '2000', '--workers', '1', '--quiet', '--out', out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const { columns, rows } = readCsv(path.join(out, 'summary.csv'));
    expect(columns.slice(0, 7)).toEqual(['run', 'sparsity', 'l1', 'finalLoss', 'represented', 'dimensionsPerFeature', 'arch']);
    expect(columns).toEqual(expect.arrayContaining(['dictSize', 'k', 'saeSeedIndex', 'mmcs', 'recovered090', 'recovered099', 'mcc', 'l0', 'deadLatents', 'fve']));
    // Per run: relu × 2 λ × 2 seeds + topk × 2 seeds = 6 SAEs.
    expect(rows).toHaveLength(2 * 6);
    for (const record of records(out)) {
      const saes = readJson(path.join(out, record.dir, 'sae', 'metrics.json')).saes;
      const toy = readJson(path.join(out, record.dir, 'metrics.json')).instances[0];
      const mine = rows.filter((row) => row.run === record.id);
      expect(mine).toHaveLength(saes.length);
      saes.forEach((sae: Record<string, number | string | null>, i: number) => {
        const row = mine[i];
        expect(row.arch).toBe(sae.arch);
        expect(row.l1).toBe(sae.l1 === null ? '' : String(sae.l1)); // topk has no λ
        expect(row.k).toBe(sae.k === null ? '' : String(sae.k));
        expect(Number(row.saeSeedIndex)).toBe(sae.seed);
        for (const metric of ['mmcs', 'recovered090', 'recovered099', 'mcc', 'l0', 'deadLatents', 'fve']) expect(Number(row[metric]), metric).toBe(sae[metric]);
        expect(Number(row.finalLoss)).toBe(toy.finalLoss);
        expect(Number(row.sparsity)).toBe(record.setting.sparsity);
      });
    }
    expectPlot(out, ['Final loss', 'SAE: mean max cosine', 'SAE: features recovered', 'l1=0.01, relu', 'topk']);
  });
});

describe('summary plot spec', () => {
  const row = (fields: Record<string, number | string | null>): Record<string, number | string | null> => ({ run: 'r', sparsity: 0.9, finalLoss: 0.01, ...fields });

  it('puts the first swept numeric field on x (a toy field for the loss), never a seed', () => {
    const rows = [row({ run: 'a', seed: 0, model: 'relu', nHidden: 2, l1: 0.01 }), row({ run: 'b', seed: 1, model: 'linear', nHidden: 3, l1: 0.1 })];
    const input: SweepPlotInput = { rows, setFields: ['seed', 'model', 'l1', 'nHidden'], saeSetFields: ['l1'], hasSae: true };
    expect(sweepAxes(input)).toEqual({ lossX: 'nHidden', saeX: 'l1' });
    expect(sweepAxes({ rows, setFields: ['seed', 'model'], saeSetFields: [], hasSae: false })).toEqual({ lossX: 'sparsity', saeX: 'sparsity' });
  });

  it('with l1 on x, SAEs that have no l1 (topk) are left out of the SAE panels and named', () => {
    const rows = [];
    for (const l1 of [0.01, 0.1]) rows.push(row({ run: 'a', arch: 'relu', l1, k: null, dictSize: 20, saeSeedIndex: 0, mmcs: l1 * 5, recovered090: 3 }));
    rows.push(row({ run: 'a', arch: 'topk', l1: null, k: 2, dictSize: 20, saeSeedIndex: 0, mmcs: 0.9, recovered090: 4 }));
    const input: SweepPlotInput = { rows, setFields: ['l1'], saeSetFields: ['l1'], hasSae: true };
    expect(sweepAxes(input)).toEqual({ lossX: 'sparsity', saeX: 'l1' });
    const spec = json(sweepSummarySpec(input));
    const mmcs = spec.hconcat[1];
    expect(mmcs.title).toEqual({ text: 'SAE: mean max cosine', subtitle: 'not shown: topk (no l1)' });
    expect(mmcs.data.values).toEqual([{ x: 0.01, y: 0.05, series: 'all' }, { x: 0.1, y: 0.5, series: 'all' }]);
    expect(spec.hconcat[0].data.values).toHaveLength(1); // the toy model once, not once per SAE
  });

  it('draws one line per combination of the other fields, and the seeds\' mean when seeds repeat', () => {
    const rows: Record<string, number | string | null>[] = [];
    for (const nHidden of [2, 3]) for (const model of ['relu', 'linear']) for (const seed of [0, 1]) rows.push(row({ run: `${nHidden}${model}${seed}`, nHidden, model, seed, finalLoss: nHidden + seed }));
    const spec = json(sweepSummarySpec({ rows, setFields: ['nHidden', 'model', 'seed'], saeSetFields: [], hasSae: false }));
    expect(spec.hconcat).toHaveLength(1);
    const [points, mean] = spec.hconcat[0].layer;
    expect(points.mark.type).toBe('point');
    expect(mean.mark.type).toBe('line');
    expect(mean.encoding.y.aggregate).toBe('mean');
    expect(mean.encoding.color.field).toBe('series');
    const data = spec.hconcat[0].data.values;
    expect(new Set(data.map((d: { series: string }) => d.series))).toEqual(new Set(['model=relu', 'model=linear']));
    expect(data.map((d: { x: number }) => d.x).sort()).toEqual([2, 2, 2, 2, 3, 3, 3, 3]);
    // Without repeated seeds: one line with points, no aggregation.
    const single = json(sweepSummarySpec({ rows: rows.filter((r) => r.seed === 0), setFields: ['nHidden', 'model', 'seed'], saeSetFields: [], hasSae: false }));
    expect(single.hconcat[0].layer).toHaveLength(1);
    expect(single.hconcat[0].layer[0].mark).toMatchObject({ type: 'line', point: true });
  });
});
