// The commander programs of the toy and sae commands: every flag from the flag table (generated
// from the zod schemas at build time, so that --help loads neither zod nor any training code),
// their help texts, and parsing argv into options. Validation against the schemas is in commands.ts.

import os from 'node:os';
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { SAE_FLAGS, TOY_FLAGS, UsageError, addFlags } from './flags.js';

/** A commander program that throws instead of exiting and prints no error of its own (main reports it). */
export function newProgram(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .version(VERSION)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ outputError: () => {} });
}

/** `superposition [flags] [--sae [SAE flags]]`: the toy flags, the run's own, then the SAE flags. */
export function buildToyProgram(): Command {
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
      '\nA grid of runs:          superposition sweep [config.json|.yaml] [--set field=v1,v2,…]… [flags]   (see superposition sweep --help)' +
      '\nThe browser explorer:    superposition serve [--port P] [results/<run>]   (see superposition serve --help)' +
      '\nA queue worker:          superposition worker redis://HOST:PORT [--concurrency K]   (see superposition worker --help)',
  );
  return program;
}

/** `superposition sae --from DIR [SAE flags]`. */
export function buildSaeProgram(): Command {
  const program = newProgram('superposition sae', 'Train sparse autoencoders on the hidden layer of a finished toy run and measure feature recovery.');
  program
    .option('--from <dir>', 'results folder of a toy run (its weights.safetensors and config.json)')
    .option('--out <dir>', 'where to write (default: <from>/sae, or sae-2, sae-3, … if taken)');
  addFlags(program, SAE_FLAGS, { showDefaults: true });
  program.option('--no-plots', 'write metrics and weights only, no plots').option('--quiet', 'no progress output');
  return program;
}

/** Parse argv with commander; --help/--version → 'exit'; commander's errors become UsageError. */
export function parseWith(program: Command, argv: readonly string[]): Record<string, unknown> | 'exit' {
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
