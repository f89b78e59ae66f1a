// Vega-lite specs of claim 9 (finite data, Henighan et al. 2023): test and training loss against
// the dataset size T with the rule's peak marked; the training points' and the features'
// dimensionalities against T (the switch from points to features); and the hidden vectors of the
// training points beside the feature directions at a few T.

import type { TopLevelSpec } from 'vega-lite';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const finite = (x: number) => (Number.isFinite(x) ? x : null);

/** A measure at one dataset size: mean and SD over seeds, and each seed's value. */
export interface SizeCurvePoint {
  T: number;
  mean: number;
  sd: number;
  perSeed: number[];
}

/** A log axis over exactly the grid's sizes (vega's nice log domain would run on to the next power of 10). */
const sizeAxis = (sizes: readonly number[]) => ({
  field: 'T',
  type: 'quantitative',
  title: 'training set size T',
  scale: { type: 'log', domain: [Math.min(...sizes) / 1.2, Math.max(...sizes) * 1.2], nice: false },
});

/** Test loss (fresh samples) and training loss against T (log), mean ± 1 SD, seeds as dots, the peak as a rule. */
export function lossVsSizeSpec(test: SizeCurvePoint[], train: SizeCurvePoint[], peakT: number, subtitle: string): TopLevelSpec {
  const rows = [
    ...test.map((p) => ({ series: 'test (fresh samples)', T: p.T, mean: finite(p.mean), lo: finite(p.mean - p.sd), hi: finite(p.mean + p.sd) })),
    ...train.map((p) => ({ series: 'training set', T: p.T, mean: finite(p.mean), lo: finite(p.mean - p.sd), hi: finite(p.mean + p.sd) })),
  ];
  const seeds = test.flatMap((p) => p.perSeed.map((v) => ({ T: p.T, value: finite(v) })));
  const x = sizeAxis(test.map((p) => p.T));
  const color = { field: 'series', type: 'nominal', title: 'loss on', scale: { range: ['#d62728', '#4c78a8'] } };
  return {
    $schema: SCHEMA,
    title: { text: 'Double descent: loss against the training set size', subtitle },
    width: 460,
    height: 260,
    layer: [
      { data: { values: [{ T: peakT }] }, mark: { type: 'rule', color: '#f58518', strokeDash: [4, 3], strokeWidth: 2 }, encoding: { x } },
      { data: { values: rows }, mark: { type: 'area', opacity: 0.2 }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'loss' }, y2: { field: 'hi' }, color } },
      { data: { values: seeds }, mark: { type: 'point', size: 14, color: '#d62728', opacity: 0.5 }, encoding: { x, y: { field: 'value', type: 'quantitative' } } },
      { data: { values: rows }, mark: { type: 'line', point: { size: 20 } }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color } },
    ],
  } as TopLevelSpec;
}

/** One dot per training point (D_t) and per feature (D_i) of one seed, at every T. */
export interface DimensionalityDot {
  T: number;
  kind: 'training point' | 'feature';
  D: number;
}

/** Left: D_t and D_i of one seed against T (log–log), m/T dashed; right: the rule's measures per T (means over seeds). */
export function storageSpec(
  dots: DimensionalityDot[],
  measures: { T: number; pointShare: number; maxPointD: number; maxFeatureD: number; regime: string }[],
  nHidden: number,
  subtitle: string,
): TopLevelSpec {
  const floor = 1e-4;
  const values = dots.map((d) => ({ ...d, D: Math.max(floor, d.D) }));
  const sizes = measures.map((m) => m.T);
  const fair = sizes.map((T) => ({ T, D: nHidden / T }));
  const x = sizeAxis(sizes);
  const kind = { field: 'kind', type: 'nominal', title: null, scale: { domain: ['training point', 'feature'], range: ['#d62728', '#1f77b4'] }, legend: { orient: 'bottom' } };
  const lines = measures.flatMap((m) => [
    { T: m.T, measure: 'median D_t · T/m (training points)', value: finite(m.pointShare), regime: m.regime },
    { T: m.T, measure: 'max D_i (features)', value: finite(m.maxFeatureD), regime: m.regime },
    { T: m.T, measure: 'max D_t (training points)', value: finite(m.maxPointD), regime: m.regime },
  ]);
  return {
    $schema: SCHEMA,
    title: { text: 'What is stored: training points or features', subtitle },
    hconcat: [
      {
        title: 'D_t and D_i, seed 0; dashed: m/T',
        width: 340,
        height: 260,
        layer: [
          { data: { values }, mark: { type: 'point', size: 10, opacity: 0.35, filled: true }, encoding: { x, y: { field: 'D', type: 'quantitative', title: 'dimensionality', scale: { type: 'log' } }, color: kind } },
          { data: { values: fair }, mark: { type: 'line', color: '#555', strokeDash: [4, 3] }, encoding: { x, y: { field: 'D', type: 'quantitative' } } },
        ],
      },
      {
        title: 'the rule\'s measures, mean over seeds',
        width: 340,
        height: 260,
        data: { values: lines },
        layer: [
          { mark: { type: 'line', point: { size: 20 } }, encoding: { x, y: { field: 'value', type: 'quantitative', title: 'value' }, color: { field: 'measure', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 1, labelLimit: 320 } } } },
          {
            transform: [{ filter: "datum.measure === 'max D_i (features)'" }],
            mark: { type: 'text', dy: -10, fontSize: 9, angle: 300, align: 'left' },
            encoding: { x, y: { field: 'value', type: 'quantitative' }, text: { field: 'regime' } },
          },
        ],
      },
    ],
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}

/** 2-D vectors from the origin, per panel (column: T; row: training points or features). */
export interface VectorArrow {
  column: string;
  row: string;
  x: number;
  y: number;
}

/** Hidden vectors h_t and feature directions W_i of one seed at a few T; each panel scaled to a longest vector of 1. */
export function vectorsSpec(arrows: VectorArrow[], columns: readonly string[], rows: readonly string[], subtitle: string): TopLevelSpec {
  const longest = new Map<string, number>();
  for (const a of arrows) {
    const key = `${a.column}|${a.row}`;
    longest.set(key, Math.max(longest.get(key) ?? 0, Math.hypot(a.x, a.y)));
  }
  const values = arrows.map((a) => {
    const scale = longest.get(`${a.column}|${a.row}`) || 1;
    return { column: a.column, row: a.row, x0: 0, y0: 0, x: finite(a.x / scale), y: finite(a.y / scale) };
  });
  const scale = { domain: [-1.05, 1.05], nice: false };
  return {
    $schema: SCHEMA,
    title: { text: 'Training points h_t = W x_t and features W_i in the hidden plane', subtitle },
    data: { values },
    facet: {
      column: { field: 'column', type: 'nominal', sort: [...columns], header: { title: null, labelFontWeight: 'bold' } },
      row: { field: 'row', type: 'nominal', sort: [...rows], header: { title: null } },
    },
    spacing: 6,
    spec: {
      width: 130,
      height: 130,
      mark: { type: 'rule', strokeWidth: 1, opacity: 0.6 },
      encoding: {
        x: { field: 'x0', type: 'quantitative', scale, title: null, axis: { tickCount: 3 } },
        y: { field: 'y0', type: 'quantitative', scale, title: null, axis: { tickCount: 3 } },
        x2: { field: 'x' },
        y2: { field: 'y' },
        color: { field: 'row', type: 'nominal', scale: { domain: [...rows], range: ['#d62728', '#1f77b4'] }, legend: null },
      },
    },
  } as TopLevelSpec;
}
