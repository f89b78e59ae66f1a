// The toy and sae commands after their flags are parsed (src/cli/main.ts): validate them against
// the config schemas, train, write the results folder and print the summary. Loaded only when a
// command runs, so that --help and --version do not pay for zod, the training code or the plots;
// the SAE code loads only for a command that trains SAEs.

import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/errors.js';
import { checkPrefixes, resolveSaeConfig, type SaeConfig } from '../config/sae.js';
import { configWarnings, resolveToyConfig, type ToyConfig } from '../config/toy.js';
import { InterruptedError, hasCheckpoint, readRunConfig, runToyExperiment } from '../experiments/runToy.js';
import { isFreshDir } from '../experiments/store.js';
import { checkOutputPlace } from '../experiments/faults.js';
import { withFolderLock } from '../experiments/lock.js';
import { checkMemory, saeMemoryParts, toyMemoryParts } from '../experiments/memory.js';
import type { ToySource } from '../train/saeData.js';
import { DivergenceError } from '../train/trainToy.js';
import { SAE_FLAGS, TOY_FLAGS, UsageError, collectInput, givenFlags, parseWorkers } from './flags.js';
import { interruptible } from './interrupt.js';
import { createProgress, progressMode } from './progress.js';
import { saeSummaryTable, toySummaryTable } from './summary.js';

function timestamp(): string {
  return new Date().toISOString().replace(/\..*$/, '').replace(/:/g, '-');
}

function resolveSae(options: Record<string, unknown>, nFeatures: number): SaeConfig {
  const config = resolveSaeConfig(collectInput(options, SAE_FLAGS));
  const smallestDict = Math.min(...(config.dictSize ?? [nFeatures]));
  for (const k of config.k ?? [])
    if (k > smallestDict) throw new UsageError(`--k must be at most the dictionary size (got k = ${k} > ${smallestDict})`);
  if (config.prefixes) checkPrefixes(config.prefixes, smallestDict);
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

/** Validate the toy command's parsed flags; throws UsageError / ConfigError with a one-line message. */
function parseToyCommand(options: Record<string, unknown>): ToyCommand {
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
  if (config.model === 'abs') checkAbsFlags(options);
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

/** What does not apply to --model abs, each a one-line error. */
function checkAbsFlags(options: Record<string, unknown>): void {
  if (options.sae) throw new UsageError('--sae trains SAEs on a toy model\'s hidden layer h = W x; --model abs has no such layer to recover features from (drop --sae)');
  if (options.workers !== undefined) throw new UsageError('--workers: --model abs trains on one thread (drop --workers)');
}

function parseResume(options: Record<string, unknown>, plots: boolean, quiet: boolean, workers: number): ToyCommand {
  const outDir = options.resume as string;
  for (const flag of [...givenFlags(options, TOY_FLAGS), ...(['out', 'name'] as const).filter((k) => options[k] !== undefined).map((k) => `--${k}`)])
    throw new UsageError(`--resume takes its config from ${path.join(outDir, 'config.json')}: drop ${flag}`);
  checkResumable(outDir);
  const config = readToyConfig(outDir, '--resume');
  if (config.model === 'abs') throw new UsageError(`--resume ${outDir}: --model abs runs are not checkpointed; start the run again`);
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

/**
 * Validate the sae command's parsed flags and read the toy run's weights (a damaged or NaN file
 * stops here, before anything is written); throws a one-line error. The SAE code loads here.
 */
async function parseSaeCommand(options: Record<string, unknown>): Promise<SaeCommand> {
  const runDir = options.from as string | undefined;
  if (runDir?.trim() === '') throw new UsageError('--from must name the results folder of a toy run (got "")');
  if (runDir === undefined) throw new UsageError('sae needs --from <dir>, the results folder of a toy run');
  if (!fs.existsSync(path.join(runDir, 'config.json'))) throw new UsageError(`--from ${runDir}: no config.json there, so it is not a results folder`);
  if (!fs.existsSync(path.join(runDir, 'weights.safetensors')))
    throw new UsageError(`--from ${runDir}: no weights.safetensors there (did the toy run finish?)`);
  const toyConfig = readToyConfig(runDir, '--from');
  if (toyConfig.model === 'abs') throw new UsageError(`--from ${runDir}: a --model abs run; SAEs train on the hidden layer of toy runs (--model relu or linear)`);
  const sae = resolveSae(options, toyConfig.nFeatures);
  if (options.out !== undefined) checkOutputPlace(options.out as string, '--out');
  const outDir = (options.out as string | undefined) ?? freshSaeDir(runDir);
  if (!isFreshDir(outDir)) throw new UsageError(`--out ${outDir} already exists and is not empty: pass another --out`);
  checkMemory(saeMemoryParts(toyConfig, sae), undefined, 'the SAE grid');
  const { loadToySource } = await import('../experiments/runSae.js');
  const toy = loadToySource(runDir, toyConfig);
  return { kind: 'sae', toyConfig, toy, runDir, sae, outDir, plots: options.plots as boolean, quiet: Boolean(options.quiet) };
}

/** Train the SAE grid on a toy run; the SAE code (and the Hungarian matching's library) loads here. */
async function runSaeStage(toyConfig: ToyConfig, runDir: string, sae: SaeConfig, outDir: string, plots: boolean, quiet: boolean, argv: readonly string[], source?: ToySource): Promise<number> {
  const { loadToySource, runSaeExperiment } = await import('../experiments/runSae.js');
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

/** A --model abs run: trained on this thread, not checkpointed (Ctrl-C leaves config.json only). */
async function runAbsCommand(command: ToyCommand, argv: readonly string[]): Promise<number> {
  const { config, outDir, plots, quiet } = command;
  const { runAbsExperiment } = await import('../experiments/runAbs.js');
  const { absSummaryTable } = await import('./summary.js');
  if (!quiet) process.stderr.write(`training ${config.sparsity.length} abs instance(s), n=${config.nFeatures}, m=${config.nHidden}, ${config.totalSteps} steps → ${outDir}\n`);
  try {
    const result = await interruptible((stopRequested) =>
      runAbsExperiment(config, {
        outDir,
        plots,
        progress: createProgress(progressMode(quiet), 'toy'),
        provenance: { command: ['superposition', ...argv].join(' '), createdAt: new Date().toISOString() },
        shouldStop: stopRequested,
      }),
    );
    process.stdout.write(`${absSummaryTable(result.metrics, config.nFeatures)}\n`);
    process.stdout.write(`results: ${outDir} (${result.files.length} files)\n`);
    return 0;
  } catch (error) {
    if (error instanceof InterruptedError) {
      process.stderr.write(`superposition: ${error.message}; --model abs runs are not checkpointed: run the command again\n`);
      return 130;
    }
    if (error instanceof DivergenceError) {
      process.stderr.write(`superposition: error: training diverged: ${error.message}; kept ${path.join(outDir, 'config.json')} and history.csv — try a smaller --lr\n`);
      return 1;
    }
    throw error;
  }
}

async function runToyCommand(command: ToyCommand, argv: readonly string[]): Promise<number> {
  if (command.config.model === 'abs') return runAbsCommand(command, argv);
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
  return command.sae ? runSaeStage(config, outDir, command.sae, path.join(outDir, 'sae'), plots, quiet, argv) : 0;
}

/**
 * Validate and run a parsed command, with its folder locked while it writes there (a second command
 * on it exits 2). Returns the exit code (0 ok, 1 run failed, 130 interrupted); a failure is thrown
 * to main, which reports it in one line (failure.ts).
 */
export async function runCommand(kind: 'toy' | 'sae', options: Record<string, unknown>, argv: readonly string[]): Promise<number> {
  const command = kind === 'sae' ? await parseSaeCommand(options) : parseToyCommand(options);
  return withFolderLock(command.outDir, () => {
    if (command.kind === 'toy') return runToyCommand(command, argv);
    return runSaeStage(command.toyConfig, command.runDir, command.sae, command.outDir, command.plots, command.quiet, argv, command.toy);
  });
}
