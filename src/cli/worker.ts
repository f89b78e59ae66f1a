// `superposition worker redis://HOST:PORT [--concurrency K] [--workers W] [--lock-ms MS] [--queue NAME]`:
// take runs of queued sweeps (sweep --queue) from Redis, train them, return their files
// (experiments/queue/worker.ts). --concurrency K starts K worker processes of this command, one
// run each at a time: a run trains on one thread, so processes are what uses K cores.

import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { fieldFlags } from '../config/flags.js';
import { queueWorkerSchema, resolveQueueWorkerOptions } from '../config/queue.js';
import { checkReachable } from '../experiments/queue/connection.js';
import { isSweepQueueName } from '../experiments/queue/names.js';
import { parseRedisUrl } from '../experiments/queue/redisUrl.js';
import { serveQueues } from '../experiments/queue/worker.js';
import { UsageError, parseWorkers } from './flags.js';
import { reportFailure } from './failure.js';
import { interruptible } from './interrupt.js';
import { newProgram, parseWith } from './programs.js';

function buildProgram(): Command {
  const flags = fieldFlags(queueWorkerSchema);
  const program = newProgram('superposition worker', 'Train the runs of queued sweeps (superposition sweep … --queue URL): take runs from Redis, train them, return their files.')
    .argument('<url>', 'the Redis of the sweeps: redis://[:PASSWORD@]HOST[:PORT][/DB], or rediss://… for TLS')
    .option('--queue <name>', "serve only this sweep's queue (sweep-<hash>, printed by its coordinator); default: every sweep queued in this Redis")
    .option('--workers <N>', 'threads per run (default: 1)')
    .option('--quiet', 'no log lines (warnings still)');
  for (const flag of Object.values(flags)) program.option(flag.syntax!, `${flag.description} (${flag.allowed}; default: ${String(flag.default)})`);
  return program;
}

/** A number when the text is one, else the text (so the range check names what was given). */
const numberOrText = (text: unknown): unknown => (typeof text === 'string' && text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text);

/** K copies of this command with --concurrency 1; signals are passed on; the worst exit code is returned. */
async function runCopies(count: number, argv: readonly string[]): Promise<number> {
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, [...process.execArgv, process.argv[1], 'worker', ...argv, '--concurrency', '1'], { stdio: 'inherit' }),
  );
  const forward = (signal: NodeJS.Signals) => () => children.forEach((child) => child.kill(signal));
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    const codes = await Promise.all(children.map((child) => new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)))));
    return Math.max(...codes);
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

/** Exit code: 0 stopped by Ctrl-C/SIGTERM after handing back its run, 2 bad input or Redis unreachable. */
export async function workerMain(argv: readonly string[]): Promise<number> {
  try {
    const program = buildProgram();
    const options = parseWith(program, argv);
    if (options === 'exit') return 0;
    const target = parseRedisUrl(program.args[0], 'the Redis URL');
    const { concurrency, lockMs } = resolveQueueWorkerOptions({ concurrency: numberOrText(options.concurrency), lockMs: numberOrText(options.lockMs) });
    const workers = options.workers === undefined ? 1 : parseWorkers(options.workers as string);
    const queue = options.queue as string | undefined;
    if (queue !== undefined && !isSweepQueueName(queue)) throw new UsageError(`--queue must name a sweep's queue, sweep-<12 hex digits> (got "${queue}")`);
    await checkReachable(target);
    if (concurrency > 1) return await runCopies(concurrency, argv);
    const quiet = Boolean(options.quiet);
    const log = quiet ? undefined : (line: string) => process.stderr.write(`worker ${process.pid}: ${line}\n`);
    log?.(`taking runs of ${queue ?? 'every sweep'} at ${target.shown} (lock ${lockMs} ms); Ctrl-C hands the current run back and stops`);
    await interruptible((stopRequested) =>
      serveQueues({ target, queue, workers, lockMs, shouldStop: stopRequested, log, warn: (line) => process.stderr.write(`superposition: warning: worker ${process.pid}: ${line}\n`) }),
    );
    log?.('stopped');
    return 0;
  } catch (error) {
    return reportFailure(error);
  }
}
