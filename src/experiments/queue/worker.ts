// A queue worker: it serves every sweep queue listed in Redis (or the one named), takes one run
// at a time from each, checks its payload as a config file (payload.ts) before anything runs,
// trains it in a private temporary folder and returns the run's files as the job's result.
// A worker that dies loses its lock after lockMs; another worker's stalled-job check then puts
// the run back on the queue and it is trained again there. Asked to stop, a worker interrupts
// its current run, hands the job back to the queue at once, and closes.

import type { Job, Worker } from 'bullmq';
import { InterruptedError } from '../runToy.js';
import { lastingClient, lastingOptions } from './connection.js';
import { SWEEPS_KEY, isSweepQueueName } from './names.js';
import { runFromPayload } from './payload.js';
import { redact, type RedisTarget } from './redisUrl.js';
import { trainRunFiles } from './trainRun.js';

/** A worker's options: where, which queue (default every sweep's), threads per run, lock, output. */
export interface ServeOptions {
  target: RedisTarget;
  /** Serve only this queue (a sweep's "sweep-<hash>", printed by its coordinator). */
  queue?: string;
  /** Threads per run (trainToyParallel). */
  workers: number;
  lockMs: number;
  shouldStop: () => boolean;
  log?: (line: string) => void;
  warn?: (line: string) => void;
}

/** How often the set of sweeps is read for new queues. */
const DISCOVER_MS = 100;
/** Progress is reported to the queue at most this often. */
const PROGRESS_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A warning at most every 10 s: a Redis that is gone errors on every command. */
function throttled(warn: ((line: string) => void) | undefined): (line: string) => void {
  let last = 0;
  return (line) => {
    if (Date.now() - last < 10_000) return;
    last = Date.now();
    warn?.(line);
  };
}

/** The processor of one queue's jobs: check, train, return the files; a stop request hands the job back. */
async function processorFor(name: string, options: ServeOptions) {
  const { UnrecoverableError, WaitingError } = await import('bullmq');
  let lastReturned: number | undefined; // when this worker's previous job ended: the gap is the queue's round trip
  return async (job: Job, token?: string): Promise<{ files: Record<string, string> }> => {
    const entered = performance.now();
    const gap = lastReturned === undefined ? '' : `; ${(entered - lastReturned).toFixed(0)} ms after the previous run`;
    let run;
    try {
      run = runFromPayload(job.id, job.data, options.workers);
    } catch (error) {
      const reason = `rejected: ${(error as Error).message}`;
      options.warn?.(`job ${String(job.id).slice(0, 40)} of ${name} ${reason}`);
      throw new UnrecoverableError(reason); // no retry: the same payload fails the same way
    }
    options.log?.(`run ${run.id} of ${name}: training (${run.config.totalSteps} steps)`);
    let reported = 0;
    let trainedMs = 0;
    try {
      const files = await trainRunFiles(run, {
        workers: options.workers,
        onTrained: (ms) => (trainedMs = ms),
        shouldStop: options.shouldStop,
        onStep: (step, total, loss) => {
          if (performance.now() - reported < PROGRESS_MS && step < total) return;
          reported = performance.now();
          job.updateProgress({ step, loss }).catch(() => undefined);
        },
      });
      lastReturned = performance.now();
      options.log?.(`run ${run.id} of ${name}: done in ${(lastReturned - entered).toFixed(0)} ms (the run itself ${trainedMs.toFixed(0)} ms${gap})`);
      return { files };
    } catch (error) {
      if (!(error instanceof InterruptedError)) throw error;
      await job.moveToWait(token); // another worker takes it now, not after the lock runs out
      options.log?.(`run ${run.id} of ${name}: handed back to the queue`);
      throw new WaitingError();
    }
  };
}

/** A BullMQ worker on one queue: one run at a time, the lock and stalled check both every lockMs. */
async function startWorker(name: string, options: ServeOptions): Promise<Worker> {
  const { Worker } = await import('bullmq');
  const warn = throttled(options.warn);
  const worker = new Worker(name, await processorFor(name, options), {
    connection: lastingOptions(options.target),
    concurrency: 1,
    lockDuration: options.lockMs,
    stalledInterval: options.lockMs,
    maxStalledCount: 2,
  });
  worker.on('error', (error: Error) => warn(`Redis at ${options.target.shown}: ${redact(error.message, options.target)}; waiting for it`));
  worker.on('failed', (job, error) => {
    if (error.name !== 'WaitingError' && !error.message.startsWith('rejected:')) options.warn?.(`run ${job?.id} of ${name} failed: ${redact(error.message, options.target)}`);
  });
  return worker;
}

/** The queues to serve now: the one named, or every sweep in the set (read with a timeout, so a stop is never held up by a lost Redis). */
async function queueNames(options: ServeOptions, registry: Awaited<ReturnType<typeof lastingClient>> | undefined): Promise<string[]> {
  if (options.queue !== undefined) return [options.queue];
  const members = await Promise.race([registry!.smembers(SWEEPS_KEY), sleep(DISCOVER_MS).then(() => undefined)]);
  return (members ?? []).filter(isSweepQueueName).sort();
}

/** Serve queues until asked to stop; then hand back the current runs and close. */
export async function serveQueues(options: ServeOptions): Promise<void> {
  const warn = throttled(options.warn);
  const registry = options.queue === undefined ? await lastingClient(options.target, (error) => warn(`Redis at ${options.target.shown}: ${redact(error.message, options.target)}; waiting for it`)) : undefined;
  const workers = new Map<string, Worker>();
  try {
    while (!options.shouldStop()) {
      for (const name of await queueNames(options, registry)) {
        if (workers.has(name)) continue;
        workers.set(name, await startWorker(name, options));
        options.log?.(`serving ${name}`);
      }
      await sleep(options.queue === undefined ? DISCOVER_MS : 200);
    }
  } finally {
    await Promise.all([...workers.values()].map((worker) => worker.close()));
    registry?.disconnect();
  }
}
