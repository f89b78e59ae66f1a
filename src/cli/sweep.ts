// `superposition sweep [config.json|config.yaml] [--set field=v1,v2,…]… [flags]` and `sweep --resume DIR`.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { ConfigError, FIELD_FLAGS } from '../experiments/config.js';
import { SAE_FIELD_FLAGS } from '../experiments/saeConfig.js';
import { isFreshDir } from '../experiments/store.js';
import {
  SweepInterrupted,
  expandSweep,
  loadExperimentFile,
  parseSet,
  readSweepDefinition,
  runSweep,
  writeSweepDefinition,
  type RunRecord,
  type SweepSet,
} from '../experiments/sweep.js';
import { VERSION } from '../version.js';
import { UsageError, addFlags, collectInput, parseWorkers } from './flags.js';
import { createProgress, progressMode } from './progress.js';
import { formatTable } from './summary.js';
import { SAE_FLAGS, TOY_FLAGS } from './toyFlags.js';

function buildProgram(): Command {
  const program = new Command('superposition sweep')
    .description('Run a grid of experiments: a config file (or the defaults) × every --set, with a resumable store.')
    .argument('[config]', 'experiment config (JSON, or YAML if it ends in .yaml/.yml): toy-model fields, optionally an "sae" object')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .option('--set <field=values>', 'sweep a field over comma-separated values (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--out <dir>', 'sweep folder (default: results/<--name or sweep-timestamp>)')
    .option('--name <name>', 'name of the sweep folder under results/')
    .option('--resume <dir>', 'finish an interrupted sweep: skips finished runs, redoes the others')
    .option('--workers <N>', `worker threads (default: ${os.availableParallelism()})`)
    .option('--quiet', 'no progress output');
  addFlags(program, TOY_FLAGS, {});
  addFlags(program, SAE_FLAGS, {});
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

export async function sweepMain(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  let base: unknown;
  let sets: SweepSet[];
  let outDir: string;
  let workers: number;
  let quiet: boolean;
  try {
    try {
      program.parse(argv as string[], { from: 'user' });
    } catch (error) {
      if (error instanceof CommanderError) {
        if (error.exitCode === 0) return 0;
        throw new UsageError(error.message.replace(/^error: /, ''));
      }
      throw error;
    }
    const options = program.opts<Record<string, unknown>>();
    quiet = Boolean(options.quiet);
    workers = parseWorkers(options.workers as string | undefined);
    if (options.resume !== undefined) {
      outDir = options.resume as string;
      if (program.args.length > 0 || options.set || options.out || options.name)
        throw new UsageError('--resume takes the sweep from its sweep.json: drop the config file, --set, --out and --name');
      if (!fs.existsSync(path.join(outDir, 'sweep.json'))) throw new UsageError(`--resume ${outDir}: no sweep.json there, so it is not a sweep folder`);
      ({ base, sets } = readSweepDefinition(outDir));
    } else {
      const file = program.args[0];
      base = file ? loadExperimentFile(file) : {};
      const toyOverrides = collectInput(options, TOY_FLAGS, FIELD_FLAGS);
      const saeOverrides = collectInput(options, SAE_FLAGS, SAE_FIELD_FLAGS);
      base = { ...(base as object), ...toyOverrides };
      if (Object.keys(saeOverrides).length > 0) (base as Record<string, unknown>).sae = { ...((base as { sae?: object }).sae ?? {}), ...saeOverrides };
      sets = ((options.set as string[] | undefined) ?? []).map(parseSet);
      const name = options.name as string | undefined;
      if (name !== undefined && (name === '' || /[/\\]/.test(name))) throw new UsageError(`--name must be a plain folder name without slashes (got "${name}")`);
      outDir = (options.out as string | undefined) ?? path.join('results', name ?? `sweep-${new Date().toISOString().replace(/\..*$/, '').replace(/:/g, '-')}`);
      if (!isFreshDir(outDir)) throw new UsageError(`--out ${outDir} already exists and is not empty: choose another --out or --name, or --resume it`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`superposition: error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  let runs;
  try {
    runs = expandSweep(base, sets);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`superposition: error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (!fs.existsSync(path.join(outDir, 'sweep.json'))) writeSweepDefinition(outDir, base, sets, runs);

  let stopRequested = false;
  const onInterrupt = () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    const records = await runSweep(runs, {
      outDir,
      sets,
      workers,
      progress: createProgress(progressMode(quiet), 'sweep'),
      shouldStop: () => stopRequested,
      log: quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(`${summaryTable(records)}\n`);
    process.stdout.write(`sweep: ${outDir} (${records.length} runs; runs.jsonl, summary.csv, summary.png + summary.svg)\n`);
    return 0;
  } catch (error) {
    if (error instanceof SweepInterrupted) {
      process.stderr.write(`superposition: sweep ${error.message}; finished runs are in ${path.join(outDir, 'runs.jsonl')}. Resume with: npx superposition sweep --resume ${outDir}\n`);
      return 130;
    }
    throw error;
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
}
