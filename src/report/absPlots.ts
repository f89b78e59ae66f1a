// Figures of claim 8 (computation in superposition, the absolute-value model): the paper-style
// per-neuron weight plot — each neuron's |input weights| stacked by feature, neurons sorted by
// the importance of their largest feature — and features computed against 1 − S.

import type { TopLevelSpec } from 'vega-lite';
import type { AbsWeights } from '../metrics/absComputed.js';
import type { NeuronReport } from '../metrics/absNeurons.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** One bar segment: |W1[j, i]| of neuron j (at rank `rank` in its panel) and feature i. */
export interface NeuronWeightBar {
  panel: string;
  rank: number;
  /** The neuron's axis label: rank and type letter (M, P, A for the motif, U unused). */
  neuron: string;
  feature: number;
  weight: number;
}

const typeLetter = (r: NeuronReport) => (r.type === 'unused' ? 'U' : r.motif ? 'A' : r.type === 'monosemantic' ? 'M' : 'P');

/** The bars of one instance: neurons sorted by their primary feature (importance order), then by its weight. */
export function neuronWeightBars(panel: string, w: AbsWeights, reports: readonly NeuronReport[]): NeuronWeightBar[] {
  const n = w.nFeatures;
  const top = (j: number) => Math.abs(w.W1[j * n + reports[j].primary]);
  const order = Array.from({ length: w.nHidden }, (_, j) => j).sort((p, q) => reports[p].primary - reports[q].primary || top(q) - top(p));
  return order.flatMap((j, rank) =>
    Array.from({ length: n }, (_, i) => ({ panel, rank, neuron: `${rank + 1} ${typeLetter(reports[j])}`, feature: i, weight: Math.abs(w.W1[j * n + i]) })).filter(
      (bar) => bar.weight > 1e-3,
    ),
  );
}

/** Stacked |W1| per neuron, a row per panel (e.g. a dense and a sparse instance), features coloured by index (= importance order). */
export function neuronWeightsSpec(bars: NeuronWeightBar[], panels: readonly string[], nFeatures: number, subtitle: string): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: { text: 'Absolute-value model: input weights per neuron', subtitle },
    data: { values: bars },
    facet: { row: { field: 'panel', type: 'nominal', sort: [...panels], header: { title: null, labelOrient: 'top', labelAngle: 0, labelAnchor: 'start', labelFontWeight: 'bold' } } },
    resolve: { scale: { x: 'independent' } },
    spec: {
      width: 520,
      height: 140,
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'neuron', type: 'ordinal', sort: { field: 'rank' }, title: 'neuron (sorted by importance of its largest feature; M mono, P poly, A asymmetric motif, U unused)', axis: { labelAngle: 0 } },
        y: { field: 'weight', type: 'quantitative', stack: 'zero', title: '|W₁[j, i]|' },
        color: { field: 'feature', type: 'quantitative', scale: { scheme: 'viridis', domain: [0, nFeatures - 1] }, legend: { title: 'feature i' } },
        order: { field: 'feature', type: 'quantitative' },
        tooltip: [{ field: 'neuron' }, { field: 'feature' }, { field: 'weight', format: '.3f' }],
      },
    },
  } as TopLevelSpec;
}

/**
 * Features computed against 1 − S (log scale), a line per seed (dashed: a second kind of count,
 * e.g. features computed on one sign only), rules at m (neurons) and m/2 (two ReLUs per feature).
 */
export function computedVsDensitySpec(points: { seed: number; density: number; computed: number; kind?: string }[], nHidden: number, nFeatures: number): TopLevelSpec {
  const kinds = [...new Set(points.map((p) => p.kind ?? '|x| computed'))];
  const densities = points.map((p) => p.density);
  const x = { field: 'density', type: 'quantitative', title: '1 − S (feature probability)', scale: { type: 'log', domain: [Math.min(...densities), Math.max(...densities)], nice: false, reverse: true } };
  const rules = [
    { y: nHidden, label: `m = ${nHidden} neurons` },
    { y: nHidden / 2, label: `m/2 = ${nHidden / 2}` },
  ];
  return {
    $schema: SCHEMA,
    title: {
      text: 'Features computed against sparsity',
      subtitle: [`n = ${nFeatures}, m = ${nHidden}; computed: alone, y_i within 10% (relative MSE) of |x_i| over [−1, 1]`, ...(kinds.length > 1 ? [`solid: ${kinds[0]}; dashed: ${kinds.slice(1).join(', ')}`] : [])],
    },
    width: 420,
    height: 260,
    layer: [
      { data: { values: rules }, mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
      { data: { values: rules }, mark: { type: 'text', align: 'left', dx: 4, dy: -6, color: '#555' }, encoding: { y: { field: 'y', type: 'quantitative' }, x: { value: 0 }, text: { field: 'label' } } },
      {
        data: { values: points.map((p) => ({ ...p, kind: p.kind ?? '|x| computed', line: `${p.seed} ${p.kind ?? ''}` })) },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'computed', type: 'quantitative', title: 'features computed', scale: { domain: [0, nFeatures] } },
          color: { field: 'seed', type: 'nominal', title: 'seed' },
          strokeDash: { field: 'kind', type: 'nominal', title: null, sort: kinds, legend: null },
          detail: { field: 'line' },
        },
      },
    ],
  } as TopLevelSpec;
}

/** Neuron types per instance: stacked counts against 1 − S, a column per seed. */
export function neuronTypesSpec(rows: { seed: number; density: number; type: string; count: number }[]): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: { text: 'Neuron types against sparsity', subtitle: 'monosemantic: every other input weight < 0.1 × the largest; asymmetric motif: a polysemantic neuron with the inhibited pair' },
    data: { values: rows },
    facet: { column: { field: 'seed', type: 'nominal', title: 'seed' } },
    spec: {
      width: 180,
      height: 200,
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'density', type: 'ordinal', title: '1 − S', sort: 'descending' },
        y: { field: 'count', type: 'quantitative', stack: 'zero', title: 'neurons' },
        color: { field: 'type', type: 'nominal', sort: ['monosemantic', 'polysemantic', 'asymmetric motif', 'unused'], scale: { domain: ['monosemantic', 'polysemantic', 'asymmetric motif', 'unused'], range: ['#4c78a8', '#f58518', '#e45756', '#bbb'] } },
      },
    },
  } as TopLevelSpec;
}
