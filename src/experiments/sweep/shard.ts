// Shards of a sweep, for array jobs (Slurm arrays, Kubernetes Indexed Jobs): shard i of N runs
// the runs whose index in the expanded grid (expandSweep's order: the product of the --set values
// in the order given, which depends on nothing else) is i mod N. The assignment is a pure
// function of the grid, so it does not change with --workers or --resume; within a shard the
// runs are packed as in any sweep, and a run's files are the same whichever runs it is packed with.
//
// Shards may share one folder. Each shard records its finished runs in runs-<i>.jsonl, a file of
// its own, under a lock of its own (.lock-<i>): no shard ever waits for another, and no lock is
// held across machines of a shared file system, where a killed holder could not be detected.
// A shard that finds every run of the grid recorded in the folder (in runs.jsonl or any
// runs-<k>.jsonl) writes runs.jsonl (every run, in a one-machine sweep's order) and the summary.

import fs from 'node:fs';
import path from 'node:path';
import { packRuns, type SweepRun, type SweepSet } from './grid.js';
import { readRunsJsonl, type RunRecord } from './store.js';
import { writeFileAtomic } from '../store.js';
import { writeSweepSummary } from './summary.js';

/** Shard `index` (0-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** The runs of one shard: run index mod count. */
export function shardRuns<T extends Pick<SweepRun, 'index'>>(runs: readonly T[], shard: Shard): T[] {
  return runs.filter((run) => run.index % shard.count === shard.index);
}

/** The file a shard records its finished runs in. */
export function shardRecordsFile(shard: Shard): string {
  return `runs-${shard.index}.jsonl`;
}

/** The lock file of a shard in a shared folder. */
export function shardLockFile(shard: Shard): string {
  return `.lock-${shard.index}`;
}

/** runs.jsonl and every runs-<k>.jsonl in a folder, in that order. */
export function recordFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const shards = fs
    .readdirSync(dir)
    .filter((name) => /^runs-\d+\.jsonl$/.test(name))
    .sort((a, b) => Number(a.slice(5, -6)) - Number(b.slice(5, -6)));
  return [...(fs.existsSync(path.join(dir, 'runs.jsonl')) ? ['runs.jsonl'] : []), ...shards];
}

/** Every record of a folder, one per run id (the first found), from runs.jsonl and the shards' files. */
export function folderRecords(dir: string, warn?: (line: string) => void): Map<string, RunRecord> {
  const records = new Map<string, RunRecord>();
  for (const file of recordFiles(dir)) for (const record of readRunsJsonl(dir, warn, file)) if (!records.has(record.id)) records.set(record.id, record);
  return records;
}

/** The order a one-machine sweep finishes its runs in (pack by pack), so runs.jsonl reads the same. */
export function sweepOrder<T extends SweepRun>(runs: readonly T[]): T[] {
  return packRuns(runs).flat() as T[];
}

/** runs.jsonl of a whole sweep: one line per run, in a one-machine sweep's order. */
export function writeRunsJsonl(dir: string, runs: readonly SweepRun[], byId: ReadonlyMap<string, RunRecord>): void {
  const lines = sweepOrder(runs).map((run) => JSON.stringify(byId.get(run.id)));
  writeFileAtomic(path.join(dir, 'runs.jsonl'), `${lines.join('\n')}\n`);
}

/**
 * After a shard: if the folder now holds every run of the grid, write runs.jsonl and the summary
 * (several shards finishing at once write the same bytes, each file atomically). Returns how many
 * runs of the grid the folder holds.
 */
export async function completeIfAll(dir: string, runs: readonly SweepRun[], sets: readonly SweepSet[]): Promise<number> {
  const byId = folderRecords(dir);
  const present = runs.filter((run) => byId.has(run.id) && fs.existsSync(path.join(dir, byId.get(run.id)!.dir, 'metrics.json')));
  if (present.length < runs.length) return present.length;
  writeRunsJsonl(dir, runs, byId);
  await writeSweepSummary(dir, sets, runs.map((run) => byId.get(run.id)!));
  return runs.length;
}
