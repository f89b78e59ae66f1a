// One toy-model experiment from a resolved config to a results folder:
//   config.json → train (progress) → metrics.json, history.csv, weights.safetensors, plots/.
// If the loss diverges, what was written stays and history.csv records the steps up to it.

import fs from 'node:fs';
import path from 'node:path';
import type { ToyConfig } from '../config/toy.js';
import { SafetensorsError, decodeSafetensors, encodeSafetensors } from '../core/safetensors.js';
import { DamagedFileError } from './faults.js';
import { writeFileAtomic, writeJson } from './store.js';
import { DivergenceError, STREAM, createToyTraining, drawSamples, instanceRngs, type ToyTraining } from '../train/trainToy.js';
import { toyMetrics, type ToyMetrics } from '../train/toyMetrics.js';
import { configFromJson, toyConfigJson, toyHistoryCsv, toyMetricsJson, toyWeightsFile } from '../train/toyFiles.js';
import { CheckpointMismatchError, restoreToyCheckpoint, toyCheckpoint, type ToyCheckpointMeta } from '../train/checkpoint.js';
import { trainToyParallel } from '../train/toyWorkers.js';

/** Where a run reports its progress (the CLI's progress bar). */
export interface ProgressReporter {
  /** Training begins; it will take totalSteps steps. */
  start(totalSteps: number): void;
  /** Steps done so far and the mean loss over instances of the last batch. */
  update(step: number, meanLoss: number): void;
  /** Training ended (finished, stopped or failed). */
  stop(): void;
}

/** Options of runToyExperiment: where to write, plots, progress, checkpoints, interruption, workers. */
export interface ToyRunOptions {
  outDir: string;
  plots: boolean;
  progress?: ProgressReporter;
  /** Extra fields recorded in config.json (e.g. the command line). */
  provenance?: Record<string, unknown>;
  /** Continue from outDir's checkpoint (config.json is kept as it is). */
  resume?: boolean;
  /** Seconds between checkpoints (default 30). */
  checkpointSeconds?: number;
  /** Polled after every step; true saves a checkpoint and throws InterruptedError. */
  shouldStop?: () => boolean;
  /** Worker threads that share the instances (1: train on this thread). Results do not depend on it. */
  workers?: number;
}

/** Training was stopped on request; a checkpoint was saved. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  constructor(
    readonly step: number,
    readonly totalSteps: number,
  ) {
    super(`interrupted at step ${step}/${totalSteps}`);
  }
}

const CHECKPOINT_JSON = 'checkpoint.json';

/** A finished toy run: its training state, its metrics and the files it wrote. */
export interface ToyRunResult {
  training: ToyTraining;
  metrics: ToyMetrics;
  files: string[];
}

/** A sample batch per instance for the data-distribution plot: active values and counts per sample. */
export function dataSample(
  training: ToyTraining,
  samplesPerInstance = 1024,
): { values: number[]; activeCounts: number[]; sparsity: number[] } {
  const { config, dist } = training;
  const n = config.nFeatures;
  const x = new Float32Array(dist.nInstances * samplesPerInstance * n); // [inst, batch, feat]
  drawSamples(config, dist, instanceRngs(training.streamKeys, STREAM.sample), x, samplesPerInstance);
  const values: number[] = [];
  const activeCounts: number[] = [];
  const sparsity: number[] = [];
  for (let row = 0; row < dist.nInstances * samplesPerInstance; row++) {
    let count = 0;
    for (let i = 0; i < n; i++) {
      const v = x[row * n + i];
      if (v !== 0) {
        values.push(v);
        count++;
      }
    }
    activeCounts.push(count);
    sparsity.push(config.sparsity[Math.floor(row / samplesPerInstance)]);
  }
  return { values, activeCounts, sparsity };
}

/** The config recorded in a results folder's config.json (its schema fields, resolved again). */
export function readRunConfig(outDir: string): ToyConfig {
  return configFromJson(fs.readFileSync(path.join(outDir, 'config.json'), 'utf8'));
}

/** True when a results folder holds a checkpoint of an interrupted run (to --resume). */
export function hasCheckpoint(outDir: string): boolean {
  return fs.existsSync(path.join(outDir, CHECKPOINT_JSON));
}

function saveCheckpoint(outDir: string, training: ToyTraining): void {
  const { meta, tensors } = toyCheckpoint(training);
  const tensorFile = `checkpoint-${meta.step}.safetensors`;
  writeFileAtomic(path.join(outDir, tensorFile), encodeSafetensors(tensors));
  writeJson(path.join(outDir, CHECKPOINT_JSON), { ...meta, tensors: tensorFile });
  removeCheckpointTensors(outDir, tensorFile);
}

function removeCheckpointTensors(outDir: string, keep?: string): void {
  for (const file of fs.readdirSync(outDir))
    if (/^checkpoint-\d+\.safetensors$/.test(file) && file !== keep) fs.rmSync(path.join(outDir, file));
}

/** Restore a checkpoint; anything unreadable in it is a DamagedFileError naming the file (nothing is changed). */
function loadCheckpoint(outDir: string, training: ToyTraining): void {
  const file = path.join(outDir, CHECKPOINT_JSON);
  const hint = `to start this run again from step 0, delete ${file} and the checkpoint-*.safetensors beside it, then --resume`;
  let meta: ToyCheckpointMeta & { tensors: string };
  try {
    meta = JSON.parse(fs.readFileSync(file, 'utf8')) as ToyCheckpointMeta & { tensors: string };
  } catch (error) {
    if (error instanceof SyntaxError) throw new DamagedFileError(file, 'it is not valid JSON', hint);
    throw error;
  }
  const n = training.shape.nInstances;
  const okMeta =
    typeof meta === 'object' && meta !== null && typeof meta.tensors === 'string' && /^checkpoint-\d+\.safetensors$/.test(meta.tensors) &&
    Number.isInteger(meta.step) && meta.step >= 0 && meta.step <= training.config.totalSteps && Array.isArray(meta.history) &&
    Array.isArray(meta.dataRngs) && meta.dataRngs.length === n && Array.isArray(meta.shuffleRngs) && meta.shuffleRngs.length === n &&
    typeof meta.adamSteps?.W === 'number' && typeof meta.adamSteps?.b === 'number';
  if (!okMeta) throw new DamagedFileError(file, 'its fields do not describe a checkpoint of this run', hint);
  const tensorFile = path.join(outDir, meta.tensors);
  if (!fs.existsSync(tensorFile)) throw new DamagedFileError(file, `it names ${meta.tensors}, which is missing`, hint);
  try {
    const { tensors } = decodeSafetensors(fs.readFileSync(tensorFile));
    restoreToyCheckpoint(training, meta, tensors);
  } catch (error) {
    if (error instanceof SafetensorsError || error instanceof CheckpointMismatchError) throw new DamagedFileError(tensorFile, error.message, hint);
    throw error;
  }
}

/**
 * Train, measure and write a results folder. Saves a checkpoint every checkpointSeconds and on
 * interruption; removes it once every result is written. Throws DivergenceError (after saving
 * history.csv) or InterruptedError.
 */
export async function runToyExperiment(config: ToyConfig, options: ToyRunOptions): Promise<ToyRunResult> {
  const { outDir, progress } = options;
  const files: string[] = [];
  const write = (name: string, data: string | Uint8Array) => {
    writeFileAtomic(path.join(outDir, name), data);
    files.push(name);
  };
  if (!options.resume) writeFileAtomic(path.join(outDir, 'config.json'), toyConfigJson(config, options.provenance));
  files.push('config.json');

  const workers = options.workers ?? 1;
  // With workers the dataset of epoch mode lives in the workers; this thread only mirrors the state.
  const training = createToyTraining(config, { withDataset: workers <= 1 || config.sparsity.length <= 1 });
  if (options.resume && hasCheckpoint(outDir)) loadCheckpoint(outDir, training);
  const checkpointMs = (options.checkpointSeconds ?? 30) * 1000;
  let lastCheckpoint = performance.now();
  let interrupted = false;
  progress?.start(config.totalSteps);
  try {
    await trainToyParallel(training, workers, {
      onStep: (t) => {
        if (progress) {
          let sum = 0;
          for (let k = 0; k < t.losses.length; k++) sum += t.losses[k];
          progress.update(t.step, sum / t.losses.length);
        }
        if (t.step < config.totalSteps && performance.now() - lastCheckpoint > checkpointMs) {
          saveCheckpoint(outDir, t);
          lastCheckpoint = performance.now();
        }
      },
      shouldStop: () => (interrupted = options.shouldStop?.() ?? false),
    });
  } catch (error) {
    progress?.stop();
    if (error instanceof DivergenceError) write('history.csv', toyHistoryCsv(training.history));
    throw error;
  }
  progress?.stop();
  if (interrupted && training.step < config.totalSteps) {
    saveCheckpoint(outDir, training);
    throw new InterruptedError(training.step, config.totalSteps);
  }

  const metrics = toyMetrics(training);
  write('history.csv', toyHistoryCsv(training.history));
  write('weights.safetensors', toyWeightsFile(training.params.W, training.params.b, config.nHidden, config.nFeatures, config.sparsity));
  // metrics.json marks a finished run, so it is written last; a checkpoint at the last step lets
  // --resume finish a run stopped while plotting without training again.
  if (options.plots) {
    saveCheckpoint(outDir, training);
    const { writeToyPlots } = await import('../report/toyPlots.js');
    const names = await writeToyPlots(path.join(outDir, 'plots'), {
      nFeatures: config.nFeatures,
      nHidden: config.nHidden,
      instances: metrics.instances,
      history: training.history,
      dataSample: dataSample(training),
    }, options.shouldStop);
    // Stopped while plotting: the checkpoint at the last step stays and metrics.json is not written,
    // so the folder is not finished and --resume draws the plots without training again.
    if (options.shouldStop?.()) throw new InterruptedError(training.step, config.totalSteps);
    for (const name of names) files.push(`plots/${name}.svg`, `plots/${name}.png`);
  }
  write('metrics.json', toyMetricsJson(metrics));
  fs.rmSync(path.join(outDir, CHECKPOINT_JSON), { force: true });
  removeCheckpointTensors(outDir);
  return { training, metrics, files };
}
