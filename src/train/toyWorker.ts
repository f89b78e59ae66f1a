// A worker thread that trains a contiguous share of a toy model's instances in shared memory.
// It answers {type: 'run', until} by training to that step and reporting what the main thread
// needs to mirror the state: new history rows, losses and every stream's state.

import { parentPort, workerData } from 'node:worker_threads';
import type { ToyConfig } from '../experiments/config.js';
import { restoreStreams, type ToyStreamState } from './checkpoint.js';
import { DivergenceError, createToyTraining, trainStep, type HistoryRow, type StreamKey, type ToyStorage } from './trainToy.js';

export interface ToyWorkerData {
  config: ToyConfig;
  range: [number, number];
  streamKeys: StreamKey[]; // of every instance
  importance: Float64Array; // [inst, feat] of every instance
  storage: ToyStorage; // views of the whole model's shared buffers, sliced here
  state: ToyStreamState & { adamSteps: number }; // streams of this range only
}

export type ToyWorkerReply =
  | {
      type: 'done';
      step: number;
      busyMs: number;
      adamSteps: number;
      history: HistoryRow[];
      losses: number[];
      dataRngs: number[][];
      shuffleRngs: number[][];
      epochShuffleStates?: number[][];
    }
  | { type: 'diverged'; instance: number; step: number; sparsity: number; loss: number; history: HistoryRow[] }
  | { type: 'error'; message: string };

const { config, range, storage, state, streamKeys, importance } = workerData as ToyWorkerData;
const [start, end] = range;
const { nFeatures: n, nHidden: m } = config;
const slice = <A extends Float32Array | Float64Array>(array: A, width: number): A =>
  array.subarray(start * width, end * width) as A;
const training = createToyTraining(config, {
  range,
  streamKeys,
  importance,
  storage: {
    W: slice(storage.W, m * n),
    b: slice(storage.b, n),
    adamWm: slice(storage.adamWm, m * n),
    adamWv: slice(storage.adamWv, m * n),
    adamBm: slice(storage.adamBm, n),
    adamBv: slice(storage.adamBv, n),
  },
});
restoreStreams(training, state);
training.adam.W.t = training.adam.b.t = state.adamSteps;

parentPort!.on('message', (message: { type: 'run'; until: number }) => {
  training.history.length = 0; // the main thread keeps the history; report only new rows
  const started = performance.now();
  try {
    while (training.step < message.until) trainStep(training);
  } catch (error) {
    if (error instanceof DivergenceError) {
      parentPort!.postMessage({
        type: 'diverged',
        instance: error.instance,
        step: error.step,
        sparsity: error.sparsity,
        loss: error.loss,
        history: training.history.slice(),
      });
      return;
    }
    parentPort!.postMessage({ type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) });
    return;
  }
  const reply: ToyWorkerReply = {
    type: 'done',
    step: training.step,
    busyMs: performance.now() - started,
    adamSteps: training.adam.W.t,
    history: training.history.slice(),
    losses: Array.from(training.losses),
    dataRngs: training.dataRngs.map((rng) => rng.getState()),
    shuffleRngs: training.shuffleRngs.map((rng) => rng.getState()),
    epochShuffleStates: training.epochShuffleStates,
  };
  parentPort!.postMessage(reply);
});
