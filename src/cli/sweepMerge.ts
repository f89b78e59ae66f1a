// `superposition sweep merge DIR… --out DIR`: shard folders → one sweep folder (experiments/sweep/merge.ts).

import fs from 'node:fs';
import { checkOutputPlace } from '../experiments/faults.js';
import { withFolderLock } from '../experiments/lock.js';
import { isFreshDir } from '../experiments/store.js';
import { MergeError } from '../experiments/sweep/merge.js';
import { UsageError } from './flags.js';
import { reportFailure } from './failure.js';
import { newProgram, parseWith } from './programs.js';

/** Exit code: 0 merged, 2 bad input or runs missing/duplicated (each named on its own line). */
export async function mergeMain(argv: readonly string[]): Promise<number> {
  try {
    const program = newProgram('superposition sweep merge', 'Combine the folders of a sharded sweep (sweep --shard) into one sweep folder, as a one-machine sweep writes it.')
      .argument('<dirs...>', 'sweep folders of the shards (or one folder they shared)')
      .option('--out <dir>', 'the merged sweep folder; must be new or empty')
      .option('--quiet', 'no progress output');
    const options = parseWith(program, argv);
    if (options === 'exit') return 0;
    const dirs = program.args;
    const outDir = options.out as string | undefined;
    if (outDir === undefined || outDir.trim() === '') throw new UsageError('sweep merge needs --out DIR: the merged sweep folder');
    for (const dir of dirs) if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`sweep merge: ${dir} is not a folder`);
    checkOutputPlace(outDir, '--out');
    if (!isFreshDir(outDir)) throw new UsageError(`--out ${outDir} already exists and is not empty: choose another --out`);
    const log = options.quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`);
    const { mergeSweeps } = await import('../experiments/sweep/merge.js');
    const records = await withFolderLock(outDir, () => mergeSweeps(dirs, outDir, log));
    process.stdout.write(`sweep: ${outDir} (${records.length} runs merged from ${dirs.length} folder(s); runs.jsonl, summary.csv, summary.png + summary.svg)\n`);
    return 0;
  } catch (error) {
    if (error instanceof MergeError) for (const problem of error.problems) process.stderr.write(`superposition: ${problem}\n`);
    return reportFailure(error);
  }
}
