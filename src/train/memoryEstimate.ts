// What a run will need, estimated from its config before anything is allocated, so that a size
// the schema accepts but the machine (or a browser tab) cannot hold is refused up front in one
// line with the estimate. Pure arithmetic on the configs: the CLI checks it against the machine's
// limits (src/experiments/memory.ts), the browser explorer against a tab's.
//
// Three budgets, each with its own limit:
//   memory  typed arrays (W, b, Adam moments, gradients, batches, kernel workspaces, the fixed
//           dataset of epoch mode, SAE parameters and buffers);
//   heap    JavaScript objects (history rows, the Gram matrices in metrics.json and the plots);
//   text    one file's text (metrics.json, history.csv) is one JavaScript string: at most
//           2^29 − 24 characters; and one typed array holds at most 2^32 elements.
// The figures are estimates (within a factor of about 1.5 of the measured peak on small sizes);
// they are meant to stop sizes that are out of reach by far, not to tune the last gigabyte.

import { expandSaeGrid, type SaeConfig } from '../config/sae.js';
import type { ToyConfig } from '../config/toy.js';
import { MemoryLimitError } from './memoryLimitError.js';

export { MemoryLimitError };

export interface MemoryPart {
  /** What it is, e.g. "W, b, their gradients and Adam moments". */
  name: string;
  budget: 'memory' | 'heap' | 'text';
  /** Bytes (memory, heap) or characters (text). */
  size: number;
  /** Elements of its largest single typed array, if it is one. */
  largestArray?: number;
  /** The flags that make it big. */
  flags: string;
}

const MAX_STRING = 2 ** 29 - 24;
const MAX_TYPED_ARRAY = 2 ** 32;
/** Characters of one Gram entry in metrics.json (indent, a float64 printed in full, comma, newline). */
const GRAM_CHARS = 30;

/** Parts of a toy model's training (one model; a sweep trains its packs one at a time). */
export function toyMemoryParts(config: ToyConfig, workers: number, plots: boolean): MemoryPart[] {
  const I = config.sparsity.length;
  const { nFeatures: n, nHidden: m, batchSize: B } = config;
  const threads = workers > 1 && I > 1 ? Math.min(workers, I) : 0;
  const params = I * (m * n + n);
  const modelFlags = '--sparse-dim, --dense-dim or the number of --sparsity values';
  const parts: MemoryPart[] = [
    // float32 parameters, float64 gradients and Adam's two float64 moments (+ the main thread's mirror with workers).
    { name: 'W, b, their gradients and Adam moments', budget: 'memory', size: params * (4 + 8 + 16) * (threads > 0 ? 2 : 1), largestArray: I * m * n, flags: modelFlags },
    // The batch x [inst, batch, feat], once per thread that trains (and the main thread's for evaluation).
    { name: 'the batches x [instances, batch, features]', budget: 'memory', size: 4 * I * B * n * (threads > 0 ? 2 : 1), largestArray: I * B * n, flags: '--batch-size' },
    // Per thread: five float64 n×m copies of W and its gradient, sparse batch lists (16 bytes per entry),
    // and the Gram route's n×n buffers where the batch is larger than n (when that route pays).
    { name: 'kernel workspaces', budget: 'memory', size: (threads + 1) * (40 * n * m + 16 * B * n + (n <= B ? 40 * n * n : 0)), largestArray: B * n, flags: '--sparse-dim and --batch-size' },
  ];
  if (config.dataMode === 'epochs')
    parts.push({ name: 'the fixed dataset of epoch mode', budget: 'memory', size: I * config.datasetSize * (4 * n + 4), largestArray: I * config.datasetSize * n, flags: '--dataset-size' });
  const historyRows = I * (Math.ceil(config.totalSteps / config.historyEvery) + 1);
  parts.push(
    { name: 'the training history', budget: 'heap', size: historyRows * 80, flags: '--steps (or --num-epochs) and historyEvery' },
    { name: 'history.csv', budget: 'text', size: historyRows * 40, flags: '--steps (or --num-epochs) and historyEvery' },
    { name: 'the Gram matrices WᵀW in metrics.json', budget: 'heap', size: I * n * n * 8, flags: '--sparse-dim or the number of --sparsity values' },
    { name: 'metrics.json (a Gram matrix WᵀW per instance)', budget: 'text', size: I * n * n * GRAM_CHARS, flags: '--sparse-dim or the number of --sparsity values' },
  );
  if (plots) parts.push({ name: 'the Gram plots (one cell object per entry)', budget: 'heap', size: I * n * n * 120, flags: '--sparse-dim, or --no-plots' });
  return parts;
}

/** Parts of an SAE grid on a toy model with the given shape and sparsity values. */
export function saeMemoryParts(toy: { nFeatures: number; nHidden: number; sparsity: readonly number[] }, config: SaeConfig): MemoryPart[] {
  const { nFeatures: n, nHidden: m } = toy;
  const specs = expandSaeGrid(config, toy.sparsity, n);
  const B = config.saeBatchSize;
  let params = 0;
  let workspaces = 0;
  let largest = 0;
  const groups = new Set<string>();
  for (const spec of specs) {
    const d = spec.dictSize;
    params += 2 * d * m + 4 * d + m;
    largest = Math.max(largest, B * d);
    if (!groups.has(`${spec.arch}/${d}`)) workspaces += 48 * B * d; // pre-activations, activations, gradients [batch, latents]
    groups.add(`${spec.arch}/${d}`);
  }
  const flags = '--dict-size, --sae-batch-size or the size of the SAE grid';
  return [
    // float32 parameters, float64 gradients and Adam moments; the recovery statistics (n × d pairs, float64 ×8).
    { name: 'SAE parameters, gradients, Adam moments and recovery statistics', budget: 'memory', size: params * 28 + specs.reduce((sum, s) => sum + 64 * n * s.dictSize, 0), largestArray: largest, flags },
    { name: 'SAE batches and workspaces', budget: 'memory', size: workspaces + B * (4 * n + 8 * m), largestArray: largest, flags },
  ];
}

/** "1.5 GB", "730 MB". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? value.toFixed(0) : value.toPrecision(2)} ${units[unit]}`;
}

export interface MemoryLimits {
  memory: number;
  heap: number;
  /** Where the memory limit comes from, for the message. */
  memorySource: string;
  /** Whose heap it is, for the message (default "Node's"). */
  heapSource?: string;
}

/** Throw MemoryLimitError naming the estimate and what to change when a part is out of reach. */
export function checkMemory(parts: readonly MemoryPart[], limits: MemoryLimits, what = 'this run'): void {
  const total = (budget: MemoryPart['budget']) => parts.filter((p) => p.budget === budget).reduce((sum, p) => sum + p.size, 0);
  const biggest = (budget: MemoryPart['budget']) => parts.filter((p) => p.budget === budget).reduce((a, b) => (b.size > a.size ? b : a));
  if (total('memory') > limits.memory) {
    const top = biggest('memory');
    throw new MemoryLimitError(
      `${what} needs about ${formatBytes(total('memory'))} of memory (${top.name}: ${formatBytes(top.size)}), more than ${formatBytes(limits.memory)} (${limits.memorySource}) — reduce ${top.flags}`,
    );
  }
  for (const part of parts)
    if (part.largestArray !== undefined && part.largestArray > MAX_TYPED_ARRAY)
      throw new MemoryLimitError(`${what} is too large: ${part.name} (about ${formatBytes(part.size)}) needs an array of ${part.largestArray.toExponential(2)} numbers, more than the 2^32 one array can hold — reduce ${part.flags}`);
  for (const part of parts)
    if (part.budget === 'text' && part.size > MAX_STRING)
      throw new MemoryLimitError(`${what} is too large: ${part.name} would be about ${formatBytes(part.size)} of text, more than one file can be written from (${formatBytes(MAX_STRING)}) — reduce ${part.flags}`);
  if (total('heap') > limits.heap) {
    const top = biggest('heap');
    throw new MemoryLimitError(`${what} needs about ${formatBytes(total('heap'))} of JavaScript heap (${top.name}: ${formatBytes(top.size)}), more than ${limits.heapSource ?? "Node's"} ${formatBytes(limits.heap)} — reduce ${top.flags}`);
  }
}
