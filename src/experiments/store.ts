// Files of a results folder. Every file is written to a temporary name and renamed, so a reader
// (or a crash) never sees half a file.

import fs from 'node:fs';
import path from 'node:path';

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temporary, data);
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true }); // a full disk leaves no half file behind
    const errno = error as NodeJS.ErrnoException;
    if (errno.code && errno.syscall === 'write' && !errno.path) errno.path = file; // name the file a full disk stopped
    throw error;
  }
}

export function writeJson(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** CSV with the given columns, one line per row. */
export function toCsv(rows: readonly Record<string, number | string>[], columns: readonly string[]): string {
  const lines = [columns.join(',')];
  for (const row of rows) lines.push(columns.map((c) => String(row[c])).join(','));
  return `${lines.join('\n')}\n`;
}

/** True when `dir` is missing or an empty folder: the only places a new run may write. */
export function isFreshDir(dir: string): boolean {
  if (!fs.existsSync(dir)) return true;
  return fs.statSync(dir).isDirectory() && fs.readdirSync(dir).length === 0;
}
