// One toy-model experiment from a resolved config to a results folder:
//   config.json → train (progress) → metrics.json, history.csv, weights.safetensors, plots/.
// If the loss diverges, what was written stays and history.csv records the steps up to it.

import fs from 'node:fs';
import path from 'node:path';
import { VERSION } from '../version.js';
import { resolveToyConfig, toyConfigSchema, type ToyConfig } from '../config/toy.js';
import { SafetensorsError, decodeSafetensors, encodeSafetensors } from '../core/safetensors.js';
import { DamagedFileError } from './faults.js';
import { toCsv, writeFileAtomic, writeJson } from './store.js';
import { superpositionMetrics, type SuperpositionMetrics } from '../metrics/superposition.js';
import {
  DivergenceError,
  STREAM,
  createToyTraining,
  evaluateLoss,
  instanceRngs,
  type HistoryRow,
  type ToyTraining,
} from '../train/trainToy.js';
import { sampleBatch } from '../data/skipSampler.js';
import { CheckpointMismatchError, restoreToyCheckpoint, toyCheckpoint, type ToyCheckpointMeta } from '../train/checkpoint.js';
import { trainToyParallel } from '../train/toyWorkers.js';

export interface InstanceMetrics extends SuperpositionMetrics {
  sparsity: number;
  finalLoss: number;
  bias: number[];
}

export interface ToyMetrics {
  instances: InstanceMetrics[];
}

export interface ProgressReporter {
  start(totalSteps: number): void;
  update(step: number, meanLoss: number): void;
  stop(): void;
}

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

export interface ToyRunResult {
  training: ToyTraining;
  metrics: ToyMetrics;
  files: string[];
}

/** Metrics of every instance: final loss on the evaluation set, then the geometry of W. */
export function toyMetrics(training: ToyTraining): ToyMetrics {
  const { shape, config, params } = training;
  const finalLoss = evaluateLoss(training);
  const instances: InstanceMetrics[] = [];
  for (let k = 0; k < shape.nInstances; k++) {
    const geometry = superpositionMetrics(params.W, k, shape.nHidden, shape.nFeatures);
    const bias = Array.from(params.b.subarray(k * shape.nFeatures, (k + 1) * shape.nFeatures));
    instances.push({ sparsity: config.sparsity[k], finalLoss: finalLoss[k], ...geometry, bias });
  }
  return { instances };
}

/** metrics.json: the interface's keys first, the Gram matrix last (it is the bulkiest). */
export function metricsJsonText(metrics: ToyMetrics): string {
  return `${JSON.stringify(metricsJson(metrics), null, 2)}\n`;
}

function metricsJson(metrics: ToyMetrics): unknown {
  return {
    instances: metrics.instances.map((m) => ({
      sparsity: m.sparsity,
      finalLoss: m.finalLoss,
      featureNorms: m.featureNorms,
      represented: m.represented,
      interference: m.interference,
      dimensionality: m.dimensionality,
      dimensionsPerFeature: m.dimensionsPerFeature,
      bias: m.bias,
      gram: m.gram,
    })),
  };
}

export function historyCsv(history: readonly HistoryRow[]): string {
  return toCsv(history as unknown as Record<string, number>[], ['step', 'instance', 'sparsity', 'loss']);
}

/** weights.safetensors of a toy model: W [inst, hidden, feat], b [inst, feat]. */
export function toyWeightsFile(W: Float32Array, b: Float32Array, nHidden: number, nFeatures: number, sparsity: readonly number[]): Uint8Array {
  const nInstances = sparsity.length;
  return encodeSafetensors(
    {
      W: { shape: [nInstances, nHidden, nFeatures], data: W },
      b: { shape: [nInstances, nFeatures], data: b },
    },
    { format: 'superposition-lab', version: VERSION, sparsity: JSON.stringify(sparsity) },
  );
}

/** A sample batch per instance for the data-distribution plot: active values and counts per sample. */
export function dataSample(
  training: ToyTraining,
  samplesPerInstance = 1024,
): { values: number[]; activeCounts: number[]; sparsity: number[] } {
  const { config, dist } = training;
  const n = config.nFeatures;
  const x = new Float32Array(dist.nInstances * samplesPerInstance * n); // [inst, batch, feat]
  sampleBatch(dist, instanceRngs(training.streamKeys, STREAM.sample), x, samplesPerInstance);
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

export function resolvedConfigJson(config: ToyConfig, provenance: Record<string, unknown> = {}): unknown {
  return { ...config, version: VERSION, ...provenance };
}

/** The config recorded in a results folder's config.json (its schema fields, resolved again). */
export function readRunConfig(outDir: string): ToyConfig {
  const recorded = JSON.parse(fs.readFileSync(path.join(outDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  const input = Object.fromEntries(Object.keys(toyConfigSchema.shape).filter((key) => key in recorded).map((key) => [key, recorded[key]]));
  return resolveToyConfig(input);
}

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
  if (!options.resume) writeJson(path.join(outDir, 'config.json'), resolvedConfigJson(config, options.provenance));
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
    if (error instanceof DivergenceError) write('history.csv', historyCsv(training.history));
    throw error;
  }
  progress?.stop();
  if (interrupted && training.step < config.totalSteps) {
    saveCheckpoint(outDir, training);
    throw new InterruptedError(training.step, config.totalSteps);
  }

  const metrics = toyMetrics(training);
  write('history.csv', historyCsv(training.history));
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
    });
    for (const name of names) files.push(`plots/${name}.svg`, `plots/${name}.png`);
  }
  write('metrics.json', metricsJsonText(metrics));
  fs.rmSync(path.join(outDir, CHECKPOINT_JSON), { force: true });
  removeCheckpointTensors(outDir);
  return { training, metrics, files };
}
