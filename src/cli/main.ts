// The `superposition` command. Flags map one-to-one onto config fields (src/experiments/config.ts
// holds the defaults and ranges); any bad input is one line on stderr and exit code 2, before
// anything is written.

import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import {
  ConfigError,
  FIELD_FLAGS,
  configWarnings,
  resolveToyConfig,
  toyConfigSchema,
  type ToyConfig,
  type ToyConfigInput,
} from '../experiments/config.js';
import fs from 'node:fs';
import { InterruptedError, hasCheckpoint, readRunConfig, runToyExperiment } from '../experiments/runToy.js';
import { isFreshDir } from '../experiments/store.js';
import { DivergenceError } from '../train/trainToy.js';
import { VERSION } from '../version.js';
import { createProgress, progressMode } from './progress.js';
import { toySummaryTable } from './summary.js';

/** Bad user input: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const DEFAULTS = toyConfigSchema.parse({});

type NumericField = {
  [K in keyof ToyConfigInput]-?: NonNullable<ToyConfigInput[K]> extends number | number[] ? K : never;
}[keyof ToyConfigInput];

/** Flags that set numeric config fields: [field, flag, description, list?]. */
const NUMERIC_FLAGS: [NumericField, string, string, boolean?][] = [
  ['sparsity', '--sparsity <S...>', 'sparsity values, one model instance each (p = 1 − S)', true],
  ['nFeatures', '--sparse-dim <n>', 'number of features n'],
  ['nHidden', '--dense-dim <m>', 'hidden dimensions m'],
  ['importanceDecay', '--importance-decay <r>', 'importance I_i = r^i'],
  ['importance', '--importance <I...>', 'explicit importance, one value per feature (overrides --importance-decay)', true],
  ['steps', '--steps <T>', 'optimizer steps, a fresh batch each step'],
  ['numEpochs', '--num-epochs <E>', 'train E epochs over a fixed dataset instead of --steps (the seed\'s mode)'],
  ['datasetSize', '--dataset-size <N>', 'samples in the fixed dataset of --num-epochs'],
  ['batchSize', '--batch-size <B>', 'samples per step'],
  ['lr', '--lr <lr>', 'learning rate'],
  ['weightDecay', '--weight-decay <λ>', 'weight decay (default 0 for adam, 0.01 for adamw)'],
  ['beta1', '--beta1 <β1>', 'Adam β1'],
  ['beta2', '--beta2 <β2>', 'Adam β2'],
  ['epsilon', '--eps <ε>', 'Adam ε'],
  ['warmupSteps', '--warmup-steps <k>', 'linear learning-rate warm-up steps'],
  ['seed', '--seed <seed>', 'random seed (same seed + same config → same numbers)'],
  ['evalSize', '--eval-size <N>', 'fresh samples on which the final loss is measured'],
];

const CHOICE_FLAGS: [keyof ToyConfigInput, string, string, string[]][] = [
  ['model', '--model <model>', 'toy model: x\' = ReLU(Wᵀh + b) or Wᵀh + b', ['relu', 'linear']],
  ['optimizer', '--optimizer <name>', 'optimizer', ['adam', 'adamw']],
  ['lrSchedule', '--lr-schedule <name>', 'learning-rate schedule after warm-up', ['constant', 'linear', 'cosine']],
];

function optionKey(flag: string): string {
  return flag
    .split(' ')[0]
    .replace(/^--/, '')
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Strict number parsing: "1e-3" and "0.5" are numbers; "", "abc", "1,2" are not. */
function parseNumber(text: string, field: keyof typeof FIELD_FLAGS): number {
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value)) {
    const { flag, allowed } = FIELD_FLAGS[field];
    throw new UsageError(`${flag} must be ${allowed} (got "${text}")`);
  }
  return value;
}

/** Help text with the schema's default (flags stay undefined when absent, so the schema fills them). */
function withDefault(description: string, field: keyof ToyConfigInput): string {
  const value = (DEFAULTS as Record<string, unknown>)[field];
  if (value === undefined) return description;
  return `${description} (default: ${Array.isArray(value) ? value.join(' ') : String(value)})`;
}

function buildProgram(): Command {
  const program = new Command('superposition')
    .description('Train toy models of superposition (one instance per sparsity) and write a results folder.')
    .version(VERSION)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ outputError: () => {} });
  for (const [field, flag, description] of NUMERIC_FLAGS) {
    program.addOption(new Option(flag, withDefault(description, field)));
  }
  for (const [field, flag, description, choices] of CHOICE_FLAGS) {
    program.addOption(new Option(flag, withDefault(description, field)).choices(choices));
  }
  program
    .option('--out <dir>', 'results folder (default: results/<--name or timestamp>)')
    .option('--name <name>', 'name of the results folder under results/')
    .option('--resume <dir>', 'continue an interrupted run in <dir> from its checkpoint (its config.json is used)')
    .option('--no-plots', 'write metrics and weights only, no plots')
    .option('--quiet', 'no progress output');
  return program;
}

export interface ParsedToyArgs {
  config: ToyConfig;
  outDir: string;
  plots: boolean;
  quiet: boolean;
  resume: boolean;
}

function timestamp(): string {
  return new Date().toISOString().replace(/\..*$/, '').replace(/:/g, '-');
}

/** Parse and validate argv; throws UsageError / ConfigError with a one-line message. */
export function parseToyArgs(argv: readonly string[]): ParsedToyArgs | 'exit' {
  const program = buildProgram();
  try {
    program.parse(argv as string[], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 'exit'; // --help, --version
      throw new UsageError(error.message.replace(/^error: /, ''));
    }
    throw error;
  }
  const options = program.opts<Record<string, unknown>>();
  const plots = options.plots as boolean;
  const quiet = Boolean(options.quiet);
  if (options.resume !== undefined) return parseResume(options, plots, quiet);
  const input: Record<string, unknown> = {};
  for (const [field, flag, , isList] of NUMERIC_FLAGS) {
    const raw = options[optionKey(flag)];
    if (raw === undefined) continue;
    input[field] = isList ? (raw as string[]).map((t) => parseNumber(t, field)) : parseNumber(raw as string, field);
  }
  for (const [field, flag] of CHOICE_FLAGS) {
    const raw = options[optionKey(flag)];
    if (raw !== undefined) input[field] = raw;
  }
  if (options.numEpochs !== undefined && options.steps !== undefined)
    throw new UsageError('--steps and --num-epochs exclude each other: give one (fresh batches, or epochs over a fixed dataset)');
  const config = resolveToyConfig(input);
  const name = options.name as string | undefined;
  if (name !== undefined && (name === '' || /[/\\]/.test(name) || name === '.' || name === '..'))
    throw new UsageError(`--name must be a plain folder name without slashes (got "${name}")`);
  const outDir = (options.out as string | undefined) ?? path.join('results', name ?? timestamp());
  if (!isFreshDir(outDir)) throw new UsageError(`--out ${outDir} already exists and is not empty: choose another --out or --name`);
  return { config, outDir, plots, quiet, resume: false };
}

function parseResume(options: Record<string, unknown>, plots: boolean, quiet: boolean): ParsedToyArgs {
  const outDir = options.resume as string;
  const configFlags = [...NUMERIC_FLAGS, ...CHOICE_FLAGS].map(([, flag]) => flag.split(' ')[0]);
  for (const flag of [...configFlags, '--out', '--name'])
    if (options[optionKey(flag)] !== undefined)
      throw new UsageError(`--resume takes its config from ${path.join(outDir, 'config.json')}: drop ${flag}`);
  if (!fs.existsSync(path.join(outDir, 'config.json')))
    throw new UsageError(`--resume ${outDir}: no config.json there, so it is not a results folder`);
  if (!hasCheckpoint(outDir) && fs.existsSync(path.join(outDir, 'metrics.json')))
    throw new UsageError(`--resume ${outDir}: this run already finished (metrics.json is written)`);
  let config: ToyConfig;
  try {
    config = readRunConfig(outDir);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`--resume ${outDir}: config.json: ${error.message}`);
    throw new UsageError(`--resume ${outDir}: config.json is not valid JSON`);
  }
  return { config, outDir, plots, quiet, resume: true };
}

/** Run the CLI; returns the exit code (0 ok, 1 run failed, 2 bad input). */
export async function main(argv: readonly string[]): Promise<number> {
  let parsed: ParsedToyArgs | 'exit';
  try {
    parsed = parseToyArgs(argv);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`superposition: error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (parsed === 'exit') return 0;
  const { config, outDir, plots, quiet, resume } = parsed;
  for (const warning of configWarnings(config)) process.stderr.write(`superposition: warning: ${warning}\n`);
  const mode = progressMode(quiet);
  if (!quiet)
    process.stderr.write(
      `training ${config.sparsity.length} instance(s), n=${config.nFeatures}, m=${config.nHidden}, ${config.totalSteps} steps → ${outDir}\n`,
    );
  // Ctrl-C: finish the current step, save a checkpoint, say how to resume. A second one kills.
  let stopRequested = false;
  const onInterrupt = () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    const result = await runToyExperiment(config, {
      outDir,
      plots,
      resume,
      progress: createProgress(mode, 'toy'),
      provenance: { command: ['superposition', ...argv].join(' '), createdAt: new Date().toISOString() },
      shouldStop: () => stopRequested,
    });
    process.stdout.write(`${toySummaryTable(result.metrics, config.nFeatures)}\n`);
    process.stdout.write(`results: ${outDir} (${result.files.length} files)\n`);
    return 0;
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
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
}
