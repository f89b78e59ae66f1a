// The library's one-call training: a toy model from a config to its weights, history and
// metrics, and SAEs on it to their weights and recovery metrics — the same loops as the CLI
// (createToyTraining/trainStep, createSaeTraining/saeTrainStep, evaluateSaes), so the numbers are
// the CLI's for the same config and seed. Each comes synchronous, and asynchronous for UIs and
// Web Workers: it yields to the event loop between slices of steps, reports progress and stops
// on an AbortSignal. Also a trained model as the files of a results folder, and back.

import type { ToyConfig, ToyConfigInput } from '../config/toy.js';
import { resolveToyConfig } from '../config/toy.js';
import { expandSaeGrid, resolveSaeConfig, type SaeConfig, type SaeConfigInput, type SaeSpec } from '../config/sae.js';
import { createToyTraining, featureDistribution, toyCorrelation, toyHierarchy, trainStep, type HistoryRow, type ToyTraining } from './trainToy.js';
import { toyMetrics, type ToyMetrics } from './toyMetrics.js';
import { configFromJson, readToyWeights, toyConfigJson, toyHistoryCsv, toyMetricsJson, toyWeightsFile } from './toyFiles.js';
import { createSaeTraining, deadCount, saeTrainStep, type SaeHistoryRow, type SaeTraining, type ToySource } from './trainSae.js';
import { evaluateSaes, type SaeEvaluation } from './evaluateSae.js';
import { saeConfigJson, saeHistoryCsv, saeMetricsEntry, saeMetricsJson, saeWeightsFile, type SaeMetrics } from './saeFiles.js';

/** A toy model: its resolved config and its parameters W [inst, hidden, feat] and b [inst, feat]. */
export interface ToyModel {
  config: ToyConfig;
  /** W [inst, hidden, feat], row-major: instance k's column i (feature i's direction) is W[k·m·n + j·n + i], j < m. */
  W: Float32Array;
  /** b [inst, feat]. */
  b: Float32Array;
}

/** A trained toy model: the model, its loss history and its metrics (metrics.json). */
export interface TrainedToyModel extends ToyModel {
  /** Loss of every instance every config.historyEvery steps and at the last step (history.csv). */
  history: HistoryRow[];
  /** Per instance: final loss on config.evalSize fresh samples, feature norms, represented features, WᵀW, … */
  metrics: ToyMetrics;
}

/** Where a toy training is, handed to onProgress. W, b and losses are live views: copy what you keep. */
export interface ToyProgress {
  step: number;
  totalSteps: number;
  /** The last batch's loss per instance [inst]. */
  losses: Float64Array;
  W: Float32Array;
  b: Float32Array;
  /** Every history row so far (history.csv's rows; a live array: read the rows added since the last call). */
  history: readonly HistoryRow[];
  /** Milliseconds spent in training steps so far (async calls; 0 in the synchronous ones): steps / trainingMs is the loop's own rate, yields and callbacks excluded. */
  trainingMs: number;
}

/** Where an SAE training is, handed to onProgress. decoders is a live view: copy what you keep. */
export interface SaeProgress {
  step: number;
  totalSteps: number;
  /** The last batch's loss per SAE, in SAE index order. */
  losses: number[];
  /** The last batch's L0 (mean active latents) per SAE, in SAE index order. */
  l0: number[];
  /** Latents silent for the config's deadWindow steps, per SAE, in SAE index order. */
  dead: number[];
  /** Each SAE's W_dec [hidden, latent] (unit columns), in SAE index order: compare with the toy's W_i as it trains. */
  decoders: Float32Array[];
  /** Milliseconds spent in training steps so far (async calls; 0 in the synchronous ones). */
  trainingMs: number;
}

/** Anything with AbortSignal's `aborted` and `reason` (an AbortSignal, without requiring DOM or Node types). */
export interface StopSignal {
  readonly aborted: boolean;
  readonly reason?: unknown;
}

/** Options of the synchronous training calls. */
export interface TrainOptions<P> {
  /** Called every `progressEvery` steps and after the last. */
  onProgress?(progress: P): void;
  /** Steps between onProgress calls (default 100). */
  progressEvery?: number;
}

/** Options of the asynchronous training calls. */
export interface TrainAsyncOptions<P> {
  /** Called after every slice of steps and after the last. */
  onProgress?(progress: P): void;
  /** Checked between slices: once aborted, the promise rejects with the signal's reason. */
  signal?: StopSignal;
  /** Milliseconds of training between yields to the event loop (default 100). */
  sliceMs?: number;
}

/** One SAE trained by trainSaes: its spec, its numbers in sae/metrics.json, the full evaluation, its weights. */
export interface TrainedSae {
  spec: SaeSpec;
  /** The SAE's entry of sae/metrics.json: mmcs, mcc, recovered090, l0, deadLatents, … */
  metrics: SaeMetrics;
  /** The evaluation metrics come from, with the feature × latent cosine matrix. */
  evaluation: SaeEvaluation;
  /** Copies of its parameters: W_enc [d, m], b_enc [d], W_dec [m, d] (unit columns), b_dec [m], and the architecture's own. */
  weights: Record<string, Float32Array>;
}

/** The SAEs trained on a toy model, in SAE index order, with their config and loss history (sae/history.csv). */
export interface TrainedSaes {
  config: SaeConfig;
  saes: TrainedSae[];
  history: SaeHistoryRow[];
}

/** The files of a results folder by name: text for .json and .csv, bytes for .safetensors. */
export type ResultFiles = Record<string, string | Uint8Array>;

function resolveToy(input: ToyConfigInput | ToyConfig): ToyConfig {
  return 'totalSteps' in input && 'dataMode' in input ? (input as ToyConfig) : resolveToyConfig(input);
}

function toyProgress(training: ToyTraining, trainingMs: number): ToyProgress {
  const { params } = training;
  return { step: training.step, totalSteps: training.config.totalSteps, losses: training.losses, W: params.W, b: params.b, history: training.history, trainingMs };
}

function trainedToy(training: ToyTraining): TrainedToyModel {
  const { config, params, history } = training;
  return { config, W: params.W, b: params.b, history, metrics: toyMetrics(training) };
}

function throwIfStopped(signal: StopSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('training was aborted');
}

/**
 * Run `step` until `done()`, yielding to the event loop every sliceMs and reporting after each
 * slice with the milliseconds spent in steps so far (the time of the yields and reports left out).
 */
async function trainSliced(done: () => boolean, step: () => void, report: (trainingMs: number) => void, options: TrainAsyncOptions<unknown>): Promise<void> {
  const sliceMs = options.sliceMs ?? 100;
  let trainingMs = 0;
  while (!done()) {
    throwIfStopped(options.signal);
    const sliceStart = performance.now();
    const sliceEnd = sliceStart + sliceMs;
    do step();
    while (!done() && performance.now() < sliceEnd);
    trainingMs += performance.now() - sliceStart;
    report(trainingMs);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  throwIfStopped(options.signal);
}

/**
 * Train a toy model (every instance of its sparsity grid at once) and measure it, synchronously.
 * Takes a config input (defaults filled in, checked: throws ConfigError) or a resolved config. The
 * numbers equal a CLI run's (`superposition … --workers 1`) for the same config and seed.
 *
 * @example
 * const model = trainToyModel({ nFeatures: 5, nHidden: 2, importanceDecay: 0.9, sparsity: [0.9] });
 * model.metrics.instances[0].represented; // 5 (the pentagon)
 */
export function trainToyModel(input: ToyConfigInput | ToyConfig, options: TrainOptions<ToyProgress> = {}): TrainedToyModel {
  const training = createToyTraining(resolveToy(input));
  const every = options.progressEvery ?? 100;
  const total = training.config.totalSteps;
  while (training.step < total) {
    trainStep(training);
    if (options.onProgress && (training.step % every === 0 || training.step === total)) options.onProgress(toyProgress(training, 0));
  }
  return trainedToy(training);
}

/**
 * trainToyModel that yields to the event loop between slices of steps, for a UI or a Web Worker:
 * the same numbers, progress after each slice, and a stop through an AbortSignal.
 *
 * @example
 * const controller = new AbortController();
 * const model = await trainToyModelAsync({ sparsity: [0.9] }, { signal: controller.signal, onProgress: (p) => draw(p.W) });
 */
export async function trainToyModelAsync(input: ToyConfigInput | ToyConfig, options: TrainAsyncOptions<ToyProgress> = {}): Promise<TrainedToyModel> {
  const training = createToyTraining(resolveToy(input));
  const report = (trainingMs: number) => options.onProgress?.(toyProgress(training, trainingMs));
  await trainSliced(() => training.step >= training.config.totalSteps, () => trainStep(training), report, options);
  return trainedToy(training);
}

/** A toy model as the data source of SAEs: its weights and its feature distribution. */
export function toySource(config: ToyConfig, W: Float32Array): ToySource {
  const correlation = toyCorrelation(config);
  return {
    nFeatures: config.nFeatures,
    nHidden: config.nHidden,
    W,
    featureProbability: featureDistribution(config).featureProbability,
    seed: config.seed,
    ...(config.inputNorm === undefined ? {} : { inputNorm: config.inputNorm }),
    ...(config.hierarchy !== undefined ? { hierarchy: toyHierarchy(config) } : {}),
    ...(correlation ? { correlation } : {}),
  };
}

function saeTraining(toy: ToyModel, input: SaeConfigInput | SaeConfig): SaeTraining {
  const config = resolveSaeConfig(input);
  const source = toySource(toy.config, toy.W);
  const specs = expandSaeGrid(config, toy.config.sparsity, toy.config.nFeatures, source.correlation);
  return createSaeTraining(config, source, specs);
}

function saeProgress(training: SaeTraining, trainingMs: number): SaeProgress {
  const instances = training.groups.flatMap((g) => g.instances).sort((a, b) => a.spec.index - b.spec.index);
  return {
    step: training.step,
    totalSteps: training.config.saeSteps,
    losses: instances.map((i) => i.lastLoss.loss),
    l0: instances.map((i) => i.lastLoss.l0),
    dead: instances.map((i) => deadCount(i, training.config.deadWindow)),
    decoders: instances.map((i) => i.params.W_dec as Float32Array),
    trainingMs,
  };
}

function trainedSaes(training: SaeTraining): TrainedSaes {
  const saes = evaluateSaes(training).map(({ spec, evaluation, params }) => ({
    spec,
    metrics: saeMetricsEntry(spec, evaluation),
    evaluation,
    weights: Object.fromEntries(Object.entries(params).map(([name, p]) => [name, Float32Array.from(p)])),
  }));
  return { config: training.config, saes, history: training.history };
}

/**
 * Train SAEs on a toy model's hidden activations h = W x and measure how well they recover the
 * true features W_i, synchronously: one SAE per toy instance × architecture × dictionary size × λ
 * or k × seed of the config (throws ConfigError on a bad value). The numbers equal those of
 * `superposition sae --from <run>` on the same model.
 *
 * @example
 * const { saes } = trainSaes(model, { arch: ['topk'], dictSize: [40] });
 * saes[0].metrics.mmcs; // mean max cosine over the represented features
 */
export function trainSaes(toy: ToyModel, input: SaeConfigInput | SaeConfig, options: TrainOptions<SaeProgress> = {}): TrainedSaes {
  const training = saeTraining(toy, input);
  const every = options.progressEvery ?? 100;
  const total = training.config.saeSteps;
  while (training.step < total) {
    saeTrainStep(training);
    if (options.onProgress && (training.step % every === 0 || training.step === total)) options.onProgress(saeProgress(training, 0));
  }
  return trainedSaes(training);
}

/** trainSaes that yields to the event loop between slices of steps, with progress and an AbortSignal (see trainToyModelAsync). */
export async function trainSaesAsync(toy: ToyModel, input: SaeConfigInput | SaeConfig, options: TrainAsyncOptions<SaeProgress> = {}): Promise<TrainedSaes> {
  const training = saeTraining(toy, input);
  const report = (trainingMs: number) => options.onProgress?.(saeProgress(training, trainingMs));
  await trainSliced(() => training.step >= training.config.saeSteps, () => saeTrainStep(training), report, options);
  return trainedSaes(training);
}

/**
 * A trained toy model as the files of a CLI results folder: config.json, metrics.json,
 * history.csv, weights.safetensors, byte for byte what the CLI writes (config.json adds
 * `provenance`'s fields, as the CLI adds its command line).
 */
export function toyRunFiles(model: TrainedToyModel, provenance: Record<string, unknown> = {}): ResultFiles {
  const { config } = model;
  return {
    'config.json': toyConfigJson(config, provenance),
    'metrics.json': toyMetricsJson(model.metrics),
    'history.csv': toyHistoryCsv(model.history),
    'weights.safetensors': toyWeightsFile(model.W, model.b, config.nHidden, config.nFeatures, config.sparsity),
  };
}

/** SAEs trained on `toy` as the files of a results folder's sae/ subfolder, as `superposition sae` writes them. */
export function saeRunFiles(toy: ToyModel, trained: TrainedSaes, provenance: Record<string, unknown> = {}): ResultFiles {
  return {
    'config.json': saeConfigJson(trained.config, toy.config, trained.saes.length, provenance),
    'metrics.json': saeMetricsJson(trained.saes.map((sae) => sae.metrics)),
    'history.csv': saeHistoryCsv(trained.history),
    'weights.safetensors': saeWeightsFile(trained.saes.map((sae) => ({ spec: sae.spec, params: sae.weights }))),
  };
}

/**
 * A toy model back from a CLI results folder's config.json (text or bytes) and
 * weights.safetensors (bytes), e.g. files dropped into a browser. Throws ConfigError on a bad
 * config, ResultFilesError when the weights do not match it, SafetensorsError on a damaged file.
 */
export function readToyRunFiles(files: { 'config.json': string | Uint8Array; 'weights.safetensors': Uint8Array }): ToyModel {
  const text = files['config.json'];
  const config = configFromJson(typeof text === 'string' ? text : new TextDecoder().decode(text));
  return { config, ...readToyWeights(files['weights.safetensors'], config) };
}
