// What every claim experiment of `superposition reproduce` shares: the result types, packed
// training (seeds, sparsities, importances of one experiment as instances of one model, over the
// worker pool) and small statistics.

import type { TopLevelSpec } from 'vega-lite';
import { resolveToyConfig, type ToyConfig } from '../../config/toy.js';
import { toyMetrics, type InstanceMetrics } from '../../train/toyMetrics.js';
import { STREAM, createToyTraining, instanceRngs, type StreamKey } from '../../train/trainToy.js';
import { trainToyParallel } from '../../train/toyWorkers.js';

export type Verdict = 'reproduced' | 'partly' | 'not reproduced' | 'not run';

export interface Figure {
  caption: string;
  spec: TopLevelSpec;
}

/** Where our experiment differs from the paper's (or the seed's) procedure, and why. */
export interface SettingDiff {
  aspect: string;
  paper: string;
  ours: string;
  why: string;
}

export interface ClaimResult {
  id: string;
  claim: string;
  source: string;
  rule: string;
  measured: string;
  verdict: Verdict;
  /** Why a claim was not run. */
  reason?: string;
  /** The experiment's settings (model, grid, steps, seeds). */
  config?: Record<string, unknown>;
  /** The numbers behind `measured` (means, spreads, per seed). */
  numbers?: unknown;
  figures: Figure[];
}

export const PAPER = 'Elhage et al. 2022, Toy Models of Superposition';

// ---------------------------------------------------------------- packed training

export interface PackedInstance {
  sparsity: number;
  seed: number;
  importance: number[];
}

export interface PackedResult {
  config: ToyConfig;
  metrics: InstanceMetrics[];
  W: Float32Array; // [inst, hidden, feat]
  featureProbability: Float64Array; // [inst, feat]
  /** Each instance's stream key (its seed, its index among that seed's instances): redraws its data. */
  streamKeys: StreamKey[];
  seconds: number;
}

/**
 * Train every instance (own seed, sparsity, importance) as one model over `workers` threads; its
 * streams are those of (seed, index in its seed's run), so the numbers do not depend on `workers`.
 */
export interface PackedBase {
  nFeatures: number;
  nHidden: number;
  /** Fresh batches (the paper's regime); omitted with numEpochs. */
  steps?: number;
  batchSize: number;
  lr: number;
  evalSize: number;
  optimizer?: 'adam' | 'adamw';
  weightDecay?: number;
  /** Epoch mode (the seed's): E epochs over a fixed dataset of datasetSize samples, instead of `steps`. */
  numEpochs?: number;
  datasetSize?: number;
  lrSchedule?: 'constant' | 'linear' | 'cosine';
  warmupSteps?: number;
  /** 'unit': every sample rescaled to ‖x‖ = 1 (Henighan et al. 2023). */
  inputNorm?: 'none' | 'unit';
}

export async function trainPacked(
  { initStd, ...base }: PackedBase & {
    /** W ~ N(0, initStd²) instead of the default N(0, 2/(m+n)) (from the same init streams). */
    initStd?: number;
  },
  instances: readonly PackedInstance[],
  workers = 1,
): Promise<PackedResult> {
  const started = performance.now();
  const config = resolveToyConfig({ ...base, sparsity: instances.map((i) => i.sparsity), historyEvery: 1_000_000_000 });
  const nextIndex = new Map<number, number>();
  const streamKeys: StreamKey[] = instances.map(({ seed }) => {
    const index = nextIndex.get(seed) ?? 0;
    nextIndex.set(seed, index + 1);
    return { seed, index };
  });
  const importance = Float64Array.from(instances.flatMap((i) => i.importance));
  // Epoch mode: the fixed dataset lives where training happens (the workers, or this thread alone).
  const mainTrains = workers <= 1 || instances.length <= 1;
  const training = createToyTraining(config, { streamKeys, importance, withDataset: mainTrains });
  if (initStd !== undefined) {
    const size = config.nHidden * config.nFeatures;
    instanceRngs(streamKeys, STREAM.init).forEach((rng, k) => {
      for (let e = 0; e < size; e++) training.params.W[k * size + e] = initStd * rng.normal();
    });
  }
  await trainToyParallel(training, workers);
  const metrics = toyMetrics(training).instances;
  return {
    config,
    metrics,
    W: training.params.W,
    featureProbability: training.dist.featureProbability,
    streamKeys,
    seconds: (performance.now() - started) / 1000,
  };
}

// ---------------------------------------------------------------- small statistics

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample standard deviation (n − 1); 0 for fewer than two values. */
export function sd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

export const fmt = (x: number, digits = 3) => (Number.isFinite(x) ? Number(x.toPrecision(digits)).toString() : String(x));
export const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Angular gaps (degrees, summing to 360) between consecutive directions of 2-D vectors. */
export function angularGaps(vectors: readonly [number, number][]): number[] {
  const angles = vectors.map(([x, y]) => (Math.atan2(y, x) * 180) / Math.PI).sort((a, b) => a - b);
  return angles.map((a, i) => (i + 1 < angles.length ? angles[i + 1] - a : angles[0] + 360 - a));
}

/** Column i of instance k of W [inst, hidden, feat]. */
export function column(W: Float32Array, k: number, m: number, n: number, i: number): number[] {
  return range(m).map((r) => W[(k * m + r) * n + i]);
}

export interface Curve {
  sparsity: number;
  mean: number;
  sd: number;
  perSeed: number[];
}

export function curveOf(rows: { sparsity: number; value: number }[], grid: readonly number[]): Curve[] {
  return grid.map((s) => {
    const perSeed = rows.filter((r) => r.sparsity === s).map((r) => r.value);
    return { sparsity: s, mean: mean(perSeed), sd: sd(perSeed), perSeed };
  });
}

