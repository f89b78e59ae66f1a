// The recovery map of `reproduce` (beside claim 7): SAE recovery over sparsity (x), dictionary size
// (columns) and architecture (colour), one row per metric, with the min–max over SAE seeds.

import type { TopLevelSpec } from 'vega-lite';
import { SCHEMA, finiteOrNull, seedSpreadRule } from './sae/shared.js';

/** One (metric, arch, dictionary size, sparsity) cell: mean, min and max over seeds. */
export interface RecoveryMapPoint {
  metric: string;
  arch: string;
  dictSize: number;
  sparsity: number;
  mean: number;
  min: number;
  max: number;
  seeds: number;
}

export function recoveryMapSpec(points: readonly RecoveryMapPoint[], about: string): TopLevelSpec {
  const values = points.map((p) => ({ ...p, mean: finiteOrNull(p.mean), min: finiteOrNull(p.min), max: finiteOrNull(p.max) }));
  const sparsities = [...new Set(points.map((p) => p.sparsity))].sort((a, b) => a - b);
  // Ordinal x: the interesting sparsities crowd near 1 on a linear axis.
  const x = { field: 'sparsity', type: 'ordinal', sort: sparsities, title: 'sparsity S', axis: { labelAngle: 0 } };
  const color = { field: 'arch', type: 'nominal', title: 'SAE', scale: { scheme: 'tableau10' } };
  const y = { field: 'mean', type: 'quantitative', title: null, scale: { domain: [0, 1] } };
  return {
    $schema: SCHEMA,
    title: { text: 'SAE recovery by sparsity, dictionary size and architecture', subtitle: [about, 'over the toy model’s represented features; lines: mean over SAE seeds, bars: min to max'] },
    data: { values },
    facet: {
      row: { field: 'metric', type: 'nominal', title: null, sort: ['MCC', 'recovered@0.9'] },
      column: { field: 'dictSize', type: 'ordinal', title: 'dictionary size', sort: 'ascending' },
    },
    spec: {
      width: 190,
      height: 150,
      layer: [
        seedSpreadRule(x, color),
        { mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color } },
        {
          mark: { type: 'point', filled: true, size: 40, opacity: 1 },
          encoding: {
            x,
            y,
            color,
            tooltip: [
              { field: 'arch', type: 'nominal' },
              { field: 'dictSize', type: 'quantitative' },
              { field: 'sparsity', type: 'quantitative' },
              { field: 'mean', type: 'quantitative', format: '.3f' },
              { field: 'min', type: 'quantitative', format: '.3f' },
              { field: 'max', type: 'quantitative', format: '.3f' },
            ],
          },
        },
      ],
    },
    resolve: { scale: { y: 'shared' } },
  } as TopLevelSpec;
}
