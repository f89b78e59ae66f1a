// A sweep's folder, results/<sweep>/: sweep.json (the definition, so that --resume rebuilds the
// same runs), runs.jsonl (one line per finished run, rewritten atomically), runs/<id>/ (a
// standard results folder per run) and, once every run is done, the summary (summary.ts).

import fs from 'node:fs';
import path from 'node:path';
import type { SaeConfig } from '../../config/sae.js';
import type { ToyConfig } from '../../config/toy.js';
import { VERSION } from '../../version.js';
import { DamagedFileError } from '../faults.js';
import { writeFileAtomic, writeJson } from '../store.js';
import type { SweepRun, SweepSet } from './grid.js';

/** One line of runs.jsonl: a finished run, where its folder is and its toy metrics in short. */
export interface RunRecord {
  id: string;
  index: number;
  setting: Record<string, number | string>;
  config: ToyConfig;
  sae?: SaeConfig;
  summary: { sparsity: number; finalLoss: number; represented: number; dimensionsPerFeature: number }[];
  dir: string;
}

/** The toy numbers of one instance that a record keeps. */
type InstanceSummary = RunRecord['summary'][number];

/** A finished run's line of runs.jsonl, from its metrics.json instances (in memory, or parsed back: the same line). */
export function runRecord(run: SweepRun, instances: readonly InstanceSummary[]): RunRecord {
  return {
    id: run.id,
    index: run.index,
    setting: run.setting,
    config: run.config,
    sae: run.sae,
    summary: instances.map((i) => ({ sparsity: i.sparsity, finalLoss: i.finalLoss, represented: i.represented, dimensionsPerFeature: i.dimensionsPerFeature })),
    dir: path.join('runs', run.id),
  };
}

/** A record that has the fields a finished run's line has. */
function isRecord(value: unknown): value is RunRecord {
  const r = value as Partial<RunRecord> | null;
  return typeof r === 'object' && r !== null && typeof r.id === 'string' && typeof r.dir === 'string' && Array.isArray(r.summary) && typeof r.setting === 'object';
}

/**
 * The finished runs of runs.jsonl, one per id. A line that is not a record (a truncated last
 * line, garbage) is dropped, reported through `warn`, and its run counts as unfinished.
 */
export function readRunsJsonl(outDir: string, warn?: (line: string) => void, name = 'runs.jsonl'): RunRecord[] {
  const file = path.join(outDir, name);
  if (!fs.existsSync(file)) return [];
  const records = new Map<string, RunRecord>();
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        value = undefined;
      }
      if (!isRecord(value)) warn?.(`${file}: line ${index + 1} is damaged (${line.length > 40 ? `${line.slice(0, 40)}…` : line}); dropped, its run is redone`);
      else if (!records.has(value.id)) records.set(value.id, value);
    });
  return [...records.values()];
}

/** Add (or replace) the record of a run; runs.jsonl (or a shard's runs-<i>.jsonl) is rewritten atomically, one line per run. */
export function appendRecord(outDir: string, record: RunRecord, name = 'runs.jsonl'): void {
  const lines = readRunsJsonl(outDir, undefined, name)
    .filter((r) => r.id !== record.id)
    .map((r) => JSON.stringify(r));
  lines.push(JSON.stringify(record));
  writeFileAtomic(path.join(outDir, name), `${lines.join('\n')}\n`);
}

/** sweep.json: what the sweep is, so that --resume can rebuild the same runs. */
export function writeSweepDefinition(outDir: string, base: unknown, sets: readonly SweepSet[], runs: readonly SweepRun[]): void {
  writeJson(path.join(outDir, 'sweep.json'), { version: VERSION, base: base ?? {}, sets, runs: runs.map((r) => ({ id: r.id, setting: r.setting })) });
}

/** The definition in sweep.json; a damaged one is a DamagedFileError naming it (nothing is changed). */
export function readSweepDefinition(outDir: string): { base: unknown; sets: SweepSet[] } {
  const file = path.join(outDir, 'sweep.json');
  const hint = 'it holds the definition of the sweep: restore it, or start a new sweep with the same config file and --set (finished runs in runs.jsonl stay as they are)';
  let definition: { base?: unknown; sets?: unknown };
  try {
    definition = JSON.parse(fs.readFileSync(file, 'utf8')) as { base?: unknown; sets?: unknown };
  } catch (error) {
    if (error instanceof SyntaxError) throw new DamagedFileError(file, 'it is not valid JSON', hint);
    throw error;
  }
  const sets = definition?.sets;
  const setsOk =
    Array.isArray(sets) &&
    sets.every((set: Partial<SweepSet>) => typeof set?.field === 'string' && Array.isArray(set.values) && set.values.every((v) => typeof v === 'number' || typeof v === 'string'));
  if (typeof definition !== 'object' || definition === null || typeof definition.base !== 'object' || definition.base === null || !setsOk)
    throw new DamagedFileError(file, 'it has no "base" object and "sets" list', hint);
  return { base: definition.base, sets: sets as SweepSet[] };
}
