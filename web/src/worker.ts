// The training worker: trains toy models and SAEs with the library's async calls (WebAssembly
// kernels, the CLI's numbers) and sends the page snapshots after each ~150 ms slice of steps,
// with copies of W and b transferred, not cloned. Measuring (norms, WᵀW, SAE cosines) is skipped
// on a snapshot when it would take more than ~10% of the training time.

import * as Comlink from 'comlink';
import {
  REPRESENTED_THRESHOLD,
  directionRecovery,
  expandSaeGrid,
  featureLatentCosines,
  gramMatrix,
  resolveSaeConfig,
  superpositionMetrics,
  toyCorrelation,
  trainSaesAsync,
  trainToyModelAsync,
  type SaeConfigInput,
  type SaeProgress,
  type SaeSpec,
  type ToyConfigInput,
  type ToyModel,
  type ToyProgress,
} from 'superposition-lab';
import { STOPPED, type InstanceGeometry, type SaeLiveRow, type SaeOutcome, type SaeShown, type SaeSnapshot, type ToyOutcome, type ToySnapshot, type TrainerApi } from './messages.js';

/** Milliseconds of training between snapshots. */
const SLICE_MS = 150;

let controller = new AbortController();
let selected = 0;

/** Runs `measure` unless the last measurement was costly: keeps measuring under ~10% of the worker's time. */
class Throttle {
  private skip = 0;
  run<T>(measure: () => T): T | undefined {
    if (this.skip > 0) {
      this.skip--;
      return undefined;
    }
    const start = performance.now();
    const result = measure();
    this.skip = Math.floor((performance.now() - start) / (0.1 * SLICE_MS));
    return result;
  }
}

function geometryOf(W: Float32Array, nInstances: number, m: number, n: number): InstanceGeometry[] {
  const geometry: InstanceGeometry[] = [];
  for (let k = 0; k < nInstances; k++) {
    const { featureNorms, interference, dimensionality, represented, dimensionsPerFeature } = superpositionMetrics(W, k, m, n);
    geometry.push({ featureNorms, interference, dimensionality, represented, dimensionsPerFeature });
  }
  return geometry;
}

function flatGram(W: Float32Array, instance: number, m: number, n: number): Float64Array {
  return Float64Array.from(gramMatrix(W, instance, m, n).flat()); // [feat, feat]
}

function toySnapshot(progress: ToyProgress, shape: { nInstances: number; m: number; n: number }, sent: { rows: number }, throttle: Throttle): ToySnapshot {
  const { nInstances, m, n } = shape;
  const W = Float32Array.from(progress.W);
  const instance = Math.min(selected, nInstances - 1);
  const measured = throttle.run(() => ({ geometry: geometryOf(W, nInstances, m, n), gram: flatGram(W, instance, m, n) }));
  const newHistory = progress.history.slice(sent.rows);
  sent.rows = progress.history.length;
  return {
    step: progress.step,
    totalSteps: progress.totalSteps,
    trainingMs: progress.trainingMs,
    W,
    b: Float32Array.from(progress.b),
    losses: Float64Array.from(progress.losses),
    newHistory,
    ...measured,
    selected: instance,
  };
}

function transferables(snapshot: ToySnapshot): Transferable[] {
  const list: Transferable[] = [snapshot.W.buffer, snapshot.b.buffer, snapshot.losses.buffer];
  if (snapshot.gram) list.push(snapshot.gram.buffer);
  return list;
}

async function trainToy(input: ToyConfigInput, onSnapshot: (snapshot: ToySnapshot) => void): Promise<ToyOutcome> {
  controller = new AbortController();
  const sent = { rows: 0 };
  const throttle = new Throttle();
  let shape: { nInstances: number; m: number; n: number } | undefined;
  let trainingMs = 0;
  const model = await trainToyModelAsync(input, {
    signal: controller.signal,
    sliceMs: SLICE_MS,
    onProgress(progress) {
      shape ??= { nInstances: progress.losses.length, m: progress.W.length / progress.b.length, n: progress.b.length / progress.losses.length };
      trainingMs = progress.trainingMs;
      const snapshot = toySnapshot(progress, shape, sent, throttle);
      void onSnapshot(Comlink.transfer(snapshot, transferables(snapshot)));
    },
  });
  return { model, steps: model.config.totalSteps, trainingMs };
}

/** The features of a toy instance its model represents (‖W_i‖ > 0.5): the only ones an SAE can recover. */
function representedFeatures(W: Float32Array, m: number, n: number): number[] {
  return superpositionMetrics(W, 0, m, n).featureNorms.flatMap((norm, i) => (norm > REPRESENTED_THRESHOLD ? [i] : []));
}

/** One SAE's decoder against its toy instance's features: cosines, and the recovery over the represented ones. */
function compareDecoder(toy: ToyModel, spec: SaeSpec, Wdec: Float32Array) {
  const { nHidden: m, nFeatures: n } = toy.config;
  const toyW = toy.W.subarray(spec.toyInstance * m * n, (spec.toyInstance + 1) * m * n);
  const cosines = featureLatentCosines(toyW, m, n, Wdec, spec.dictSize);
  const features = representedFeatures(toyW, m, n);
  const recovery = directionRecovery(cosines, features);
  const matchedLatent = new Array<number>(n).fill(-1);
  features.forEach((feature, j) => (matchedLatent[feature] = recovery.matchedLatent[j]));
  return { cosines, recovery, matchedLatent };
}

function shownSae(toy: ToyModel, specs: readonly SaeSpec[], decoders: readonly Float32Array[]): SaeShown {
  const spec = specs.find((s) => s.toyInstance === selected) ?? specs[0];
  const { cosines, matchedLatent } = compareDecoder(toy, spec, decoders[spec.index]);
  return { sae: spec.index, dictSize: spec.dictSize, Wdec: Float32Array.from(decoders[spec.index]), cosines: Float64Array.from(cosines.flat()), matchedLatent };
}

function saeSnapshot(toy: ToyModel, specs: readonly SaeSpec[], progress: SaeProgress): SaeSnapshot {
  const rows: SaeLiveRow[] = specs.map((spec) => {
    const { recovery } = compareDecoder(toy, spec, progress.decoders[spec.index]);
    return { mmcs: recovery.mmcs, mcc: recovery.mcc, recovered090: recovery.recovered090, l0: progress.l0[spec.index], dead: progress.dead[spec.index] };
  });
  return { step: progress.step, totalSteps: progress.totalSteps, trainingMs: progress.trainingMs, rows, shown: shownSae(toy, specs, progress.decoders) };
}

async function trainSae(toy: ToyModel, input: SaeConfigInput, onSnapshot: (snapshot: SaeSnapshot) => void): Promise<SaeOutcome> {
  controller = new AbortController();
  const specs = expandSaeGrid(resolveSaeConfig(input), toy.config.sparsity, toy.config.nFeatures, toyCorrelation(toy.config));
  const throttle = new Throttle();
  let trainingMs = 0;
  const saes = await trainSaesAsync(toy, input, {
    signal: controller.signal,
    sliceMs: SLICE_MS,
    onProgress(progress) {
      trainingMs = progress.trainingMs;
      const snapshot = throttle.run(() => saeSnapshot(toy, specs, progress));
      if (snapshot) void onSnapshot(Comlink.transfer(snapshot, [snapshot.shown.Wdec.buffer, snapshot.shown.cosines.buffer]));
    },
  });
  const decoders = saes.saes.map((sae) => sae.weights.W_dec);
  return { saes, steps: saes.config.saeSteps, trainingMs, shown: shownSae(toy, specs, decoders) };
}

const api: TrainerApi = {
  trainToy,
  trainSae,
  select(instance) {
    selected = instance;
  },
  stop() {
    controller.abort(new Error(STOPPED));
  },
};

Comlink.expose(api);
