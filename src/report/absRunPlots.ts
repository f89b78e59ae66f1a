// The plots of an abs run's results folder (--model abs): input weights per neuron for every
// instance (the paper's weight plot) and, with several instances, features computed against 1 − S.

import type { AbsWeights } from '../metrics/absComputed.js';
import type { NeuronReport } from '../metrics/absNeurons.js';
import { computedVsDensitySpec, neuronWeightBars, neuronWeightsSpec } from './absPlots.js';
import { writePlot } from './render.js';

/** What the plots read of one instance. */
export interface AbsPlotInstance {
  sparsity: number;
  weights: AbsWeights;
  neurons: readonly NeuronReport[];
  featuresComputed: number;
}

/** Writes plots/neuron_weights and (≥ 2 instances) plots/features_computed; returns the names written. */
export async function writeAbsPlots(dir: string, nFeatures: number, nHidden: number, instances: readonly AbsPlotInstance[]): Promise<string[]> {
  const panels = instances.map((inst) => `S = ${inst.sparsity}: ${inst.featuresComputed} computed`);
  const bars = instances.flatMap((inst, k) => neuronWeightBars(panels[k], inst.weights, inst.neurons));
  await writePlot(dir, 'neuron_weights', neuronWeightsSpec(bars, panels, nFeatures, `n = ${nFeatures}, m = ${nHidden}`));
  if (instances.length < 2) return ['neuron_weights'];
  const points = instances.map((inst) => ({ seed: 0, density: 1 - inst.sparsity, computed: inst.featuresComputed }));
  await writePlot(dir, 'features_computed', computedVsDensitySpec(points.filter((p) => p.density > 0), nHidden, nFeatures));
  return ['neuron_weights', 'features_computed'];
}
