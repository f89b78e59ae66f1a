// The training loop of the absolute-value model (src/models/absModel.ts): every instance of the
// grid steps together, each with its own streams keyed as the toy model's (seed, instance,
// purpose), on signed sparse batches (src/data/signedFeatures.ts), fresh each step or epochs over
// a fixed dataset, through the same Adam and schedules. One thread: the model is small and the
// sparse forward pass skips the neurons and outputs that stay shut.

import { shuffle, type Rng } from '../core/rng.js';
import { adamStepAt, createAdamState, type AdamOptions, type AdamState } from '../core/adam.js';
import { learningRateInto, type LrSchedule } from '../core/schedule.js';
import { geometricImportance, importancePerInstance } from '../data/importance.js';
import { sampleSignedBatch } from '../data/signedFeatures.js';
import type { ToyConfig } from '../config/toy.js';
import {
  absLossAndGradients,
  createAbsGrads,
  createAbsParams,
  createAbsWorkspace,
  initAbsParams,
  type AbsModelGrads,
  type AbsModelParams,
  type AbsModelShape,
  type AbsWorkspace,
} from '../models/absModel.js';
import { DivergenceError, STREAM, defaultStreamKeys, featureDistribution, instanceRngs, type HistoryRow, type StreamKey } from './trainToy.js';

const TENSORS = ['W1', 'b1', 'W2', 'b2'] as const;

/** The whole state of an abs training, allocated once by createAbsTraining and advanced by absTrainStep. */
export interface AbsTraining {
  config: ToyConfig;
  shape: AbsModelShape;
  featureProbability: Float64Array; // [inst, feat]
  importance: Float64Array; // [inst, feat]
  params: AbsModelParams<Float32Array>;
  grads: AbsModelGrads;
  adam: Record<(typeof TENSORS)[number], AdamState>;
  adamOptions: AdamOptions;
  schedule: LrSchedule;
  rate: Float64Array; // [1]
  workspace: AbsWorkspace;
  x: Float32Array; // [inst, batch, feat]
  losses: Float64Array; // [inst]
  streamKeys: StreamKey[];
  dataRngs: Rng[];
  shuffleRngs: Rng[];
  /** Epoch mode only: the fixed dataset and each instance's order of it. */
  dataset?: Float32Array; // [inst, datasetSize, feat]
  order?: Uint32Array[]; // [inst][datasetSize]
  step: number;
  history: HistoryRow[];
}

/** Options: stream keys and importance per instance (packed seeds), as createToyTraining's. */
export interface AbsTrainingOptions {
  streamKeys?: StreamKey[];
  importance?: Float64Array; // [inst, feat]
}

/** An abs training at step 0: parameters from each instance's init stream, buffers allocated once. */
export function createAbsTraining(config: ToyConfig, options: AbsTrainingOptions = {}): AbsTraining {
  const nInstances = config.sparsity.length;
  const shape: AbsModelShape = { nInstances, nFeatures: config.nFeatures, nHidden: config.nHidden };
  const streamKeys = options.streamKeys ?? defaultStreamKeys(config);
  const params = createAbsParams(shape, Float32Array);
  initAbsParams(shape, params, instanceRngs(streamKeys, STREAM.init));
  const importance =
    options.importance ?? importancePerInstance(config.importance ?? geometricImportance(config.nFeatures, config.importanceDecay), nInstances);
  const training: AbsTraining = {
    config,
    shape,
    featureProbability: featureDistribution(config).featureProbability,
    importance,
    params,
    grads: createAbsGrads(shape),
    adam: { W1: createAdamState(params.W1.length), b1: createAdamState(params.b1.length), W2: createAdamState(params.W2.length), b2: createAdamState(params.b2.length) },
    adamOptions: { optimizer: config.optimizer, beta1: config.beta1, beta2: config.beta2, epsilon: config.epsilon, weightDecay: config.weightDecay },
    schedule: { name: config.lrSchedule, baseLr: config.lr, totalSteps: config.totalSteps, warmupSteps: config.warmupSteps },
    rate: new Float64Array(1),
    workspace: createAbsWorkspace(shape),
    x: new Float32Array(nInstances * config.batchSize * config.nFeatures),
    losses: new Float64Array(nInstances),
    streamKeys,
    dataRngs: instanceRngs(streamKeys, STREAM.data),
    shuffleRngs: instanceRngs(streamKeys, STREAM.shuffle),
    step: 0,
    history: [],
  };
  if (config.dataMode === 'epochs') {
    training.dataset = new Float32Array(nInstances * config.datasetSize * config.nFeatures);
    sampleSignedBatch(training.featureProbability, config.nFeatures, training.dataRngs, training.dataset, config.datasetSize);
    training.order = Array.from({ length: nInstances }, () => new Uint32Array(config.datasetSize));
  }
  return training;
}

/** Fill training.x with the batch of `step`; returns its size (an epoch's last batch may be short). */
function loadBatch(training: AbsTraining, step: number): number {
  const { config, x } = training;
  const n = config.nFeatures;
  if (config.dataMode === 'steps') {
    sampleSignedBatch(training.featureProbability, n, training.dataRngs, x, config.batchSize);
    return config.batchSize;
  }
  const N = config.datasetSize;
  const batchInEpoch = step % Math.ceil(N / config.batchSize);
  const order = training.order!;
  if (batchInEpoch === 0)
    order.forEach((o, k) => {
      for (let r = 0; r < N; r++) o[r] = r;
      shuffle(o, training.shuffleRngs[k]);
    });
  const start = batchInEpoch * config.batchSize;
  const size = Math.min(config.batchSize, N - start);
  for (let k = 0; k < order.length; k++)
    for (let r = 0; r < size; r++) {
      const from = (k * N + order[k][start + r]) * n;
      const to = (k * size + r) * n;
      for (let i = 0; i < n; i++) x[to + i] = training.dataset![from + i];
    }
  return size;
}

/** One optimizer step on every instance; records history; throws DivergenceError on NaN/∞. */
export function absTrainStep(training: AbsTraining): void {
  const { config, shape, params, grads, losses } = training;
  const step = training.step;
  const size = loadBatch(training, step);
  absLossAndGradients(shape, params, training.x, size, training.importance, training.workspace, losses, grads);
  for (let k = 0; k < shape.nInstances; k++) if (!Number.isFinite(losses[k])) throw new DivergenceError(k, step, config.sparsity[k], losses[k]);
  learningRateInto(training.schedule, step, training.rate);
  for (const name of TENSORS) adamStepAt(params[name], grads[name], training.adam[name], training.rate, training.adamOptions);
  if (step % config.historyEvery === 0 || step === config.totalSteps - 1)
    for (let k = 0; k < shape.nInstances; k++) training.history.push({ step, instance: k, sparsity: config.sparsity[k], loss: losses[k] });
  training.step = step + 1;
}

/** Train to totalSteps, yielding to the event loop every sliceMs (signals, progress); shouldStop polled per slice. */
export async function trainAbs(training: AbsTraining, callbacks: { onStep?(t: AbsTraining): void; shouldStop?(): boolean } = {}, sliceMs = 100): Promise<void> {
  const total = training.config.totalSteps;
  while (training.step < total) {
    const sliceEnd = performance.now() + sliceMs;
    do {
      absTrainStep(training);
      callbacks.onStep?.(training);
    } while (training.step < total && performance.now() < sliceEnd);
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (callbacks.shouldStop?.()) return;
  }
}

/** Loss per instance on config.evalSize fresh samples of each instance's evaluation stream. */
export function evaluateAbsLoss(training: AbsTraining): Float64Array {
  const { config, shape, x } = training;
  const rngs = instanceRngs(training.streamKeys, STREAM.evaluation);
  const total = new Float64Array(shape.nInstances);
  const chunk = new Float64Array(shape.nInstances);
  for (let done = 0; done < config.evalSize; done += config.batchSize) {
    const size = Math.min(config.batchSize, config.evalSize - done);
    sampleSignedBatch(training.featureProbability, config.nFeatures, rngs, x, size);
    absLossAndGradients(shape, training.params, x, size, training.importance, training.workspace, chunk);
    for (let k = 0; k < shape.nInstances; k++) total[k] += chunk[k] * size;
  }
  for (let k = 0; k < shape.nInstances; k++) total[k] /= config.evalSize;
  return total;
}
