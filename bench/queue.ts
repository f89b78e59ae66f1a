// `npm run bench:queue`: what the queue costs and what a second worker process buys, on a real
// redis-server (started here on a free port, no persistence). The runs are W1's model (n=20 m=5
// S=0.9, 10,000 steps, bench/workloads.ts) at 4 learning rates, so no two pack into one model and
// a local sweep trains them one by one, as the queue does. Timed, from the sweep command's start
// to its exit (start-up, training, files, summary), with the workers already connected:
//   local ×4 / queue ×4      the 4 runs, locally (--workers 1) and through the queue (1 worker process)
//   local ×1 / queue ×1      one W1 run of 100 steps: what a sweep costs beside its runs
//   queue ×4, 2 workers      the 4 runs with 2 worker processes
// The queue's cost per run is measured where it is paid, by the worker's own clock (its log line
// per run): the time it spends on a job beyond the run itself (the payload check, the temporary
// folder, reading the files and base64) plus the gap between returning one job and starting the
// next (BullMQ's round trip: the result stored, the next job fetched) — against the run itself
// (training, metrics and files, what a local sweep does per run). Differences of wall times
// cannot resolve 5% of a run on a shared machine whose load swings by seconds; they give the
// fixed cost per sweep (connecting, the workers finding the queue, deleting it), from the short
// sweep: queue ×1 − local ×1 − the per-run cost. speed-up = queue ×4 (1 worker) / (2 workers).
// The measurements are interleaved so a drift of the machine's speed moves all alike; medians.
// BENCH_QUEUE_REPEATS (default 3) sets the repeats.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RedisServer, freePort } from '../test/helpers/redis.js';
import { ROOT, formatTable } from './rows.js';

const BIN = path.join(ROOT, 'bin', 'superposition.js');
const REPEATS = Number(process.env.BENCH_QUEUE_REPEATS ?? 3);
const LEARNING_RATES = [0.001, 0.0011, 0.0012, 0.0013];
const GRID = ['--sparsity', '0.9', '--steps', '10000', '--set', `lr=${LEARNING_RATES.join(',')}`, '--quiet'];
const SHORT = ['--sparsity', '0.9', '--steps', '100', '--quiet'];

/** Wall seconds of one command, which must succeed. */
function timed(args: readonly string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`superposition ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

/** `count` worker processes, resolved once each has connected; stop() ends them with SIGTERM. */
async function startWorkers(url: string, count: number): Promise<{ stop: () => Promise<void>; logs: () => string[] }> {
  const logs = new Array<string>(count).fill('');
  const children = Array.from({ length: count }, () => spawn(process.execPath, [BIN, 'worker', url], { stdio: ['ignore', 'ignore', 'pipe'] }));
  await Promise.all(
    children.map(
      (child, k) =>
        new Promise<void>((resolve) => {
          child.stderr.on('data', (chunk: Buffer) => {
            logs[k] += chunk.toString();
            if (logs[k].includes('taking runs')) resolve();
          });
        }),
    ),
  );
  return {
    logs: () => logs,
    stop: () => Promise.all(children.map((child) => new Promise((resolve) => (child.on('exit', resolve), child.kill('SIGTERM'))))).then(() => undefined),
  };
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

type Setup = 'local1' | 'queue1' | 'local4' | 'queue4' | 'queue4two';
const LABELS: Record<Setup, string> = {
  local1: 'local ×1 (100 steps)',
  queue1: 'queue ×1 (100 steps), 1 worker',
  local4: 'local ×4 (10,000 steps each)',
  queue4: 'queue ×4, 1 worker process',
  queue4two: 'queue ×4, 2 worker processes',
};

/** Per run of a worker's log: ms on the job beyond the run itself, the run itself, and the gap after the previous job. */
function jobTimes(log: string): { extra: number[]; run: number[]; gap: number[] } {
  const times = { extra: [] as number[], run: [] as number[], gap: [] as number[] };
  for (const m of log.matchAll(/done in (\d+) ms \(the run itself (\d+) ms(?:; (\d+) ms after the previous run)?\)/g)) {
    times.extra.push(Number(m[1]) - Number(m[2]));
    times.run.push(Number(m[2]));
    if (m[3] !== undefined) times.gap.push(Number(m[3]));
  }
  return times;
}

/** One interleaved round of every setup; `out` makes a fresh folder name. */
async function round(url: string, out: (name: string) => string, times: Record<Setup, number[]>, jobs: ReturnType<typeof jobTimes>): Promise<void> {
  times.local1.push(await timed(['sweep', ...SHORT, '--workers', '1', '--out', out('local1')]));
  times.local4.push(await timed(['sweep', ...GRID, '--workers', '1', '--out', out('local4')]));
  const one = await startWorkers(url, 1);
  times.queue1.push(await timed(['sweep', ...SHORT, '--queue', url, '--out', out('queue1')]));
  const before = one.logs()[0].length;
  times.queue4.push(await timed(['sweep', ...GRID, '--queue', url, '--out', out('queue4')]));
  const measured = jobTimes(one.logs()[0].slice(before));
  for (const key of ['extra', 'run', 'gap'] as const) jobs[key].push(...measured[key]);
  await one.stop();
  const two = await startWorkers(url, 2);
  times.queue4two.push(await timed(['sweep', ...GRID, '--queue', url, '--out', out('queue4two')]));
  await two.stop();
}

async function main(): Promise<void> {
  const server = await new RedisServer(await freePort()).start();
  const url = `redis://127.0.0.1:${server.port}`;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-queue-'));
  const times: Record<Setup, number[]> = { local1: [], queue1: [], local4: [], queue4: [], queue4two: [] };
  const jobs = { extra: [] as number[], run: [] as number[], gap: [] as number[] };
  try {
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      await round(url, (name) => path.join(scratch, `${name}-${repeat}`), times, jobs);
      process.stderr.write(`repeat ${repeat + 1}/${REPEATS}: ${(Object.keys(LABELS) as Setup[]).map((k) => `${k} ${times[k][repeat].toFixed(2)} s`).join(', ')}\n`);
    }
  } finally {
    await server.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const m = Object.fromEntries((Object.keys(LABELS) as Setup[]).map((k) => [k, median(times[k])])) as Record<Setup, number>;
  const runs = LEARNING_RATES.length;
  const [extra, gap, run] = [median(jobs.extra), median(jobs.gap), median(jobs.run)];
  const perRun = (extra + gap) / 1000;
  const fixed = m.queue1 - m.local1 - perRun;
  console.log(`\nqueue: W1 runs (n=20 m=5 S=0.9), medians of ${REPEATS}, ${os.availableParallelism()} cores, load average ${os.loadavg()[0].toFixed(1)}\n`);
  console.log(formatTable(['setup', 'wall s'], (Object.keys(LABELS) as Setup[]).map((k) => [LABELS[k], m[k].toFixed(2)]), new Set([1])).join('\n'));
  console.log(`\nper-run overhead of the queue (worker's clock, medians of ${jobs.run.length} runs): ${extra.toFixed(0)} ms on the job beyond the run + ${gap.toFixed(0)} ms between jobs = ${(perRun * 1000).toFixed(0)} ms`);
  console.log(`  = ${((100 * perRun * 1000) / run).toFixed(1)}% of the W1 10,000-step run itself (${(run / 1000).toFixed(2)} s on the worker; ${(m.local4 / runs).toFixed(2)} s per run in the local sweep, start-up and summary shared); goal < 5%`);
  console.log(`fixed overhead per queued sweep: ${(fixed * 1000).toFixed(0)} ms`);
  console.log(`speed-up from 1 to 2 worker processes: ${(m.queue4 / m.queue4two).toFixed(2)}×`);
}

await main();
