// What an SAE reads: the trained toy model (its weights and feature distribution), and the SAE's
// own random streams keyed by (seed, toy instance, SAE seed, purpose), so SAEs that differ only in
// λ or k see the same data and start from the same decoder (a controlled sweep).

import { Rng } from '../core/rng.js';
import type { FeatureDistribution } from '../data/features.js';
import type { FeatureHierarchy } from '../data/hierarchy.js';
import { sampleInstanceProjected } from '../data/skipSampler.js';
import { sampleCorrelatedProjected, type FeatureCorrelation } from '../data/correlatedSets.js';
import { normalizeRowsWithImage } from '../data/normalize.js';
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
  /** 'unit': the toy model was trained on samples rescaled to ‖x‖ = 1, so the SAEs read those too. */
  inputNorm?: 'none' | 'unit';
  /** The toy run's hierarchical features (--hierarchy), if any: the SAEs' data follows it too. */
  hierarchy?: FeatureHierarchy;
  /** The toy run's correlated or anticorrelated sets (--correlation), if any: the SAEs' data follows them too. */
  correlation?: FeatureCorrelation;
}

/** One toy instance as an SAE's data source. */
export interface HiddenSource {
  toyW: Float32Array; // [hidden, feat] view
  dist: FeatureDistribution; // one instance
}

export function saeRng(toy: ToySource, config: SaeConfig, spec: SaeSpec, purpose: number): Rng {
  return Rng.stream(config.saeSeed ?? toy.seed, SAE_STREAM, spec.toyInstance, spec.seed, purpose);
}

export function toyDistribution(toy: ToySource, toyInstance: number): FeatureDistribution {
  const n = toy.nFeatures;
  const featureProbability = toy.featureProbability.subarray(toyInstance * n, (toyInstance + 1) * n);
  return { nInstances: 1, nFeatures: n, featureProbability, ...(toy.hierarchy ? { hierarchy: toy.hierarchy } : {}) };
}

/**
 * Fresh x [batch, feat] from the instance's distribution (correlated sets when the toy run has
 * them) and h = W x [batch, hidden], h built from the active entries (bit-identical to a scan of
 * x; features.ts); both rescaled to ‖x‖ = 1 when the toy model was trained so.
 */
export function sampleHidden(source: HiddenSource, rng: Rng, x: Float32Array, h: Float64Array, batchSize: number, toy: ToySource): void {
  const correlation = toy.correlation;
  if (correlation) sampleCorrelatedProjected(correlation.kind, correlation.setSize, source.dist, 0, rng, x, batchSize, source.toyW, toy.nHidden, h);
  else sampleInstanceProjected(source.dist, 0, rng, x, batchSize, source.toyW, toy.nHidden, h);
  if (toy.inputNorm === 'unit') normalizeRowsWithImage(x, h, batchSize, toy.nFeatures, toy.nHidden);
}
