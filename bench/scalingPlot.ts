// The scaling table as a picture (docs/scaling.png and .svg): steps/s against n (m = n/10, ~10
// active features per sample) and against the instances of W1's shape, ours beside NumPy, both axes
// logarithmic — drawn by the project's own renderer (src/report/render.ts: vega-lite → SVG → PNG).

import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { writePlot } from '../src/report/render.js';
import { ROOT, isMeasurement, type Row } from './rows.js';
import type { ScalingResult } from './scaling.js';

export const SCALING_PLOT_DIR = path.join(ROOT, 'docs');

interface PlotPoint {
  axis: ScalingResult['axis'];
  value: number;
  implementation: string;
  stepsPerSecond: number;
}

/** One point per measured row: the failed and the unmeasured rows are left out. */
function plotPoints(results: readonly ScalingResult[]): PlotPoint[] {
  const rows = (r: ScalingResult): [string, Row | undefined][] => [
    [IMPLEMENTATIONS[0], r.ours],
    [IMPLEMENTATIONS[1], r.numpy],
    [IMPLEMENTATIONS[2], r.numpyAllThreads],
  ];
  return results.flatMap((r) =>
    rows(r).flatMap(([implementation, row]) =>
      isMeasurement(row) ? [{ axis: r.axis, value: r.value, implementation, stepsPerSecond: row.stepsPerSecond }] : [],
    ),
  );
}

const IMPLEMENTATIONS = ['ours (1 thread)', 'NumPy, 1 thread', 'NumPy, all threads'];

function panel(axis: ScalingResult['axis'], title: string, xTitle: string, ticks: number[]) {
  return {
    title,
    width: 300,
    height: 240,
    transform: [{ filter: { field: 'axis', equal: axis } }],
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'value', type: 'quantitative', scale: { type: 'log' }, axis: { values: ticks, format: ',' }, title: xTitle },
      y: { field: 'stepsPerSecond', type: 'quantitative', scale: { type: 'log' }, title: 'steps/s (batch 1024)' },
      color: { field: 'implementation', type: 'nominal', title: null, scale: { domain: IMPLEMENTATIONS }, legend: { orient: 'bottom' } },
    },
  };
}

export function scalingSpec(results: readonly ScalingResult[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Training steps/s as the toy model grows (npm run bench)', anchor: 'start', offset: 16 },
    data: { values: plotPoints(results) },
    hconcat: [
      panel('features', 'n features (m = n/10, ~10 active per sample)', 'n', [100, 1000, 10_000]),
      panel('instances', "instances of W1's shape (n = 20, m = 5, S = 0.9)", 'instances', [1, 10, 100]),
    ],
    resolve: { scale: { color: 'shared' } },
  } as TopLevelSpec;
}

/** Writes `dir/scaling.png` and `dir/scaling.svg`. */
export async function writeScalingPlot(results: readonly ScalingResult[], dir: string): Promise<void> {
  await writePlot(dir, 'scaling', scalingSpec(results));
}
