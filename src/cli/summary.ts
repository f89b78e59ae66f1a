// The one-screen summary printed at the end of a run.

import type { ToyMetrics } from '../train/toyMetrics.js';
import type { SaeResult } from '../experiments/runSae.js';
import type { AbsInstanceMetrics } from '../train/absFiles.js';

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

export function saeSummaryTable(results: readonly SaeResult[]): string {
  // An absorption column only when the toy run has hierarchical features (and so a value to show).
  const absorption = results.some((r) => r.evaluation.absorption);
  const rows = results.map(({ spec, evaluation: e }) => [
    String(spec.index),
    String(spec.sparsity),
    spec.arch,
    String(spec.dictSize),
    spec.l1 !== null ? `λ=${spec.l1}` : `k=${spec.k}`,
    String(spec.seed),
    String(e.representedFeatures.length),
    String(e.represented.recovered090),
    e.represented.mmcs.toFixed(3),
    e.represented.mcc.toFixed(3),
    e.activity.l0.toFixed(2),
    String(e.activity.deadLatents),
    ...(absorption ? [e.absorption?.mean?.toFixed(3) ?? '-'] : []),
  ]);
  const columns = ['sae', 'sparsity', 'arch', 'dict', 'param', 'seed', 'represented', 'recovered@0.9', 'MMCS', 'MCC', 'L0', 'dead'];
  return formatTable(absorption ? [...columns, 'absorption'] : columns, rows);
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
