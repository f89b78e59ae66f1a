// The "Start-up and end to end" table of `npm run bench`: the `superposition` command as a user
// runs it — the bin of a tarball install that the bench makes itself (npm pack, then npm install of
// the tarball into an empty temporary folder) — against bare Node and against NumPy.
//   start-up: median wall time of `superposition --version` and `--help` ÷ that of `node -e 0`,
//     the runs interleaved (node, --version, --help, a one-step run, node, …) so that a drift of
//     the machine's speed moves all four alike;
//   a one-step run: W1's command with --steps 1, the fixed cost of every run (start-up,
//     validation, the folder, one step, the 100,000-sample evaluation, the files);
//   end to end: W1 (n=20 m=5 S=0.9, 10,000 steps, --workers 1 --no-plots --quiet) through the bin,
//     start-up, training, evaluation and files included, against the time NumPy's baseline takes
//     for the same 10,000 steps at the rate measured in this run (bench/numpy_baseline.py).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, formatTable, isMeasurement, measureRow, numpyChild, type Row } from './rows.js';
import { WORKLOADS } from './workloads.js';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 15);
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
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Wall seconds of one run of a command; throws on a failed run. */
function timed(command: string, args: string[], cwd: string): number {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000 });
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
    for (let run = 0; run < 5; run++) {
      const out = path.join(dir, `w1-${run}`);
      w1.push(timed(bin, [...W1_ARGS, '--out', out], dir));
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
        : `NumPy's time for the same ${W1_STEPS.toLocaleString('en')} steps (${s(result.numpyW1Seconds)} s) ÷ ours (goal ≥ 6×)`,
    ],
  ];
  console.log(`Start-up and end to end (${result.install}; medians of ${result.runs} runs, W1 of 5)`);
  for (const line of formatTable(['command', 'wall s', 'ratio', 'note'], rows, new Set([1, 2]))) console.log(line);
}
