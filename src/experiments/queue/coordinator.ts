// The coordinator of a queued sweep: every run not finished in the sweep folder goes on the
// sweep's BullMQ queue (job id = run id, so adding a run twice is a no-op), and each result that
// comes back is written into the folder by the local sweep's store code (run folder, then its
// line of runs.jsonl, under the folder lock the command holds). Results wait in Redis until they
// are written, and only then are removed, so runs that finished while no coordinator was
// attached are collected on --resume, not trained again. A Redis that comes back empty (restarted
// without persistence) is noticed by the job counts, and the missing runs are queued again.

import fs from 'node:fs';
import path from 'node:path';
import type { Job, Queue } from 'bullmq';
import { toyConfigJson } from '../../train/toyFiles.js';
import { InterruptedError, type ProgressReporter } from '../runToy.js';
import { writeFileAtomic } from '../store.js';
import type { SweepRun, SweepSet } from '../sweep/grid.js';
import { finishedRuns } from '../sweep/run.js';
import { writeRunsJsonl } from '../sweep/shard.js';
import { appendRecord, readRunsJsonl, runRecord, type RunRecord } from '../sweep/store.js';
import { writeSweepSummary } from '../sweep/summary.js';
import { lastingClient, lastingOptions } from './connection.js';
import { QueueRunsFailedError } from './errors.js';
import { attachCoordinator } from './guard.js';
import { SWEEPS_KEY, queueName } from './names.js';
import { runPayload } from './payload.js';
import { redact, type RedisTarget } from './redisUrl.js';
import { checkRunFiles, writeRunFiles } from './runFiles.js';

/** Options of a queued sweep: the local sweep's, and the Redis to queue on. */
export interface QueueSweepOptions {
  outDir: string;
  sets: readonly SweepSet[];
  target: RedisTarget;
  progress?: ProgressReporter;
  /** Polled while waiting; true detaches (the queue keeps the runs; --resume re-attaches). */
  shouldStop?: () => boolean;
  log?: (line: string) => void;
  warn?: (line: string) => void;
  /** How often the queue is read for results and progress. */
  pollMs?: number;
}

/** What the coordinator knows while it waits. */
interface WaitState {
  pending: Map<string, SweepRun>;
  /** Steps of the runs collected so far (for the progress bar). */
  doneSteps: number;
  /** The mean loss the workers reported last. */
  loss: number;
  failures: string[];
}

/** The plain client that keeps the sweep in the set of sweeps workers serve. */
type Registry = Awaited<ReturnType<typeof lastingClient>>;
/** The registry client and the renewal of this coordinator's claim on the queue. */
interface Attachment {
  registry: Registry;
  renew: () => Promise<void>;
}

const JOB_OPTIONS = { attempts: 1, removeOnComplete: false, removeOnFail: false };
/** How often the job counts are compared with the runs still expected (a Redis that lost its data). */
const RECHECK_MS = 2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const describeRun = (run: SweepRun): string =>
  `run ${run.id} (#${run.index}${Object.keys(run.setting).length ? ` ${Object.entries(run.setting).map(([f, v]) => `${f}=${v}`).join(' ')}` : ''})`;

/** Write a run's result into the sweep folder: its files, config.json from our own grid, then its record. */
function writeResult(outDir: string, run: SweepRun, result: unknown): RunRecord {
  const files = checkRunFiles(result);
  const metrics = JSON.parse(Buffer.from(files['metrics.json'], 'base64').toString('utf8')) as { instances?: RunRecord['summary'] };
  if (!Array.isArray(metrics?.instances) || metrics.instances.length !== run.config.sparsity.length) throw new Error(`its metrics.json does not hold ${run.config.sparsity.length} instance(s)`);
  const runDir = path.join(outDir, 'runs', run.id);
  fs.rmSync(runDir, { recursive: true, force: true }); // leftovers of an interrupted write
  writeFileAtomic(path.join(runDir, 'config.json'), toyConfigJson(run.config, { sweep: path.basename(outDir), run: run.id }));
  writeRunFiles(runDir, files);
  const record = runRecord(run, metrics.instances);
  appendRecord(outDir, record);
  return record;
}

/** A queue whose errors (Redis gone) are reported at most every 10 s, password removed. */
async function openQueue(name: string, options: QueueSweepOptions): Promise<Queue> {
  const { Queue } = await import('bullmq');
  const queue = new Queue(name, { connection: lastingOptions(options.target) });
  let lastWarned = 0;
  queue.on('error', (error: Error) => {
    if (Date.now() - lastWarned < 10_000) return;
    lastWarned = Date.now();
    options.warn?.(`Redis at ${options.target.shown}: ${redact(error.message, options.target)}; waiting for it (finished runs are written as they arrive)`);
  });
  return queue;
}

async function enqueue(queue: Queue, runs: readonly SweepRun[]): Promise<void> {
  await queue.addBulk(runs.map((run) => ({ name: 'run', data: runPayload(run), opts: { jobId: run.id, ...JOB_OPTIONS } })));
}

/** Jobs of runs the folder already holds go (a result written just before a kill); failed runs get a new try. */
async function prepare(queue: Queue, finished: ReadonlySet<string>, state: WaitState): Promise<void> {
  for (const id of finished) await queue.remove(id).catch(() => 0);
  for (const job of await queue.getJobs(['failed'])) if (job.id !== undefined && state.pending.has(job.id)) await job.remove();
  await enqueue(queue, [...state.pending.values()]);
}

/** Write a completed run, or note a failed one; either way its job has done its part. */
function handleJob(job: Job, failed: boolean, state: WaitState, options: QueueSweepOptions): void {
  const run = job.id === undefined ? undefined : state.pending.get(job.id);
  if (!run) return; // a run written before (the coordinator stopped before removing its job)
  try {
    if (failed) throw new Error(job.failedReason || 'no reason given');
    const { summary } = writeResult(options.outDir, run, job.returnvalue);
    state.doneSteps += run.config.totalSteps;
    state.loss = summary.reduce((sum, instance) => sum + instance.finalLoss, 0) / summary.length;
    options.log?.(`${describeRun(run)}: written`);
  } catch (error) {
    const line = `${describeRun(run)} failed: ${redact((error as Error).message, options.target)}`;
    state.failures.push(line);
    options.warn?.(line);
  }
  state.pending.delete(run.id);
}

/** Write every completed run, note every failed one; each job is removed once handled. */
async function collect(queue: Queue, state: WaitState, options: QueueSweepOptions): Promise<void> {
  for (const failed of [false, true]) {
    for (const job of (await queue.getJobs([failed ? 'failed' : 'completed'], 0, 99, true)) as Job[]) {
      handleJob(job, failed, state, options);
      await job.remove();
    }
  }
}

/** Steps done (collected runs + the progress workers report) and the latest mean loss. */
async function reportProgress(queue: Queue, state: WaitState, options: QueueSweepOptions): Promise<void> {
  let steps = state.doneSteps;
  const losses: number[] = [];
  for (const job of await queue.getJobs(['active'])) {
    const progress = job.progress as { step?: unknown; loss?: unknown };
    if (job.id === undefined || !state.pending.has(job.id) || typeof progress !== 'object' || progress === null) continue;
    if (typeof progress.step === 'number') steps += Math.min(progress.step, state.pending.get(job.id)!.config.totalSteps);
    if (typeof progress.loss === 'number') losses.push(progress.loss);
  }
  if (losses.length > 0) state.loss = losses.reduce((a, b) => a + b, 0) / losses.length;
  if (!Number.isNaN(state.loss)) options.progress?.update(steps, state.loss);
}

/** Fewer jobs than runs expected: Redis lost them (restarted without persistence). Queue them again, and the sweep's name. */
async function requeueLost(queue: Queue, { registry, renew }: Attachment, name: string, state: WaitState, options: QueueSweepOptions): Promise<void> {
  const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'completed', 'failed', 'waiting-children');
  const held = Object.values(counts).reduce((a, b) => a + b, 0);
  await registry.sadd(SWEEPS_KEY, name);
  await renew();
  if (held >= state.pending.size) return;
  options.warn?.(`the queue ${name} holds ${held} jobs for ${state.pending.size} runs still expected (Redis restarted without its data?): queueing the missing runs again`);
  await enqueue(queue, [...state.pending.values()]);
}

/** Wait for every pending run; detaches with InterruptedError when asked to stop. */
async function waitForRuns(queue: Queue, attachment: Attachment, name: string, state: WaitState, options: QueueSweepOptions): Promise<void> {
  const total = [...state.pending.values()].reduce((sum, run) => sum + run.config.totalSteps, 0);
  options.progress?.start(total);
  let lastCheck = performance.now();
  try {
    while (state.pending.size > 0) {
      if (options.shouldStop?.()) throw new InterruptedError(state.doneSteps, total);
      await collect(queue, state, options);
      await reportProgress(queue, state, options);
      if (performance.now() - lastCheck > RECHECK_MS) {
        lastCheck = performance.now();
        await requeueLost(queue, attachment, name, state, options);
      }
      if (state.pending.size > 0) await sleep(options.pollMs ?? 100);
    }
  } finally {
    options.progress?.stop();
  }
}

/**
 * Run the sweep's unfinished runs on the queue and write them into outDir (sweep.json written by
 * the caller); then runs.jsonl in a one-machine sweep's order and the summary. Returns every
 * record. Throws InterruptedError when asked to stop, QueueRunsFailedError if runs failed.
 */
export async function runQueueSweep(runs: readonly SweepRun[], options: QueueSweepOptions): Promise<RunRecord[]> {
  const finished = finishedRuns(options, runs);
  const state: WaitState = { pending: new Map(runs.filter((run) => !finished.has(run.id)).map((run) => [run.id, run])), doneSteps: 0, loss: Number.NaN, failures: [] };
  const name = queueName(runs, options.sets);
  options.log?.(`${runs.length} runs, ${finished.size} finished before, ${state.pending.size} on queue ${name} at ${options.target.shown}`);
  if (state.pending.size > 0) {
    const queue = await openQueue(name, options);
    const registry = await lastingClient(options.target, () => {}); // the queue reports Redis' errors
    let guard: Awaited<ReturnType<typeof attachCoordinator>> | undefined;
    try {
      guard = await attachCoordinator(registry, name, options.outDir);
      await registry.sadd(SWEEPS_KEY, name);
      await prepare(queue, finished, state);
      await waitForRuns(queue, { registry, renew: guard.renew }, name, state, options);
      if (state.failures.length === 0) {
        await registry.srem(SWEEPS_KEY, name);
        await queue.obliterate({ force: true });
      }
    } finally {
      await guard?.release().catch(() => undefined);
      await queue.close();
      registry.disconnect();
    }
  }
  if (state.failures.length > 0)
    throw new QueueRunsFailedError(`${state.failures.length} run(s) failed on workers (each listed above); the others are in ${options.outDir}: fix the cause, then resume with --resume ${options.outDir} --queue URL`, state.failures);
  const byId = new Map(readRunsJsonl(options.outDir, options.warn).map((record) => [record.id, record]));
  writeRunsJsonl(options.outDir, runs, byId);
  const records = runs.map((run) => byId.get(run.id)!);
  await writeSweepSummary(options.outDir, options.sets, records);
  return records;
}
