/**
 * superposition-lab's main entry (`import … from 'superposition-lab'`): everything that runs in a
 * browser as well as in Node — configs, toy models and their instance grids, SAEs of every
 * architecture, data generation, the superposition and recovery metrics, and results files as
 * bytes (safetensors, JSON, CSV). Nothing here, nor anything it imports, uses a Node API
 * (test/api.test.ts bundles it for the browser); results folders on disk, worker threads, plots
 * and sweeps are in `superposition-lab/node`.
 *
 * Most programs need only the high-level calls: {@link trainToyModel} and {@link trainSaes}
 * (or their async forms for a UI or a Web Worker). The lower level is there for your own loops.
 *
 * @example
 * import { trainToyModel, trainSaes } from 'superposition-lab';
 * const model = trainToyModel({ nFeatures: 5, nHidden: 2, importanceDecay: 0.9, sparsity: [0.9] });
 * const { saes } = trainSaes(model, { arch: ['topk'] });
 * console.log(model.metrics.instances[0].represented, saes[0].metrics.mmcs);
 *
 * @module superposition-lab
 */

export { VERSION } from './version.js';

// Configs: one zod schema per experiment holds every field's type, default and range.
export { ConfigError, type ConfigIssue } from './config/errors.js';
export { DEFAULT_SPARSITY, configWarnings, resolveToyConfig, toyConfigSchema, type ToyConfig, type ToyConfigInput } from './config/toy.js';
export {
  SAE_ARCHS,
  expandSaeGrid,
  matryoshkaPrefixes,
  resolveSaeConfig,
  saeConfigSchema,
  type SaeArch,
  type SaeConfig,
  type SaeConfigInput,
  type SaeSpec,
} from './config/sae.js';

// High level: a toy model, SAEs on it, and either as the files of a CLI results folder.
export {
  readToyRunFiles,
  saeRunFiles,
  toyRunFiles,
  toySource,
  trainSaes,
  trainSaesAsync,
  trainToyModel,
  trainToyModelAsync,
  type ResultFiles,
  type SaeProgress,
  type StopSignal,
  type ToyModel,
  type ToyProgress,
  type TrainAsyncOptions,
  type TrainOptions,
  type TrainedSae,
  type TrainedSaes,
  type TrainedToyModel,
} from './train/library.js';

// Lower level: the training loops the high-level calls (and the CLI) are made of.
export {
  DivergenceError,
  createToyTraining,
  evaluateLoss,
  toyCorrelation,
  trainStep,
  type HistoryRow,
  type StreamKey,
  type ToyTraining,
  type ToyStorage,
  type ToyTrainingOptions,
} from './train/trainToy.js';
export { toyMetrics, type InstanceMetrics, type ToyMetrics } from './train/toyMetrics.js';
export { SaeDivergenceError, createSaeTraining, saeTrainStep, type SaeHistoryRow, type SaeTraining, type ToySource } from './train/trainSae.js';
export { evaluateSaes, type SaeEvaluation } from './train/evaluateSae.js';
export type { SaeGroup, SaeInstance } from './train/saeGroups.js';
export type { AdamOptions, AdamState, OptimizerName } from './core/adam.js';
export type { LrSchedule, LrScheduleName } from './core/schedule.js';

// The toy model h = W x, x' = ReLU(Wᵀh + b), many instances at once, and the SAE architectures.
export { createGrads, createParams, createWorkspace, hiddenActivations, initParams, lossAndGradients, reconstruct, type ToyModelWorkspace } from './models/toyModel.js';
export type { Activation, FloatArray, ToyModelGrads, ToyModelParams, ToyModelShape } from './kernels/toy/types.js';
export { SAE_ARCHITECTURES, saeArchitecture } from './models/sae/index.js';
export type { SaeArchitecture, SaeBatch, SaeGrads, SaeHyper, SaeLoss, SaeParams, SaeShape, SaeState, SaeStep, SaeWorkspace } from './models/sae/types.js';

// Data: sparse features x_i = [u_i < p_i]·v_i (optionally hierarchical) and their importance, drawn from seedable streams.
export { Rng } from './core/rng.js';
export { probabilityFromSparsity, type FeatureDistribution } from './data/features.js';
export { sampleBatch } from './data/skipSampler.js';
export { applyHierarchy, contiguousHierarchy, type FeatureHierarchy, type HierarchyGroup } from './data/hierarchy.js';
export { sampleCorrelatedBatch, sampleSets, type CorrelationKind, type FeatureCorrelation } from './data/correlatedSets.js';
export { geometricImportance, importancePerInstance } from './data/importance.js';
export { normalizeRows } from './data/normalize.js';

// Metrics: superposition (norms, interference, dimensionality, WᵀW), recovery (cosines, MMCS, MCC), absorption.
export { REPRESENTED_THRESHOLD, gramMatrix, superpositionMetrics, type SuperpositionMetrics } from './metrics/superposition.js';
export { RECOVERY_THRESHOLDS, directionRecovery, featureLatentCosines, type DirectionRecovery } from './metrics/matching.js';
// Finite data (Henighan et al. 2023): training points' hidden vectors and their dimensionality beside the features'.
export { columnDimensionalities, hiddenVectors, storageMeasures, type StorageMeasures } from './metrics/memorization.js';
export type { ActivityRecovery } from './metrics/recovery.js';
export type { FiringRecovery } from './metrics/activity.js';
export type { PairRecovery } from './metrics/pairActivity.js';
export type { ReconstructionRecovery } from './metrics/reconstruction.js';
export { AbsorptionAccumulator, type AbsorptionResult, type ParentAbsorption } from './metrics/absorption.js';

// Files as bytes: safetensors, and the files of a results folder.
export { SafetensorsError, decodeSafetensors, encodeSafetensors, type DecodedSafetensors, type Tensor, type TensorMap } from './core/safetensors.js';
export {
  ResultFilesError,
  configFromJson,
  readToyWeights,
  toyConfigJson,
  toyHistoryCsv,
  toyMetricsJson,
  toyWeightsFile,
} from './train/toyFiles.js';
export { saeConfigJson, saeHistoryCsv, saeMetricsJson, saeWeightsFile, type SaeMetrics } from './train/saeFiles.js';

// The summary tables' cells as the CLI prints them, and the memory estimate that refuses sizes out of reach.
export { saeSummaryRows, selectColumns, toySummaryRows, type SaeSummaryNumbers, type SummaryTable, type ToySummaryNumbers } from './train/summaryRows.js';
export { MemoryLimitError, checkMemory, formatBytes, saeMemoryParts, toyMemoryParts, type MemoryLimits, type MemoryPart } from './train/memoryEstimate.js';
