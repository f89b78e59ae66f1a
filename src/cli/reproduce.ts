// `superposition reproduce [--quick] [--out DIR]`: run the fixed set of claim experiments and
// write DIR/report.html (one offline page, inline SVG), DIR/verdicts.json and DIR/figures/.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { runReproduce, verdictsJson, type ReproduceResult } from '../experiments/reproduce.js';
import { checkOutputPlace } from '../experiments/faults.js';
import { withFolderLock } from '../experiments/lock.js';
import { isFreshDir, writeFileAtomic, writeJson } from '../experiments/store.js';
import { renderSpec } from '../report/render.js';
import { reportHtml } from '../report/reportHtml.js';
import { VERSION } from '../version.js';
import { reportFailure } from './failure.js';
import { UsageError, parseWorkers } from './flags.js';

export const DEFAULT_REPRODUCE_DIR = path.join('results', 'reproduce');

/** Render every figure and write report.html and verdicts.json into outDir. */
export async function writeReproduce(outDir: string, result: ReproduceResult): Promise<void> {
  fs.mkdirSync(path.join(outDir, 'figures'), { recursive: true });
  const claims = [];
  for (const claim of result.claims) {
    const figures = [];
    for (const [k, figure] of claim.figures.entries()) {
      const { svg, png } = await renderSpec(figure.spec);
      // Each figure also as files, for papers and slides: figures/<claim id>-<k>.svg and .png.
      const name = path.join(outDir, 'figures', `${claim.id}-${k + 1}`);
      writeFileAtomic(`${name}.svg`, svg);
      writeFileAtomic(`${name}.png`, png);
      figures.push({ caption: figure.caption, svg });
    }
    claims.push({ ...claim, figures });
  }
  const note = result.quick ? 'quick: smaller grids, 3–5 seeds, fewer steps, lr 3e-3 (see each claim’s config)' : undefined;
  writeFileAtomic(
    path.join(outDir, 'report.html'),
    reportHtml({ title: 'Toy Models of Superposition — reproduction report', version: result.version, quick: result.quick, startedAt: result.startedAt, runtimeSeconds: result.runtimeSeconds, note, claims }),
  );
  writeJson(path.join(outDir, 'verdicts.json'), verdictsJson(result));
}

/** results/reproduce, or reproduce-2, reproduce-3, … when earlier reports are there: a report is never overwritten. */
export function freshReproduceDir(base = DEFAULT_REPRODUCE_DIR): string {
  for (let n = 1; ; n++) {
    const dir = n === 1 ? base : `${base}-${n}`;
    if (isFreshDir(dir)) return dir;
  }
}

function buildProgram(): Command {
  return new Command('superposition reproduce')
    .description('Run the fixed claim experiments; write <out>/report.html and <out>/verdicts.json.')
    .version(VERSION)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .option('--quick', 'a smaller version (a few minutes on 2 cores)')
    .option('--out <dir>', `output folder, new or empty (default: ${DEFAULT_REPRODUCE_DIR}, or ${DEFAULT_REPRODUCE_DIR}-2, -3, … if taken)`)
    .option('--workers <N>', `worker threads for the toy models; results do not depend on it (default: ${os.availableParallelism()}, the number of cores)`)
    .option('--quiet', 'no progress output');
}

export async function reproduceMain(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    try {
      program.parse(argv as string[], { from: 'user' });
    } catch (error) {
      if (!(error instanceof CommanderError)) throw error;
      if (error.exitCode === 0) return 0;
      throw new UsageError(error.message.replace(/^error: /, ''));
    }
    const opts = program.opts<{ quick?: boolean; out?: string; quiet?: boolean; workers?: string }>();
    const workers = parseWorkers(opts.workers);
    // Checked before a minute of computing: the report goes to a new (or empty) folder we can write.
    if (opts.out !== undefined) {
      checkOutputPlace(opts.out, '--out');
      if (!isFreshDir(opts.out)) throw new UsageError(`--out ${opts.out} already exists and is not empty: an earlier report is never overwritten — choose another --out`);
    }
    const outDir = opts.out ?? freshReproduceDir();
    return await withFolderLock(outDir, async () => {
      const log = opts.quiet ? undefined : (line: string) => process.stderr.write(`reproduce: ${line}\n`);
      const result = await runReproduce({ quick: opts.quick === true, workers, log });
      await writeReproduce(outDir, result);
      if (!opts.quiet) {
        for (const claim of result.claims) process.stdout.write(`${claim.verdict.padEnd(15)} ${claim.id}\n`);
        process.stdout.write(`wrote ${path.join(outDir, 'report.html')} and verdicts.json (${result.runtimeSeconds.toFixed(0)} s)\n`);
      }
      return 0;
    });
  } catch (error) {
    return reportFailure(error, 'superposition reproduce');
  }
}
