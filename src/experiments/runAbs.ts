// One abs-model experiment (--model abs) from a resolved config to a results folder:
//   config.json → train (progress) → history.csv, weights.safetensors (W1, b1, W2, b2), plots/,
//   metrics.json last (it marks a finished run). Not checkpointed: an interrupted abs run keeps
//   only its config.json and is trained again from the start.

import path from 'node:path';
import type { ToyConfig } from '../config/toy.js';
import { writeFileAtomic } from './store.js';
import { InterruptedError, type ToyRunOptions } from './runToy.js';
import { DivergenceError } from '../train/trainToy.js';
import { createAbsTraining, evaluateAbsLoss, trainAbs, type AbsTraining } from '../train/trainAbs.js';
import { absMetrics, absMetricsJson, absWeightsFile, type AbsInstanceMetrics } from '../train/absFiles.js';
import { toyConfigJson, toyHistoryCsv } from '../train/toyFiles.js';
import { instanceWeights } from '../metrics/absComputed.js';

/** A finished abs run: its training state, its metrics and the files it wrote. */
export interface AbsRunResult {
  training: AbsTraining;
  metrics: AbsInstanceMetrics[];
  files: string[];
}

/** Train, measure and write a results folder; throws DivergenceError (after history.csv) or InterruptedError. */
export async function runAbsExperiment(config: ToyConfig, options: Omit<ToyRunOptions, 'resume' | 'workers' | 'checkpointSeconds'>): Promise<AbsRunResult> {
  const { outDir, progress } = options;
  const files: string[] = [];
  const write = (name: string, data: string | Uint8Array) => {
    writeFileAtomic(path.join(outDir, name), data);
    files.push(name);
  };
  write('config.json', toyConfigJson(config, options.provenance));
  const training = createAbsTraining(config);
  progress?.start(config.totalSteps);
  try {
    await trainAbs(training, {
      onStep: (t) => progress?.update(t.step, t.losses.reduce((s, v) => s + v, 0) / t.losses.length),
      shouldStop: () => options.shouldStop?.() ?? false,
    });
  } catch (error) {
    progress?.stop();
    if (error instanceof DivergenceError) write('history.csv', toyHistoryCsv(training.history));
    throw error;
  }
  progress?.stop();
  if (training.step < config.totalSteps) throw new InterruptedError(training.step, config.totalSteps);
  const metrics = absMetrics(training, evaluateAbsLoss(training));
  write('history.csv', toyHistoryCsv(training.history));
  write('weights.safetensors', absWeightsFile(training));
  if (options.plots) {
    const { writeAbsPlots } = await import('../report/absRunPlots.js');
    const { nFeatures: n, nHidden: m } = training.shape;
    const instances = metrics.map((inst, k) => ({ ...inst, weights: instanceWeights(training.params, k, n, m) }));
    for (const name of await writeAbsPlots(path.join(outDir, 'plots'), n, m, instances)) files.push(`plots/${name}.svg`, `plots/${name}.png`);
  }
  write('metrics.json', absMetricsJson(metrics));
  return { training, metrics, files };
}
