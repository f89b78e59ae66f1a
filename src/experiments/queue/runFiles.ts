// A run's results travel back through Redis as the job's result: relative path → base64 bytes.
// The names come from a worker, so the coordinator checks each one (plain segments, none starting
// with a dot, so no "..", no absolute path) and writes it only under the run folder it chose
// itself. config.json is not among them: the coordinator writes it from its own grid, as a local
// sweep does, so it names this sweep whatever the worker's temporary folder was called.

import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../store.js';

/** A run's files: path relative to its run folder (with /) → base64 bytes. */
export type RunFiles = Record<string, string>;

/** Files every finished toy run has, besides config.json. */
const REQUIRED = ['metrics.json', 'history.csv', 'weights.safetensors'];
/** Plain relative paths only: segments of letters, digits, _ - ., none starting with a dot. */
const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}(\/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}){0,4}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The files of a finished run folder, config.json and temporary files left out. */
export function readRunFiles(runDir: string): RunFiles {
  const files: RunFiles = {};
  for (const entry of fs.readdirSync(runDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith('.tmp')) continue;
    const name = path.relative(runDir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    if (name !== 'config.json') files[name] = fs.readFileSync(path.join(runDir, name)).toString('base64');
  }
  return files;
}

/** The files of a job's result, checked; throws an Error saying what is wrong. */
export function checkRunFiles(result: unknown): RunFiles {
  const files = (result as { files?: unknown } | null)?.files;
  if (typeof files !== 'object' || files === null || Array.isArray(files)) throw new Error('the result holds no files');
  for (const [name, bytes] of Object.entries(files)) {
    if (!SAFE_NAME.test(name) || name === 'config.json') throw new Error(`the result names a file "${name.slice(0, 60)}" that is not a plain relative path of a run`);
    if (typeof bytes !== 'string' || !BASE64.test(bytes)) throw new Error(`the result's ${name} is not base64`);
  }
  const missing = REQUIRED.filter((name) => !(name in files));
  if (missing.length > 0) throw new Error(`the result lacks ${missing.join(', ')}`);
  return files as RunFiles;
}

/** Write checked files under runDir, each atomically. */
export function writeRunFiles(runDir: string, files: RunFiles): void {
  for (const [name, bytes] of Object.entries(files)) writeFileAtomic(path.join(runDir, ...name.split('/')), Buffer.from(bytes, 'base64'));
}
