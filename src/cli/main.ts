// The `superposition` command:
//   superposition [flags]                 train toy models (one instance per sparsity) → results/<run>/
//   superposition [flags] --sae [flags]   then an SAE grid on every toy instance → results/<run>/sae/
//   superposition sae --from DIR [flags]  an SAE grid on a finished run
// Flags map one-to-one onto config fields (src/config/toy.ts and sae.ts hold flags, defaults and ranges);
// bad input is one line on stderr and exit code 2, before anything is written.
// This module is the entry and stays light: it parses argv with commander and the flag table, so
// --version and --help start in a few milliseconds after Node itself; the config schemas (zod),
// training and plotting load in ./commands.js only for a command that runs.

import os from 'node:os';
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { SAE_FLAGS, TOY_FLAGS, UsageError, addFlags } from './flags.js';

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

/** Run the CLI; returns the exit code (0 ok, 1 run failed, 2 bad input, 130 interrupted). */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'sweep') return (await import('./sweep.js')).sweepMain(argv.slice(1));
  if (argv[0] === 'reproduce') return (await import('./reproduce.js')).reproduceMain(argv.slice(1));
  const kind = argv[0] === 'sae' ? 'sae' : 'toy';
  let options: Record<string, unknown> | 'exit';
  try {
    options = kind === 'sae' ? parseWith(buildSaeProgram(), argv.slice(1)) : parseWith(buildToyProgram(), argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`superposition: error: ${error.message}\n`);
    return 2;
  }
  if (options === 'exit') return 0;
  return (await import('./commands.js')).runCommand(kind, options, argv);
}
