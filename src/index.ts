// PLACEHOLDER for the package's browser-safe main entry ('superposition-lab'), only so that this
// branch builds and tests the package shape: the library-API branch's src/index.ts replaces it.

export { resolveToyConfig, type ToyConfig, type ToyConfigInput } from './config/toy.js';
export { resolveSaeConfig, expandSaeGrid, type SaeConfig, type SaeConfigInput, type SaeSpec } from './config/sae.js';
export { createToyTraining, featureDistribution, trainToy, type ToyTraining } from './train/trainToy.js';
export { createSaeTraining, saeTrainStep, type SaeTraining, type ToySource } from './train/trainSae.js';
export { evaluateSaeInstance, type SaeEvaluation } from './train/evaluateSae.js';
export { superpositionMetrics, type SuperpositionMetrics } from './metrics/superposition.js';
export { decodeSafetensors, encodeSafetensors, type TensorMap } from './core/safetensors.js';
