// A worker's part of a queued sweep: one run trained alone (a pack of one: its files are the same
// bytes as in any pack, grid.ts) into a private temporary folder, read back as bytes for the
// job's result, and the folder removed. No path of the job's is ever used.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toyMetrics } from '../../train/toyMetrics.js';
import { trainToyParallel } from '../../train/toyWorkers.js';
import { InterruptedError } from '../runToy.js';
import type { SweepRun } from '../sweep/grid.js';
import { finishRun, packTraining } from '../sweep/run.js';
import { readRunFiles, type RunFiles } from './runFiles.js';

/** How a run is trained on a worker: threads, a step callback (for progress), a stop request. */
export interface TrainRunOptions {
  workers: number;
  onStep?: (step: number, totalSteps: number, loss: number) => void;
  /** Polled while training; true stops the run (InterruptedError) so its job can be released. */
  shouldStop?: () => boolean;
  log?: (line: string) => void;
  /** Told how long the run itself took (training, metrics and files, as a local sweep does them), in ms. */
  onTrained?: (ms: number) => void;
}

/** Train `run` and return its files (config.json aside); throws InterruptedError when asked to stop. */
export async function trainRunFiles(run: SweepRun, options: TrainRunOptions): Promise<RunFiles> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'superposition-job-'));
  try {
    const started = performance.now();
    const { training } = packTraining([run], options.workers);
    const total = training.config.totalSteps;
    let stopped = false;
    await trainToyParallel(training, options.workers, {
      onStep: (t) => options.onStep?.(t.step, total, t.losses.reduce((a, b) => a + b, 0) / t.losses.length),
      shouldStop: () => (stopped = options.shouldStop?.() ?? false),
    });
    if (stopped && training.step < total) throw new InterruptedError(training.step, total);
    await finishRun(run, training, 0, toyMetrics(training), { outDir: scratch, log: options.log });
    options.onTrained?.(performance.now() - started);
    return readRunFiles(path.join(scratch, 'runs', run.id));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
