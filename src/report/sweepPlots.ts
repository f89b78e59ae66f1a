/**
 * The sweep-level summary plot (results/<sweep>/summary.png/.svg): final loss — and, when the
 * sweep trains SAEs, MMCS and features recovered at cos ≥ 0.9 — against the first swept numeric
 * field, one line (colour) per combination of the other varying fields. When seeds vary, every
 * seed is a point and the line is their mean.
 *
 * `sweepSummarySpec` is pure: summary rows (as in summary.csv) in, a vega-lite spec out.
 */
import type { TopLevelSpec } from 'vega-lite';

export type SweepValue = number | string | null;

export interface SweepPlotInput {
  /** summary.csv's rows: one per run and toy instance, or per SAE when the sweep has SAEs. */
  rows: Record<string, SweepValue>[];
  /** The --set fields in order, and which of them are SAE fields. */
  setFields: string[];
  saeSetFields: string[];
  hasSae: boolean;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** Fields whose values are repeats of one experiment: drawn as points around a mean line. */
const TOY_REPLICATES = ['seed'];
const SAE_REPLICATES = ['seed', 'saeSeedIndex'];
/** Fields that tell SAE rows apart within a run (besides the --set fields). */
const SAE_GRID = ['arch', 'dictSize', 'l1', 'k'];

function distinct(rows: readonly Record<string, SweepValue>[], field: string): SweepValue[] {
  return [...new Set(rows.map((r) => r[field] ?? null))];
}

function varies(rows: readonly Record<string, SweepValue>[], field: string): boolean {
  return distinct(rows, field).length > 1;
}

/**
 * A field that separates lines: at some x it takes two or more values (nulls aside). A field
 * that only follows x — topk's default k = n(1 − S) against sparsity — does not.
 */
function variesAtFixedX(rows: readonly Record<string, SweepValue>[], field: string, x: string): boolean {
  const seen = new Map<SweepValue, Set<SweepValue>>();
  for (const row of rows) {
    const value = row[field] ?? null;
    if (value === null) continue;
    const at = seen.get(row[x] ?? null) ?? new Set<SweepValue>();
    at.add(value);
    seen.set(row[x] ?? null, at);
    if (at.size > 1) return true;
  }
  return false;
}

/**
 * A field that can be an x axis: numbers only, at least two of them, and not a seed. Empty cells
 * (l1 of a topk SAE) do not count: those rows are left out of that axis's panels, and said so.
 */
function numericAxis(rows: readonly Record<string, SweepValue>[], field: string): boolean {
  if (TOY_REPLICATES.includes(field) || field === 'saeSeed') return false;
  const values = distinct(rows, field).filter((v) => v !== null);
  return values.length > 1 && values.every((v) => typeof v === 'number');
}

/**
 * The x field of the loss panel and of the SAE panels: the first swept numeric field (for the
 * loss, the first toy field: an SAE field does not change the toy model), else sparsity.
 *
 * @example sweepAxes({ setFields: ['model', 'nHidden', 'l1'], saeSetFields: ['l1'], … }) // → { lossX: 'nHidden', saeX: 'nHidden' }
 */
export function sweepAxes(input: SweepPlotInput): { lossX: string; saeX: string } {
  const numeric = input.setFields.filter((f) => numericAxis(input.rows, f));
  return {
    lossX: numeric.find((f) => !input.saeSetFields.includes(f)) ?? 'sparsity',
    saeX: numeric[0] ?? 'sparsity',
  };
}

/** "nHidden=2, model=linear"; fields without a value in this row (l1 of a topk SAE) are left out. */
function seriesLabel(row: Record<string, SweepValue>, fields: readonly string[]): string {
  const parts = fields.filter((f) => row[f] !== null && row[f] !== undefined).map((f) => (f === 'arch' ? String(row[f]) : `${f}=${row[f]}`));
  return parts.length > 0 ? parts.join(', ') : 'all';
}

interface PanelData {
  x: number;
  y: number;
  series: string;
}

/** Points per replicate and a mean line, or one line with points when nothing repeats. */
function panel(title: string, data: PanelData[], x: string, yTitle: string, options: { replicates: boolean; legend: string; colour: boolean; logY?: boolean; yDomain?: [number, number]; note?: string }) {
  const xs = data.map((d) => d.x);
  const logX = xs.length > 0 && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 50;
  const xEncoding = { field: 'x', type: 'quantitative', title: x, scale: logX ? { type: 'log' } : { zero: false } };
  const yScale = options.logY ? { type: 'log', nice: false, padding: 8 } : options.yDomain ? { domain: options.yDomain } : { zero: false };
  const series = new Set(data.map((d) => d.series)).size;
  const legend = { orient: 'bottom', columns: series > 16 ? 2 : 1, labelLimit: 300, titleLimit: 560 };
  const color = options.colour ? { color: { field: 'series', type: 'nominal', title: options.legend, legend, scale: { scheme: series > 10 ? 'category20' : 'tableau10' } } } : {};
  const layers = options.replicates
    ? [
        { mark: { type: 'point', filled: true, opacity: 0.45, size: 30 }, encoding: { x: xEncoding, y: { field: 'y', type: 'quantitative', title: yTitle, scale: yScale }, ...color } },
        { mark: { type: 'line', strokeWidth: 2 }, encoding: { x: xEncoding, y: { field: 'y', aggregate: 'mean', type: 'quantitative', title: yTitle, scale: yScale }, ...color } },
      ]
    : [{ mark: { type: 'line', point: true, strokeWidth: 2 }, encoding: { x: xEncoding, y: { field: 'y', type: 'quantitative', title: yTitle, scale: yScale }, ...color } }];
  const heading = options.note ? { text: title, subtitle: options.note } : title;
  return { title: heading, width: 280, height: 200, data: { values: data }, layer: layers };
}

function finite(value: SweepValue | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** The whole figure: the loss panel, then MMCS and recovered@0.9 when the sweep has SAEs. */
export function sweepSummarySpec(input: SweepPlotInput): TopLevelSpec {
  const { lossX, saeX } = sweepAxes(input);
  const toyFields = input.setFields.filter((f) => !input.saeSetFields.includes(f));

  // One row per run and toy instance (SAE rows repeat their toy model's numbers).
  const seen = new Set<string>();
  const toyRows = input.rows.filter((row) => {
    const key = `${row.run}|${row.sparsity}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const lossSeries = [...toyFields, 'sparsity'].filter((f, i, all) => all.indexOf(f) === i && f !== lossX && !TOY_REPLICATES.includes(f) && variesAtFixedX(toyRows, f, lossX));
  const lossData = toyRows
    .filter((row) => finite(row[lossX]) && finite(row.finalLoss))
    .map((row) => ({ x: row[lossX] as number, y: row.finalLoss as number, series: seriesLabel(row, lossSeries) }));
  const lossReplicates = TOY_REPLICATES.some((f) => varies(toyRows, f));
  const logLoss = lossData.length > 0 && lossData.every((d) => d.y > 0);
  const panels: unknown[] = [
    panel('Final loss', lossData, lossX, logLoss ? 'final loss (log scale)' : 'final loss', {
      replicates: lossReplicates,
      legend: lossSeries.join(', '),
      colour: lossSeries.length > 0,
      logY: logLoss,
    }),
  ];

  let saeReplicates = false;
  if (input.hasSae) {
    const saeRows = input.rows.filter((row) => row.arch !== null && row.arch !== undefined);
    // SAEs without a value on the x axis (topk when x is l1) cannot be placed: name them.
    const placed = saeRows.filter((row) => finite(row[saeX]));
    const unplaced = [...new Set(saeRows.filter((row) => !finite(row[saeX])).map((row) => String(row.arch)))];
    const note = unplaced.length > 0 ? `not shown: ${unplaced.join(', ')} (no ${saeX})` : undefined;
    const saeSeries = [...input.setFields, 'sparsity', ...SAE_GRID].filter(
      (f, i, all) => all.indexOf(f) === i && f !== saeX && !SAE_REPLICATES.includes(f) && variesAtFixedX(placed, f, saeX),
    );
    const replicates = SAE_REPLICATES.some((f) => varies(placed, f));
    saeReplicates = replicates;
    const legend = saeSeries.join(', ');
    const saePanel = (metric: string, title: string, yTitle: string, yDomain?: [number, number]) =>
      panel(
        title,
        placed.filter((row) => finite(row[metric])).map((row) => ({ x: row[saeX] as number, y: row[metric] as number, series: seriesLabel(row, saeSeries) })),
        saeX,
        yTitle,
        { replicates, legend, colour: saeSeries.length > 0, yDomain, note },
      );
    panels.push(saePanel('mmcs', 'SAE: mean max cosine', 'MMCS (represented features)', [0, 1]));
    panels.push(saePanel('recovered090', 'SAE: features recovered', 'recovered at cos ≥ 0.9'));
  }

  const runs = new Set(input.rows.map((r) => r.run)).size;
  return {
    $schema: SCHEMA,
    title: {
      text: 'Sweep summary',
      subtitle: `${runs} run${runs === 1 ? '' : 's'}${input.setFields.length > 0 ? `; swept: ${input.setFields.join(', ')}` : ''}${lossReplicates || saeReplicates ? '; points: seeds, line: their mean' : ''}`,
    },
    hconcat: panels,
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}
