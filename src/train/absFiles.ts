// An abs run's metrics and weights as text and bytes (no file access): metrics.json per instance
// (loss, features computed, neuron types) and weights.safetensors with W1, b1, W2, b2. config.json
// and history.csv are written as a toy run's (toyFiles.ts).

import { VERSION } from '../version.js';
import { encodeSafetensors } from '../core/safetensors.js';
import { COMPUTED_MAX_RELATIVE_ERROR, instanceWeights, relativeErrors } from '../metrics/absComputed.js';
import { classifyNeurons, neuronCounts, type NeuronReport, type NeuronType } from '../metrics/absNeurons.js';
import type { AbsTraining } from './trainAbs.js';
import { jsonText } from './toyFiles.js';

/** metrics.json's numbers of one instance. */
export interface AbsInstanceMetrics {
  sparsity: number;
  /** Loss on evalSize fresh samples. */
  finalLoss: number;
  /** Features whose output, alone, is within the relative error bound of |x| (metrics/absComputed.ts). */
  featuresComputed: number;
  computedFeatures: number[];
  /** R_i per feature: squared error of y_i(t e_i) against |t| relative to the zero output's. */
  relativeErrors: number[];
  neuronCounts: Record<NeuronType | 'asymmetricMotif', number>;
  neurons: NeuronReport[];
}

/** Per instance: loss, features computed and neuron types, from the trained parameters and the evaluation losses. */
export function absMetrics(training: AbsTraining, finalLoss: Float64Array): AbsInstanceMetrics[] {
  const { nFeatures: n, nHidden: m } = training.shape;
  return training.config.sparsity.map((sparsity, k) => {
    const w = instanceWeights(training.params, k, n, m);
    const errors = relativeErrors(w);
    const neurons = classifyNeurons(w);
    const computedFeatures = errors.flatMap((r, i) => (r <= COMPUTED_MAX_RELATIVE_ERROR ? [i] : []));
    return { sparsity, finalLoss: finalLoss[k], featuresComputed: computedFeatures.length, computedFeatures, relativeErrors: errors, neuronCounts: neuronCounts(neurons), neurons };
  });
}

/** The text of an abs run's metrics.json. */
export function absMetricsJson(instances: readonly AbsInstanceMetrics[]): string {
  return jsonText({ model: 'abs', computedMaxRelativeError: COMPUTED_MAX_RELATIVE_ERROR, instances });
}

/** The bytes of an abs run's weights.safetensors: W1 [inst, hidden, feat], b1 [inst, hidden], W2 [inst, feat, hidden], b2 [inst, feat], F32. */
export function absWeightsFile(training: AbsTraining): Uint8Array {
  const { nInstances: K, nFeatures: n, nHidden: m } = training.shape;
  const { W1, b1, W2, b2 } = training.params;
  return encodeSafetensors(
    {
      W1: { shape: [K, m, n], data: W1 },
      b1: { shape: [K, m], data: b1 },
      W2: { shape: [K, n, m], data: W2 },
      b2: { shape: [K, n], data: b2 },
    },
    { format: 'superposition-lab', model: 'abs', version: VERSION, sparsity: JSON.stringify(training.config.sparsity) },
  );
}
