// SAEs on a finished toy run: read its weights and config, train the SAE grid, measure recovery
// against the true features, write <run>/sae/ (config.json, metrics.json, history.csv,
// weights.safetensors, plots/).

import fs from 'node:fs';
import path from 'node:path';
import { VERSION } from '../version.js';
import { featureDistribution } from '../train/trainToy.js';
import { createSaeTraining, saeTrainStep, type SaeHistoryRow, type SaeTraining, type ToySource } from '../train/trainSae.js';
import { evaluateSaeInstance, meanOf, type SaeEvaluation } from '../train/evaluateSae.js';
import type { ToyConfig } from '../config/toy.js';
import { expandSaeGrid, type SaeConfig, type SaeSpec } from '../config/sae.js';
import { SafetensorsError, decodeSafetensors, encodeSafetensors, type TensorMap } from '../core/safetensors.js';
import { DamagedFileError } from './faults.js';
import { toCsv, writeFileAtomic, writeJson } from './store.js';
import { InterruptedError, type ProgressReporter } from './runToy.js';

export class MissingRunError extends Error {
  override name = 'MissingRunError';
}

/** The toy model of a results folder, for SAEs to read: a damaged, foreign or NaN file is one line naming it. */
export function loadToySource(runDir: string, config: ToyConfig): ToySource {
  const file = path.join(runDir, 'weights.safetensors');
  if (!fs.existsSync(file)) throw new MissingRunError(`--from ${runDir}: no weights.safetensors there (did the toy run finish?)`);
  const redo = 'train the toy model again (or restore the file)';
  let tensors: TensorMap;
  try {
    tensors = decodeSafetensors(fs.readFileSync(file)).tensors;
  } catch (error) {
    if (error instanceof SafetensorsError) throw new DamagedFileError(file, error.message, redo);
    throw error;
  }
  const W = tensors.W;
  const expected = [config.sparsity.length, config.nHidden, config.nFeatures];
  if (!W || W.shape.join() !== expected.join())
    throw new MissingRunError(
      `--from ${runDir}: weights.safetensors has ${W ? `a W of shape [${W.shape}]` : 'no tensor W'}, not the W [${expected}] its config.json describes — is it from another run?`,
    );
  const bad = W.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const instance = Math.floor(bad / (config.nHidden * config.nFeatures));
    throw new DamagedFileError(file, `the toy model's weights W hold ${W.data[bad]} (instance ${instance}, sparsity ${config.sparsity[instance]}), so no SAE can learn from them`, `the toy run diverged or the file was changed: ${redo}, e.g. with a smaller --lr`);
  }
  return {
    nFeatures: config.nFeatures,
    nHidden: config.nHidden,
    W: Float32Array.from(W.data),
    featureProbability: featureDistribution(config).featureProbability,
    seed: config.seed,
  };
}

export interface SaeResult {
  spec: SaeSpec;
  evaluation: SaeEvaluation;
}

/** One entry of sae/metrics.json: the interface's keys, then supporting detail. */
export function saeMetricsEntry({ spec, evaluation: e }: SaeResult): Record<string, unknown> {
  const a = e.activity;
  return {
    toyInstance: spec.toyInstance,
    sparsity: spec.sparsity,
    arch: spec.arch,
    dictSize: spec.dictSize,
    l1: spec.l1,
    k: spec.k,
    seed: spec.seed,
    mmcs: e.represented.mmcs,
    mmcsAll: e.all.mmcs,
    recovered090: e.represented.recovered090,
    recovered099: e.represented.recovered099,
    mcc: e.represented.mcc,
    l0: a.l0,
    trueL0: a.trueL0,
    deadLatents: a.deadLatents,
    denseLatents: a.denseLatents,
    fve: a.fve,
    shrinkage: a.shrinkage,
    represented: e.representedFeatures.length,
    mccAll: e.all.mcc,
    recovered090All: e.all.recovered090,
    recovered099All: e.all.recovered099,
    mse: a.mse,
    uniqueness: e.uniqueness,
    precision: meanOf(a.precision),
    recall: meanOf(a.recall),
    f1: meanOf(a.f1),
    purity: meanOf(a.purity),
    representedFeatures: e.representedFeatures,
    bestCosine: e.represented.bestCosine,
    matchedLatent: e.represented.matchedLatent,
    firingFrequency: a.firingFrequency,
  };
}

function saeWeights(training: SaeTraining): Uint8Array {
  const tensors: TensorMap = {};
  const groups: Record<string, number[]> = {};
  for (const group of training.groups) {
    const prefix = `${group.arch.name}_d${group.shape.dictSize}`;
    const count = group.instances.length;
    groups[prefix] = group.instances.map((instance) => instance.spec.index);
    for (const [name, dims] of Object.entries(group.arch.parameterShapes(group.shape)))
      tensors[`${prefix}.${name}`] = { shape: [count, ...dims], data: group.params[name] };
  }
  return encodeSafetensors(tensors, { format: 'superposition-lab-sae', version: VERSION, saeIndex: JSON.stringify(groups) });
}

function historyCsv(history: readonly SaeHistoryRow[]): string {
  const columns = ['step', 'sae', 'toyInstance', 'arch', 'dictSize', 'loss', 'reconstruction', 'sparsityPenalty', 'auxiliary', 'l0', 'dead'];
  return toCsv(history as unknown as Record<string, number | string>[], columns);
}

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

export async function runSaeExperiment(toyConfig: ToyConfig, toy: ToySource, config: SaeConfig, options: SaeRunOptions): Promise<SaeResult[]> {
  const { outDir, progress } = options;
  const specs = expandSaeGrid(config, toyConfig.sparsity, toyConfig.nFeatures);
  writeJson(path.join(outDir, 'config.json'), { ...config, nSaes: specs.length, toySeed: toyConfig.seed, version: VERSION, ...options.provenance });
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
    writeFileAtomic(path.join(outDir, 'history.csv'), historyCsv(training.history));
  }

  const results: SaeResult[] = [];
  for (const group of training.groups)
    for (const instance of group.instances) results.push({ spec: instance.spec, evaluation: evaluateSaeInstance(training, group, instance) });
  results.sort((a, b) => a.spec.index - b.spec.index);
  writeFileAtomic(path.join(outDir, 'metrics.json'), `${JSON.stringify({ saes: results.map(saeMetricsEntry) }, null, 2)}\n`);
  writeFileAtomic(path.join(outDir, 'weights.safetensors'), saeWeights(training));
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
