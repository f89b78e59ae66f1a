// The one-screen summary printed at the end of a run.

import type { ToyMetrics } from '../experiments/runToy.js';

/** A plain-text table with right-aligned columns. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => cell.padStart(widths[c])).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function toySummaryTable(metrics: ToyMetrics, nFeatures: number): string {
  const rows = metrics.instances.map((m) => [
    String(m.sparsity),
    m.finalLoss.toExponential(3),
    `${m.represented}/${nFeatures}`,
    m.dimensionsPerFeature.toFixed(3),
  ]);
  return formatTable(['sparsity', 'loss', 'represented', 'dims/feature'], rows);
}
