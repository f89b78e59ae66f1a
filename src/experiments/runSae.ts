// SAEs on a finished toy run: read its weights and config, train the SAE grid, measure recovery
// against the true features, write <run>/sae/ (config.json, metrics.json, history.csv,
// weights.safetensors, plots/).

import fs from 'node:fs';
import path from 'node:path';
import { createSaeTraining, saeTrainStep, type SaeTraining, type ToySource } from '../train/trainSae.js';
import { evaluateSaes, meanOf, type SaeEvaluation } from '../train/evaluateSae.js';
import { saeConfigJson, saeHistoryCsv, saeMetricsEntry, saeMetricsJson, saeWeightsFile } from '../train/saeFiles.js';
import { ResultFilesError, readToyWeights } from '../train/toyFiles.js';
import { toySource } from '../train/library.js';
import type { ToyConfig } from '../config/toy.js';
import { expandSaeGrid, type SaeConfig, type SaeSpec } from '../config/sae.js';
import { SafetensorsError } from '../core/safetensors.js';
import { DamagedFileError, MissingRunError } from './faults.js';
import { writeFileAtomic } from './store.js';
import { InterruptedError, type ProgressReporter } from './runToy.js';

// Defined with the other known failures (faults.ts), which the CLI's failure handler imports
// without loading the SAE code.
export { MissingRunError };

/** The toy model of a results folder, for SAEs to read: a damaged, foreign or NaN file is one line naming it. */
export function loadToySource(runDir: string, config: ToyConfig): ToySource {
  const file = path.join(runDir, 'weights.safetensors');
  if (!fs.existsSync(file)) throw new MissingRunError(`--from ${runDir}: no weights.safetensors there (did the toy run finish?)`);
  const redo = 'train the toy model again (or restore the file)';
  let W: Float32Array;
  try {
    W = readToyWeights(fs.readFileSync(file), config).W;
  } catch (error) {
    if (error instanceof SafetensorsError) throw new DamagedFileError(file, error.message, redo);
    if (error instanceof ResultFilesError) throw new MissingRunError(`--from ${runDir}: ${error.message}`);
    throw error;
  }
  const bad = W.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const instance = Math.floor(bad / (config.nHidden * config.nFeatures));
    throw new DamagedFileError(
      file,
      `the toy model's weights W hold ${W[bad]} (instance ${instance}, sparsity ${config.sparsity[instance]}), so no SAE can learn from them`,
      `the toy run diverged or the file was changed: ${redo}, e.g. with a smaller --lr`,
    );
  }
  return toySource(config, W);
}

/** One SAE's spec and its measured recovery. */
export interface SaeResult {
  spec: SaeSpec;
  evaluation: SaeEvaluation;
}

/** Options of runSaeExperiment: where to write, plots, progress, provenance. */
export interface SaeRunOptions {
  outDir: string;
  plots: boolean;
  progress?: ProgressReporter;
  provenance?: Record<string, unknown>;
  /** Polled between slices of steps; true throws InterruptedError (SAE training is not checkpointed). */
  shouldStop?: () => boolean;
}

/** Fields swept with more than one value (for the recovery-vs-flag plots). */
export function sweptFields(config: SaeConfig): ('l1' | 'k' | 'dictSize')[] {
  const fields: ('l1' | 'k' | 'dictSize')[] = [];
  if ((config.l1?.length ?? 0) > 1) fields.push('l1');
  if ((config.k?.length ?? 0) > 1) fields.push('k');
  if ((config.dictSize?.length ?? 0) > 1) fields.push('dictSize');
  return fields;
}

/**
 * Train the SAE grid of `config` on a toy model, measure recovery, and write <outDir>:
 * config.json, metrics.json, history.csv, weights.safetensors, and plots/ when asked.
 */
export async function runSaeExperiment(toyConfig: ToyConfig, toy: ToySource, config: SaeConfig, options: SaeRunOptions): Promise<SaeResult[]> {
  const { outDir, progress } = options;
  const specs = expandSaeGrid(config, toyConfig.sparsity, toyConfig.nFeatures, toy.correlation);
  writeFileAtomic(path.join(outDir, 'config.json'), saeConfigJson(config, toyConfig, specs.length, options.provenance));
  const training = createSaeTraining(config, toy, specs);
  progress?.start(config.saeSteps);
  try {
    while (training.step < config.saeSteps) {
      const sliceEnd = performance.now() + 100;
      do saeTrainStep(training);
      while (training.step < config.saeSteps && performance.now() < sliceEnd);
      if (progress) {
        const losses = training.groups.flatMap((g) => g.instances.map((i) => i.lastLoss.loss));
        progress.update(training.step, meanOf(losses));
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (training.step < config.saeSteps && options.shouldStop?.()) throw new InterruptedError(training.step, config.saeSteps);
    }
  } finally {
    progress?.stop();
    writeFileAtomic(path.join(outDir, 'history.csv'), saeHistoryCsv(training.history));
  }

  const evaluated = evaluateSaes(training);
  const results: SaeResult[] = evaluated.map(({ spec, evaluation }) => ({ spec, evaluation }));
  writeFileAtomic(path.join(outDir, 'metrics.json'), saeMetricsJson(results.map((r) => saeMetricsEntry(r.spec, r.evaluation))));
  writeFileAtomic(path.join(outDir, 'weights.safetensors'), saeWeightsFile(evaluated));
  if (options.plots) await writePlots(outDir, toy, training, results, sweptFields(config));
  return results;
}

async function writePlots(
  outDir: string,
  toy: ToySource,
  training: SaeTraining,
  results: readonly SaeResult[],
  swept: ('l1' | 'k' | 'dictSize')[],
): Promise<void> {
  const { writeSaePlots } = await import('../report/saePlots.js');
  const { nFeatures: n, nHidden: m } = toy;
  const decoders = new Map<number, number[][]>();
  for (const group of training.groups) {
    const d = group.shape.dictSize;
    for (const instance of group.instances) {
      const W = instance.params.W_dec;
      decoders.set(instance.spec.index, Array.from({ length: d }, (_, l) => Array.from({ length: m }, (_, j) => W[j * d + l])));
    }
  }
  const saes = results.map(({ spec, evaluation: e }) => {
    const base = spec.toyInstance * m * n;
    return {
      ...spec,
      mmcs: e.represented.mmcs,
      mmcsAll: e.all.mmcs,
      mcc: e.represented.mcc,
      recovered090: e.represented.recovered090,
      represented: e.representedFeatures.length,
      l0: e.activity.l0,
      trueL0: e.activity.trueL0,
      deadLatents: e.activity.deadLatents,
      cosines: e.cosines,
      representedFeatures: e.representedFeatures,
      matchedLatent: e.represented.matchedLatent,
      firingFrequency: e.activity.firingFrequency,
      decoder: decoders.get(spec.index)!,
      trueFeatures: Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, j) => toy.W[base + j * n + i])),
    };
  });
  await writeSaePlots(path.join(outDir, 'plots'), { nFeatures: n, nHidden: m, saes }, swept);
}
