// One row of the bench's tables: a measurement run in a child process of its own (ours and the TS
// baseline through bench/child.ts, NumPy through bench/numpy_baseline.py), its timing turned into
// steps/s, ms/step, GFLOP/s and peak RSS — or the reason it failed. Shared by the workload table
// (bench.ts) and the scaling table (scaling.ts), with the number formats both print.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildResult } from './child.js';
import { DEFAULT_TIMING, type Timing } from './timing.js';
import { BATCH, SEED, flopsPerStep, type Workload } from './workloads.js';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.dirname(BENCH_DIR);
const CHILD_TIMEOUT_MS = 300_000;

export interface Measurement {
  label: string;
  stepsPerSecond: number;
  msPerStep: number;
  gflops: number; // dense-equivalent FLOP count (bench/workloads.ts) × steps/s
  peakRssMiB: number;
  /** Steps per CPU-second of the whole process over the repeats: for single-threaded rows a rate
   * that time-slicing by other processes does not lower (a cross-check on a busy machine). */
  stepsPerCpuSecond: number;
  timing: Timing;
  finalLoss?: number;
  /** Ours, toy workloads: instances per kernel route on the last step. */
  routes?: Record<string, number>;
  /** Threads the measurement should keep busy (1; the pool's workers; NumPy's BLAS threads). */
  expectedThreads: number;
  /** cpuPerWall < 0.8 × expectedThreads: other processes took CPU time, the rate is pessimistic. */
  contended: boolean;
  /** NumPy only: version, BLAS, threads, the BLAS-related environment of the child. */
  numpy?: Record<string, unknown>;
}

export interface Failure {
  label: string;
  error: string;
}

export type Row = Measurement | Failure;

export const isMeasurement = (row: Row | undefined): row is Measurement => row !== undefined && 'stepsPerSecond' in row;

function parseChildOutput(stdout: string): unknown {
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) throw new Error('no BENCH_RESULT line');
  return JSON.parse(line.slice('BENCH_RESULT '.length));
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string): unknown {
  const result = spawnSync(command, args, { cwd: ROOT, env, input, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, maxBuffer: 1 << 24 });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    const lines = result.stderr.trim().split('\n');
    const message = lines.find((l) => /Error\b/.test(l)) ?? lines.at(-1);
    throw new Error(`exit ${result.status ?? result.signal}: ${message}`);
  }
  return parseChildOutput(result.stdout);
}

function toMeasurement(label: string, workload: Workload, raw: ChildResult & { [key: string]: unknown }, threads: number | 'blas'): Measurement {
  const { timing, maxRssKiB, finalLoss, heap: _heap, routes, ...rest } = raw;
  const numpy = 'numpy' in rest ? rest : undefined;
  // OpenBLAS threads only products it finds big enough (W2's are not): one busy thread is all a
  // BLAS row can be held to.
  const expectedThreads = threads === 'blas' ? 1 : threads;
  const wallSeconds = timing.rates.reduce((sum, rate) => sum + timing.stepsPerRepeat / rate, 0);
  return {
    label,
    stepsPerSecond: timing.stepsPerSecond,
    stepsPerCpuSecond: (timing.repeats * timing.stepsPerRepeat) / (timing.cpuPerWall * wallSeconds),
    msPerStep: timing.msPerStep,
    gflops: (flopsPerStep(workload.spec) * timing.stepsPerSecond) / 1e9,
    peakRssMiB: maxRssKiB / 1024,
    timing,
    finalLoss,
    ...(routes ? { routes } : {}),
    expectedThreads,
    contended: timing.cpuPerWall < 0.8 * expectedThreads,
    ...(numpy ? { numpy } : {}),
  };
}

export function measureRow(label: string, workload: Workload, start: () => unknown, threads: number | 'blas' = 1): { row: Row; raw?: ChildResult } {
  process.stderr.write(`  ${workload.name} ${label} … `);
  const t0 = performance.now();
  try {
    const raw = start() as ChildResult & { [key: string]: unknown };
    const row = toMeasurement(label, workload, raw, threads);
    process.stderr.write(`${fmt(row.stepsPerSecond)} steps/s (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
    return { row, raw };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`failed: ${message}\n`);
    return { row: { label, error: message } };
  }
}

export function tsChild(impl: string, workload: Workload, extra: string[] = []): () => unknown {
  // Ours runs as the `superposition` command does (bin/superposition.js: 2 MB semi-spaces); the
  // straightforward baseline with Node's defaults.
  const flags = impl === 'ts' ? [] : ['--max-semi-space-size=2'];
  const args = ['--expose-gc', ...flags, '--import', 'tsx', path.join(BENCH_DIR, 'child.ts'), impl, workload.name, ...extra];
  return () => run(process.execPath, args, process.env);
}

/** OpenBLAS tuning variables some machines set, which can slow a current numpy. */
export const OPENBLAS_TUNING = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];

/**
 * The NumPy child's environment: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset (unless `inherit`,
 * for the one informational row that shows their effect); 1 thread or all.
 */
export function numpyEnv(threads: 'one' | 'all', inherit = false): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (!inherit) for (const name of OPENBLAS_TUNING) delete env[name];
  for (const name of ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS']) {
    if (threads === 'one') env[name] = '1';
    else delete env[name];
  }
  return env;
}

/** NumPy on the workload, timed as ours (the workload's own timing options, if it has them). */
export function numpyChild(workload: Workload, threads: 'one' | 'all', inherit = false): () => unknown {
  const timing = workload.timing ?? DEFAULT_TIMING;
  const job = JSON.stringify({
    spec: workload.spec,
    batch: BATCH,
    seed: SEED,
    targetSeconds: timing.targetSeconds,
    repeats: timing.repeats,
    warmupSeconds: timing.warmupSeconds,
  });
  return () => run('python3', [path.join(BENCH_DIR, 'numpy_baseline.py')], numpyEnv(threads, inherit), job);
}

export function numpyAvailable(): string | null {
  const probe = spawnSync('python3', ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8', env: numpyEnv('one') });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

/** a / b in steps/s (> 1: a is faster), where both were measured. */
export function ratio(a: Row | undefined, b: Row | undefined): number | undefined {
  return isMeasurement(a) && isMeasurement(b) ? a.stepsPerSecond / b.stepsPerSecond : undefined;
}

export function cpuRatio(a: Row | undefined, b: Row | undefined): number | undefined {
  return isMeasurement(a) && isMeasurement(b) ? a.stepsPerCpuSecond / b.stepsPerCpuSecond : undefined;
}

export const defined = (record: Record<string, number | undefined>) =>
  Object.fromEntries(Object.entries(record).filter((e): e is [string, number] => e[1] !== undefined));

export function fmt(value: number): string {
  if (value >= 1000) return value.toFixed(0);
  if (value >= 100) return value.toFixed(1);
  if (value >= 10) return value.toFixed(2);
  return value.toFixed(3);
}

export const times = (value: number | undefined) => (value === undefined ? '' : `${value.toFixed(2)}×`);

/** The OpenBLAS thread count (and core type) a NumPy row ran with. */
export function threadNote(row: Measurement): string {
  const threads = row.numpy?.openblasThreads;
  return threads === undefined ? '' : `OpenBLAS threads ${threads}${row.numpy?.openblasCore ? `, core ${row.numpy.openblasCore}` : ''}`;
}

/** Column-aligned text: numbers right-aligned (the columns in `right`), the last column left as is. */
export function formatTable(header: string[], rows: string[][], right: ReadonlySet<number>): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const format = (cells: string[]) => cells.map((cell, c) => (c === cells.length - 1 ? cell : right.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ');
  return [
    format(header),
    format(widths.map((w, c) => (c === widths.length - 1 ? '-'.repeat(header[c].length) : '-'.repeat(w)))),
    ...rows.map(format),
  ];
}
