// Measuring a trained SAE against the ground truth: directions (its decoder columns against the
// toy model's W_i) and activity (its latents against the true features on a fresh evaluation
// set of saeEvalSize samples, from a stream of its own). Definitions: docs/sae.md, § Recovery metrics;
// src/metrics/recovery.ts.

import { directionRecovery, featureLatentCosines, matchedPairs, type DirectionRecovery } from '../metrics/matching.js';
import { ActivityAccumulator, type ActivityRecovery } from '../metrics/recovery.js';
import { AbsorptionAccumulator, latentOfFeatures, type AbsorptionResult } from '../metrics/absorption.js';
import { REPRESENTED_THRESHOLD, superpositionMetrics } from '../metrics/superposition.js';
import { SAE_PURPOSE, saeRng, sampleHidden } from './saeData.js';
import type { SaeSpec } from '../config/sae.js';
import type { SaeParams } from '../models/sae/types.js';
import type { SaeGroup, SaeInstance, SaeTraining } from './saeGroups.js';

/** How well one SAE recovers the true features: cosines, direction recovery and activity on fresh samples. */
export interface SaeEvaluation {
  /** Toy features with ‖W_i‖ > 0.5: only these can be recovered. */
  representedFeatures: number[];
  cosines: number[][]; // [feat][latent]
  represented: DirectionRecovery; // over represented features
  all: DirectionRecovery; // over all features
  activity: ActivityRecovery; // pairs: the matching over represented features
  /** Distinct represented features that are the nearest true feature of some live latent. */
  uniqueness: number;
  /** Only when the toy run has hierarchical features: absorption of each parent (metrics/absorption.ts). */
  absorption?: AbsorptionResult;
}

export function meanOf(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

export function evaluateSaeInstance(training: SaeTraining, group: SaeGroup, instance: SaeInstance): SaeEvaluation {
  const { toy, config, x, h } = training;
  const { nFeatures: n, nHidden: m } = toy;
  const { shape, arch, ws } = group;
  const d = shape.dictSize;
  const norms = superpositionMetrics(instance.toyW, 0, m, n).featureNorms;
  const representedFeatures = norms.flatMap((norm, i) => (norm > REPRESENTED_THRESHOLD ? [i] : []));
  const allFeatures = norms.map((_, i) => i);
  const cosines = featureLatentCosines(instance.toyW, m, n, instance.params.W_dec, d);
  const represented = directionRecovery(cosines, representedFeatures);
  const all = directionRecovery(cosines, allFeatures);

  const accumulator = new ActivityAccumulator(n, d, m, instance.params.b_dec, matchedPairs(representedFeatures, represented.matchedLatent));
  // Absorption is judged on the same matching as the per-pair activity metrics.
  const hierarchy = instance.dist.hierarchy;
  const absorption = hierarchy
    ? new AbsorptionAccumulator(hierarchy.groups, latentOfFeatures(n, representedFeatures, represented.matchedLatent), n, d)
    : undefined;
  const rng = saeRng(toy, config, instance.spec, SAE_PURPOSE.evaluation);
  const B = config.saeBatchSize;
  for (let done = 0; done < config.saeEvalSize; done += B) {
    const size = Math.min(B, config.saeEvalSize - done);
    sampleHidden(instance, rng, x, h, size, toy);
    instance.step.batchSize = size;
    arch.encode(instance.step);
    accumulator.add(x, ws.z, h, ws.hHat, size);
    absorption?.add(x, ws.z, size);
  }
  const activity = accumulator.result();

  const nearest = new Set<number>();
  for (let l = 0; l < d; l++) {
    if (activity.firingFrequency[l] === 0) continue;
    let best = -1;
    let bestCos = -Infinity;
    for (const i of representedFeatures) if (cosines[i][l] > bestCos) [best, bestCos] = [i, cosines[i][l]];
    if (best >= 0) nearest.add(best);
  }
  const result: SaeEvaluation = { representedFeatures, cosines, represented, all, activity, uniqueness: nearest.size };
  if (absorption) result.absorption = absorption.result();
  return result;
}

/** Every SAE of a training measured against the ground truth, in SAE index order, with views of its parameters. */
export function evaluateSaes(training: SaeTraining): { spec: SaeSpec; evaluation: SaeEvaluation; params: SaeParams }[] {
  const results: { spec: SaeSpec; evaluation: SaeEvaluation; params: SaeParams }[] = [];
  for (const group of training.groups)
    for (const instance of group.instances)
      results.push({ spec: instance.spec, evaluation: evaluateSaeInstance(training, group, instance), params: instance.params });
  return results.sort((a, b) => a.spec.index - b.spec.index);
}
