// The one place every command ends through when it fails: a known failure (bad input, a damaged
// file, an unusable or full disk, a size memory cannot hold, a folder in use) becomes one line
// naming the file or field and what to do, exit code 2; a run that failed (divergence, memory
// exhausted while training) exit 1; anything else one line plus the path of a log file that
// holds the trace — never a trace on the terminal.
// The error classes come from modules that import no library, no schema and no training code
// (faults.ts, saeDivergence.ts, memoryLimitError.ts, mergeError.ts, queue/errors.ts), so that
// reporting a mistyped flag takes the time of parsing it, not of loading zod and the SAE code
// (0.7 s before).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../config/errors.js';
import { SafetensorsError } from '../core/safetensors.js';
import { DamagedFileError, MissingRunError, OutputPlaceError, describeFsError, isFsError } from '../experiments/faults.js';
import { LockHeldError } from '../experiments/lock.js';
import { MemoryLimitError } from '../train/memoryLimitError.js';
import { MergeError } from '../experiments/sweep/mergeError.js';
import { QueueInUseError, QueueUnreachableError } from '../experiments/queue/errors.js';
import { SaeDivergenceError } from '../train/saeDivergence.js';
import { VERSION } from '../version.js';
import { UsageError } from './flags.js';

const KNOWN = [UsageError, ConfigError, OutputPlaceError, DamagedFileError, LockHeldError, MemoryLimitError, MissingRunError, SafetensorsError, MergeError, QueueUnreachableError, QueueInUseError];

/** Allocation failures of V8 and WebAssembly: memory ran out while running. */
function isOutOfMemory(error: unknown): error is Error {
  return (
    error instanceof RangeError &&
    /Array buffer allocation failed|Invalid (typed )?array length|Invalid string length|WebAssembly\.Memory|Out of memory|Maximum call stack/i.test(error.message)
  );
}

/** Write the trace where the user can send it: $TMPDIR/superposition-<time>-<pid>.log. */
export function writeErrorLog(error: unknown, argv: readonly string[] = process.argv.slice(2)): string | undefined {
  const file = path.join(os.tmpdir(), `superposition-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`);
  const trace = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  const text = [`superposition ${VERSION}`, `command: superposition ${argv.join(' ')}`, `cwd: ${process.cwd()}`, `node ${process.version} on ${os.platform()}-${os.arch()}`, '', trace, ''].join('\n');
  try {
    fs.writeFileSync(file, text);
    return file;
  } catch {
    return undefined;
  }
}

/** The first line of a message, without any bundled source code it may carry. */
function oneLine(text: string): string {
  const line = text.split('\n')[0];
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** The exit code and the one line for a failure. */
export function describeFailure(error: unknown): { code: number; line: string; log?: boolean } {
  if (KNOWN.some((Known) => error instanceof Known)) return { code: 2, line: `error: ${oneLine((error as Error).message)}` };
  if (isFsError(error)) return { code: 2, line: `error: ${describeFsError(error)}` };
  if (error instanceof SaeDivergenceError)
    return { code: 1, line: `error: ${oneLine(error.message)}; kept its config.json and history.csv — try a smaller --sae-lr` };
  if (isOutOfMemory(error))
    return { code: 1, line: `error: ran out of memory (${oneLine(error.message)}): try fewer instances, features, a smaller batch or --workers 1`, log: true };
  const message = error instanceof Error ? `${error.name}: ${oneLine(error.message)}` : oneLine(String(error));
  return { code: 1, line: `unexpected error: ${message}`, log: true };
}

/** Print the failure as one line on stderr (and a log file for a trace); returns the exit code. */
export function reportFailure(error: unknown, prefix = 'superposition'): number {
  const { code, line, log } = describeFailure(error);
  const file = log ? writeErrorLog(error) : undefined;
  process.stderr.write(`${prefix}: ${line}${file ? ` — the trace is in ${file}` : ''}\n`);
  return code;
}
