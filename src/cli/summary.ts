// The one-screen summary printed at the end of a run: the cells come from src/train/summaryRows.ts
// (shared with the browser explorer), laid out here as plain text.

import type { ToyMetrics } from '../train/toyMetrics.js';
import type { SaeResult } from '../experiments/runSae.js';
import type { AbsInstanceMetrics } from '../train/absFiles.js';
import { saeSummaryRows, toySummaryRows, type SummaryTable } from '../train/summaryRows.js';

/** A plain-text table with right-aligned columns. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => cell.padStart(widths[c])).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function textTable({ header, rows }: SummaryTable): string {
  return formatTable(header, rows);
}

export function toySummaryTable(metrics: ToyMetrics, nFeatures: number): string {
  return textTable(toySummaryRows(metrics, nFeatures));
}

export function saeSummaryTable(results: readonly SaeResult[]): string {
  return textTable(saeSummaryRows(results));
}

export function absSummaryTable(instances: readonly AbsInstanceMetrics[], nFeatures: number): string {
  const rows = instances.map((m) => [
    String(m.sparsity),
    m.finalLoss.toExponential(3),
    `${m.featuresComputed}/${nFeatures}`,
    `${m.neuronCounts.monosemantic}/${m.neuronCounts.polysemantic}/${m.neuronCounts.asymmetricMotif}/${m.neuronCounts.unused}`,
  ]);
  return formatTable(['sparsity', 'loss', 'computed', 'neurons mono/poly/motif/unused'], rows);
}
