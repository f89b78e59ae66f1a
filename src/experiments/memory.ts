// The CLI's memory guard: the estimate of what a run needs (src/train/memoryEstimate.ts, shared
// with the browser explorer) against this machine's limits:
//   memory  at most 80% of the machine's memory (os.totalmem, or the container's limit if lower);
//           SUPERPOSITION_MEMORY_LIMIT (bytes, or e.g. "8G") overrides it;
//   heap    at most 80% of V8's heap limit;
//   text    2^29 − 24 characters per file, 2^32 elements per typed array (fixed).

import os from 'node:os';
import v8 from 'node:v8';
import { checkMemory as checkAgainst, formatBytes, type MemoryLimits, type MemoryPart } from '../train/memoryEstimate.js';

export { MemoryLimitError, formatBytes, saeMemoryParts, toyMemoryParts, type MemoryLimits, type MemoryPart } from '../train/memoryEstimate.js';

/** "8G", "512M", "1e9" → bytes; undefined if unset or not understood. */
function parseLimit(text: string | undefined): number | undefined {
  const match = /^\s*([\d.e+]+)\s*([kmgt]?)i?b?\s*$/i.exec(text ?? '');
  if (!match || !Number.isFinite(Number(match[1]))) return undefined;
  const scale = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[match[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Number(match[1]) * scale;
}

/** The limits of this machine (and process). */
export function machineLimits(): MemoryLimits {
  const override = parseLimit(process.env.SUPERPOSITION_MEMORY_LIMIT);
  const heap = 0.8 * v8.getHeapStatistics().heap_size_limit;
  if (override !== undefined) return { memory: override, heap, memorySource: 'SUPERPOSITION_MEMORY_LIMIT' };
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.() ?? 0;
  const total = constrained > 0 && constrained < os.totalmem() ? constrained : os.totalmem();
  return { memory: 0.8 * total, heap, memorySource: `80% of the ${formatBytes(total)} this machine has` };
}

/** Throw MemoryLimitError naming the estimate and what to change when a part is out of reach (of this machine, by default). */
export function checkMemory(parts: readonly MemoryPart[], limits: MemoryLimits = machineLimits(), what = 'this run'): void {
  checkAgainst(parts, limits, what);
}
