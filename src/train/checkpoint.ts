// A resumable snapshot of toy-model training: parameters, Adam moments (float64, so a resumed
// run is bit-identical to an uninterrupted one), every RNG stream's state, and the history.
// The dataset of epoch mode is not stored: it is regenerated from the seed.

import type { TensorMap } from '../core/safetensors.js';
import { shuffleEpoch, type HistoryRow, type ToyTraining } from './trainToy.js';

export interface ToyCheckpointMeta {
  step: number;
  adamSteps: { W: number; b: number };
  dataRngs: number[][];
  shuffleRngs: number[][];
  epochShuffleStates?: number[][];
  history: HistoryRow[];
}

export function toyCheckpoint(training: ToyTraining): { meta: ToyCheckpointMeta; tensors: TensorMap } {
  const { nInstances, nHidden, nFeatures } = training.shape;
  const wShape = [nInstances, nHidden, nFeatures];
  const bShape = [nInstances, nFeatures];
  return {
    meta: {
      step: training.step,
      adamSteps: { W: training.adam.W.t, b: training.adam.b.t },
      dataRngs: training.dataRngs.map((rng) => rng.getState()),
      shuffleRngs: training.shuffleRngs.map((rng) => rng.getState()),
      epochShuffleStates: training.epochShuffleStates,
      history: training.history,
    },
    tensors: {
      W: { shape: wShape, data: training.params.W },
      b: { shape: bShape, data: training.params.b },
      adam_W_m: { shape: wShape, data: training.adam.W.m },
      adam_W_v: { shape: wShape, data: training.adam.W.v },
      adam_b_m: { shape: bShape, data: training.adam.b.m },
      adam_b_v: { shape: bShape, data: training.adam.b.v },
    },
  };
}

/** A checkpoint whose tensors or stream states do not fit the run it should resume. */
export class CheckpointMismatchError extends Error {
  override name = 'CheckpointMismatchError';
}

/** Put a freshly created training (same config) into the checkpointed state. */
export function restoreToyCheckpoint(training: ToyTraining, meta: ToyCheckpointMeta, tensors: TensorMap): void {
  const copy = (name: string, into: Float32Array | Float64Array) => {
    const tensor = tensors[name];
    if (!tensor || tensor.data.length !== into.length) throw new CheckpointMismatchError(`checkpoint tensor ${name} is missing or has the wrong size`);
    into.set(tensor.data);
  };
  for (const state of [...meta.dataRngs, ...meta.shuffleRngs, ...(meta.epochShuffleStates ?? [])])
    if (!Array.isArray(state) || state.length < 4 || state.length > 5 || !state.slice(0, 4).every((v) => Number.isInteger(v)) || state.slice(0, 4).every((v) => v === 0))
      throw new CheckpointMismatchError('a random stream state is not four integers (not all zero)');
  copy('W', training.params.W);
  copy('b', training.params.b);
  copy('adam_W_m', training.adam.W.m);
  copy('adam_W_v', training.adam.W.v);
  copy('adam_b_m', training.adam.b.m);
  copy('adam_b_v', training.adam.b.v);
  training.adam.W.t = meta.adamSteps.W;
  training.adam.b.t = meta.adamSteps.b;
  training.history = meta.history.slice();
  restoreStreams(training, meta);
}

/** The random streams' states and the step counter (what a worker needs besides shared parameters). */
export type ToyStreamState = Pick<ToyCheckpointMeta, 'step' | 'dataRngs' | 'shuffleRngs' | 'epochShuffleStates'>;

export function restoreStreams(training: ToyTraining, state: ToyStreamState): void {
  state.dataRngs.forEach((s, k) => training.dataRngs[k].setState(s));
  training.step = state.step;
  const { config } = training;
  const batchesPerEpoch = Math.ceil(config.datasetSize / config.batchSize);
  if (config.dataMode === 'epochs' && state.step % batchesPerEpoch !== 0 && state.epochShuffleStates) {
    // Mid-epoch: replay this epoch's shuffle from the stream state it started with.
    state.epochShuffleStates.forEach((s, k) => training.shuffleRngs[k].setState(s));
    if (training.order) shuffleEpoch(training);
    else training.epochShuffleStates = state.epochShuffleStates;
  } else {
    state.shuffleRngs.forEach((s, k) => training.shuffleRngs[k].setState(s));
  }
}
