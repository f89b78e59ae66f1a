// A pool of worker threads that train disjoint shares of a toy model's instances (arcs of the grid:
// one contiguous range each, or two where a share wraps around the end).
// Parameters and Adam moments live in SharedArrayBuffers; the main thread keeps a mirror
// ToyTraining over the same memory (for metrics, checkpoints and plots) and advances all
// workers in lockstep chunks, so after every chunk the whole state is consistent. Each instance
// draws from its own streams, so results are identical for any number of workers.

import type { Worker } from 'node:worker_threads';
import type { ToyConfig } from '../config/toy.js';
import { DivergenceError, trainToyAsync, type HistoryRow, type ToyStorage, type ToyTraining, type TrainCallbacks } from './trainToy.js';
import type { ToyWorkerData, ToyWorkerReply, ToyWorkerRequest } from './toyWorker.js';
import { toyWorkerScript } from './workerScript.js';
import { timeGram32, timeH, timeH32 } from '../kernels/toy/route.js';

/**
 * Estimated ns per step of an instance: the toy kernel's own cost model (its cheapest route, at
 * the batch's expected rows with an active input and active inputs), the sampling of its batch
 * (~0.11 ns per entry, ~1.9 per active input drawn by skips, ~0.83 where every row is active,
 * measured on the W2 and W3 grids) and
 * Adam over W and b. The pool then corrects it by measured times (rebalance).
 */
function instanceCost(config: ToyConfig, k: number): number {
  const { nFeatures: n, nHidden: m, batchSize } = config;
  const p = config.featureProbability ? config.featureProbability[k] : Array<number>(n).fill(1 - config.sparsity[k]);
  const actives = batchSize * p.reduce((a, b) => a + b, 0);
  const rows = batchSize * (1 - p.reduce((a, b) => a * (1 - b), 1));
  const kernel = Math.min(
    timeH32(n, m, rows, actives, true),
    timeH32(n, m, rows, actives, false),
    timeGram32(n, m, rows, actives),
    timeH(n, m, rows, actives, 4 * actives > rows * n),
  );
  const sampling = 0.11 * batchSize * n + p.reduce((sum, pi) => sum + batchSize * pi * (pi >= 1 ? 0.83 : 1.93), 0);
  return kernel + sampling + 5 * (n * m + n);
}

/** Estimated relative cost of every instance of a config. */
export function instanceCosts(config: ToyConfig): number[] {
  return config.sparsity.map((_, k) => instanceCost(config, k));
}

/** Contiguous ranges of instances with about equal total cost, at most `workers` of them. */
export function partitionInstances(config: ToyConfig, workers: number, costs = instanceCosts(config)): [number, number][] {
  const count = costs.length;
  const parts = Math.max(1, Math.min(workers, count));
  const total = costs.reduce((a, b) => a + b, 0);
  const ranges: [number, number][] = [];
  let start = 0;
  let accumulated = 0;
  for (let part = 1; part < parts; part++) {
    let end = start;
    // Take instances while this part stays nearer its share with the next one than without it (at
    // least half of the next fits), leaving at least one per remaining part.
    while (end < count - (parts - part) && (end === start || accumulated + costs[end] / 2 <= (total * part) / parts)) accumulated += costs[end++];
    ranges.push([start, end]);
    start = end;
  }
  ranges.push([start, count]);
  return ranges;
}

/** Estimated ns per step of a range beyond a share's first: its own training step (sampling, kernel and Adam calls). */
const RANGE_COST = 20_000;

/** The largest share's cost: what a partition's wall time follows. */
function slowestShare(shares: readonly (readonly [number, number][])[], costs: readonly number[]): number {
  return Math.max(...shares.map((ranges) => ranges.reduce((sum, [a, b]) => sum + costs.slice(a, b).reduce((x, y) => x + y, 0), (ranges.length - 1) * RANGE_COST)));
}

/**
 * Shares of the instances as arcs of the grid read as a circle, at most `workers` of them: each
 * share one contiguous range, or two when it wraps around the end (its last instances and the first
 * ones). Of the contiguous partitions (partitionInstances) of every rotation of the grid, the one
 * whose largest share costs least; the unrotated one on ties. Wrapping lets a share of costly dense
 * instances at the start of a grid take cheap sparse ones from its end (W3: 1.89× → 1.97× the
 * one-worker speed at best, by the measured costs).
 */
export function partitionShares(config: ToyConfig, workers: number, costs = instanceCosts(config)): [number, number][][] {
  const count = costs.length;
  let best: [number, number][][] = partitionInstances(config, workers, costs).map((range) => [range]);
  let bestCost = slowestShare(best, costs);
  for (let shift = 1; shift < count; shift++) {
    const rotated = costs.slice(shift).concat(costs.slice(0, shift));
    const shares = partitionInstances(config, workers, rotated).map(([a, b]): [number, number][] => {
      const from = a + shift;
      const to = b + shift;
      if (to <= count) return [[from, to]];
      if (from >= count) return [[from - count, to - count]];
      return [[from, count], [0, to - count]]; // wraps: the end of the grid, then its start
    });
    const cost = slowestShare(shares, costs);
    if (cost < bestCost) {
      best = shares;
      bestCost = cost;
    }
  }
  return best;
}

/** A share's instances, in the order of its ranges. */
function instancesOf(ranges: readonly [number, number][]): number[] {
  return ranges.flatMap(([a, b]) => Array.from({ length: b - a }, (_, k) => a + k));
}

/**
 * node:worker_threads, loaded when a pool is first made: a run on one thread (--workers 1, or one
 * instance) does not pay for it at start-up (~1.3 ms).
 */
let WorkerThread: typeof Worker | undefined;

function shared<A extends Float32Array | Float64Array>(ArrayType: { new (buffer: SharedArrayBuffer): A; BYTES_PER_ELEMENT: number }, source: A): A {
  const array = new ArrayType(new SharedArrayBuffer(source.length * ArrayType.BYTES_PER_ELEMENT));
  array.set(source);
  return array;
}

/** Send a request to a worker and wait for its reply (or its thread's error). */
function request(worker: Worker, message: ToyWorkerRequest): Promise<ToyWorkerReply> {
  return new Promise<ToyWorkerReply>((resolve, reject) => {
    const onMessage = (reply: ToyWorkerReply) => {
      worker.off('error', onError);
      resolve(reply);
    };
    const onError = (error: Error) => {
      worker.off('message', onMessage);
      reject(error);
    };
    worker.once('error', onError);
    worker.once('message', onMessage);
    worker.postMessage(message);
  });
}

export class ToyWorkerPool {
  /** Milliseconds each worker spent training in the last runUntil. */
  busyMs: number[] = [];
  private workers: Worker[] = [];
  shares: [number, number][][] = [];

  private constructor(
    readonly training: ToyTraining,
    private readonly storage: ToyStorage,
    private readonly workerCount: number,
    private costs: number[],
  ) {}

  /**
   * Move `training`'s parameters and moments into shared memory and start one worker per share,
   * each resuming from training's current step and stream states.
   */
  static async create(training: ToyTraining, workers: number, costs = instanceCosts(training.config)): Promise<ToyWorkerPool> {
    const storage: ToyStorage = {
      W: shared(Float32Array, training.params.W),
      b: shared(Float32Array, training.params.b),
      adamWm: shared(Float64Array, training.adam.W.m),
      adamWv: shared(Float64Array, training.adam.W.v),
      adamBm: shared(Float64Array, training.adam.b.m),
      adamBv: shared(Float64Array, training.adam.b.v),
    };
    training.params.W = storage.W;
    training.params.b = storage.b;
    training.adam.W.m = storage.adamWm;
    training.adam.W.v = storage.adamWv;
    training.adam.b.m = storage.adamBm;
    training.adam.b.v = storage.adamBv;
    WorkerThread ??= (await import('node:worker_threads')).Worker;
    const pool = new ToyWorkerPool(training, storage, workers, costs);
    pool.start();
    return pool;
  }

  /** Start one worker per share of the current partition, from the mirror's current state. */
  private start(): void {
    const { training, storage } = this;
    this.shares = partitionShares(training.config, this.workerCount, this.costs);
    this.busyMs = this.shares.map(() => 0);
    this.workers = this.shares.map((ranges) => {
      const data: ToyWorkerData = {
        config: training.config,
        ranges,
        streamKeys: training.streamKeys, // the mirror holds every instance
        importance: training.importance,
        storage,
        state: this.shareState(ranges),
      };
      const worker = new WorkerThread!(toyWorkerScript(), { workerData: data });
      worker.unref();
      return worker;
    });
  }

  /** The mirror's step, Adam step and the streams of a share's instances, in range order. */
  private shareState(ranges: [number, number][]): ToyWorkerData['state'] {
    const { training } = this;
    const instances = instancesOf(ranges);
    return {
      step: training.step,
      adamSteps: training.adam.W.t,
      dataRngs: instances.map((k) => training.dataRngs[k].getState()),
      shuffleRngs: instances.map((k) => training.shuffleRngs[k].getState()),
      epochShuffleStates: training.epochShuffleStates && instances.map((k) => training.epochShuffleStates![k]),
    };
  }

  /**
   * Rescale the estimated costs by each worker's measured time in the last runUntil and, when
   * that shortens the slowest share by more than 5%, hand the workers the new partition (between
   * chunks the whole state is in the mirror and shared memory; the threads stay). Returns whether
   * it did. Measured times only fix each share's total, so the cost model's relative costs within
   * a share carry over: repeated passes refine them as the shares mix.
   */
  async rebalance(): Promise<boolean> {
    const measured = this.costs.slice();
    this.shares.forEach((ranges, w) => {
      const instances = instancesOf(ranges);
      const estimate = instances.reduce((sum, k) => sum + this.costs[k], 0);
      for (const k of instances) measured[k] = (this.costs[k] / estimate) * this.busyMs[w];
    });
    const shares = partitionShares(this.training.config, this.workerCount, measured);
    if (slowestShare(shares, measured) >= 0.95 * slowestShare(this.shares, measured)) return false;
    this.costs = measured;
    await this.assign(shares);
    return true;
  }

  /** Hand worker w the share shares[w] (one per worker), from the state mirrored after the last chunk. */
  async assign(shares: [number, number][][]): Promise<void> {
    if (shares.length !== this.workers.length) throw new Error(`assign: ${shares.length} shares for ${this.workers.length} workers`);
    await Promise.all(this.workers.map((worker, w) => request(worker, { type: 'assign', ranges: shares[w], state: this.shareState(shares[w]) })));
    this.shares = shares;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Train every instance up to optimizer step `until`, then mirror the workers' state. */
  async runUntil(until: number): Promise<void> {
    const replies = await Promise.all(this.workers.map((worker) => request(worker, { type: 'run', until })));
    const training = this.training;
    const failed = replies.find((r) => r.type === 'error');
    if (failed && failed.type === 'error') throw new Error(`toy worker failed: ${failed.message}`);
    const diverged = replies
      .flatMap((r) => (r.type === 'diverged' ? [r] : []))
      .sort((a, b) => a.step - b.step || a.instance - b.instance)[0];
    const limit = diverged ? diverged.step : Infinity;
    // The same rows, in the same order, as one thread would have written (step, then instance).
    const rows: HistoryRow[] = replies.flatMap((r) => (r.type === 'done' || r.type === 'diverged' ? r.history : [])).filter((row) => row.step < limit);
    rows.sort((a, b) => a.step - b.step || a.instance - b.instance);
    training.history.push(...rows);
    if (diverged) throw new DivergenceError(diverged.instance, diverged.step, diverged.sparsity, diverged.loss);
    replies.forEach((reply, w) => {
      if (reply.type !== 'done') return;
      const instances = instancesOf(this.shares[w]);
      reply.losses.forEach((loss, k) => (training.losses[instances[k]] = loss));
      reply.dataRngs.forEach((state, k) => training.dataRngs[instances[k]].setState(state));
      reply.shuffleRngs.forEach((state, k) => training.shuffleRngs[instances[k]].setState(state));
      if (reply.epochShuffleStates) {
        training.epochShuffleStates ??= new Array(training.shape.nInstances);
        reply.epochShuffleStates.forEach((state, k) => (training.epochShuffleStates![instances[k]] = state));
      }
      training.step = reply.step;
      training.adam.W.t = training.adam.b.t = reply.adamSteps;
      this.busyMs[w] = reply.busyMs;
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/**
 * Whether to re-partition after `chunks` chunks: after the 4th (the cost model's cut, corrected by
 * measured times), the 8th (which corrects the first cut where the model had the instances'
 * relative costs wrong) and every 8th after that (routes change as a model trains: W2's sparse
 * instances get cheaper). Each pass keeps the partition unless the slowest share gains > 5%.
 */
export function rebalanceAfter(chunks: number): boolean {
  return chunks === 4 || (chunks > 0 && chunks % 8 === 0);
}

/**
 * Train to the end with `workers` threads (or on this thread when 1 or when there is one
 * instance), in chunks of about `chunkMs`; onStep runs after each chunk, shouldStop is polled
 * after each chunk. Same results as trainToyAsync.
 */
export async function trainToyParallel(training: ToyTraining, workers: number, callbacks: TrainCallbacks = {}, chunkMs = 200): Promise<void> {
  if (workers <= 1 || training.shape.nInstances <= 1) return trainToyAsync(training, callbacks);
  const pool = await ToyWorkerPool.create(training, workers);
  try {
    const total = training.config.totalSteps;
    let chunk = 10;
    let chunks = 0;
    while (training.step < total) {
      const started = performance.now();
      await pool.runUntil(Math.min(total, training.step + chunk));
      const elapsed = performance.now() - started;
      chunk = Math.max(1, Math.min(100_000, Math.round(chunk * Math.min(4, chunkMs / Math.max(1, elapsed)))));
      callbacks.onStep?.(training);
      if (callbacks.shouldStop?.()) return;
      chunks++;
      if (rebalanceAfter(chunks) && training.step < total) await pool.rebalance();
    }
  } finally {
    await pool.close();
  }
}
