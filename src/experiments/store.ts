// Files of a results folder. Every file is written to a temporary name and renamed, so a reader
// (or a crash) never sees half a file.

import fs from 'node:fs';
import path from 'node:path';

/** Write a file through a temporary name and a rename, creating its folder: no reader sees half a file. */
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

/** writeFileAtomic of a value as two-space-indented JSON and a final newline. */
export function writeJson(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** True when `dir` is missing or an empty folder: the only places a new run may write. */
export function isFreshDir(dir: string): boolean {
  if (!fs.existsSync(dir)) return true;
  return fs.statSync(dir).isDirectory() && fs.readdirSync(dir).length === 0;
}
