// The `superposition` command:
//   superposition [flags]                 train toy models (one instance per sparsity) → results/<run>/
//   superposition [flags] --sae [flags]   then an SAE grid on every toy instance → results/<run>/sae/
//   superposition sae --from DIR [flags]  an SAE grid on a finished run
//   superposition serve [--port P] [DIR]  the browser explorer on 127.0.0.1 (serve.ts)
//   superposition worker redis://…        train the runs of queued sweeps (sweep --queue)
// Flags map one-to-one onto config fields (src/config/toy.ts and sae.ts hold flags, defaults and ranges);
// bad input is one line on stderr and exit code 2, before anything is written.
// This module is the entry and stays light, so that the command starts almost as fast as Node:
// `--version` loads nothing else; parsing (and --help) loads commander and the flag table
// (programs.ts); the config schemas (zod), training and plotting load in commands.ts only for a
// command that runs. The package runs these modules bundled (dist/cli/, made by
// scripts/build.mjs): each import() below is a chunk of its own, loaded on the same terms.

import { VERSION } from '../version.js';

/**
 * Run the CLI; returns the exit code (0 ok, 1 run failed, 2 bad input, 130 interrupted). Every
 * failure ends in failure.ts: one line (and a log file for the unexpected), never a trace.
 */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`); // as commander prints it
    return 0;
  }
  try {
    if (argv[0] === 'sweep') return await (await import('./sweep.js')).sweepMain(argv.slice(1));
    if (argv[0] === 'worker') return await (await import('./worker.js')).workerMain(argv.slice(1));
    if (argv[0] === 'reproduce') return await (await import('./reproduce.js')).reproduceMain(argv.slice(1));
    if (argv[0] === 'serve') return await (await import('./serve.js')).serveMain(argv.slice(1));
    const { buildSaeProgram, buildToyProgram, parseWith } = await import('./programs.js');
    const kind = argv[0] === 'sae' ? 'sae' : 'toy';
    const options = kind === 'sae' ? parseWith(buildSaeProgram(), argv.slice(1)) : parseWith(buildToyProgram(), argv);
    if (options === 'exit') return 0;
    return await (await import('./commands.js')).runCommand(kind, options, argv);
  } catch (error) {
    return (await import('./failure.js')).reportFailure(error);
  }
}
