// A sweep's folder, results/<sweep>/: sweep.json (the definition, so that --resume rebuilds the
// same runs), runs.jsonl (one line per finished run, rewritten atomically), runs/<id>/ (a
// standard results folder per run) and, once every run is done, the summary (summary.ts).

import fs from 'node:fs';
import path from 'node:path';
import type { SaeConfig } from '../../config/sae.js';
import type { ToyConfig } from '../../config/toy.js';
import { VERSION } from '../../version.js';
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

/** The finished runs recorded in a sweep folder's runs.jsonl (none when it does not exist). */
export function readRunsJsonl(outDir: string): RunRecord[] {
  const file = path.join(outDir, 'runs.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RunRecord);
}

export function appendRecord(outDir: string, record: RunRecord): void {
  const lines = readRunsJsonl(outDir).map((r) => JSON.stringify(r));
  lines.push(JSON.stringify(record));
  writeFileAtomic(path.join(outDir, 'runs.jsonl'), `${lines.join('\n')}\n`);
}

/** sweep.json: what the sweep is, so that --resume can rebuild the same runs. */
export function writeSweepDefinition(outDir: string, base: unknown, sets: readonly SweepSet[], runs: readonly SweepRun[]): void {
  writeJson(path.join(outDir, 'sweep.json'), { version: VERSION, base: base ?? {}, sets, runs: runs.map((r) => ({ id: r.id, setting: r.setting })) });
}

export function readSweepDefinition(outDir: string): { base: unknown; sets: SweepSet[] } {
  const definition = JSON.parse(fs.readFileSync(path.join(outDir, 'sweep.json'), 'utf8')) as { base: unknown; sets: SweepSet[] };
  return { base: definition.base, sets: definition.sets };
}
