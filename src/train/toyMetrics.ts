// What metrics.json records about a trained toy model, per instance: the final loss on a fixed
// evaluation set, then the geometry of W (norms, interference, dimensionality, WᵀW) and the bias.
// In the train layer, not beside the results folder, so the browser-safe library computes the
// same numbers as the CLI.

import { superpositionMetrics, type SuperpositionMetrics } from '../metrics/superposition.js';
import { evaluateLoss, type ToyTraining } from './trainToy.js';

/** The metrics of one instance of a toy model: its sparsity, its final loss, the geometry of its W, its bias b. */
export interface InstanceMetrics extends SuperpositionMetrics {
  /** The instance's sparsity S (feature probability 1 − S). */
  sparsity: number;
  /** Loss on config.evalSize fresh samples from the instance's evaluation stream: an estimate of the expected loss. */
  finalLoss: number;
  /** b [feat]. */
  bias: number[];
}

/** The metrics of every instance of a toy model, in instance order (metrics.json). */
export interface ToyMetrics {
  instances: InstanceMetrics[];
}

/** Metrics of every instance: final loss on the evaluation set, then the geometry of W. */
export function toyMetrics(training: ToyTraining): ToyMetrics {
  const { shape, config, params } = training;
  const finalLoss = evaluateLoss(training);
  const instances: InstanceMetrics[] = [];
  for (let k = 0; k < shape.nInstances; k++) {
    const geometry = superpositionMetrics(params.W, k, shape.nHidden, shape.nFeatures);
    const bias = Array.from(params.b.subarray(k * shape.nFeatures, (k + 1) * shape.nFeatures));
    instances.push({ sparsity: config.sparsity[k], finalLoss: finalLoss[k], ...geometry, bias });
  }
  return { instances };
}
