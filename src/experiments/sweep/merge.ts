// `sweep merge`: shard folders (shard.ts) → one sweep folder, as a one-machine sweep of the same
// grid writes it. Every run folder is copied byte for byte, except that the run's config.json
// names the sweep it belongs to ("sweep": the folder's name), which becomes the merged folder's
// name — exactly what a one-machine sweep into that folder writes. A run found in several
// folders is kept once if its files are the same bytes (that name aside), and is an error if not.

import fs from 'node:fs';
import path from 'node:path';
import { jsonText } from '../../train/toyFiles.js';
import { writeFileAtomic } from '../store.js';
import { expandSweep, type SweepRun } from './grid.js';
import { folderRecords, writeRunsJsonl } from './shard.js';
import { readSweepDefinition, writeSweepDefinition, type RunRecord } from './store.js';
import { writeSweepSummary } from './summary.js';
import { MergeError } from './mergeError.js';

export { MergeError };

/** A run's files, relative path → bytes (temporary files of an interrupted write left out). */
function runFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith('.tmp')) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, file), fs.readFileSync(file));
  }
  return files;
}

/** A run's config.json with "sweep" naming `sweep`, as a one-machine sweep of that name writes it. */
function renamedConfig(bytes: Buffer, sweep: string): Buffer {
  const value = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  return Buffer.from(jsonText('sweep' in value ? { ...value, sweep } : value));
}

/** The files the merged folder gets for a run found in `dir`. */
function mergedFiles(dir: string, sweep: string): Map<string, Buffer> {
  const files = runFiles(dir);
  const config = files.get('config.json');
  if (config) files.set('config.json', renamedConfig(config, sweep));
  return files;
}

function sameFiles(a: ReadonlyMap<string, Buffer>, b: ReadonlyMap<string, Buffer>): boolean {
  return a.size === b.size && [...a].every(([name, bytes]) => b.get(name)?.equals(bytes) === true);
}

const isComplete = (files: ReadonlyMap<string, Buffer>): boolean => ['config.json', 'metrics.json', 'weights.safetensors'].every((f) => files.has(f));

/** Every input must hold the same sweep: the same runs, from the same definition. */
function commonDefinition(dirs: readonly string[]): { base: unknown; sets: ReturnType<typeof readSweepDefinition>['sets']; runs: SweepRun[] } {
  let first: { base: unknown; sets: ReturnType<typeof readSweepDefinition>['sets']; runs: SweepRun[]; dir: string } | undefined;
  for (const dir of dirs) {
    if (!fs.existsSync(path.join(dir, 'sweep.json'))) throw new MergeError(`${dir}: no sweep.json there, so it is not a sweep folder`);
    const { base, sets } = readSweepDefinition(dir);
    const runs = expandSweep(base, sets);
    if (!first) first = { base, sets, runs, dir };
    else if (runs.map((r) => r.id).join() !== first.runs.map((r) => r.id).join() || JSON.stringify(sets) !== JSON.stringify(first.sets))
      throw new MergeError(`${dir} holds another sweep than ${first.dir} (their sweep.json differ): merge only shards of one sweep`);
  }
  return first!;
}

const describe = (run: SweepRun): string => `run ${run.id} (#${run.index}${Object.keys(run.setting).length ? ` ${Object.entries(run.setting).map(([f, v]) => `${f}=${v}`).join(' ')}` : ''})`;

/** For every run, the one version of its files the inputs hold; throws MergeError listing every missing or conflicting run. */
function collectRuns(dirs: readonly string[], runs: readonly SweepRun[], sweep: string): Map<string, { record: RunRecord; files: Map<string, Buffer> }> {
  const found = new Map<string, { record: RunRecord; files: Map<string, Buffer>; from: string }>();
  const problems: string[] = [];
  const records = dirs.map((dir) => folderRecords(dir));
  for (const run of runs) {
    dirs.forEach((dir, k) => {
      const record = records[k].get(run.id);
      const runDir = path.join(dir, 'runs', run.id); // where every sweep writes it (never a path read from a file)
      if (!record || !fs.existsSync(runDir)) return;
      const files = mergedFiles(runDir, sweep);
      if (!isComplete(files)) return;
      const earlier = found.get(run.id);
      if (!earlier) found.set(run.id, { record, files, from: dir });
      else if (!sameFiles(earlier.files, files)) problems.push(`duplicated ${describe(run)}: ${earlier.from} and ${dir} hold different files for it`);
    });
    if (!found.has(run.id)) problems.push(`missing ${describe(run)}: no input folder holds it finished`);
  }
  if (problems.length > 0) {
    const missing = problems.filter((p) => p.startsWith('missing')).length;
    throw new MergeError(`cannot merge: ${missing} run(s) missing, ${problems.length - missing} run(s) duplicated with different files (each listed above)`, problems);
  }
  return found;
}

/** Merge the sweep folders `dirs` into `outDir` (new or empty, locked by the caller). Returns the records, in run order. */
export async function mergeSweeps(dirs: readonly string[], outDir: string, log?: (line: string) => void): Promise<RunRecord[]> {
  const { base, sets, runs } = commonDefinition(dirs);
  const found = collectRuns(dirs, runs, path.basename(path.resolve(outDir)));
  writeSweepDefinition(outDir, base, sets, runs);
  for (const run of runs) {
    for (const [name, bytes] of found.get(run.id)!.files) writeFileAtomic(path.join(outDir, 'runs', run.id, name), bytes);
  }
  const byId = new Map(runs.map((run) => [run.id, found.get(run.id)!.record]));
  writeRunsJsonl(outDir, runs, byId);
  log?.(`${runs.length} runs from ${dirs.length} folder(s); writing the summary`);
  const records = runs.map((run) => byId.get(run.id)!);
  await writeSweepSummary(outDir, sets, records);
  return records;
}
