// The toy model's flags (fields and ranges: src/experiments/config.ts).

import type { FlagSpec } from './flags.js';

export const TOY_FLAGS: FlagSpec[] = [
  { field: 'sparsity', flag: '--sparsity <S...>', description: 'sparsity values, one model instance each (p = 1 − S)', kind: 'numbers' },
  { field: 'nFeatures', flag: '--sparse-dim <n>', description: 'number of features n', kind: 'number' },
  { field: 'nHidden', flag: '--dense-dim <m>', description: 'hidden dimensions m', kind: 'number' },
  { field: 'importanceDecay', flag: '--importance-decay <r>', description: 'importance I_i = r^i', kind: 'number' },
  { field: 'importance', flag: '--importance <I...>', description: 'explicit importance, one value per feature (overrides --importance-decay)', kind: 'numbers' },
  { field: 'model', flag: '--model <model>', description: "toy model: x' = ReLU(Wᵀh + b) or Wᵀh + b", kind: 'choice', choices: ['relu', 'linear'] },
  { field: 'steps', flag: '--steps <T>', description: 'optimizer steps, a fresh batch each step', kind: 'number' },
  { field: 'numEpochs', flag: '--num-epochs <E>', description: "train E epochs over a fixed dataset instead of --steps (the seed's mode)", kind: 'number' },
  { field: 'datasetSize', flag: '--dataset-size <N>', description: 'samples in the fixed dataset of --num-epochs', kind: 'number' },
  { field: 'batchSize', flag: '--batch-size <B>', description: 'samples per step', kind: 'number' },
  { field: 'lr', flag: '--lr <lr>', description: 'learning rate', kind: 'number' },
  { field: 'optimizer', flag: '--optimizer <name>', description: 'optimizer', kind: 'choice', choices: ['adam', 'adamw'] },
  { field: 'weightDecay', flag: '--weight-decay <λ>', description: 'weight decay (default 0 for adam, 0.01 for adamw)', kind: 'number' },
  { field: 'beta1', flag: '--beta1 <β1>', description: 'Adam β1', kind: 'number' },
  { field: 'beta2', flag: '--beta2 <β2>', description: 'Adam β2', kind: 'number' },
  { field: 'epsilon', flag: '--eps <ε>', description: 'Adam ε', kind: 'number' },
  { field: 'lrSchedule', flag: '--lr-schedule <name>', description: 'learning-rate schedule after warm-up', kind: 'choice', choices: ['constant', 'linear', 'cosine'] },
  { field: 'warmupSteps', flag: '--warmup-steps <k>', description: 'linear learning-rate warm-up steps', kind: 'number' },
  { field: 'seed', flag: '--seed <seed>', description: 'random seed (same seed + same config → same numbers)', kind: 'number' },
  { field: 'evalSize', flag: '--eval-size <N>', description: 'fresh samples on which the final loss is measured', kind: 'number' },
];

export const SAE_FLAGS: FlagSpec[] = [
  { field: 'arch', flag: '--arch <arch...>', description: 'SAE architecture(s)', kind: 'choices', choices: ['relu', 'topk', 'batchtopk', 'jumprelu', 'gated'] },
  { field: 'dictSize', flag: '--dict-size <d...>', description: 'latents per SAE (default: n, the inverted dimensionality)', kind: 'numbers' },
  { field: 'l1', flag: '--l1 <lambda...>', description: 'sparsity coefficient λ: L1 (relu, gated) or L0 (jumprelu)', kind: 'numbers' },
  { field: 'k', flag: '--k <k...>', description: 'active latents for topk/batchtopk (default: round(n(1 − S)), at least 1)', kind: 'numbers' },
  { field: 'saeSeeds', flag: '--sae-seeds <K>', description: 'SAEs per configuration, with different seeds', kind: 'number' },
  { field: 'saeSteps', flag: '--sae-steps <T>', description: 'SAE optimizer steps', kind: 'number' },
  { field: 'saeLr', flag: '--sae-lr <lr>', description: 'SAE learning rate (Adam)', kind: 'number' },
  { field: 'saeBatchSize', flag: '--sae-batch-size <B>', description: 'SAE batch size', kind: 'number' },
  { field: 'saeLrSchedule', flag: '--sae-lr-schedule <name>', description: 'SAE learning-rate decay', kind: 'choice', choices: ['constant', 'linear', 'cosine'] },
  { field: 'saeWarmupSteps', flag: '--sae-warmup-steps <k>', description: 'SAE learning-rate warm-up steps', kind: 'number' },
  { field: 'l1WarmupSteps', flag: '--l1-warmup-steps <k>', description: 'λ ramps linearly from 0 over k steps', kind: 'number' },
  { field: 'bDecInit', flag: '--b-dec-init <how>', description: 'initial decoder bias: geometric median, mean or zero', kind: 'choice', choices: ['median', 'mean', 'zero'] },
  { field: 'resample', flag: '--resample <how>', description: 'dead-latent resampling', kind: 'choice', choices: ['none', 'simple', 'anthropic'] },
  { field: 'resampleInterval', flag: '--resample-interval <T>', description: 'steps between resamplings (none in the last 20%)', kind: 'number' },
  { field: 'deadWindow', flag: '--dead-window <T>', description: 'a latent silent for T steps is dead (resampling, AuxK)', kind: 'number' },
  { field: 'auxCoefficient', flag: '--aux-coefficient <α>', description: 'weight of topk/batchtopk AuxK loss', kind: 'number' },
  { field: 'bandwidth', flag: '--bandwidth <ε>', description: 'jumprelu straight-through kernel bandwidth', kind: 'number' },
  { field: 'thresholdDecay', flag: '--threshold-decay <β>', description: 'batchtopk inference-threshold EMA decay', kind: 'number' },
  { field: 'saeEvalSize', flag: '--sae-eval-size <N>', description: 'fresh samples for the recovery metrics', kind: 'number' },
  { field: 'saeSeed', flag: '--sae-seed <seed>', description: "seed of the SAEs' random streams (default: the toy run's)", kind: 'number' },
];
