// A folder in use is locked: <dir>/.lock holds the pid, host and command of the process that
// writes there. It is created whole by link(2) from a file of our own, which fails if the lock
// exists and is atomic on local file systems, so of two commands started on one folder exactly
// one gets it, and the other always reads who. A lock whose
// process is gone (same host, no such pid: a kill -9, a crash, a power cut) is stale and is
// taken over, so `--resume` after SIGKILL works. The lock is removed when the command ends,
// however it ends short of SIGKILL (a process 'exit' hook covers process.exit).
//
// Why not proper-lockfile: it locks with mkdir and detects staleness by mtime, which needs a
// timer refreshing the lock during week-long sweeps; a pid check is exact on one host. A lock
// held from another host (a shared file system) is never taken over: the message names the
// host, and the user removes the file once they know that process is gone.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const LOCK_FILE = '.lock';

interface LockInfo {
  pid: number;
  host: string;
  command?: string;
  createdAt?: string;
}

/** Another live process holds the folder: one line naming the folder, pid and host. */
export class LockHeldError extends Error {
  override name = 'LockHeldError';
  constructor(
    readonly dir: string,
    readonly holder: LockInfo | undefined,
    name = LOCK_FILE,
  ) {
    const who = holder ? `process ${holder.pid} on ${holder.host}${holder.command ? ` (${holder.command})` : ''}` : 'another process (its lock file is being written)';
    super(`${dir} is in use by ${who}: wait for it to finish, or stop it; if that process is gone, remove ${path.join(dir, name)}`);
  }
}

export interface FolderLock {
  readonly dir: string;
  release(): void;
}

function readLock(file: string): LockInfo | undefined {
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockInfo>;
    return Number.isInteger(value.pid) && typeof value.host === 'string' ? (value as LockInfo) : undefined;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, but not ours to signal
  }
}

/** A lock left by a dead process on this host, or an unreadable one older than a few seconds. */
function isStale(file: string, info: LockInfo | undefined): boolean {
  if (info) return info.host === os.hostname() && info.pid !== process.pid && !processAlive(info.pid);
  try {
    return Date.now() - fs.statSync(file).mtimeMs > 5000; // created, never filled: its writer died
  } catch {
    return true; // gone meanwhile: try again
  }
}

/**
 * Move a stale lock aside, checking it is still the stale one (two processes may both have
 * seen it stale; only one may take it over, and nobody may remove a fresh lock).
 */
function removeStale(file: string, stale: LockInfo | undefined): void {
  const aside = `${file}.stale-${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return; // someone else moved it: retry the create
  }
  const moved = readLock(aside);
  if (stale && moved && (moved.pid !== stale.pid || moved.createdAt !== stale.createdAt)) {
    // A fresh lock arrived between our read and the rename: put it back (link fails if taken again).
    try {
      fs.linkSync(aside, file);
    } catch {
      /* the folder is contended: the create below fails and reports the holder */
    }
  }
  fs.rmSync(aside, { force: true });
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir never returns on some paths (e.g. under
 * /proc, where mkdir fails with ENOENT and it retries forever).
 */
export function makeFolder(dir: string): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); !fs.existsSync(at); at = path.dirname(at)) {
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const folder of missing) {
    try {
      fs.mkdirSync(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * Create `file` holding `text`, failing with EEXIST if it exists: the text is written to a file of
 * our own first and then hard-linked into place, which is atomic, so a reader never sees the lock
 * empty (with open(…, 'wx') and a write after it, a second command could read it between the two
 * and not learn who holds the folder).
 */
function createWithContent(file: string, text: string): void {
  const own = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(own, text);
  try {
    fs.linkSync(own, file);
  } finally {
    fs.rmSync(own, { force: true });
  }
}

const held = new Set<string>();
let exitHook = false;

/** Take the lock of `dir` (created if missing, with its parents); throws LockHeldError if another process holds it. */
export function lockFolder(dir: string, command = process.argv.slice(2).join(' '), name = LOCK_FILE): FolderLock {
  makeFolder(dir);
  const file = path.join(dir, name);
  const info: LockInfo = { pid: process.pid, host: os.hostname(), command: `superposition ${command}`.trim(), createdAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      createWithContent(file, `${JSON.stringify(info)}\n`);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(file);
      if (attempt >= 3 || !isStale(file, holder)) throw new LockHeldError(dir, holder, name);
      removeStale(file, holder);
    }
  }
  held.add(file);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const lock of held) releaseFile(lock);
    });
  }
  return { dir, release: () => releaseFile(file) };
}

function releaseFile(file: string): void {
  if (!held.delete(file)) return;
  if (readLock(file)?.pid === process.pid) fs.rmSync(file, { force: true });
}

function removeIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir); // fails (and keeps it) unless empty
  } catch {
    /* not empty, or gone */
  }
}

/** Run `task` with `dir` locked (by `name`: a sweep's shards lock .lock-<i>); the lock is released however the task ends. */
export async function withFolderLock<T>(dir: string, task: () => Promise<T>, name = LOCK_FILE): Promise<T> {
  const created = !fs.existsSync(dir);
  const lock = lockFolder(dir, undefined, name);
  try {
    return await task();
  } finally {
    lock.release();
    // A folder this command made and left empty (it failed before writing) is removed: it would only confuse.
    if (created) removeIfEmpty(dir);
  }
}
