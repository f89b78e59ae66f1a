// The "Start-up and end to end" table of `npm run bench`: the `superposition` command as a user
// runs it — the bin of a tarball install that the bench makes itself (npm pack, then npm install of
// the tarball into an empty temporary folder) — against bare Node and against NumPy.
//   start-up: median wall time of `superposition --version` and `--help` ÷ that of `node -e 0`,
//     the runs interleaved (node, --version, --help, a one-step run, node, …) so that a drift of
//     the machine's speed moves all four alike;
//   a one-step run: W1's command with --steps 1, the fixed cost of every run (start-up,
//     validation, the folder, one step, the 100,000-sample evaluation, the files);
//   end to end: W1 (n=20 m=5 S=0.9, 10,000 steps, --workers 1 --no-plots --quiet) through the bin,
//     start-up, training, evaluation and files included, against
//       - the time NumPy's baseline takes for the same 10,000 steps at the rate measured in this
//         run (bench/numpy_baseline.py): NumPy's steps alone, at their best sustained rate;
//       - NumPy's baseline as a whole process doing the same run (its end-to-end mode: Python's
//         start, numpy's import, the 10,000 steps, the evaluation, the files), as a user runs it,
//         and again with glibc's heap trimming off (MALLOC_TRIM_THRESHOLD_): on some machines
//         glibc hands the top of the heap back to the kernel after nearly every step and NumPy
//         then pays the page faults of its temporaries each step (~4 brk calls a step under
//         strace; 4.5 s instead of 2.6 s on the development machine). Both are printed.
//     Ours and the NumPy processes are interleaved, one of each per round.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR, ROOT, formatTable, isMeasurement, measureRow, numpyChild, numpyEnv, type Row } from './rows.js';
import { BATCH, SEED, WORKLOADS } from './workloads.js';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 15);
const W1_RUNS = 5;
const W1_STEPS = 10_000;
const W1_ARGS = ['--sparsity', '0.9', '--steps', String(W1_STEPS), '--workers', '1', '--no-plots', '--quiet'];
const ONE_STEP_ARGS = ['--sparsity', '0.9', '--steps', '1', '--workers', '1', '--no-plots', '--quiet'];

export interface StartupResult {
  /** Where the measured bin came from. */
  install: string;
  runs: number;
  /** Median wall seconds. */
  nodeSeconds: number;
  versionSeconds: number;
  helpSeconds: number;
  /** Median wall seconds of W1's command with --steps 1: a run's fixed cost. */
  oneStepSeconds: number;
  /** superposition --version (--help) ÷ node -e 0, by the medians. */
  versionRatio: number;
  helpRatio: number;
  w1Seconds: number;
  /** NumPy's seconds for the same 10,000 steps, and NumPy ÷ ours (> 1: ours is faster). */
  numpyW1Seconds?: number;
  w1VsNumpy?: number;
  /** Median wall seconds of NumPy's baseline as a whole process doing the W1 run, and ÷ ours. */
  numpyProcessSeconds?: number;
  w1VsNumpyProcess?: number;
  /** The same with glibc's heap trimming off (MALLOC_TRIM_THRESHOLD_), and ÷ ours. */
  numpyProcessNoTrimSeconds?: number;
  w1VsNumpyProcessNoTrim?: number;
}

/** The environment that keeps glibc from trimming the heap (the variable is glibc's own). */
const NO_TRIM = { MALLOC_TRIM_THRESHOLD_: String(2 ** 30) };

/** NumPy's baseline doing W1's run as a whole process (its end-to-end mode) into `out`. */
function numpyProcessArgs(out: string): string[] {
  const w1 = WORKLOADS.find((w) => w.name === 'W1')!;
  const job = { spec: w1.spec, batch: BATCH, seed: SEED, endToEnd: { steps: W1_STEPS, evalSize: 100_000, historyEvery: 100, out } };
  return [path.join(BENCH_DIR, 'numpy_baseline.py'), JSON.stringify(job)];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Wall seconds of one run of a command; throws on a failed run. */
function timed(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): number {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000, env });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${path.basename(command)} ${args.join(' ')}: exit ${result.status ?? result.signal}: ${result.stderr.trim().split('\n').at(-1)}`);
  return seconds;
}

function npm(args: string[], cwd: string): string {
  const result = spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 600_000, env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (result.status !== 0) throw new Error(`npm ${args[0]} failed: ${result.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return result.stdout;
}

/** npm pack of the repository, installed into an empty folder: the folder and its bin. */
function installTarball(): { dir: string; bin: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-install-'));
  const [{ filename }] = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], ROOT)) as { filename: string }[];
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "name": "bench-install", "private": true }\n');
  npm(['install', path.join(dir, filename), '--no-audit', '--no-fund', '--prefer-offline'], dir);
  return { dir, bin: path.join(dir, 'node_modules', '.bin', 'superposition') };
}

/** The W1 NumPy row of this run's workload table, or a measurement of its own. */
function numpyW1(measured: Row | undefined): Row {
  if (measured) return measured;
  const w1 = WORKLOADS.find((w) => w.name === 'W1')!;
  return measureRow('NumPy, 1 thread', w1, numpyChild(w1, 'one')).row;
}

export function measureStartup(numpy: boolean, numpyRow?: Row): StartupResult {
  const numpyProcess: number[] = [];
  const numpyNoTrim: number[] = [];
  process.stderr.write('  start-up: npm pack and install into a temporary folder … ');
  const { dir, bin } = installTarball();
  process.stderr.write('done\n');
  try {
    const node: number[] = [];
    const version: number[] = [];
    const help: number[] = [];
    const oneStep: number[] = [];
    timed(bin, ['--version'], dir); // warm the file cache
    for (let run = 0; run < RUNS; run++) {
      node.push(timed(process.execPath, ['-e', '0'], dir));
      version.push(timed(bin, ['--version'], dir));
      help.push(timed(bin, ['--help'], dir));
      const out = path.join(dir, `one-step-${run}`);
      oneStep.push(timed(bin, [...ONE_STEP_ARGS, '--out', out], dir));
      fs.rmSync(out, { recursive: true, force: true });
    }
    const w1: number[] = [];
    for (let run = 0; run < W1_RUNS; run++) {
      const out = path.join(dir, `w1-${run}`);
      w1.push(timed(bin, [...W1_ARGS, '--out', out], dir));
      fs.rmSync(out, { recursive: true, force: true });
      if (!numpy) continue;
      numpyProcess.push(timed('python3', numpyProcessArgs(out), dir, numpyEnv('one')));
      fs.rmSync(out, { recursive: true, force: true });
      numpyNoTrim.push(timed('python3', numpyProcessArgs(out), dir, { ...numpyEnv('one'), ...NO_TRIM }));
      fs.rmSync(out, { recursive: true, force: true });
    }
    const result: StartupResult = {
      install: 'npm pack, then npm install of the tarball into an empty folder: node_modules/.bin/superposition',
      runs: RUNS,
      nodeSeconds: median(node),
      versionSeconds: median(version),
      helpSeconds: median(help),
      versionRatio: median(version) / median(node),
      helpRatio: median(help) / median(node),
      oneStepSeconds: median(oneStep),
      w1Seconds: median(w1),
    };
    const reference = numpy ? numpyW1(numpyRow) : undefined;
    if (isMeasurement(reference)) {
      result.numpyW1Seconds = W1_STEPS / reference.stepsPerSecond;
      result.w1VsNumpy = result.numpyW1Seconds / result.w1Seconds;
    }
    if (numpyProcess.length > 0) {
      result.numpyProcessSeconds = median(numpyProcess);
      result.w1VsNumpyProcess = result.numpyProcessSeconds / result.w1Seconds;
      result.numpyProcessNoTrimSeconds = median(numpyNoTrim);
      result.w1VsNumpyProcessNoTrim = result.numpyProcessNoTrimSeconds / result.w1Seconds;
    }
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function printStartupTable(result: StartupResult): void {
  const s = (seconds: number) => seconds.toFixed(3);
  const rows = [
    ['node -e 0', s(result.nodeSeconds), '1.00×', 'bare Node, the yardstick'],
    ['superposition --version', s(result.versionSeconds), `${result.versionRatio.toFixed(2)}×`, 'of node -e 0 (goal ≤ 2×)'],
    ['superposition --help', s(result.helpSeconds), `${result.helpRatio.toFixed(2)}×`, 'of node -e 0 (goal ≤ 2×)'],
    ['W1 with --steps 1', s(result.oneStepSeconds), `${(result.oneStepSeconds / result.nodeSeconds).toFixed(2)}×`, 'of node -e 0: the fixed cost of a run (start-up, one step, the evaluation, the files)'],
    [
      'W1 end to end',
      s(result.w1Seconds),
      result.w1VsNumpy === undefined ? 'n/a' : `${result.w1VsNumpy.toFixed(2)}×`,
      result.numpyW1Seconds === undefined
        ? 'NumPy not available'
        : `NumPy's time for the same ${W1_STEPS.toLocaleString('en')} steps (${s(result.numpyW1Seconds)} s, its steps alone at their measured rate) ÷ ours (goal ≥ 6×)`,
    ],
  ];
  if (result.numpyProcessSeconds !== undefined && result.numpyProcessNoTrimSeconds !== undefined) {
    rows.push(
      ['  NumPy, the same run as a process', s(result.numpyProcessSeconds), `${result.w1VsNumpyProcess!.toFixed(2)}×`, "NumPy's whole process ÷ ours: Python, numpy's import, the steps, the evaluation, the files"],
      ['  … with glibc heap trimming off', s(result.numpyProcessNoTrimSeconds), `${result.w1VsNumpyProcessNoTrim!.toFixed(2)}×`, 'the same with MALLOC_TRIM_THRESHOLD_ set: no page faults of the heap each step'],
    );
  }
  console.log(`Start-up and end to end (${result.install}; medians of ${result.runs} runs, W1 and NumPy's processes of ${W1_RUNS}, interleaved)`);
  for (const line of formatTable(['command', 'wall s', 'ratio', 'note'], rows, new Set([1, 2]))) console.log(line);
}
