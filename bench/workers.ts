// The worker-pool rows: our toy training through src/train/toyWorkers.ts with 1 and 2 workers.
// The module is imported by a computed specifier so the bench still type-checks and runs while
// the pool does not exist yet; then these rows are reported as unavailable, never estimated.

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ToyConfig } from '../src/config/toy.js';
import { createToyTraining, type ToyTraining } from '../src/train/trainToy.js';
import { measure, type Timing } from './timing.js';

/**
 * The pool's API as written in src/train/toyWorkers.ts: create() takes a ToyTraining (whose
 * parameters it moves into shared memory), runUntil(step) trains every instance up to that step.
 */
interface ToyWorkerPoolLike {
  runUntil(step: number): Promise<void>;
  /** Re-partition by measured per-worker time, as training does after a few chunks. */
  rebalance?(): Promise<boolean>;
  close(): Promise<void>;
}
interface ToyWorkersModule {
  ToyWorkerPool: { create(training: ToyTraining, workers: number): Promise<ToyWorkerPoolLike> };
}

const MODULE_URL = new URL('../src/train/toyWorkers.ts', import.meta.url);

export function workersAvailable(): boolean {
  return fs.existsSync(fileURLToPath(MODULE_URL));
}

/** Steps/s of the pool with `workers` workers on `config` (median of repeats after a warm-up). */
export async function measureWorkers(config: ToyConfig, workers: number): Promise<Timing & { startupSeconds: number }> {
  const { ToyWorkerPool } = (await import(MODULE_URL.href)) as ToyWorkersModule;
  const started = performance.now();
  const pool = await ToyWorkerPool.create(createToyTraining(config), workers);
  try {
    let step = 1;
    await pool.runUntil(step); // start-up (threads, module loading) is not throughput
    // Balance the shares as training does (trainToyParallel): chunks grown towards ~200 ms each,
    // a re-partition by measured times after the fourth and after the eighth.
    let chunk = 10;
    for (let c = 1; c <= 8; c++) {
      const started = performance.now();
      step += chunk;
      await pool.runUntil(step);
      const elapsed = performance.now() - started;
      chunk = Math.max(1, Math.round(chunk * Math.min(4, 200 / Math.max(1, elapsed))));
      if ((c === 4 || c === 8) && pool.rebalance && (await pool.rebalance())) await pool.runUntil(++step);
    }
    const startupSeconds = (performance.now() - started) / 1000;
    const timing = await measure(async (steps) => {
      step += steps;
      await pool.runUntil(step);
    });
    return { ...timing, startupSeconds };
  } finally {
    await pool.close();
  }
}
