// Training SAEs on the toy model's hidden layer. Each SAE sees fresh activations h = W x with x
// drawn from its toy instance's own feature distribution. SAEs with the same architecture and
// dictionary size form a group whose parameters live in one buffer per tensor [inst, ...];
// every SAE draws from its own streams keyed by (seed, toy instance, SAE seed), so SAEs that
// differ only in λ or k see the same data and start from the same decoder (a controlled sweep).

import { Rng } from '../core/rng.js';
import { adamStepAt, createAdamState, type AdamOptions, type AdamState } from '../core/adam.js';
import { geometricMedian } from '../core/geometricMedian.js';
import { learningRateInto, type LrSchedule } from '../core/schedule.js';
import type { FeatureDistribution } from '../data/features.js';
import { sampleInstanceProjected } from '../data/skipSampler.js';
import { countPositive, normaliseDecoderColumns, removeParallelGradient } from '../models/sae/common.js';
import { saeArchitecture } from '../models/sae/index.js';
import type { SaeArchitecture, SaeGrads, SaeHyper, SaeParams, SaeShape, SaeState, SaeWorkspace } from '../models/sae/types.js';
import type { SaeConfig, SaeSpec } from '../config/sae.js';

/** Stream ids: Rng.stream(seed, SAE_STREAM, toyInstance, saeSeed, purpose). */
const SAE_STREAM = 100;
export const SAE_PURPOSE = { data: 0, init: 1, evaluation: 2, resample: 3 } as const;

/** The trained toy model the SAEs read: its weights and its data distribution. */
export interface ToySource {
  nFeatures: number; // n
  nHidden: number; // m
  W: Float32Array; // [inst, hidden, feat]
  featureProbability: Float64Array; // [inst, feat]
  seed: number;
}

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

export class SaeDivergenceError extends Error {
  override name = 'SaeDivergenceError';
  constructor(
    readonly sae: number,
    readonly step: number,
  ) {
    super(`SAE ${sae}'s loss became non-finite at step ${step}`);
  }
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
  lastLoss: { loss: number; reconstruction: number; sparsityPenalty: number; auxiliary: number; l0: number };
}

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

export function saeRng(toy: ToySource, config: SaeConfig, spec: SaeSpec, purpose: number): Rng {
  return Rng.stream(config.saeSeed ?? toy.seed, SAE_STREAM, spec.toyInstance, spec.seed, purpose);
}

export function toyDistribution(toy: ToySource, toyInstance: number): FeatureDistribution {
  const n = toy.nFeatures;
  return { nInstances: 1, nFeatures: n, featureProbability: toy.featureProbability.subarray(toyInstance * n, (toyInstance + 1) * n) };
}

/**
 * Fresh x [batch, feat] from the instance's distribution and h = W x [batch, hidden], h built from
 * the active entries as they are drawn (bit-identical to a scan of x; features.ts).
 */
export function sampleHidden(instance: SaeInstance, rng: Rng, x: Float32Array, h: Float64Array, batchSize: number, toy: ToySource): void {
  sampleInstanceProjected(instance.dist, 0, rng, x, batchSize, instance.toyW, toy.nHidden, h);
}

function sliceViews<A extends Float32Array | Float64Array>(buffers: Record<string, A>, sizes: Record<string, number>, k: number): Record<string, A> {
  return Object.fromEntries(
    Object.entries(buffers).map(([name, buffer]) => [name, buffer.subarray(k * sizes[name], (k + 1) * sizes[name]) as A]),
  );
}

/** Decoder columns random unit vectors, encoder its transpose, b_enc = 0, b_dec per config. */
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
  };
}

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
  for (const key of groupKeys) {
    const members = specs.filter((s) => `${s.arch}/${s.dictSize}` === key);
    const arch = saeArchitecture(members[0].arch);
    const shape: SaeShape = { nInput: m, dictSize: members[0].dictSize };
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
      const instance: SaeInstance = {
        spec,
        hyper: hyperFor(spec, config),
        state: { stepsSinceFired: new Float64Array(shape.dictSize), deadSteps: config.deadWindow, threshold: -1 },
        params: sliceViews(params, sizes, k),
        grads: sliceViews(grads, sizes, k),
        toyW: toy.W.subarray(spec.toyInstance * m * n, (spec.toyInstance + 1) * m * n),
        dist: toyDistribution(toy, spec.toyInstance),
        dataRng: saeRng(toy, config, spec, SAE_PURPOSE.data),
        resampleRng: saeRng(toy, config, spec, SAE_PURPOSE.resample),
        lastLoss: { loss: NaN, reconstruction: NaN, sparsityPenalty: NaN, auxiliary: NaN, l0: NaN },
      };
      group.instances.push(instance);
      initInstance(group, instance, training);
    });
    for (const name of Object.keys(shapes)) {
      if (['W_enc', 'b_enc', 'W_dec', 'b_dec'].includes(name)) continue;
      if (shapes[name].length === 1 && shapes[name][0] === shape.dictSize) group.initialExtras[name] = params[name].slice();
    }
    training.groups.push(group);
  }
  return training;
}

/** One step of one SAE: batch, loss, gradient (decoder-norm projected), firing statistics. */
function instanceStep(training: SaeTraining, group: SaeGroup, instance: SaeInstance): void {
  const { config, x, h, step } = training;
  const B = config.saeBatchSize;
  const { shape, arch, ws } = group;
  const d = shape.dictSize;
  if (config.l1WarmupSteps > 0 && instance.spec.l1 !== null)
    instance.hyper.l1 = instance.spec.l1 * Math.min(1, (step + 1) / config.l1WarmupSteps);
  sampleHidden(instance, instance.dataRng, x, h, B, training.toy);
  const loss = arch.lossAndGradients(shape, instance.params, h, B, instance.hyper, instance.state, ws, instance.grads);
  if (!Number.isFinite(loss.total)) throw new SaeDivergenceError(instance.spec.index, step);
  removeParallelGradient(shape, instance.params.W_dec, instance.grads.W_dec);
  // Firing counts per latent: from the architecture's active lists, or a scan of z.
  const fired = group.firedCount;
  fired.fill(0);
  if (arch.countFiring) arch.countFiring(shape, ws, B, fired);
  else countPositive(shape, ws.z, B, fired);
  let active = 0;
  const since = instance.state.stepsSinceFired;
  for (let l = 0; l < d; l++) {
    active += fired[l];
    since[l] = fired[l] > 0 ? 0 : since[l] + 1;
  }
  const last = instance.lastLoss;
  last.loss = loss.total;
  last.reconstruction = loss.reconstruction;
  last.sparsityPenalty = loss.sparsity;
  last.auxiliary = loss.auxiliary;
  last.l0 = active / B;
}

export function deadCount(instance: SaeInstance, window: number): number {
  let dead = 0;
  const since = instance.state.stepsSinceFired;
  for (let l = 0; l < since.length; l++) if (since[l] >= window) dead++;
  return dead;
}

/** One optimizer step of every SAE. */
export function saeTrainStep(training: SaeTraining): void {
  const { config } = training;
  const step = training.step;
  const rate = training.rate;
  learningRateInto(training.schedule, step, rate);
  for (const group of training.groups) {
    for (const instance of group.instances) instanceStep(training, group, instance);
    for (const name in group.params) adamStepAt(group.params[name], group.grads[name], group.adam[name], rate, training.adamOptions);
    for (const instance of group.instances) normaliseDecoderColumns(group.shape, instance.params.W_dec);
  }
  const done = step + 1;
  if (config.resample !== 'none' && done % config.resampleInterval === 0 && done < 0.8 * config.saeSteps) {
    for (const group of training.groups) for (const instance of group.instances) resampleDead(training, group, instance);
  }
  if (step % 100 === 0 || done === config.saeSteps) {
    for (const group of training.groups) {
      for (const instance of group.instances) {
        const { spec, lastLoss } = instance;
        training.history.push({
          step,
          sae: spec.index,
          toyInstance: spec.toyInstance,
          arch: spec.arch,
          dictSize: spec.dictSize,
          loss: lastLoss.loss,
          reconstruction: lastLoss.reconstruction,
          sparsityPenalty: lastLoss.sparsityPenalty,
          auxiliary: lastLoss.auxiliary,
          l0: lastLoss.l0,
          dead: deadCount(instance, config.deadWindow),
        });
      }
    }
  }
  training.step = done;
}

/**
 * Re-initialise latents that have not fired for deadWindow steps.
 * simple: a random unit direction. anthropic (Bricken et al. 2023, "Neuron resampling"): the
 * direction of an input drawn with probability ∝ (its reconstruction loss)², encoder row scaled
 * to 0.2 × the mean norm of the alive encoder rows. Either way b_enc = 0, architecture-specific
 * per-latent parameters go back to their initial values, and the latent's Adam moments are reset.
 */
export function resampleDead(training: SaeTraining, group: SaeGroup, instance: SaeInstance): number {
  const { config } = training;
  const { nInput: m, dictSize: d } = group.shape;
  const since = instance.state.stepsSinceFired;
  const dead: number[] = [];
  for (let l = 0; l < d; l++) if (since[l] >= config.deadWindow) dead.push(l);
  if (dead.length === 0) return 0;
  const { params } = instance;
  const rng = instance.resampleRng;
  let aliveNorm = 0;
  let alive = 0;
  for (let l = 0; l < d; l++) {
    if (since[l] >= config.deadWindow) continue;
    let normSquared = 0;
    for (let j = 0; j < m; j++) normSquared += params.W_enc[l * m + j] ** 2;
    aliveNorm += Math.sqrt(normSquared);
    alive++;
  }
  const encoderScale = alive > 0 && config.resample === 'anthropic' ? (0.2 * aliveNorm) / alive : 1;
  const directions = config.resample === 'anthropic' ? lossWeightedInputs(training, group, instance, dead.length, rng) : null;
  const direction = new Float64Array(m);
  dead.forEach((l, index) => {
    if (directions) direction.set(directions.subarray(index * m, (index + 1) * m));
    else for (let j = 0; j < m; j++) direction[j] = rng.normal();
    let norm = Math.hypot(...direction);
    if (norm === 0) {
      direction[0] = 1;
      norm = 1;
    }
    for (let j = 0; j < m; j++) {
      params.W_dec[j * d + l] = direction[j] / norm;
      params.W_enc[l * m + j] = (encoderScale * direction[j]) / norm;
    }
    if (params.b_enc) params.b_enc[l] = 0;
    const k = group.instances.indexOf(instance);
    for (const [name, initial] of Object.entries(group.initialExtras)) params[name][l] = initial[k * d + l];
    resetMoments(group, k, l);
    since[l] = 0;
  });
  return dead.length;
}

/** Zero the Adam moments of latent l of instance k in every tensor that has a latent axis. */
function resetMoments(group: SaeGroup, k: number, l: number): void {
  const { nInput: m, dictSize: d } = group.shape;
  const shapes = group.arch.parameterShapes(group.shape);
  for (const [name, dims] of Object.entries(shapes)) {
    const size = dims.reduce((a, b) => a * b, 1);
    const base = k * size;
    const { m: first, v: second } = group.adam[name];
    const zero = (index: number) => {
      first[index] = 0;
      second[index] = 0;
    };
    // b_dec [m] has no latent axis; without this check it would match the [d] case below when m = d.
    if (name === 'b_dec') continue;
    if (name === 'W_dec') for (let j = 0; j < m; j++) zero(base + j * d + l);
    else if (dims.length === 2 && dims[0] === d) for (let j = 0; j < dims[1]; j++) zero(base + l * dims[1] + j);
    else if (dims.length === 1 && dims[0] === d) zero(base + l);
  }
}

/** `count` inputs h drawn from a fresh batch with probability ∝ ‖h − ĥ‖⁴; [count, hidden]. */
function lossWeightedInputs(training: SaeTraining, group: SaeGroup, instance: SaeInstance, count: number, rng: Rng): Float64Array {
  const { x, h, config } = training;
  const B = config.saeBatchSize;
  const m = group.shape.nInput;
  sampleHidden(instance, rng, x, h, B, training.toy);
  group.arch.encode(group.shape, instance.params, h, B, instance.hyper, instance.state, group.ws);
  const weights = new Float64Array(B);
  let total = 0;
  for (let s = 0; s < B; s++) {
    let error = 0;
    for (let j = 0; j < m; j++) error += (h[s * m + j] - group.ws.hHat[s * m + j]) ** 2;
    weights[s] = error * error;
    total += weights[s];
  }
  const chosen = new Float64Array(count * m);
  for (let c = 0; c < count; c++) {
    let s = 0;
    if (total > 0) {
      let u = rng.uniform() * total;
      while (s < B - 1 && u >= weights[s]) u -= weights[s++];
    } else s = rng.integer(B);
    for (let j = 0; j < m; j++) chosen[c * m + j] = h[s * m + j];
  }
  return chosen;
}
