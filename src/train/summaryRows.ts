// The cells of the summary tables a run ends with — the toy model's per instance, the SAEs' per
// SAE — as text, formatted once here so that the CLI's printed table and the browser explorer's
// HTML table show the same digits for the same numbers.

import type { SaeSpec } from '../config/sae.js';
import type { DirectionRecovery } from '../metrics/matching.js';
import type { ActivityRecovery } from '../metrics/recovery.js';
import type { InstanceMetrics } from './toyMetrics.js';

/** The numbers of a toy instance its summary row shows (an InstanceMetrics has them). */
export type ToySummaryNumbers = Pick<InstanceMetrics, 'sparsity' | 'finalLoss' | 'represented' | 'dimensionsPerFeature'>;

/** The numbers of an SAE its summary row shows (a SaeEvaluation has them). */
export interface SaeSummaryNumbers {
  representedFeatures: readonly unknown[];
  represented: Pick<DirectionRecovery, 'recovered090' | 'mmcs' | 'mcc'>;
  activity: Pick<ActivityRecovery, 'l0' | 'deadLatents'>;
  /** Where the toy run has hierarchical features: the mean absorption over parents. */
  absorption?: { mean: number | null } | null;
}

/** A table as text: its column names and one row of cells per entry. */
export interface SummaryTable {
  header: string[];
  rows: string[][];
}

/**
 * One row per toy instance: sparsity, final loss, represented features out of n, m / ‖W‖_F².
 *
 * @example toySummaryRows({ instances: [{ sparsity: 0.9, finalLoss: 4.0861e-4, represented: 9, dimensionsPerFeature: 0.5789, … }] }, 20).rows
 *   // → [['0.9', '4.086e-4', '9/20', '0.579']]
 */
export function toySummaryRows(metrics: { instances: readonly ToySummaryNumbers[] }, nFeatures: number): SummaryTable {
  const rows = metrics.instances.map((m) => [
    String(m.sparsity),
    m.finalLoss.toExponential(3),
    `${m.represented}/${nFeatures}`,
    m.dimensionsPerFeature.toFixed(3),
  ]);
  return { header: ['sparsity', 'loss', 'represented', 'dims/feature'], rows };
}

/**
 * One row per SAE: its spec, then how well it recovers the represented features, its L0 and dead
 * latents; an absorption column only when the toy run has hierarchical features (a value to show).
 */
export function saeSummaryRows(results: readonly { spec: SaeSpec; evaluation: SaeSummaryNumbers }[]): SummaryTable {
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
  const header = ['sae', 'sparsity', 'arch', 'dict', 'param', 'seed', 'represented', 'recovered@0.9', 'MMCS', 'MCC', 'L0', 'dead'];
  return { header: absorption ? [...header, 'absorption'] : header, rows };
}

/** The columns of a table named in `columns`, in that order (a name the table lacks throws). */
export function selectColumns(table: SummaryTable, columns: readonly string[]): SummaryTable {
  const at = columns.map((name) => {
    const index = table.header.indexOf(name);
    if (index < 0) throw new Error(`the summary table has no column "${name}"`);
    return index;
  });
  return { header: [...columns], rows: table.rows.map((row) => at.map((c) => row[c])) };
}
