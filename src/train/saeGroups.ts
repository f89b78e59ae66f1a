// The state of an SAE training run and its construction. SAEs with the same architecture and
// dictionary size form a group whose parameters live in one buffer per tensor [inst, ...]; each SAE
// (an instance of its group) holds views into them, its streams, and the step object its
// architecture's passes take, built here once and reused every step.

import type { Rng } from '../core/rng.js';
import { createAdamState, type AdamOptions, type AdamState } from '../core/adam.js';
import { geometricMedian } from '../core/geometricMedian.js';
import type { LrSchedule } from '../core/schedule.js';
import type { FeatureDistribution } from '../data/features.js';
import { normaliseDecoderColumns } from '../kernels/sae/decoderNorm.js';
import { saeArchitecture } from '../models/sae/index.js';
import type { SaeArchitecture, SaeGrads, SaeHyper, SaeParams, SaeShape, SaeState, SaeStep, SaeWorkspace } from '../models/sae/types.js';
import { matryoshkaPrefixes, type SaeConfig, type SaeSpec } from '../config/sae.js';
import { SAE_PURPOSE, saeRng, sampleHidden, toyDistribution, type ToySource } from './saeData.js';

/** One row of sae/history.csv: an SAE's loss terms, L0 and dead latents at a step. */
export interface SaeHistoryRow {
  step: number;
  sae: number;
  toyInstance: number;
  arch: string;
  dictSize: number;
  loss: number;
  reconstruction: number;
  sparsityPenalty: number;
  auxiliary: number;
  l0: number;
  dead: number;
}

/** One SAE's inputs: its toy instance's weights and feature distribution, its streams. */
export interface SaeInstance {
  spec: SaeSpec;
  hyper: SaeHyper;
  state: SaeState;
  params: SaeParams; // views into the group's buffers
  grads: SaeGrads;
  toyW: Float32Array; // [hidden, feat] view
  dist: FeatureDistribution; // one instance
  dataRng: Rng;
  resampleRng: Rng;
  /** The architecture's step context: these params, grads, hyper and state, the group's workspace and the run's h. */
  step: SaeStep;
  lastLoss: { loss: number; reconstruction: number; sparsityPenalty: number; auxiliary: number; l0: number };
}

/** SAEs of one architecture and dictionary size, trained together: one buffer per tensor [inst, ...]. */
export interface SaeGroup {
  arch: SaeArchitecture;
  shape: SaeShape;
  instances: SaeInstance[];
  params: Record<string, Float32Array>; // [inst, ...shape]
  grads: Record<string, Float64Array>; // [inst, ...shape]
  adam: Record<string, AdamState>;
  /** Initial values of architecture-specific per-latent parameters, restored when a latent is resampled. */
  initialExtras: Record<string, Float32Array>;
  ws: SaeWorkspace;
  firedCount: Float64Array; // [latent] scratch: samples of the current batch on which each latent fired
}

/** The whole state of an SAE training: its groups, optimizer, batch buffers, step and history. */
export interface SaeTraining {
  config: SaeConfig;
  toy: ToySource;
  groups: SaeGroup[];
  adamOptions: AdamOptions;
  schedule: LrSchedule;
  /** [1] this step's learning rate (handed to Adam in an array: a double argument is boxed). */
  rate: Float64Array;
  x: Float32Array; // [batch, feat]
  h: Float64Array; // [batch, hidden]
  step: number;
  history: SaeHistoryRow[];
}

function sliceViews<A extends Float32Array | Float64Array>(buffers: Record<string, A>, sizes: Record<string, number>, k: number): Record<string, A> {
  return Object.fromEntries(
    Object.entries(buffers).map(([name, buffer]) => [name, buffer.subarray(k * sizes[name], (k + 1) * sizes[name]) as A]),
  );
}

/** Decoder columns random unit vectors, encoder its transpose, b_enc = 0, b_dec per config (docs/sae.md, § Training details). */
function initInstance(group: SaeGroup, instance: SaeInstance, training: SaeTraining): void {
  const { shape, arch } = group;
  const { nInput: m, dictSize: d } = shape;
  const { params } = instance;
  const rng = saeRng(training.toy, training.config, instance.spec, SAE_PURPOSE.init);
  for (let e = 0; e < m * d; e++) params.W_dec[e] = rng.normal();
  normaliseDecoderColumns(shape, params.W_dec);
  for (let l = 0; l < d; l++) for (let j = 0; j < m; j++) params.W_enc[l * m + j] = params.W_dec[j * d + l];
  params.b_enc?.fill(0);
  params.b_dec.fill(0);
  if (training.config.bDecInit !== 'zero') {
    const count = 4096;
    const x = new Float32Array(count * training.toy.nFeatures);
    const h = new Float64Array(count * m);
    sampleHidden(instance, rng, x, h, count, training.toy);
    const center = training.config.bDecInit === 'median' ? geometricMedian(h, count, m) : meanRows(h, count, m);
    params.b_dec.set(center);
  }
  arch.initExtra(shape, params, instance.hyper);
}

function meanRows(points: Float64Array, count: number, dim: number): Float64Array {
  const mean = new Float64Array(dim);
  for (let s = 0; s < count; s++) for (let j = 0; j < dim; j++) mean[j] += points[s * dim + j] / count;
  return mean;
}

function hyperFor(spec: SaeSpec, config: SaeConfig): SaeHyper {
  return {
    l1: spec.l1 ?? 0,
    k: spec.k ?? 1,
    auxK: Math.max(1, Math.floor(spec.dictSize / 2)),
    auxCoefficient: config.auxCoefficient,
    bandwidth: config.bandwidth,
    thresholdDecay: config.thresholdDecay,
    ...(spec.arch === 'matryoshka' ? { prefixes: Int32Array.from(matryoshkaPrefixes(config.prefixes, spec.dictSize)) } : {}),
  };
}

/** The k-th SAE of a group: views into the group's buffers, its streams and its step context. */
function createInstance(training: SaeTraining, group: SaeGroup, spec: SaeSpec, sizes: Record<string, number>, k: number): SaeInstance {
  const { config, toy } = training;
  const { nFeatures: n, nHidden: m } = toy;
  const { shape } = group;
  const hyper = hyperFor(spec, config);
  const state: SaeState = { stepsSinceFired: new Float64Array(shape.dictSize), deadSteps: config.deadWindow, threshold: -1 };
  const params = sliceViews(group.params, sizes, k);
  const grads = sliceViews(group.grads, sizes, k);
  return {
    spec,
    hyper,
    state,
    params,
    grads,
    toyW: toy.W.subarray(spec.toyInstance * m * n, (spec.toyInstance + 1) * m * n),
    dist: toyDistribution(toy, spec.toyInstance),
    dataRng: saeRng(toy, config, spec, SAE_PURPOSE.data),
    resampleRng: saeRng(toy, config, spec, SAE_PURPOSE.resample),
    step: { shape, params, h: training.h, batchSize: config.saeBatchSize, hyper, state, ws: group.ws, grads },
    lastLoss: { loss: NaN, reconstruction: NaN, sparsityPenalty: NaN, auxiliary: NaN, l0: NaN },
  };
}

/** The group of SAEs sharing one architecture and dictionary size, each initialised in turn. */
function createGroup(training: SaeTraining, members: readonly SaeSpec[]): SaeGroup {
  const { config } = training;
  const arch = saeArchitecture(members[0].arch);
  const shape: SaeShape = { nInput: training.toy.nHidden, dictSize: members[0].dictSize };
  const shapes = arch.parameterShapes(shape);
  const sizes = Object.fromEntries(Object.entries(shapes).map(([name, dims]) => [name, dims.reduce((a, b) => a * b, 1)]));
  const count = members.length;
  const params = Object.fromEntries(Object.entries(sizes).map(([name, size]) => [name, new Float32Array(count * size)]));
  const grads = Object.fromEntries(Object.entries(sizes).map(([name, size]) => [name, new Float64Array(count * size)]));
  const group: SaeGroup = {
    arch,
    shape,
    instances: [],
    params,
    grads,
    adam: Object.fromEntries(Object.entries(params).map(([name, p]) => [name, createAdamState(p.length)])),
    initialExtras: {},
    ws: arch.createWorkspace(shape, Math.max(config.saeBatchSize, 1)),
    firedCount: new Float64Array(shape.dictSize),
  };
  members.forEach((spec, k) => {
    const instance = createInstance(training, group, spec, sizes, k);
    group.instances.push(instance);
    initInstance(group, instance, training);
  });
  for (const name of Object.keys(shapes)) {
    if (['W_enc', 'b_enc', 'W_dec', 'b_dec'].includes(name)) continue;
    if (shapes[name].length === 1 && shapes[name][0] === shape.dictSize) group.initialExtras[name] = params[name].slice();
  }
  return group;
}

/**
 * An SAE training at step 0: one SAE per spec (expandSaeGrid), on the toy model's hidden
 * activations. Advance it with saeTrainStep; measure it with evaluateSaes.
 */
export function createSaeTraining(config: SaeConfig, toy: ToySource, specs: readonly SaeSpec[]): SaeTraining {
  const { nFeatures: n, nHidden: m } = toy;
  const training: SaeTraining = {
    config,
    toy,
    groups: [],
    adamOptions: { optimizer: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
    rate: new Float64Array(1),
    schedule: { name: config.saeLrSchedule, baseLr: config.saeLr, totalSteps: config.saeSteps, warmupSteps: config.saeWarmupSteps },
    x: new Float32Array(config.saeBatchSize * n),
    h: new Float64Array(config.saeBatchSize * m),
    step: 0,
    history: [],
  };
  const groupKeys = [...new Set(specs.map((s) => `${s.arch}/${s.dictSize}`))];
  for (const key of groupKeys) training.groups.push(createGroup(training, specs.filter((s) => `${s.arch}/${s.dictSize}` === key)));
  return training;
}
