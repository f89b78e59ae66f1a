// `superposition sweep [config.json|config.yaml] [--set field=v1,v2,…]… [flags]` and `sweep --resume DIR`.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { loadExperimentFile } from '../experiments/configFile.js';
import { InterruptedError } from '../experiments/runToy.js';
import { isFreshDir } from '../experiments/store.js';
import { checkOutputPlace } from '../experiments/faults.js';
import { withFolderLock } from '../experiments/lock.js';
import { checkMemory, saeMemoryParts, toyMemoryParts } from '../experiments/memory.js';
import { expandSweep, packRuns, parseSet, type SweepRun, type SweepSet } from '../experiments/sweep/grid.js';
import { runSweep } from '../experiments/sweep/run.js';
import { shardLockFile, shardRecordsFile, shardRuns, type Shard } from '../experiments/sweep/shard.js';
import { parseShard } from './shard.js';
import { readSweepDefinition, writeSweepDefinition, type RunRecord } from '../experiments/sweep/store.js';
import { SAE_FLAGS, TOY_FLAGS, UsageError, addFlags, collectInput, parseWorkers } from './flags.js';
import { reportFailure } from './failure.js';
import { interruptible } from './interrupt.js';
import { createProgress, progressMode } from './progress.js';
import { newProgram, parseWith } from './programs.js';
import { formatTable } from './summary.js';
import { QueueRunsFailedError } from '../experiments/queue/errors.js';
import { parseRedisUrl, type RedisTarget } from '../experiments/queue/redisUrl.js';

function buildProgram(): Command {
  const program = newProgram('superposition sweep', 'Run a grid of experiments: a config file (or the defaults) × every --set, with a resumable store.')
    .argument('[config]', 'experiment config (JSON, or YAML if it ends in .yaml/.yml): toy-model fields, optionally an "sae" object')
    .option('--set <field=values>', 'sweep a field over comma-separated values (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--out <dir>', 'sweep folder (default: results/<--name or sweep-timestamp>)')
    .option('--name <name>', 'name of the sweep folder under results/')
    .option('--resume <dir>', 'finish an interrupted sweep: skips finished runs, redoes the others')
    .option('--workers <N>', `worker threads (default: ${os.availableParallelism()})`)
    .option('--queue <url>', 'put the runs on a queue in this Redis (redis://[:PASSWORD@]HOST:PORT, rediss:// for TLS) for `superposition worker` processes; wait and write their results here')
    .option('--shard <i/N>', 'run only shard i (0-based) of N: the runs whose index mod N is i; auto reads SLURM_ARRAY_TASK_ID, auto/N JOB_COMPLETION_INDEX')
    .option('--quiet', 'no progress output');
  addFlags(program, TOY_FLAGS, { showDefaults: false });
  addFlags(program, SAE_FLAGS, { showDefaults: false });
  return program;
}

function summaryTable(records: readonly RunRecord[]): string {
  const rows = records.flatMap((record) =>
    record.summary.map((s) => [
      record.id,
      Object.entries(record.setting).map(([f, v]) => `${f}=${v}`).join(' ') || '-',
      String(s.sparsity),
      s.finalLoss.toExponential(3),
      String(s.represented),
      s.dimensionsPerFeature.toFixed(3),
    ]),
  );
  return formatTable(['run', 'setting', 'sparsity', 'loss', 'represented', 'dims/feature'], rows);
}

/** What a sweep command asks for: the experiment and its sets, where, and how. */
interface SweepCommand {
  base: unknown;
  sets: SweepSet[];
  outDir: string;
  workers: number;
  quiet: boolean;
  shard?: Shard;
  /** --queue: the Redis whose workers train the runs. */
  queue?: RedisTarget;
}

/** A new sweep: the config file (or the defaults), overridden by flags, × every --set. */
function newSweep(program: Command, options: Record<string, unknown>, sharded: boolean): Pick<SweepCommand, 'base' | 'sets' | 'outDir'> {
  const file = program.args[0];
  let base: Record<string, unknown> = file ? loadExperimentFile(file) : {};
  base = { ...base, ...collectInput(options, TOY_FLAGS) };
  const saeOverrides = collectInput(options, SAE_FLAGS);
  if (Object.keys(saeOverrides).length > 0) base.sae = { ...((base as { sae?: object }).sae ?? {}), ...saeOverrides };
  const sets = ((options.set as string[] | undefined) ?? []).map(parseSet);
  const flagged = { ...collectInput(options, TOY_FLAGS), ...saeOverrides };
  for (const set of sets)
    if (set.field in flagged) throw new UsageError(`${[...TOY_FLAGS, ...SAE_FLAGS].find((f) => f.field === set.field)?.name ?? set.field} and --set ${set.field} both set ${set.field}: give one of them`);
  const name = options.name as string | undefined;
  if (name !== undefined && (name === '' || /[/\\]/.test(name))) throw new UsageError(`--name must be a plain folder name without slashes (got "${name}")`);
  const outDir = (options.out as string | undefined) ?? path.join('results', name ?? `sweep-${new Date().toISOString().replace(/\..*$/, '').replace(/:/g, '-')}`);
  if (sharded && options.out === undefined && name === undefined) throw new UsageError('--shard needs --out DIR or --name NAME: the folder every shard of the sweep writes to (or one per shard, merged later)');
  checkOutputPlace(outDir, '--out');
  // Shards share their folder: a shard's folder may already hold the same sweep (parseAndExpand checks).
  if (!sharded && !isFreshDir(outDir)) throw new UsageError(`--out ${outDir} already exists and is not empty: choose another --out or --name, or --resume it`);
  return { base, sets, outDir };
}

/** Parse argv; throws UsageError / ConfigError with a one-line message; --help/--version → 'exit'. */
function parseSweepArgs(argv: readonly string[]): SweepCommand | 'exit' {
  const program = buildProgram();
  const options = parseWith(program, argv);
  if (options === 'exit') return 'exit';
  const quiet = Boolean(options.quiet);
  const workers = parseWorkers(options.workers as string | undefined);
  const shard = options.shard === undefined ? undefined : parseShard(options.shard as string);
  const queue = options.queue === undefined ? undefined : parseRedisUrl(options.queue as string, '--queue');
  if (queue && shard) throw new UsageError('--queue and --shard are two ways to spread a sweep: give one of them');
  if (options.resume === undefined) return { ...newSweep(program, options, shard !== undefined), workers, quiet, shard, queue };
  const outDir = options.resume as string;
  if (program.args.length > 0 || options.set || options.out || options.name)
    throw new UsageError('--resume takes the sweep from its sweep.json: drop the config file, --set, --out and --name');
  if (outDir.trim() === '') throw new UsageError('--resume must name a sweep folder (got "")');
  if (!fs.existsSync(path.join(outDir, 'sweep.json'))) throw new UsageError(`--resume ${outDir}: no sweep.json there, so it is not a sweep folder`);
  return { ...readSweepDefinition(outDir), outDir, workers, quiet, shard, queue };
}

/** Refuse, before anything is written, a sweep whose largest pack (or SAE grid) memory cannot hold. */
function checkSweepSizes(runs: readonly SweepRun[], workers: number): void {
  for (const pack of packRuns(runs)) {
    const sparsity = pack.flatMap((run) => run.config.sparsity);
    checkMemory(toyMemoryParts({ ...pack[0].config, sparsity }, workers, false), undefined, `run ${pack[0].id}${pack.length > 1 ? ` (trained with ${pack.length - 1} other runs as one model)` : ''}`);
  }
  for (const run of runs) if (run.sae) checkMemory(saeMemoryParts(run.config, run.sae), undefined, `the SAE grid of run ${run.id}`);
}

/** A shard's folder that is not new must hold the same sweep (another shard's, or this shard's earlier attempt). */
function checkSameSweep(outDir: string, runs: readonly SweepRun[]): void {
  if (!fs.existsSync(path.join(outDir, 'sweep.json'))) {
    // Shards started at the same moment: another one has locked the folder but not yet written sweep.json.
    if (fs.readdirSync(outDir).every((name) => /^(\.lock-\d+.*|sweep\.json\.\d+\.tmp|runs)$/.test(name))) return;
    throw new UsageError(`--out ${outDir} already exists, is not empty and holds no sweep.json: choose another --out`);
  }
  const theirs = expandSweep(readSweepDefinition(outDir).base, readSweepDefinition(outDir).sets).map((r) => r.id);
  if (theirs.join() !== runs.map((r) => r.id).join())
    throw new UsageError(`--out ${outDir} holds another sweep (its sweep.json has other runs): every shard must be given the same config file, flags and --set`);
}

/** The command and its runs (validated, sizes checked); throws a one-line error; --help/--version → 'exit'. */
function parseAndExpand(argv: readonly string[]): { command: SweepCommand; runs: SweepRun[] } | 'exit' {
  const command = parseSweepArgs(argv);
  if (command === 'exit') return 'exit';
  const runs = expandSweep(command.base, command.sets);
  // Sweeps pack runs as instances of one toy model, and their summary is about feature geometry.
  const abs = runs.find((run) => run.config.model === 'abs');
  if (abs) throw new UsageError(`run ${abs.id}: --model abs does not run in sweeps; give its grid to one run instead (superposition --model abs --sparsity S1 S2 … --seed N)`);
  if (command.shard && !isFreshDir(command.outDir)) checkSameSweep(command.outDir, runs);
  // Queued runs train on the workers, which check them against their own memory.
  if (!command.queue) checkSweepSizes(command.shard ? shardRuns(runs, command.shard) : runs, command.workers);
  return { command, runs };
}

export async function sweepMain(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'merge') return (await import('./sweepMerge.js')).mergeMain(argv.slice(1));
  try {
    const parsed = parseAndExpand(argv);
    if (parsed === 'exit') return 0;
    // The sweep folder is locked while this command works in it: a second one on it exits 2.
    // Each shard locks only its own .lock-<i>, so the shards of one folder never wait for each other.
    const { shard, outDir, queue } = parsed.command;
    // Redis is asked before the folder is touched: unreachable is one line, exit 2, nothing written.
    if (queue) await (await import('../experiments/queue/connection.js')).checkReachable(queue);
    return await withFolderLock(outDir, () => runLocked(parsed.command, parsed.runs), shard ? shardLockFile(shard) : undefined);
  } catch (error) {
    if (error instanceof QueueRunsFailedError) {
      // Runs failed, not the input: each named, then one line, exit 1 (no trace: nothing unexpected happened here).
      for (const problem of error.problems) process.stderr.write(`superposition: ${problem}\n`);
      process.stderr.write(`superposition: error: ${error.message}\n`);
      return 1;
    }
    return reportFailure(error);
  }
}

/** The sweep's runs, trained here or (--queue) by queue workers, with the options both share. */
async function sweepRuns(command: SweepCommand, runs: SweepRun[], stopRequested: () => boolean): Promise<RunRecord[]> {
  const { outDir, sets, quiet } = command;
  const shared = {
    outDir,
    sets,
    progress: createProgress(progressMode(quiet), 'sweep'),
    shouldStop: stopRequested,
    log: quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`),
    warn: (line: string) => process.stderr.write(`superposition: warning: ${line}\n`),
  };
  if (command.queue) return (await import('../experiments/queue/coordinator.js')).runQueueSweep(runs, { ...shared, target: command.queue });
  return runSweep(runs, { ...shared, workers: command.workers, shard: command.shard });
}

async function runLocked(command: SweepCommand, runs: SweepRun[]): Promise<number> {
  const { outDir, sets } = command;
  if (!fs.existsSync(path.join(outDir, 'sweep.json'))) writeSweepDefinition(outDir, command.base, sets, runs);
  try {
    // Ctrl-C: finish the current step, keep the finished runs, say how to resume.
    const records = await interruptible((stopRequested) => sweepRuns(command, runs, stopRequested));
    process.stdout.write(`${summaryTable(records)}\n`);
    if (command.shard) {
      const complete = fs.existsSync(path.join(outDir, 'summary.csv'));
      process.stdout.write(`shard ${command.shard.index}/${command.shard.count}: ${outDir} (${records.length} runs in ${shardRecordsFile(command.shard)}${complete ? '; the folder holds every run: runs.jsonl, summary.csv, summary.png + summary.svg' : `; merge the shards with: superposition sweep merge DIR… --out DIR`})\n`);
    } else process.stdout.write(`sweep: ${outDir} (${records.length} runs; runs.jsonl, summary.csv, summary.png + summary.svg)\n`);
    return 0;
  } catch (error) {
    if (error instanceof InterruptedError && command.queue) {
      process.stderr.write(`superposition: sweep detached from the queue; its runs stay queued and workers keep training them. Re-attach with: npx superposition sweep --resume ${outDir} --queue ${command.queue.shown}\n`);
      return 130;
    }
    if (error instanceof InterruptedError) {
      process.stderr.write(`superposition: sweep ${error.message}; finished runs are in ${path.join(outDir, command.shard ? shardRecordsFile(command.shard) : 'runs.jsonl')}. Resume with: npx superposition sweep --resume ${outDir}${command.shard ? ` --shard ${command.shard.index}/${command.shard.count}` : ''}\n`);
      return 130;
    }
    throw error;
  }
}
