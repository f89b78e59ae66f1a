// The `superposition` command:
//   superposition [flags]                 train toy models (one instance per sparsity) → results/<run>/
//   superposition [flags] --sae [flags]   then an SAE grid on every toy instance → results/<run>/sae/
//   superposition sae --from DIR [flags]  an SAE grid on a finished run
// Flags map one-to-one onto config fields (src/config/toy.ts and sae.ts hold flags, defaults and ranges);
// bad input is one line on stderr and exit code 2, before anything is written.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/errors.js';
import { resolveSaeConfig, type SaeConfig } from '../config/sae.js';
import { configWarnings, resolveToyConfig, type ToyConfig } from '../config/toy.js';
import { InterruptedError, hasCheckpoint, readRunConfig, runToyExperiment } from '../experiments/runToy.js';
import { loadToySource, runSaeExperiment } from '../experiments/runSae.js';
import { isFreshDir } from '../experiments/store.js';
import { checkOutputPlace } from '../experiments/faults.js';
import { withFolderLock } from '../experiments/lock.js';
import { checkMemory, saeMemoryParts, toyMemoryParts } from '../experiments/memory.js';
import type { ToySource } from '../train/trainSae.js';
import { DivergenceError } from '../train/trainToy.js';
import { VERSION } from '../version.js';
import { SAE_FLAGS, TOY_FLAGS, UsageError, addFlags, collectInput, givenFlags, parseWorkers } from './flags.js';
import { reportFailure } from './failure.js';
import { interruptible } from './interrupt.js';
import { createProgress, progressMode } from './progress.js';
import { saeSummaryTable, toySummaryTable } from './summary.js';

function newProgram(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .version(VERSION)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ outputError: () => {} });
}

function buildToyProgram(): Command {
  const program = newProgram('superposition', 'Train toy models of superposition (one instance per sparsity) and write a results folder.');
  addFlags(program, TOY_FLAGS, { showDefaults: true });
  program
    .option('--sae', 'then train SAEs on every toy instance (flags below) into <out>/sae/')
    .option('--out <dir>', 'results folder (default: results/<--name or timestamp>)')
    .option('--name <name>', 'name of the results folder under results/')
    .option('--resume <dir>', 'continue an interrupted run in <dir> from its checkpoint (its config.json is used)')
    .option('--workers <N>', `worker threads sharing the instances; results do not depend on it (default: ${os.availableParallelism()}, the number of cores)`)
    .option('--no-plots', 'write metrics and weights only, no plots')
    .option('--quiet', 'no progress output');
  addFlags(program, SAE_FLAGS, { showDefaults: true });
  program.addHelpText(
    'after',
    '\nSAEs on a finished run:  superposition sae --from results/<run> [SAE flags]   (see superposition sae --help)' +
      '\nA grid of runs:          superposition sweep [config.json|.yaml] [--set field=v1,v2,…]… [flags]   (see superposition sweep --help)',
  );
  return program;
}

function buildSaeProgram(): Command {
  const program = newProgram('superposition sae', 'Train sparse autoencoders on the hidden layer of a finished toy run and measure feature recovery.');
  program
    .option('--from <dir>', 'results folder of a toy run (its weights.safetensors and config.json)')
    .option('--out <dir>', 'where to write (default: <from>/sae, or sae-2, sae-3, … if taken)');
  addFlags(program, SAE_FLAGS, { showDefaults: true });
  program.option('--no-plots', 'write metrics and weights only, no plots').option('--quiet', 'no progress output');
  return program;
}

/** Parse argv with commander; --help/--version → 'exit'; commander's errors become UsageError. */
function parseWith(program: Command, argv: readonly string[]): Record<string, unknown> | 'exit' {
  try {
    program.parse(argv as string[], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 'exit';
      throw new UsageError(error.message.replace(/^error: /, ''));
    }
    throw error;
  }
  return program.opts<Record<string, unknown>>();
}

function timestamp(): string {
  return new Date().toISOString().replace(/\..*$/, '').replace(/:/g, '-');
}

function resolveSae(options: Record<string, unknown>, nFeatures: number): SaeConfig {
  const config = resolveSaeConfig(collectInput(options, SAE_FLAGS));
  const smallestDict = Math.min(...(config.dictSize ?? [nFeatures]));
  for (const k of config.k ?? [])
    if (k > smallestDict) throw new UsageError(`--k must be at most the dictionary size (got k = ${k} > ${smallestDict})`);
  return config;
}

interface ToyCommand {
  kind: 'toy';
  workers: number;
  config: ToyConfig;
  sae?: SaeConfig;
  outDir: string;
  plots: boolean;
  quiet: boolean;
  resume: boolean;
}

interface SaeCommand {
  kind: 'sae';
  toyConfig: ToyConfig;
  toy: ToySource;
  runDir: string;
  sae: SaeConfig;
  outDir: string;
  plots: boolean;
  quiet: boolean;
}

/** Parse and validate argv; throws UsageError / ConfigError with a one-line message. */
export function parseArgs(argv: readonly string[]): ToyCommand | SaeCommand | 'exit' {
  if (argv[0] === 'sae') return parseSaeCommand(argv.slice(1));
  const options = parseWith(buildToyProgram(), argv);
  if (options === 'exit') return 'exit';
  const plots = options.plots as boolean;
  const quiet = Boolean(options.quiet);
  const workers = parseWorkers(options.workers as string | undefined);
  const saeFlags = givenFlags(options, SAE_FLAGS);
  if (!options.sae && saeFlags.length > 0) throw new UsageError(`${saeFlags[0]} is an SAE flag: add --sae (or use superposition sae --from DIR)`);
  if (options.resume !== undefined) {
    if (options.sae) throw new UsageError('--resume continues a toy run; train SAEs afterwards with superposition sae --from DIR');
    return parseResume(options, plots, quiet, workers);
  }
  const input = collectInput(options, TOY_FLAGS);
  if (options.numEpochs !== undefined && options.steps !== undefined)
    throw new UsageError('--steps and --num-epochs exclude each other: give one (fresh batches, or epochs over a fixed dataset)');
  const config = resolveToyConfig(input);
  const sae = options.sae ? resolveSae(options, config.nFeatures) : undefined;
  const name = options.name as string | undefined;
  if (name !== undefined && (name === '' || /[/\\]/.test(name) || name === '.' || name === '..'))
    throw new UsageError(`--name must be a plain folder name without slashes (got "${name}")`);
  const outDir = (options.out as string | undefined) ?? path.join('results', name ?? timestamp());
  checkOutputPlace(outDir, '--out');
  if (!isFreshDir(outDir)) throw new UsageError(`--out ${outDir} already exists and is not empty: choose another --out or --name`);
  checkSizes(config, sae, workers, plots);
  return { kind: 'toy', config, sae, outDir, plots, quiet, resume: false, workers };
}

function parseResume(options: Record<string, unknown>, plots: boolean, quiet: boolean, workers: number): ToyCommand {
  const outDir = options.resume as string;
  for (const flag of [...givenFlags(options, TOY_FLAGS), ...(['out', 'name'] as const).filter((k) => options[k] !== undefined).map((k) => `--${k}`)])
    throw new UsageError(`--resume takes its config from ${path.join(outDir, 'config.json')}: drop ${flag}`);
  checkResumable(outDir);
  const config = readToyConfig(outDir, '--resume');
  checkSizes(config, undefined, workers, plots);
  return { kind: 'toy', config, outDir, plots, quiet, resume: true, workers };
}

/** A folder --resume can continue (checked again once the folder is locked: another command may have finished it). */
function checkResumable(outDir: string): void {
  if (outDir.trim() === '') throw new UsageError('--resume must name a results folder (got "")');
  if (!fs.existsSync(path.join(outDir, 'config.json')))
    throw new UsageError(`--resume ${outDir}: no config.json there, so it is not a results folder`);
  if (!hasCheckpoint(outDir) && fs.existsSync(path.join(outDir, 'metrics.json')))
    throw new UsageError(`--resume ${outDir}: this run already finished (metrics.json is written)`);
}

/** Refuse, before any folder is made, a run (and its SAEs) that memory cannot hold. */
function checkSizes(config: ToyConfig, sae: SaeConfig | undefined, workers: number, plots: boolean): void {
  checkMemory(toyMemoryParts(config, workers, plots));
  if (sae) checkMemory(saeMemoryParts(config, sae), undefined, 'the SAE grid');
}

function readToyConfig(dir: string, flag: string): ToyConfig {
  try {
    return readRunConfig(dir);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`${flag} ${dir}: config.json: ${error.message}`);
    throw new UsageError(`${flag} ${dir}: config.json is not valid JSON`);
  }
}

/** <run>/sae, or <run>/sae-2, sae-3, … when earlier SAE runs are there: nothing is overwritten. */
function freshSaeDir(runDir: string): string {
  for (let n = 1; ; n++) {
    const dir = path.join(runDir, n === 1 ? 'sae' : `sae-${n}`);
    if (isFreshDir(dir)) return dir;
  }
}

function parseSaeCommand(argv: readonly string[]): SaeCommand | 'exit' {
  const options = parseWith(buildSaeProgram(), argv);
  if (options === 'exit') return 'exit';
  const runDir = options.from as string | undefined;
  if (runDir?.trim() === '') throw new UsageError('--from must name the results folder of a toy run (got "")');
  if (runDir === undefined) throw new UsageError('sae needs --from <dir>, the results folder of a toy run');
  if (!fs.existsSync(path.join(runDir, 'config.json'))) throw new UsageError(`--from ${runDir}: no config.json there, so it is not a results folder`);
  if (!fs.existsSync(path.join(runDir, 'weights.safetensors')))
    throw new UsageError(`--from ${runDir}: no weights.safetensors there (did the toy run finish?)`);
  const toyConfig = readToyConfig(runDir, '--from');
  const sae = resolveSae(options, toyConfig.nFeatures);
  if (options.out !== undefined) checkOutputPlace(options.out as string, '--out');
  const outDir = (options.out as string | undefined) ?? freshSaeDir(runDir);
  if (!isFreshDir(outDir)) throw new UsageError(`--out ${outDir} already exists and is not empty: pass another --out`);
  checkMemory(saeMemoryParts(toyConfig, sae), undefined, 'the SAE grid');
  const toy = loadToySource(runDir, toyConfig); // a damaged or NaN weights file stops here, before anything is written
  return { kind: 'sae', toyConfig, toy, runDir, sae, outDir, plots: options.plots as boolean, quiet: Boolean(options.quiet) };
}

async function runSaeStage(toyConfig: ToyConfig, runDir: string, sae: SaeConfig, outDir: string, plots: boolean, quiet: boolean, argv: readonly string[], source?: ToySource): Promise<number> {
  const toy = source ?? loadToySource(runDir, toyConfig);
  if (!quiet) process.stderr.write(`training SAEs on ${runDir} → ${outDir}\n`);
  let results;
  try {
    results = await interruptible((stopRequested) =>
      runSaeExperiment(toyConfig, toy, sae, {
        outDir,
        plots,
        progress: createProgress(progressMode(quiet), 'sae'),
        provenance: { command: ['superposition', ...argv].join(' '), createdAt: new Date().toISOString(), from: runDir },
        shouldStop: stopRequested,
      }),
    );
  } catch (error) {
    if (!(error instanceof InterruptedError)) throw error;
    // SAEs are not checkpointed: a half-trained SAE folder holds nothing to resume, so it goes.
    fs.rmSync(outDir, { recursive: true, force: true });
    process.stderr.write(`superposition: SAE training ${error.message}; SAEs are not checkpointed, so ${outDir} was removed. Train them again with: npx superposition sae --from ${runDir} [SAE flags]\n`);
    return 130;
  }
  process.stdout.write(`${saeSummaryTable(results)}\n`);
  process.stdout.write(`SAE results: ${outDir}\n`);
  return 0;
}

async function runToyCommand(command: ToyCommand, argv: readonly string[]): Promise<number> {
  const { config, outDir, plots, quiet, resume } = command;
  if (resume) checkResumable(outDir);
  for (const warning of configWarnings(config)) process.stderr.write(`superposition: warning: ${warning}\n`);
  if (!quiet)
    process.stderr.write(`training ${config.sparsity.length} instance(s), n=${config.nFeatures}, m=${config.nHidden}, ${config.totalSteps} steps → ${outDir}\n`);
  try {
    // Ctrl-C: finish the current step, save a checkpoint, say how to resume.
    const result = await interruptible((stopRequested) =>
      runToyExperiment(config, {
        outDir,
        plots,
        resume,
        progress: createProgress(progressMode(quiet), 'toy'),
        provenance: { command: ['superposition', ...argv].join(' '), createdAt: new Date().toISOString() },
        shouldStop: stopRequested,
        workers: command.workers,
      }),
    );
    process.stdout.write(`${toySummaryTable(result.metrics, config.nFeatures)}\n`);
    process.stdout.write(`results: ${outDir} (${result.files.length} files)\n`);
  } catch (error) {
    if (error instanceof InterruptedError) {
      process.stderr.write(`superposition: ${error.message}; checkpoint saved. Resume with: npx superposition --resume ${outDir}\n`);
      return 130;
    }
    if (error instanceof DivergenceError) {
      process.stderr.write(
        `superposition: error: training diverged: ${error.message}; kept ${path.join(outDir, 'config.json')} and history.csv — try a smaller --lr\n`,
      );
      return 1;
    }
    throw error;
  }
  if (command.sae) return await runSaeStage(config, outDir, command.sae, path.join(outDir, 'sae'), plots, quiet, argv);
  return 0;
}

/** Run the CLI; returns the exit code (0 ok, 1 run failed, 2 bad input, 130 interrupted). */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    if (argv[0] === 'sweep') return await (await import('./sweep.js')).sweepMain(argv.slice(1));
    if (argv[0] === 'reproduce') return await (await import('./reproduce.js')).reproduceMain(argv.slice(1));
    const command = parseArgs(argv);
    if (command === 'exit') return 0;
    // The folder is locked while the command writes there: a second command on it exits 2.
    return await withFolderLock(command.outDir, async () => {
      if (command.kind === 'toy') return await runToyCommand(command, argv);
      return await runSaeStage(command.toyConfig, command.runDir, command.sae, command.outDir, command.plots, command.quiet, argv, command.toy);
    });
  } catch (error) {
    return reportFailure(error); // one line (and a log file for the unexpected), exit 2 or 1
  }
}
