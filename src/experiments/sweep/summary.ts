// A sweep's summary: summary.csv (one row per run and toy instance, or per SAE) and
// summary.png/.svg, read back from the runs' own metrics.json (and sae/metrics.json), so a
// resumed sweep summarises runs finished by earlier attempts the same way.

import fs from 'node:fs';
import path from 'node:path';
import { toCsv } from '../../core/csv.js';
import { writeFileAtomic } from '../store.js';
import { SAE_FIELDS, SAE_LIST_FIELDS, type SweepSet } from './grid.js';
import type { RunRecord } from './store.js';

/** Per toy instance, from <run>/metrics.json. */
const TOY_METRIC_COLUMNS = ['finalLoss', 'represented', 'dimensionsPerFeature'];
/** Per SAE, from <run>/sae/metrics.json: its place in the SAE grid (saeSeedIndex: 0 … saeSeeds − 1)… */
const SAE_GRID_COLUMNS = ['arch', 'dictSize', 'l1', 'k', 'saeSeedIndex'];
/** …and its recovery metrics. */
const SAE_METRIC_COLUMNS = ['mmcs', 'recovered090', 'recovered099', 'mcc', 'l0', 'trueL0', 'deadLatents', 'denseLatents', 'fve', 'shrinkage'];

/** A cell of summary.csv. */
export type SummaryValue = number | string | null;

/** A sweep's summary table (summary.csv) and what its plot needs. */
export interface SweepSummary {
  /** run, the --set fields in order, sparsity, the toy metrics, then (with SAEs) the SAE columns. */
  columns: string[];
  /** One row per run and toy instance; with SAEs, one per SAE of that instance. */
  rows: Record<string, SummaryValue>[];
  /** The --set fields, in order (no repeats). */
  setFields: string[];
  /** Those of them that are SAE fields (their values vary per SAE, not per run). */
  saeSetFields: string[];
  hasSae: boolean;
}

function readJsonFile<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

function summaryValue(value: unknown): SummaryValue {
  return typeof value === 'number' || typeof value === 'string' ? value : null;
}

/** The rows of one finished run: one per toy instance, or one per SAE of each instance. */
function runRows(outDir: string, record: RunRecord, setFields: readonly string[]): Record<string, SummaryValue>[] {
  const runDir = path.join(outDir, record.dir);
  const { instances } = readJsonFile<{ instances: Record<string, unknown>[] }>(path.join(runDir, 'metrics.json'));
  const saes = record.sae ? readJsonFile<{ saes: Record<string, unknown>[] }>(path.join(runDir, 'sae', 'metrics.json')).saes : undefined;
  const rows: Record<string, SummaryValue>[] = [];
  instances.forEach((instance, toyInstance) => {
    const toyRow: Record<string, SummaryValue> = { run: record.id };
    for (const field of setFields)
      toyRow[field] = summaryValue(field === 'sparsity' ? instance.sparsity : (record.setting[field] ?? (record.sae as Record<string, unknown> | undefined)?.[field]));
    toyRow.sparsity = summaryValue(instance.sparsity);
    for (const column of TOY_METRIC_COLUMNS) toyRow[column] = summaryValue(instance[column]);
    if (!saes) {
      rows.push(toyRow);
      return;
    }
    for (const sae of saes.filter((entry) => entry.toyInstance === toyInstance)) {
      const row: Record<string, SummaryValue> = { ...toyRow };
      for (const column of SAE_GRID_COLUMNS) row[column] = summaryValue(sae[column === 'saeSeedIndex' ? 'seed' : column]);
      for (const column of SAE_METRIC_COLUMNS) row[column] = summaryValue(sae[column]);
      for (const field of setFields) if (SAE_LIST_FIELDS.includes(field)) row[field] = summaryValue(sae[field]);
      rows.push(row);
    }
  });
  return rows;
}

/** The summary table of finished runs, read back from each run's metrics.json (and sae/metrics.json). */
export function sweepSummary(outDir: string, sets: readonly SweepSet[], records: readonly RunRecord[]): SweepSummary {
  const setFields = [...new Set(sets.map((s) => s.field))];
  const hasSae = records.some((r) => r.sae);
  const columns = ['run', ...setFields];
  for (const column of ['sparsity', ...TOY_METRIC_COLUMNS, ...(hasSae ? [...SAE_GRID_COLUMNS, ...SAE_METRIC_COLUMNS] : [])])
    if (!columns.includes(column)) columns.push(column);
  const rows = records.flatMap((record) => runRows(outDir, record, setFields));
  return { columns, rows, setFields, saeSetFields: setFields.filter((f) => SAE_FIELDS.includes(f)), hasSae };
}

/** summary.csv: empty cells where a value does not apply (l1 of a topk SAE, k of a relu SAE). */
export function summaryCsv(summary: SweepSummary): string {
  const rows = summary.rows.map((row) => Object.fromEntries(summary.columns.map((c) => [c, row[c] ?? ''])));
  return toCsv(rows, summary.columns);
}

/** Write summary.csv, summary.svg and summary.png into the sweep folder (each atomically). */
export async function writeSweepSummary(outDir: string, sets: readonly SweepSet[], records: readonly RunRecord[]): Promise<void> {
  const summary = sweepSummary(outDir, sets, records);
  writeFileAtomic(path.join(outDir, 'summary.csv'), summaryCsv(summary));
  const [{ sweepSummarySpec }, { renderSpec }] = await Promise.all([import('../../report/sweepPlots.js'), import('../../report/render.js')]);
  const { svg, png } = await renderSpec(sweepSummarySpec(summary));
  writeFileAtomic(path.join(outDir, 'summary.svg'), svg);
  writeFileAtomic(path.join(outDir, 'summary.png'), png);
}
