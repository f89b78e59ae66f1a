// The scaling table of `npm run bench`: how our steps/s fall as the model grows — n = 100, 1,000,
// 10,000 features (m = n/10, about 10 active per sample, one instance) and 1, 10, 100 instances of
// W1's shape — beside the NumPy baseline at the same sizes (1 thread; all threads from n = 1,000,
// where OpenBLAS finds the products big enough to share), and the ratio ours / NumPy. Each point is
// measured in child processes of its own, as the workloads are (bench/rows.ts).

import {
  cpuRatio, defined, fmt, formatTable, isMeasurement, measureRow, numpyChild, ratio, threadNote, times, tsChild, type Failure, type Row,
} from './rows.js';
import { BATCH, SCALING, flopsPerStep, type ScalingPoint, type ToyWorkloadSpec } from './workloads.js';

export interface ScalingResult {
  name: string;
  description: string;
  axis: ScalingPoint['axis'];
  value: number;
  spec: ToyWorkloadSpec;
  batch: number;
  flopsPerStep: number;
  ours: Row;
  numpy?: Row;
  numpyAllThreads?: Row;
  /** ours / NumPy in steps/s (> 1: ours is faster): vsNumpy, vsNumpyAllThreads. */
  ratios: Record<string, number>;
  /** ours / NumPy (1 thread) in steps per CPU-second (robust to a busy machine). */
  cpuTimeRatios: Record<string, number>;
}

function measurePoint(point: ScalingPoint, numpy: boolean): ScalingResult {
  if (point.spec.kind !== 'toy') throw new Error(`scaling point ${point.name} is not a toy model`);
  const ours = measureRow('ours', point, tsChild('ours', point)).row;
  const numpyRow = numpy ? measureRow('NumPy, 1 thread', point, numpyChild(point, 'one')).row : undefined;
  const numpyAllThreads = numpy && point.numpyAllThreads ? measureRow('NumPy, all threads', point, numpyChild(point, 'all'), 'blas').row : undefined;
  return {
    name: point.name,
    description: point.description,
    axis: point.axis,
    value: point.value,
    spec: point.spec,
    batch: BATCH,
    flopsPerStep: flopsPerStep(point.spec),
    ours,
    ...(numpyRow ? { numpy: numpyRow } : {}),
    ...(numpyAllThreads ? { numpyAllThreads } : {}),
    ratios: defined({ vsNumpy: ratio(ours, numpyRow), vsNumpyAllThreads: ratio(ours, numpyAllThreads) }),
    cpuTimeRatios: defined({ vsNumpy: cpuRatio(ours, numpyRow) }),
  };
}

/** Every point of `points` (a selection of SCALING, in its order), one child process per row. */
export function measureScaling(points: readonly ScalingPoint[], numpy: boolean): ScalingResult[] {
  return points.map((point) => measurePoint(point, numpy));
}

/** steps/s, marked * where the row got < 80% of the CPU time its threads could use. */
function rate(row: Row | undefined): string {
  if (row === undefined) return '';
  if (!isMeasurement(row)) return 'failed';
  return `${fmt(row.stepsPerSecond)}${row.contended ? '*' : ' '}`;
}

const rss = (row: Row | undefined) => (isMeasurement(row) ? row.peakRssMiB.toFixed(0) : '–');

function routesOf(row: Row): string {
  if (!isMeasurement(row) || !row.routes) return '';
  return Object.entries(row.routes).map(([route, count]) => (count === 1 ? route : `${route} ×${count}`)).join(', ');
}

function tableRow(result: ScalingResult): string[] {
  const { spec, ours, numpy, numpyAllThreads, ratios } = result;
  const failures = [ours, numpy, numpyAllThreads].filter((row): row is Failure => row !== undefined && !isMeasurement(row));
  const blas = isMeasurement(numpyAllThreads) ? threadNote(numpyAllThreads) : '';
  const notes = [...failures.map((row) => `${row.label}: ${row.error.slice(0, 60)}`), blas ? `all threads: ${blas}` : ''];
  return [
    result.name,
    String(spec.nFeatures),
    String(spec.nHidden),
    String(Number(spec.sparsity[0].toFixed(4))),
    String(spec.sparsity.length),
    rate(ours),
    routesOf(ours),
    rate(numpy),
    times(ratios.vsNumpy),
    rate(numpyAllThreads),
    times(ratios.vsNumpyAllThreads),
    `${rss(ours)} / ${rss(numpy)}`,
    notes.filter(Boolean).join('; '),
  ];
}

export function printScalingTable(results: readonly ScalingResult[]): void {
  const header = ['point', 'n', 'm', 'S', 'inst', 'ours steps/s', 'route', 'NumPy 1 thr', 'ours/NumPy', 'NumPy all thr', 'ours/all', 'RSS MiB ours / NumPy', 'note'];
  console.log(`scaling (batch ${BATCH}; steps/s, median of repeats; * = the row got < 80% of its CPU time):`);
  for (const line of formatTable(header, results.map(tableRow), new Set([1, 2, 3, 4, 5, 7, 8, 9, 10, 11]))) console.log(line);
  const cpuLine = results.filter((r) => r.cpuTimeRatios.vsNumpy !== undefined).map((r) => `${r.name} ${times(r.cpuTimeRatios.vsNumpy)}`);
  if (cpuLine.length > 0) console.log(`cross-check, ours / NumPy 1 thread in steps per CPU-second: ${cpuLine.join(', ')}`);
  if (results.length < SCALING.length) console.log(`(${results.length} of ${SCALING.length} scaling points selected)`);
}
