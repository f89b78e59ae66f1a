// `npm run bench`: training throughput of our toy model and SAE against two baselines measured in
// the same run — a dense TypeScript implementation (bench/baseline.ts) and a NumPy script in the
// seed's style (bench/numpy_baseline.py) — on the workloads of bench/workloads.ts.
// Every measurement runs in its own child process (so peak RSS values do not mix), one after the
// other; each is the median of several repeats after a warm-up (bench/timing.ts). Prints a table
// with ratios ours / baseline and writes bench/results.json.
//   npm run bench [-- --only W1,W4]      BENCH_REPEATS, BENCH_REPEAT_SECONDS tune the timing.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildResult, HeapCheck } from './child.js';
import { DEFAULT_TIMING, type Timing } from './timing.js';
import { workersAvailable } from './workers.js';
import { BATCH, SEED, WORKLOADS, flopsPerStep, type Workload } from './workloads.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);
const RESULTS_PATH = path.join(BENCH_DIR, 'results.json');
const CHILD_TIMEOUT_MS = 300_000;

interface Measurement {
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

interface Failure {
  label: string;
  error: string;
}

type Row = Measurement | Failure;

interface WorkloadResult {
  name: string;
  description: string;
  flopsPerStep: number;
  ours: Row;
  baselines: { tsDense: Row; numpy?: Row; numpyAllThreads?: Row; numpyInheritedEnv?: Row };
  workers?: { workers1: Row; workers2: Row } | { unavailable: string };
  /** ours / baseline, in steps/s (> 1: ours is faster). */
  ratios: Record<string, number>;
  /** The same single-threaded ratios in steps per CPU-second (robust to a busy machine). */
  cpuTimeRatios: Record<string, number>;
  heap?: HeapCheck;
}

const isMeasurement = (row: Row | undefined): row is Measurement => row !== undefined && 'stepsPerSecond' in row;

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

function measureRow(label: string, workload: Workload, start: () => unknown, threads: number | 'blas' = 1): { row: Row; raw?: ChildResult } {
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

function tsChild(impl: string, workload: Workload, extra: string[] = []): () => unknown {
  // Ours runs as the `superposition` command does (bin/superposition.js: 2 MB semi-spaces); the
  // straightforward baseline with Node's defaults.
  const flags = impl === 'ts' ? [] : ['--max-semi-space-size=2'];
  const args = ['--expose-gc', ...flags, '--import', 'tsx', path.join(BENCH_DIR, 'child.ts'), impl, workload.name, ...extra];
  return () => run(process.execPath, args, process.env);
}

/** OpenBLAS tuning variables some machines set, which can slow a current numpy. */
const OPENBLAS_TUNING = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];

/**
 * The NumPy child's environment: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset (unless `inherit`,
 * for the one informational row that shows their effect); 1 thread or all.
 */
function numpyEnv(threads: 'one' | 'all', inherit = false): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (!inherit) for (const name of OPENBLAS_TUNING) delete env[name];
  for (const name of ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS']) {
    if (threads === 'one') env[name] = '1';
    else delete env[name];
  }
  return env;
}

function numpyChild(workload: Workload, threads: 'one' | 'all', inherit = false): () => unknown {
  const job = JSON.stringify({
    spec: workload.spec,
    batch: BATCH,
    seed: SEED,
    targetSeconds: DEFAULT_TIMING.targetSeconds,
    repeats: DEFAULT_TIMING.repeats,
    warmupSeconds: DEFAULT_TIMING.warmupSeconds,
  });
  return () => run('python3', [path.join(BENCH_DIR, 'numpy_baseline.py')], numpyEnv(threads, inherit), job);
}

function numpyAvailable(): string | null {
  const probe = spawnSync('python3', ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8', env: numpyEnv('one') });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

/** The worker-pool rows (W2, W3): ours through src/train/toyWorkers.ts with 1 and 2 workers. */
function measureWorkerRows(workload: Workload): WorkloadResult['workers'] {
  if (!workersAvailable()) return { unavailable: 'src/train/toyWorkers.ts does not exist yet' };
  return {
    workers1: measureRow('ours, --workers 1', workload, tsChild('workers', workload, ['--workers', '1']), 1).row,
    workers2: measureRow('ours, --workers 2', workload, tsChild('workers', workload, ['--workers', '2']), 2).row,
  };
}

function ratio(a: Row | undefined, b: Row | undefined): number | undefined {
  return isMeasurement(a) && isMeasurement(b) ? a.stepsPerSecond / b.stepsPerSecond : undefined;
}

function cpuRatio(a: Row | undefined, b: Row | undefined): number | undefined {
  return isMeasurement(a) && isMeasurement(b) ? a.stepsPerCpuSecond / b.stepsPerCpuSecond : undefined;
}

const defined = (record: Record<string, number | undefined>) =>
  Object.fromEntries(Object.entries(record).filter((e): e is [string, number] => e[1] !== undefined));

function measureWorkload(workload: Workload, numpy: boolean): WorkloadResult {
  const ours = measureRow('ours', workload, tsChild('ours', workload, workload.name === 'W1' ? ['--heap'] : []));
  const tsDense = measureRow('TS dense baseline', workload, tsChild('ts', workload)).row;
  const baselines: WorkloadResult['baselines'] = { tsDense };
  if (numpy) baselines.numpy = measureRow('NumPy, 1 thread', workload, numpyChild(workload, 'one')).row;
  if (numpy && workload.numpyAllThreads)
    baselines.numpyAllThreads = measureRow(`NumPy, all threads`, workload, numpyChild(workload, 'all'), 'blas').row;
  // Informational: the same NumPy run with the machine's OpenBLAS tuning variables left in place.
  if (numpy && workload.numpyTuningRow && OPENBLAS_TUNING.some((name) => process.env[name] !== undefined))
    baselines.numpyInheritedEnv = measureRow('NumPy, 1 thread, env kept', workload, numpyChild(workload, 'one', true)).row;
  const workers = workload.workers ? measureWorkerRows(workload) : undefined;
  const ratios: Record<string, number | undefined> = {
    vsTsDense: ratio(ours.row, tsDense),
    vsNumpy: ratio(ours.row, baselines.numpy),
    vsNumpyAllThreads: ratio(ours.row, baselines.numpyAllThreads),
    numpyEnvUnsetVsKept: ratio(baselines.numpy, baselines.numpyInheritedEnv),
  };
  if (workers && 'workers1' in workers) {
    ratios.workers2VsWorkers1 = ratio(workers.workers2, workers.workers1);
    ratios.workers2VsOurs = ratio(workers.workers2, ours.row);
    ratios.workers2VsNumpy = ratio(workers.workers2, baselines.numpy);
    ratios.workers2VsNumpyAllThreads = ratio(workers.workers2, baselines.numpyAllThreads);
  }
  return {
    name: workload.name,
    description: workload.description,
    flopsPerStep: flopsPerStep(workload.spec),
    ours: ours.row,
    baselines,
    ...(workers ? { workers } : {}),
    ratios: defined(ratios),
    cpuTimeRatios: defined({ vsTsDense: cpuRatio(ours.row, tsDense), vsNumpy: cpuRatio(ours.row, baselines.numpy) }),
    ...(ours.raw?.heap ? { heap: ours.raw.heap } : {}),
  };
}

// ---- output ----

function fmt(value: number): string {
  if (value >= 1000) return value.toFixed(0);
  if (value >= 100) return value.toFixed(1);
  if (value >= 10) return value.toFixed(2);
  return value.toFixed(3);
}

const times = (value: number | undefined) => (value === undefined ? '' : `${value.toFixed(2)}×`);

function printTable(results: WorkloadResult[]): void {
  const header = ['workload', 'implementation', 'steps/s', 'ms/step', 'GFLOP/s', 'peak RSS MiB', 'CPU/wall', 'vs TS', 'vs NumPy', 'note'];
  const rows: string[][] = [];
  for (const result of results) {
    const line = (name: string, row: Row | undefined, vsTs?: number, vsNumpy?: number, note = '') => {
      if (!row) return;
      if (!isMeasurement(row)) return rows.push([name, row.label, 'failed', '', '', '', '', '', '', row.error.slice(0, 80)]);
      const cpu = `${row.timing.cpuPerWall.toFixed(2)}${row.contended ? '*' : ' '}`;
      rows.push([name, row.label, fmt(row.stepsPerSecond), fmt(row.msPerStep), fmt(row.gflops), row.peakRssMiB.toFixed(1), cpu, times(vsTs), times(vsNumpy), note]);
    };
    const { baselines, ratios } = result;
    line(result.name, result.ours, ratios.vsTsDense, ratios.vsNumpy, result.description);
    line('', baselines.tsDense);
    line('', baselines.numpy, undefined, undefined, baselines.numpy && isMeasurement(baselines.numpy) ? threadNote(baselines.numpy) : '');
    if (baselines.numpyAllThreads)
      line('', baselines.numpyAllThreads, undefined, ratios.vsNumpyAllThreads, `vs NumPy = ours / this row; ${isMeasurement(baselines.numpyAllThreads) ? threadNote(baselines.numpyAllThreads) : ''}`);
    if (baselines.numpyInheritedEnv) {
      const kept = OPENBLAS_TUNING.filter((name) => process.env[name] !== undefined).map((name) => `${name}=${process.env[name]}`);
      const slowdown = ratio(baselines.numpy, baselines.numpyInheritedEnv);
      line('', baselines.numpyInheritedEnv, undefined, undefined,
        `informational: ${kept.join(' ')} kept${slowdown === undefined ? '' : `; the unset run is ${times(slowdown)} this`}`);
    }
    if (result.workers && 'unavailable' in result.workers) rows.push(['', 'ours, --workers 1/2', 'n/a', '', '', '', '', '', '', result.workers.unavailable]);
    else if (result.workers) {
      line('', result.workers.workers1, ratio(result.workers.workers1, baselines.tsDense), ratio(result.workers.workers1, baselines.numpy));
      const notes = [
        ratios.workers2VsWorkers1 === undefined ? '' : `2 workers / 1 worker = ${times(ratios.workers2VsWorkers1)}`,
        ratios.workers2VsNumpyAllThreads === undefined ? '' : `vs NumPy all threads ${times(ratios.workers2VsNumpyAllThreads)}`,
      ];
      line('', result.workers.workers2, ratio(result.workers.workers2, baselines.tsDense), ratio(result.workers.workers2, baselines.numpy),
        notes.filter(Boolean).join('; '));
    }
  }
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const right = new Set([2, 3, 4, 5, 6, 7, 8]);
  const format = (cells: string[]) => cells.map((cell, c) => (c === cells.length - 1 ? cell : right.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ');
  console.log(format(header));
  console.log(format(widths.map((w, c) => (c === widths.length - 1 ? '-'.repeat(header[c].length) : '-'.repeat(w)))));
  for (const row of rows) console.log(format(row));
}

function threadNote(row: Measurement): string {
  const threads = row.numpy?.openblasThreads;
  return threads === undefined ? '' : `OpenBLAS threads ${threads}${row.numpy?.openblasCore ? `, core ${row.numpy.openblasCore}` : ''}`;
}

// ---- main ----

function main(): void {
  const started = performance.now();
  const onlyIndex = process.argv.indexOf('--only');
  const only = onlyIndex >= 0 ? new Set(process.argv[onlyIndex + 1].split(',')) : null;
  const workloads = WORKLOADS.filter((w) => !only || only.has(w.name));
  const numpyVersion = numpyAvailable();
  const machine = {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemoryGiB: os.totalmem() / 2 ** 30,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    numpy: numpyVersion ?? 'not available (python3 with numpy not found)',
    blas: undefined as unknown,
    loadAverageAtStart: os.loadavg(),
    loadAverageAtEnd: [] as number[],
    totalSeconds: 0,
    timing: DEFAULT_TIMING,
  };
  process.stderr.write(`bench: ${workloads.length} workloads, ${machine.cpus} CPUs, node ${machine.node}, numpy ${machine.numpy}\n`);
  if (machine.loadAverageAtStart[0] > 0.5 * machine.cpus)
    process.stderr.write(`bench: warning: load average ${machine.loadAverageAtStart[0].toFixed(2)} at start — other processes compete for the CPUs\n`);
  const results = workloads.map((w) => measureWorkload(w, numpyVersion !== null));
  const numpyRow = results.map((r) => r.baselines.numpy).find(isMeasurement);
  if (numpyRow?.numpy) {
    const { blas, openblasThreads, openblasCore, openblasLibrary, threadpools } = numpyRow.numpy;
    machine.blas = { blas, openblasCore, openblasLibrary, threadpools, threadsPinned: openblasThreads };
    const allThreads = results.map((r) => r.baselines.numpyAllThreads).find(isMeasurement);
    if (allThreads?.numpy) (machine.blas as Record<string, unknown>).threadsAll = allThreads.numpy.openblasThreads;
  }
  machine.loadAverageAtEnd = os.loadavg();
  machine.totalSeconds = (performance.now() - started) / 1000;

  console.log();
  printTable(results);
  const heap = results.find((r) => r.heap)?.heap;
  if (heap) {
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
    console.log(
      `\nallocation in the hot loop (ours, W1, ${heap.steps} steps after a forced GC): heap used ${kib(heap.heapUsedBefore)} → ${kib(heap.heapUsedAfter)} ` +
        `(delta ${kib(heap.heapUsedAfter - heap.heapUsedBefore)}, ${(( heap.heapUsedAfter - heap.heapUsedBefore) / heap.steps).toFixed(1)} B/step; ` +
        `${heap.gcDuringSteps} GCs during the steps; ${heap.historyRows} history rows pushed); after another forced GC ${kib(heap.heapUsedAfterGc)} ` +
        `(delta ${kib(heap.heapUsedAfterGc - heap.heapUsedBefore)})`,
    );
  }
  const routeLine = results
    .filter((r) => isMeasurement(r.ours) && r.ours.routes)
    .map((r) => `${r.name} ${Object.entries((r.ours as Measurement).routes!).map(([route, count]) => `${route} ×${count}`).join(', ')}`);
  if (routeLine.length > 0) console.log(`\nkernel routes (ours, instances per route on the last step): ${routeLine.join('; ')}`);
  console.log(
    `\nGFLOP/s on the dense equivalent: toy 12·B·m·n·instances FLOP/step, SAE 12·B·d·m (bench/workloads.ts). ` +
      `Ratios = ours steps/s ÷ baseline steps/s, all measured in this run. CPU/wall = the child's CPU time ÷ wall time ` +
      `while timing (≈ the number of busy threads when they have cores to themselves; lower = other processes took the CPU).`,
  );
  const contended = results
    .flatMap((r) => [r.ours, ...Object.values(r.baselines), ...(r.workers && 'workers1' in r.workers ? [r.workers.workers1, r.workers.workers2] : [])])
    .filter(isMeasurement)
    .filter((row) => row.contended).length;
  if (contended > 0)
    console.log(
      `warning: ${contended} measurements (marked *) got < 80% of the CPU time their threads could use — the machine was busy; ` +
        `their rates are low and the ratios involving them noisier than usual (rerun on an idle machine).`,
    );
  const cpuLine = results
    .filter((r) => Object.keys(r.cpuTimeRatios).length > 0)
    .map((r) => `${r.name} ${times(r.cpuTimeRatios.vsTsDense)} / ${times(r.cpuTimeRatios.vsNumpy)}`);
  console.log(`cross-check in steps per CPU-second (ours vs TS / vs NumPy, single-threaded rows): ${cpuLine.join(', ')}`);
  const blas = machine.blas as { blas?: { name?: string; version?: string } } | undefined;
  console.log(
    `machine: ${machine.cpus} × ${machine.cpuModel}; node ${machine.node}; numpy ${machine.numpy}` +
      (blas?.blas ? ` (${blas.blas.name} ${blas.blas.version})` : '') +
      `; load average ${machine.loadAverageAtStart[0].toFixed(2)} at start, ${machine.loadAverageAtEnd[0].toFixed(2)} at end; ` +
      `total ${machine.totalSeconds.toFixed(0)} s`,
  );
  fs.writeFileSync(`${RESULTS_PATH}.tmp`, `${JSON.stringify({ machine, workloads: results }, null, 2)}\n`);
  fs.renameSync(`${RESULTS_PATH}.tmp`, RESULTS_PATH);
  console.log(`wrote ${path.relative(process.cwd(), RESULTS_PATH)}`);
}

main();
