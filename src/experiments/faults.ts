// Known failures of the file system and of damaged results folders, as errors whose message is
// one line naming the file and what to do. The CLI prints them and exits 2 (src/cli/failure.ts).

import fs from 'node:fs';
import path from 'node:path';

/** A file of a results folder that cannot be read as what it should be. */
export class DamagedFileError extends Error {
  override name = 'DamagedFileError';
  constructor(
    readonly file: string,
    reason: string,
    hint: string,
  ) {
    super(`${file} is damaged: ${reason}; ${hint}`);
  }
}

/** `--from` names a folder without a finished toy run, or one whose weights do not match its config. */
export class MissingRunError extends Error {
  override name = 'MissingRunError';
}

/** An output place that cannot be used, found before anything is written. */
export class OutputPlaceError extends Error {
  override name = 'OutputPlaceError';
}

const FS_CODES: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOENT: 'no such file or folder',
  EISDIR: 'it is a folder, not a file',
  EEXIST: 'it already exists',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  EIO: 'an input/output error of the disk',
};

/** A Node file-system error (it has a code such as ENOSPC and usually a path). */
export function isFsError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((error as NodeJS.ErrnoException).code!);
}

/** "writing results/x/metrics.json: the disk is full (ENOSPC)" — one line, no trace. */
export function describeFsError(error: NodeJS.ErrnoException): string {
  const code = error.code ?? 'EIO';
  const what = FS_CODES[code] ?? error.message.split('\n')[0];
  const verb = error.syscall === 'open' || error.syscall === 'write' || error.syscall === 'rename' ? 'writing' : error.syscall === 'mkdir' ? 'creating' : error.syscall ?? 'at';
  const where = error.path ? ` ${verb} ${(error as { dest?: string }).dest ?? error.path}` : '';
  const advice = code === 'ENOSPC' || code === 'EDQUOT' ? ': free some space, then run the command again (--resume continues an interrupted run or sweep)' : '';
  return `file system error${where}: ${what} (${code})${advice}`;
}

/**
 * Check an output folder before anything is written: a non-empty path whose nearest existing
 * ancestor is a folder we may write to, and which is itself a folder if it exists.
 */
export function checkOutputPlace(dir: string, flag: string): void {
  if (dir.trim() === '') throw new OutputPlaceError(`${flag} must name a folder (got "${dir}")`);
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new OutputPlaceError(`${flag} ${dir} is a file, not a folder: choose another ${flag}`);
  let ancestor = path.resolve(dir);
  while (!fs.existsSync(ancestor)) ancestor = path.dirname(ancestor);
  if (!fs.statSync(ancestor).isDirectory()) throw new OutputPlaceError(`${flag} ${dir}: ${ancestor} is a file, not a folder: choose another ${flag}`);
  try {
    fs.accessSync(ancestor, fs.constants.W_OK);
  } catch {
    throw new OutputPlaceError(`${flag} ${dir}: the folder ${ancestor} is not writable: choose another ${flag}`);
  }
}
