// A worker thread that trains a share of a toy model's instances in shared memory: one or more
// contiguous ranges (a share that wraps around the end of the grid has two), one training each.
// It answers {type: 'run', until} by training every range to that step and reporting what the main
// thread needs to mirror the state: new history rows, losses and every stream's state, the
// instances in the order of the ranges; {type: 'assign'} gives it another share (re-partition)
// without a new thread.

import { parentPort, workerData } from 'node:worker_threads';
import type { ToyConfig } from '../config/toy.js';
import { restoreStreams, type ToyStreamState } from './checkpoint.js';
import { DivergenceError, createToyTraining, trainStep, type HistoryRow, type StreamKey, type ToyStorage, type ToyTraining } from './trainToy.js';

export interface ToyWorkerData {
  config: ToyConfig;
  ranges: [number, number][];
  streamKeys: StreamKey[]; // of every instance
  importance: Float64Array; // [inst, feat] of every instance
  storage: ToyStorage; // views of the whole model's shared buffers, sliced here
  state: ToyStreamState & { adamSteps: number }; // streams of this share's instances, in range order
}

/** Train every range to optimizer step `until`; or take a new share, from the pool's mirrored state. */
export type ToyWorkerRequest =
  | { type: 'run'; until: number }
  | { type: 'assign'; ranges: [number, number][]; state: ToyWorkerData['state'] };

export type ToyWorkerReply =
  | { type: 'assigned' }
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

const { config, ranges, storage, state, streamKeys, importance } = workerData as ToyWorkerData;
const { nFeatures: n, nHidden: m } = config;

/** One training per range, resumed from `state` (the streams of the share's instances, in range order). */
function assign(ranges: [number, number][], state: ToyWorkerData['state']): ToyTraining[] {
  let first = 0; // the range's first instance among the share's (its streams in `state`)
  return ranges.map((range) => {
    const [start, end] = range;
    const slice = <A extends Float32Array | Float64Array>(array: A, width: number): A => array.subarray(start * width, end * width) as A;
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
    const count = end - start;
    restoreStreams(training, {
      step: state.step,
      dataRngs: state.dataRngs.slice(first, first + count),
      shuffleRngs: state.shuffleRngs.slice(first, first + count),
      epochShuffleStates: state.epochShuffleStates?.slice(first, first + count),
    });
    training.adam.W.t = training.adam.b.t = state.adamSteps;
    first += count;
    return training;
  });
}

let trainings = assign(ranges, state);

parentPort!.on('message', (message: ToyWorkerRequest) => {
  if (message.type === 'assign') {
    // A new share (re-partition): the pool sends the state it mirrors after the last chunk.
    trainings = assign(message.ranges, message.state);
    parentPort!.postMessage({ type: 'assigned' } satisfies ToyWorkerReply);
    return;
  }
  const started = performance.now();
  // Every range to `until` (instances are independent, so the order does not matter); the first
  // divergence (by step, then instance) is reported with the rows of every range.
  const history: HistoryRow[] = [];
  let diverged: DivergenceError | null = null;
  try {
    for (const training of trainings) {
      training.history.length = 0; // the main thread keeps the history; report only new rows
      try {
        while (training.step < message.until) trainStep(training);
      } catch (error) {
        if (!(error instanceof DivergenceError)) throw error;
        if (diverged === null || error.step < diverged.step || (error.step === diverged.step && error.instance < diverged.instance)) diverged = error;
      }
      history.push(...training.history);
    }
  } catch (error) {
    parentPort!.postMessage({ type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) });
    return;
  }
  if (diverged !== null) {
    parentPort!.postMessage({ type: 'diverged', instance: diverged.instance, step: diverged.step, sparsity: diverged.sparsity, loss: diverged.loss, history });
    return;
  }
  const last = trainings[0];
  const reply: ToyWorkerReply = {
    type: 'done',
    step: last.step,
    busyMs: performance.now() - started,
    adamSteps: last.adam.W.t,
    history,
    losses: trainings.flatMap((t) => Array.from(t.losses)),
    dataRngs: trainings.flatMap((t) => t.dataRngs.map((rng) => rng.getState())),
    shuffleRngs: trainings.flatMap((t) => t.shuffleRngs.map((rng) => rng.getState())),
    epochShuffleStates: trainings.every((t) => t.epochShuffleStates) ? trainings.flatMap((t) => t.epochShuffleStates!) : undefined,
  };
  parentPort!.postMessage(reply);
});
