// The toy-model training loop: every instance of the grid steps together, each with its own
// data stream, so one run covers a whole sparsity grid (the paper's trick). All buffers are
// allocated once in createToyTraining; the step loop allocates nothing but history rows.

import type { BatchLists } from '../core/batchLists.js';
import { Rng, shuffle } from '../core/rng.js';
import { adamStepAt, createAdamState, type AdamOptions, type AdamState } from '../core/adam.js';
import { learningRateInto, type LrSchedule } from '../core/schedule.js';
import { probabilityFromSparsity, type FeatureDistribution } from '../data/features.js';
import { sampleBatch, sampleBatchLists } from '../data/skipSampler.js';
import { normalizeRows } from '../data/normalize.js';
import { contiguousHierarchy, type FeatureHierarchy } from '../data/hierarchy.js';
import { sampleCorrelatedBatch, type FeatureCorrelation } from '../data/correlatedSets.js';
import { geometricImportance, importancePerInstance } from '../data/importance.js';
import type { ToyModelGrads, ToyModelParams, ToyModelShape } from '../kernels/toy/types.js';
import { createGrads, createParams, createWorkspace, initParams, lossAndGradients, type ToyModelWorkspace } from '../models/toyModel.js';
import { DEFAULT_CORRELATION_SET, DEFAULT_HIERARCHY_CHILDREN, type ToyConfig } from '../config/toy.js';

/** Stream ids under (seed, instance): each purpose draws from its own generator. */
export const STREAM = { init: 0, data: 1, evaluation: 2, shuffle: 3, sample: 4 } as const;

/** One row of history.csv: an instance's loss on its training batch at a step. */
export interface HistoryRow {
  step: number;
  instance: number;
  sparsity: number;
  loss: number;
}

/** The loss of an instance became NaN or ±∞ (learning rate too high?); training stops. */
export class DivergenceError extends Error {
  override name = 'DivergenceError';
  constructor(
    readonly instance: number,
    readonly step: number,
    readonly sparsity: number,
    readonly loss: number,
  ) {
    super(`loss became ${loss} at step ${step} in instance ${instance} (sparsity ${sparsity})`);
  }
}

/**
 * The whole state of a toy training: config, parameters, gradients, Adam moments, data streams,
 * step and history, all allocated once by createToyTraining and advanced by trainStep.
 */
export interface ToyTraining {
  config: ToyConfig;
  shape: ToyModelShape;
  dist: FeatureDistribution;
  importance: Float64Array; // [inst, feat]
  params: ToyModelParams<Float32Array>;
  grads: ToyModelGrads;
  adam: { W: AdamState; b: AdamState };
  adamOptions: AdamOptions;
  schedule: LrSchedule;
  /** [1] this step's learning rate (handed to Adam in an array: a double argument is boxed). */
  rate: Float64Array;
  workspace: ToyModelWorkspace;
  x: Float32Array; // [inst, batch, feat]
  /** This step's batch as the lists of its active inputs, where it was drawn so (then x is stale). */
  lists?: BatchLists | null;
  /** [inst] 1 where this step's batch is drawn as lists (listsPay). */
  listWanted?: Uint8Array;
  losses: Float64Array; // [inst]
  dataRngs: Rng[];
  shuffleRngs: Rng[];
  /** Epoch mode only: the fixed dataset and each instance's current permutation of it. */
  dataset?: Float32Array; // [inst, datasetSize, feat]
  order?: Uint32Array[]; // [inst][datasetSize]
  /** Epoch mode only: shuffle-stream states before the current epoch's shuffle (to rebuild order on resume). */
  epochShuffleStates?: number[][];
  /** Global index of this training's first instance (a worker trains a contiguous share). */
  instanceOffset: number;
  /** Stream keys of this training's instances. */
  streamKeys: StreamKey[];
  /** Optimizer steps completed. */
  step: number;
  history: HistoryRow[];
}

/**
 * What an instance's random streams are keyed by: its run's seed and its index in that run. A
 * share of a model (a worker's) or a pack of several runs trained as one model draws exactly
 * what each run would draw alone.
 */
export interface StreamKey {
  seed: number;
  index: number;
}

export function defaultStreamKeys(config: ToyConfig): StreamKey[] {
  return config.sparsity.map((_, index) => ({ seed: config.seed, index }));
}

/** One generator per instance for one purpose (STREAM.*). */
export function instanceRngs(keys: readonly StreamKey[], purpose: number): Rng[] {
  return keys.map((key) => Rng.stream(key.seed, key.index, purpose));
}

/** Parameter and optimizer storage supplied from outside (shared memory of a worker pool). */
export interface ToyStorage {
  W: Float32Array; // [inst, hidden, feat]
  b: Float32Array; // [inst, feat]
  adamWm: Float64Array;
  adamWv: Float64Array;
  adamBm: Float64Array;
  adamBv: Float64Array;
}

/** Options of createToyTraining (worker shares, shared storage, packed runs). */
export interface ToyTrainingOptions {
  /** Train only instances [start, end) of the config; streams and history keep global indices. */
  range?: [number, number];
  /** Use this storage, already initialised, instead of fresh initialised buffers. */
  storage?: ToyStorage;
  /** Generate the fixed dataset of epoch mode (default true; a pool's main thread never trains). */
  withDataset?: boolean;
  /** Stream keys of every instance of the config (default: the config's seed, index k). */
  streamKeys?: StreamKey[];
  /** Importance of every instance [inst, feat] (default: from the config, the same for all). */
  importance?: Float64Array;
}

/** The config of instances [start, end) only. */
function configRange(config: ToyConfig, [start, end]: [number, number]): ToyConfig {
  return {
    ...config,
    sparsity: config.sparsity.slice(start, end),
    featureProbability: config.featureProbability?.slice(start, end),
  };
}

export function featureDistribution(config: ToyConfig): FeatureDistribution {
  const nInstances = config.sparsity.length;
  const featureProbability = config.featureProbability
    ? Float64Array.from(config.featureProbability.flat())
    : probabilityFromSparsity(config.sparsity, config.nFeatures);
  const hierarchy = toyHierarchy(config);
  return { nInstances, nFeatures: config.nFeatures, featureProbability, ...(hierarchy ? { hierarchy } : {}) };
}

/** The config's hierarchical features (--hierarchy), or undefined when it has none. */
export function toyHierarchy(config: ToyConfig): FeatureHierarchy | undefined {
  if (config.hierarchy === undefined) return undefined;
  return contiguousHierarchy(config.hierarchy, config.hierarchyChildren ?? DEFAULT_HIERARCHY_CHILDREN, config.hierarchyMode === 'exclusive');
}

/** The config's correlated or anticorrelated sets (--correlation), or undefined for independent features. */
export function toyCorrelation(config: Pick<ToyConfig, 'correlation' | 'correlationSet'>): FeatureCorrelation | undefined {
  if (config.correlation === undefined || config.correlation === 'independent') return undefined;
  return { kind: config.correlation, setSize: config.correlationSet ?? DEFAULT_CORRELATION_SET };
}

/**
 * A toy training at step 0: parameters initialised from each instance's init stream, buffers
 * allocated once. Advance it with trainStep; measure it with evaluateLoss or toyMetrics.
 *
 * @example
 * const training = createToyTraining(resolveToyConfig({ sparsity: [0.9] }));
 * while (training.step < training.config.totalSteps) trainStep(training);
 */
export function createToyTraining(fullConfig: ToyConfig, options: ToyTrainingOptions = {}): ToyTraining {
  const [offset, end] = options.range ?? [0, fullConfig.sparsity.length];
  const config = options.range ? configRange(fullConfig, options.range) : fullConfig;
  if (config.model === 'abs') throw new Error('the abs model trains with createAbsTraining (src/train/trainAbs.ts), not as a toy model');
  const nInstances = config.sparsity.length;
  const streamKeys = (options.streamKeys ?? defaultStreamKeys(fullConfig)).slice(offset, end);
  const shape: ToyModelShape = {
    nInstances,
    nFeatures: config.nFeatures,
    nHidden: config.nHidden,
    activation: config.model,
  };
  const dist = featureDistribution(config);
  const importance = options.importance
    ? options.importance.slice(offset * config.nFeatures, end * config.nFeatures)
    : importancePerInstance(config.importance ?? geometricImportance(config.nFeatures, config.importanceDecay), nInstances);
  const storage = options.storage;
  const params = storage ? { W: storage.W, b: storage.b } : createParams(shape, Float32Array);
  if (!storage) initParams(shape, params, instanceRngs(streamKeys, STREAM.init));
  const training: ToyTraining = {
    config,
    shape,
    dist,
    importance,
    params,
    grads: createGrads(shape),
    adam: storage
      ? { W: { m: storage.adamWm, v: storage.adamWv, t: 0 }, b: { m: storage.adamBm, v: storage.adamBv, t: 0 } }
      : { W: createAdamState(params.W.length), b: createAdamState(params.b.length) },
    adamOptions: {
      optimizer: config.optimizer,
      beta1: config.beta1,
      beta2: config.beta2,
      epsilon: config.epsilon,
      weightDecay: config.weightDecay,
    },
    rate: new Float64Array(1),
    schedule: {
      name: config.lrSchedule,
      baseLr: config.lr,
      totalSteps: config.totalSteps,
      warmupSteps: config.warmupSteps,
    },
    workspace: createWorkspace(shape),
    x: new Float32Array(nInstances * config.batchSize * config.nFeatures),
    lists: null,
    losses: new Float64Array(nInstances),
    dataRngs: instanceRngs(streamKeys, STREAM.data),
    shuffleRngs: instanceRngs(streamKeys, STREAM.shuffle),
    instanceOffset: offset,
    streamKeys,
    step: 0,
    history: [],
  };
  if (config.dataMode === 'epochs' && options.withDataset !== false) {
    training.dataset = new Float32Array(nInstances * config.datasetSize * config.nFeatures);
    drawSamples(config, dist, training.dataRngs, training.dataset, config.datasetSize);
    training.order = Array.from({ length: nInstances }, () => new Uint32Array(config.datasetSize));
  }
  return training;
}

/**
 * Fresh samples for every instance ([inst, rows, feat]), each from its own stream, rescaled to
 * unit norm when the config asks for it: the one way training data, a fixed dataset and the
 * evaluation set are drawn, so all three follow the same distribution.
 */
export function drawSamples(config: ToyConfig, dist: FeatureDistribution, rngs: readonly Rng[], x: Float32Array, rows: number): void {
  // Correlated sets draw row by row (data/correlatedSets.ts); independent features by geometric skips.
  if (config.correlation === 'correlated' || config.correlation === 'anticorrelated')
    sampleCorrelatedBatch(config.correlation, config.correlationSet ?? DEFAULT_CORRELATION_SET, dist, rngs, x, rows);
  else sampleBatch(dist, rngs, x, rows);
  if (config.inputNorm === 'unit') normalizeRows(x, dist.nInstances * rows, config.nFeatures);
}

/** Draw this epoch's order of the fixed dataset, per instance. */
export function shuffleEpoch(training: ToyTraining): void {
  const order = training.order!;
  training.epochShuffleStates = training.shuffleRngs.map((rng) => rng.getState());
  for (let k = 0; k < order.length; k++) {
    for (let r = 0; r < order[k].length; r++) order[k][r] = r;
    shuffle(order[k], training.shuffleRngs[k]);
  }
}

/**
 * Fill training.x with the batch for `step` (or training.lists, where listsPay); returns its size
 * (the last batch of an epoch may be short).
 */
function loadBatch(training: ToyTraining, step: number): number {
  const { config, dist, x } = training;
  training.lists = null;
  if (config.dataMode === 'steps') {
    if (listsPay(training)) training.lists = sampleBatchLists(dist, training.dataRngs, x, config.batchSize, training.listWanted!);
    if (training.lists === null) drawSamples(config, dist, training.dataRngs, x, config.batchSize);
    return config.batchSize;
  }
  const n = config.nFeatures;
  const N = config.datasetSize;
  const batchesPerEpoch = Math.ceil(N / config.batchSize);
  const batchInEpoch = step % batchesPerEpoch;
  const dataset = training.dataset!;
  const order = training.order!;
  if (batchInEpoch === 0) shuffleEpoch(training);
  const start = batchInEpoch * config.batchSize;
  const size = Math.min(config.batchSize, N - start);
  for (let k = 0; k < dist.nInstances; k++) {
    const orderK = order[k];
    for (let r = 0; r < size; r++) {
      // Element by element: a subarray per row would be garbage every step.
      const from = (k * N + orderK[start + r]) * n;
      const to = (k * size + r) * n;
      for (let i = 0; i < n; i++) x[to + i] = dataset[from + i];
    }
  }
  return size;
}

/** Entries of a batch drawn as lists at most (K·B·n): their room in the sampler is ~8 bytes each. */
const MAX_LIST_ENTRIES = 1 << 22;

/**
 * Whether to draw some of this step's batch as lists (core/batchLists.ts) rather than into x, and
 * which instances (training.listWanted): those whose last step took route 'gram32', the one route
 * that reads nothing but the lists (the kernel scatters them into x where this step's route turns
 * out otherwise), where x is float32 data of independent features drawn fresh and not normalised.
 */
function listsPay(training: ToyTraining): boolean {
  const { config, shape, x } = training;
  if (config.inputNorm === 'unit' || toyCorrelation(config) !== undefined || !(x instanceof Float32Array) || x.length > MAX_LIST_ENTRIES) return false;
  const reports = training.workspace.kernel.reports;
  const wanted = (training.listWanted ??= new Uint8Array(shape.nInstances));
  let any = 0;
  for (let k = 0; k < shape.nInstances; k++) any |= wanted[k] = reports[k].route === 'gram32' ? 1 : 0;
  return any === 1;
}

/** One optimizer step on every instance; records history; throws DivergenceError on NaN/∞. */
export function trainStep(training: ToyTraining): void {
  const { config, shape, params, grads, losses } = training;
  const step = training.step;
  const batchSize = loadBatch(training, step);
  lossAndGradients(shape, params, training.x, batchSize, training.importance, training.workspace, losses, grads, training.lists ?? undefined);
  for (let k = 0; k < shape.nInstances; k++) {
    if (!Number.isFinite(losses[k])) throw new DivergenceError(training.instanceOffset + k, step, config.sparsity[k], losses[k]);
  }
  const rate = training.rate;
  learningRateInto(training.schedule, step, rate);
  adamStepAt(params.W, grads.W, training.adam.W, rate, training.adamOptions);
  adamStepAt(params.b, grads.b, training.adam.b, rate, training.adamOptions);
  if (step % config.historyEvery === 0 || step === config.totalSteps - 1) {
    for (let k = 0; k < shape.nInstances; k++)
      training.history.push({ step, instance: training.instanceOffset + k, sparsity: config.sparsity[k], loss: losses[k] });
  }
  training.step = step + 1;
}

/** Hooks of the training loops: after each step, and whether to stop. */
export interface TrainCallbacks {
  /** Called after every step with the number of steps done. */
  onStep?(training: ToyTraining): void;
  /** Checked after every step; true stops the loop early (the state stays resumable). */
  shouldStop?(): boolean;
}

/** Train until totalSteps (or until shouldStop says so), synchronously. */
export function trainToy(training: ToyTraining, callbacks: TrainCallbacks = {}): void {
  while (training.step < training.config.totalSteps) {
    trainStep(training);
    callbacks.onStep?.(training);
    if (callbacks.shouldStop?.()) return;
  }
}

/**
 * The same loop, yielding to the event loop every `sliceMs` so that signals (Ctrl-C), timers and
 * a browser's UI are served while training; shouldStop is polled after each slice.
 */
export async function trainToyAsync(training: ToyTraining, callbacks: TrainCallbacks = {}, sliceMs = 100): Promise<void> {
  const total = training.config.totalSteps;
  while (training.step < total) {
    const sliceEnd = performance.now() + sliceMs;
    do {
      trainStep(training);
      callbacks.onStep?.(training);
    } while (training.step < total && performance.now() < sliceEnd);
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (callbacks.shouldStop?.()) return;
  }
}

/**
 * Loss per instance on a fixed evaluation set of config.evalSize fresh samples, drawn from the
 * evaluation streams (the same set every call), in chunks of batchSize through training.x.
 */
export function evaluateLoss(training: ToyTraining): Float64Array {
  const { config, shape, dist, x, workspace } = training;
  const rngs = instanceRngs(training.streamKeys, STREAM.evaluation);
  const total = new Float64Array(shape.nInstances);
  const chunkLoss = new Float64Array(shape.nInstances);
  for (let done = 0; done < config.evalSize; done += config.batchSize) {
    const size = Math.min(config.batchSize, config.evalSize - done);
    drawSamples(config, dist, rngs, x, size);
    lossAndGradients(shape, training.params, x, size, training.importance, workspace, chunkLoss);
    for (let k = 0; k < shape.nInstances; k++) total[k] += chunkLoss[k] * size;
  }
  for (let k = 0; k < shape.nInstances; k++) total[k] /= config.evalSize;
  return total;
}
