// The seed's central question as one figure: how well SAEs recover the true feature directions of
// the n=20, m=5 toy models (I = 0.7^i, toy seed 0), over sparsity × dictionary size × architecture,
// with the spread over SAE seeds. Every architecture at its default λ (DEFAULT_L1) or k (n(1−S)),
// so the figure shows what a user gets without tuning (on a shorter training than the CLI's default,
// to fit the run: see budget.ts). It is drawn beside claim 7; it has no rule of its own.

import { SAE_ARCHS, resolveSaeConfig } from '../../config/sae.js';
import { recoveryMapSpec, type RecoveryMapPoint } from '../../report/recoveryMapPlot.js';
import type { Budget } from './budget.js';
import { n20Source, type N20 } from './n20.js';
import { trainAndScoreSaes, type SaeRecoveryRow } from './saeRecovery.js';
import { mean, type Figure } from './shared.js';

/** One SAE's recovery over the toy model's represented features. */
export type RecoveryMapRow = SaeRecoveryRow;

export interface RecoveryMap {
  config: Record<string, unknown>;
  rows: RecoveryMapRow[];
  points: RecoveryMapPoint[];
  figure: Figure;
}

export function recoveryMap(b: Budget, n20: N20): RecoveryMap {
  const { steps, batchSize, seeds, sparsity, dictSize, evalSize } = b.recoveryMap;
  const toy = n20Source(n20, sparsity);
  const config = resolveSaeConfig({ arch: [...SAE_ARCHS], dictSize, saeSeeds: seeds, saeSteps: steps, saeBatchSize: batchSize, saeEvalSize: evalSize });
  const rows = trainAndScoreSaes(config, toy, sparsity);
  const points = summarise(rows);
  return {
    config: { toy: 'n=20, m=5, I=0.7^i, toy seed 0 (from claim 2/6)', arch: [...SAE_ARCHS], dictSize, sparsity, l1: 'the default λ per arch', k: 'n(1−S), at least 1', saeSeeds: seeds, saeSteps: steps, saeBatchSize: batchSize, saeEvalSize: evalSize },
    rows,
    points,
    figure: {
      caption:
        `SAE recovery over sparsity × dictionary size × architecture, every architecture at its default λ or k ` +
        `(${steps.toLocaleString('en')} steps of batch ${batchSize}; mean over ${seeds} SAE seeds, bars from min to max): the seed's question in one figure.`,
      spec: recoveryMapSpec(points, `n = 20, m = 5 toy models (I = 0.7^i); each architecture at its default λ or k, ${steps.toLocaleString('en')} steps of batch ${batchSize}`),
    },
  };
}

/** Mean, min and max over seeds per (metric, arch, dictionary size, sparsity). */
export function summarise(rows: readonly RecoveryMapRow[]): RecoveryMapPoint[] {
  const groups = new Map<string, RecoveryMapRow[]>();
  for (const r of rows) {
    const key = `${r.arch}|${r.dictSize}|${r.sparsity}`;
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  const metrics = [
    { name: 'MCC', value: (r: RecoveryMapRow) => r.mcc },
    { name: 'recovered@0.9', value: (r: RecoveryMapRow) => r.recovered090 },
  ];
  return metrics.flatMap((metric) =>
    [...groups.values()].map((list) => {
      const values = list.map(metric.value);
      return {
        metric: metric.name,
        arch: list[0].arch,
        dictSize: list[0].dictSize,
        sparsity: list[0].sparsity,
        mean: mean(values),
        min: Math.min(...values),
        max: Math.max(...values),
        seeds: values.length,
      };
    }),
  );
}
