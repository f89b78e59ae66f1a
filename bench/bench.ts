// `npm run bench`: training throughput of our toy model and SAE against two baselines measured in
// the same run — a dense TypeScript implementation (bench/baseline.ts) and a NumPy script in the
// seed's style (bench/numpy_baseline.py) — on the workloads of bench/workloads.ts.
// Every measurement runs in its own child process (so peak RSS values do not mix), one after the
// other; each is the median of several repeats after a warm-up (bench/timing.ts). Prints a table
// with ratios ours / baseline, then the start-up and end-to-end table (bench/startup.ts: the
// installed command of a tarball against bare Node and NumPy), then the scaling table
// (bench/scaling.ts: steps/s as n and the instances grow, beside NumPy; its plot goes to
// docs/scaling.png), and writes bench/results.json.
//   npm run bench [-- --only W1,W4,startup,scaling]   BENCH_REPEATS, BENCH_REPEAT_SECONDS tune the
//   timing, BENCH_STARTUP_RUNS the start-up runs.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HeapCheck } from './child.js';
import {
  BENCH_DIR, OPENBLAS_TUNING, cpuRatio, defined, fmt, formatTable, isMeasurement, measureRow, numpyAvailable, numpyChild, ratio, threadNote, times, tsChild,
  type Measurement, type Row,
} from './rows.js';
import { measureScaling, printScalingTable, type ScalingResult } from './scaling.js';
import { SCALING_PLOT_DIR, writeScalingPlot } from './scalingPlot.js';
import { measureStartup, printStartupTable, type StartupResult } from './startup.js';
import { DEFAULT_TIMING } from './timing.js';
import { workersAvailable } from './workers.js';
import { SCALING, WORKLOADS, flopsPerStep, type Workload } from './workloads.js';

const RESULTS_PATH = path.join(BENCH_DIR, 'results.json');

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

/** The worker-pool rows (W2, W3): ours through src/train/toyWorkers.ts with 1 and 2 workers. */
function measureWorkerRows(workload: Workload): WorkloadResult['workers'] {
  if (!workersAvailable()) return { unavailable: 'src/train/toyWorkers.ts does not exist yet' };
  return {
    workers1: measureRow('ours, --workers 1', workload, tsChild('workers', workload, ['--workers', '1']), 1).row,
    workers2: measureRow('ours, --workers 2', workload, tsChild('workers', workload, ['--workers', '2']), 2).row,
  };
}

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
  for (const line of formatTable(header, rows, new Set([2, 3, 4, 5, 6, 7, 8]))) console.log(line);
}

// ---- main ----

/** `--only W1,scaling`: the named workloads, `startup`, `scaling` for every scaling point (or one by name). */
function selection(): { workloads: Workload[]; points: typeof SCALING; startup: boolean } {
  const onlyIndex = process.argv.indexOf('--only');
  const only = onlyIndex >= 0 ? new Set(process.argv[onlyIndex + 1].split(',')) : null;
  return {
    workloads: WORKLOADS.filter((w) => !only || only.has(w.name)),
    points: SCALING.filter((p) => !only || only.has('scaling') || only.has(p.name)),
    startup: !only || only.has('startup'),
  };
}

function describeMachine(numpyVersion: string | null) {
  return {
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
}
type Machine = ReturnType<typeof describeMachine>;

/** numpy's BLAS, its thread count pinned and free, from the first NumPy rows measured. */
function blasOf(rows: { numpy?: Row; numpyAllThreads?: Row }[]): unknown {
  const numpyRow = rows.map((r) => r.numpy).find(isMeasurement);
  if (!numpyRow?.numpy) return undefined;
  const { blas, openblasThreads, openblasCore, openblasLibrary, threadpools } = numpyRow.numpy;
  const allThreads = rows.map((r) => r.numpyAllThreads).find(isMeasurement);
  return { blas, openblasCore, openblasLibrary, threadpools, threadsPinned: openblasThreads, threadsAll: allThreads?.numpy?.openblasThreads };
}

function printHeapCheck(heap: HeapCheck): void {
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  console.log(
    `\nallocation in the hot loop (ours, W1, ${heap.steps} steps after a forced GC): heap used ${kib(heap.heapUsedBefore)} → ${kib(heap.heapUsedAfter)} ` +
      `(delta ${kib(heap.heapUsedAfter - heap.heapUsedBefore)}, ${(( heap.heapUsedAfter - heap.heapUsedBefore) / heap.steps).toFixed(1)} B/step; ` +
      `${heap.gcDuringSteps} GCs during the steps; ${heap.historyRows} history rows pushed); after another forced GC ${kib(heap.heapUsedAfterGc)} ` +
      `(delta ${kib(heap.heapUsedAfterGc - heap.heapUsedBefore)})`,
  );
}

/** The notes under the workload table: heap check, routes, what the columns mean, contention. */
function printWorkloadNotes(results: WorkloadResult[]): void {
  const heap = results.find((r) => r.heap)?.heap;
  if (heap) printHeapCheck(heap);
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
}

function printMachine(machine: Machine): void {
  const blas = machine.blas as { blas?: { name?: string; version?: string } } | undefined;
  console.log(
    `machine: ${machine.cpus} × ${machine.cpuModel}; node ${machine.node}; numpy ${machine.numpy}` +
      (blas?.blas ? ` (${blas.blas.name} ${blas.blas.version})` : '') +
      `; load average ${machine.loadAverageAtStart[0].toFixed(2)} at start, ${machine.loadAverageAtEnd[0].toFixed(2)} at end; ` +
      `total ${machine.totalSeconds.toFixed(0)} s`,
  );
}

async function main(): Promise<void> {
  const started = performance.now();
  const { workloads, points, startup: withStartup } = selection();
  const numpyVersion = numpyAvailable();
  const machine = describeMachine(numpyVersion);
  process.stderr.write(
    `bench: ${workloads.length} workloads, ${points.length} scaling points, ${machine.cpus} CPUs, node ${machine.node}, numpy ${machine.numpy}\n`,
  );
  if (machine.loadAverageAtStart[0] > 0.5 * machine.cpus)
    process.stderr.write(`bench: warning: load average ${machine.loadAverageAtStart[0].toFixed(2)} at start — other processes compete for the CPUs\n`);
  const results = workloads.map((w) => measureWorkload(w, numpyVersion !== null));
  let startup: StartupResult | { failed: string } | undefined;
  if (withStartup) {
    try {
      startup = measureStartup(numpyVersion !== null, results.find((r) => r.name === 'W1')?.baselines.numpy);
    } catch (error) {
      startup = { failed: error instanceof Error ? error.message : String(error) };
      process.stderr.write(`bench: start-up table failed: ${startup.failed}\n`);
    }
  }
  const scaling: ScalingResult[] = measureScaling(points, numpyVersion !== null);
  machine.blas = blasOf([...results.map((r) => r.baselines), ...scaling]);
  machine.loadAverageAtEnd = os.loadavg();
  machine.totalSeconds = (performance.now() - started) / 1000;

  if (results.length > 0) {
    console.log();
    printTable(results);
    printWorkloadNotes(results);
  }
  if (startup) {
    console.log();
    if ('failed' in startup) console.log(`Start-up and end to end: failed (${startup.failed})`);
    else printStartupTable(startup);
  }
  if (scaling.length > 0) {
    console.log();
    printScalingTable(scaling);
    if (points.length === SCALING.length) {
      await writeScalingPlot(scaling, SCALING_PLOT_DIR);
      console.log(`wrote ${path.relative(process.cwd(), path.join(SCALING_PLOT_DIR, 'scaling.png'))} (and .svg)`);
    } else console.log('scaling plot not written: only part of the scaling table was measured');
  }
  printMachine(machine);
  fs.writeFileSync(`${RESULTS_PATH}.tmp`, `${JSON.stringify({ machine, workloads: results, startup, scaling }, null, 2)}\n`);
  fs.renameSync(`${RESULTS_PATH}.tmp`, RESULTS_PATH);
  console.log(`wrote ${path.relative(process.cwd(), RESULTS_PATH)}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
