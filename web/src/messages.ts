// What the training worker sends the page: snapshots while a model trains (at a bounded rate,
// typed arrays transferred, never one per step) and the trained result at the end.

import type { HistoryRow, SaeConfigInput, ToyConfigInput, ToyModel, TrainedSaes, TrainedToyModel } from 'superposition-lab';

/** The geometry of one toy instance's W at a snapshot (metrics.json's fields, without the Gram matrix). */
export interface InstanceGeometry {
  featureNorms: number[]; // [feat]
  interference: number[]; // [feat]
  dimensionality: number[]; // [feat]
  represented: number;
  dimensionsPerFeature: number;
}

/** A toy model while it trains. */
export interface ToySnapshot {
  step: number;
  totalSteps: number;
  /** Milliseconds the training loop itself has run (not the yields or these snapshots). */
  trainingMs: number;
  W: Float32Array; // [inst, hidden, feat]
  b: Float32Array; // [inst, feat]
  /** The last batch's loss per instance. */
  losses: Float64Array; // [inst]
  /** History rows added since the previous snapshot. */
  newHistory: HistoryRow[];
  /** Per instance; absent on snapshots where measuring would cost more than ~10% of the training time. */
  geometry?: InstanceGeometry[];
  /** WᵀW of the selected instance, [feat, feat] row-major. */
  gram?: Float64Array;
  selected: number;
}

/** One SAE while it trains: its direction recovery from the decoder now, L0 and dead latents from the last batch. */
export interface SaeLiveRow {
  mmcs: number;
  mcc: number;
  recovered090: number;
  l0: number;
  dead: number;
}

/** SAEs while they train, with the cosines and decoder of the SAE shown (the first on the selected toy instance). */
export interface SaeSnapshot {
  step: number;
  totalSteps: number;
  trainingMs: number;
  rows: SaeLiveRow[];
  shown: SaeShown;
}

/** The SAE drawn in the views: which it is, its decoder and its cosines with the true features. */
export interface SaeShown {
  sae: number;
  dictSize: number;
  Wdec: Float32Array; // [hidden, latent]
  cosines: Float64Array; // [feat, latent]
  /** Per feature: its matched latent (-1 if none); the heatmap puts matched latents first, in feature order. */
  matchedLatent: number[];
}

export interface ToyOutcome {
  model: TrainedToyModel;
  steps: number;
  trainingMs: number;
}

export interface SaeOutcome {
  saes: TrainedSaes;
  steps: number;
  trainingMs: number;
  shown: SaeShown;
}

/** The worker's API (comlink). */
export interface TrainerApi {
  trainToy(input: ToyConfigInput, onSnapshot: (snapshot: ToySnapshot) => void): Promise<ToyOutcome>;
  trainSae(toy: ToyModel, input: SaeConfigInput, onSnapshot: (snapshot: SaeSnapshot) => void): Promise<SaeOutcome>;
  /** Which toy instance the views show (its Gram matrix and SAE travel with the snapshots). */
  select(instance: number): void;
  /** Stop the running training at the end of its current slice; its promise rejects with a StoppedError's message. */
  stop(): void;
}

/** The message a stopped training's promise rejects with. */
export const STOPPED = 'training stopped';
