// The toy-model experiment config: one zod schema is the single source of truth for every
// field's type, allowed range, default, CLI flag and help text; the CLI's options and the error
// messages are derived from it (src/config/flags.ts).
//
// The order of the fields is part of the results: config.json and a sweep's run ids are written
// from the resolved config in this order.

import * as z from 'zod';
import { ConfigError, firstIssueMessage } from './errors.js';
import { fieldFlags, type FieldFlag } from './flags.js';

/** Children per parent when --hierarchy is given without --hierarchy-children. */
export const DEFAULT_HIERARCHY_CHILDREN = 3;

/** Features per set when --correlation is given without --correlation-set: the paper's pairs. */
export const DEFAULT_CORRELATION_SET = 2;

/** The seed's default experiment: its phase regions (0.1–0.7, 0.82–0.87, 0.9+) on one grid. */
export const DEFAULT_SPARSITY = [0.1, 0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99];

const unitInterval = z.number().min(0).max(1);

/** The toy-model config schema (zod): every field with its type, range, default, CLI flag and help text. */
export const toyConfigSchema = z.strictObject({
  nFeatures: z.number().int().min(1).max(100_000).default(20).meta({ flag: '--sparse-dim <n>', description: 'number of features n' }),
  nHidden: z.number().int().min(1).max(100_000).default(5).meta({ flag: '--dense-dim <m>', description: 'hidden dimensions m' }),
  sparsity: z
    .array(z.number().min(0).lt(1))
    .min(1)
    .max(4096)
    .default(DEFAULT_SPARSITY)
    .meta({ flag: '--sparsity <S...>', description: 'sparsity values, one model instance each (p = 1 − S)' }),
  /** Optional per-feature probabilities [inst][feat]; overrides 1 − sparsity feature by feature. */
  featureProbability: z
    .array(z.array(unitInterval))
    .optional()
    .meta({ description: 'per-feature probabilities, overriding 1 − sparsity', note: 'one row per instance, n numbers per row' }),
  importanceDecay: z.number().gt(0).max(1).default(0.7).meta({ flag: '--importance-decay <r>', description: 'importance I_i = r^i' }),
  /** Explicit importance vector [feat]; overrides importanceDecay. */
  importance: z
    .array(z.number().min(0))
    .optional()
    .meta({ flag: '--importance <I...>', description: 'explicit importance, one value per feature (overrides --importance-decay)', note: 'one per feature' }),
  model: z
    .enum(['relu', 'linear', 'abs'])
    .default('relu')
    .meta({ flag: '--model <model>', description: "toy model: x' = ReLU(Wᵀh + b) or Wᵀh + b; abs: y = ReLU(W₂ ReLU(W₁x + b₁) + b₂) trained on |x|, x signed" }),
  steps: z.number().int().min(1).max(1e9).default(10_000).meta({ flag: '--steps <T>', description: 'optimizer steps, a fresh batch each step' }),
  numEpochs: z
    .number()
    .int()
    .min(1)
    .max(1e6)
    .optional()
    .meta({ flag: '--num-epochs <E>', description: "train E epochs over a fixed dataset instead of --steps (the seed's mode)" }),
  datasetSize: z.number().int().min(1).max(1e8).default(100_000).meta({ flag: '--dataset-size <N>', description: 'samples in the fixed dataset of --num-epochs' }),
  /** Optional so that configs without it (and their sweep run ids) stay as they were; absent means 'none'. */
  inputNorm: z
    .enum(['none', 'unit'])
    .optional()
    .meta({ flag: '--input-norm <norm>', description: "rescale every sample to ‖x‖ = 1 ('unit', Henighan et al. 2023) or not ('none', the default)" }),
  batchSize: z.number().int().min(1).max(1_000_000).default(1024).meta({ flag: '--batch-size <B>', description: 'samples per step' }),
  lr: z.number().gt(0).max(Number.MAX_VALUE).default(1e-3).meta({ flag: '--lr <lr>', description: 'learning rate' }),
  optimizer: z.enum(['adam', 'adamw']).default('adam').meta({ flag: '--optimizer <name>', description: 'optimizer' }),
  /** Default: 0 for adam, 0.01 for adamw (PyTorch's default, the paper's notebook). */
  weightDecay: z.number().min(0).max(1e6).optional().meta({ flag: '--weight-decay <λ>', description: 'weight decay (default 0 for adam, 0.01 for adamw)' }),
  beta1: z.number().min(0).lt(1).default(0.9).meta({ flag: '--beta1 <β1>', description: 'Adam β1' }),
  beta2: z.number().min(0).lt(1).default(0.999).meta({ flag: '--beta2 <β2>', description: 'Adam β2' }),
  epsilon: z.number().gt(0).max(1).default(1e-8).meta({ flag: '--eps <ε>', description: 'Adam ε' }),
  lrSchedule: z
    .enum(['constant', 'linear', 'cosine'])
    .default('constant')
    .meta({ flag: '--lr-schedule <name>', description: 'learning-rate schedule after warm-up' }),
  warmupSteps: z.number().int().min(0).max(1e9).default(0).meta({ flag: '--warmup-steps <k>', description: 'linear learning-rate warm-up steps' }),
  seed: z
    .number()
    .int()
    .min(0)
    .max(4294967295)
    .default(0)
    .meta({ flag: '--seed <seed>', description: 'random seed (same seed + same config → same numbers)' }),
  evalSize: z.number().int().min(1).max(1e8).default(100_000).meta({ flag: '--eval-size <N>', description: 'fresh samples on which the final loss is measured' }),
  historyEvery: z.number().int().min(1).max(1e9).default(100).meta({ description: 'steps between rows of history.csv' }),
  // Hierarchical features (src/data/hierarchy.ts). Optional with no schema default, so a config
  // without them resolves, prints and hashes exactly as before they existed.
  hierarchy: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .optional()
    .meta({ flag: '--hierarchy <G>', description: 'hierarchical features: G parents, each followed by its children; a child fires only with its parent (off by default)' }),
  hierarchyChildren: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .meta({ flag: '--hierarchy-children <C>', description: `children per parent of --hierarchy (default ${DEFAULT_HIERARCHY_CHILDREN})` }),
  hierarchyMode: z
    .enum(['independent', 'exclusive'])
    .optional()
    .meta({ flag: '--hierarchy-mode <mode>', description: "children of an active parent: each on its own, or at most one (default independent)" }),
  // Correlated / anticorrelated feature sets (src/data/correlatedSets.ts). Optional with no schema
  // default for the same reason: absent means independent features, drawn as they always were.
  correlation: z
    .enum(['independent', 'correlated', 'anticorrelated'])
    .optional()
    .meta({
      flag: '--correlation <kind>',
      description: 'features in consecutive sets of --correlation-set: correlated (a set is all active with probability 1 − S), anticorrelated (all zero with probability S, else exactly one active) or independent (the default)',
    }),
  correlationSet: z
    .number()
    .int()
    .min(2)
    .max(100_000)
    .optional()
    .meta({ flag: '--correlation-set <k>', description: `features per set of --correlation (default ${DEFAULT_CORRELATION_SET}); --sparse-dim must be a multiple of it` }),
});

/** A toy config as written by hand or in a file: every field optional, defaults filled in by resolveToyConfig. */
export type ToyConfigInput = z.input<typeof toyConfigSchema>;

/** A config with every default filled in and every derived quantity resolved. */
export interface ToyConfig extends Omit<z.output<typeof toyConfigSchema>, 'weightDecay'> {
  weightDecay: number;
  /** Optimizer steps in total (steps, or epochs × batches per epoch). */
  totalSteps: number;
  /** 'steps' draws a fresh batch each step; 'epochs' iterates a fixed dataset. */
  dataMode: 'steps' | 'epochs';
}

let fieldFlagsMemo: Record<string, FieldFlag> | undefined;

/**
 * Per field: its flag, help text, default and allowed values, read from the schema. Made on first
 * use, for an error message or the build's flag table, not when a valid run imports the module.
 */
export function toyFieldFlags(): Record<string, FieldFlag> {
  return (fieldFlagsMemo ??= fieldFlags(toyConfigSchema));
}

/** Validate, fill defaults and resolve derived fields; throws ConfigError on the first bad value. */
export function resolveToyConfig(input: unknown): ToyConfig {
  const parsed = toyConfigSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(firstIssueMessage(parsed.error, input, toyFieldFlags()));
  const c = parsed.data;
  if (c.featureProbability) {
    if (c.featureProbability.length !== c.sparsity.length && (input as ToyConfigInput).sparsity !== undefined)
      throw new ConfigError(`featureProbability must have one row per sparsity value (${c.sparsity.length} rows, got ${c.featureProbability.length})`);
    for (const row of c.featureProbability)
      if (row.length !== c.nFeatures) throw new ConfigError(`featureProbability rows must have ${c.nFeatures} entries (--sparse-dim), got ${row.length}`);
    c.sparsity = c.featureProbability.map((row) => 1 - row.reduce((s, p) => s + p, 0) / row.length);
  }
  if (c.importance && c.importance.length !== c.nFeatures)
    throw new ConfigError(`--importance must have ${c.nFeatures} values (--sparse-dim), got ${c.importance.length}`);
  checkHierarchy(c);
  checkCorrelation(c);
  const dataMode = c.numEpochs === undefined ? 'steps' : 'epochs';
  const batchesPerEpoch = Math.ceil(c.datasetSize / c.batchSize);
  const totalSteps = dataMode === 'steps' ? c.steps : c.numEpochs! * batchesPerEpoch;
  const weightDecay = c.weightDecay ?? (c.optimizer === 'adamw' ? 0.01 : 0);
  return { ...c, weightDecay, totalSteps, dataMode };
}

/** The hierarchy's groups must fit in the features; its two modifiers mean nothing without it. */
function checkHierarchy(c: z.output<typeof toyConfigSchema>): void {
  if (c.hierarchy === undefined) {
    if (c.hierarchyChildren !== undefined) throw new ConfigError('--hierarchy-children needs --hierarchy (the number of parents)');
    if (c.hierarchyMode !== undefined) throw new ConfigError('--hierarchy-mode needs --hierarchy (the number of parents)');
    return;
  }
  const size = c.hierarchy * (1 + (c.hierarchyChildren ?? DEFAULT_HIERARCHY_CHILDREN));
  if (size > c.nFeatures)
    throw new ConfigError(`--hierarchy: ${c.hierarchy} parents with their children need ${size} features, more than --sparse-dim ${c.nFeatures}`);
}

/**
 * Correlated sets must tile the features, and go with one probability per instance, relu or linear
 * toy models and no hierarchy (each of those draws its own way); --correlation-set means nothing
 * without correlated or anticorrelated sets.
 */
function checkCorrelation(c: z.output<typeof toyConfigSchema>): void {
  if (c.correlation === undefined || c.correlation === 'independent') {
    if (c.correlationSet !== undefined) throw new ConfigError('--correlation-set needs --correlation correlated or anticorrelated');
    return;
  }
  const k = c.correlationSet ?? DEFAULT_CORRELATION_SET;
  if (c.nFeatures % k !== 0)
    throw new ConfigError(`--sparse-dim must be a multiple of --correlation-set ${k}: the features fall into sets of ${k} (got ${c.nFeatures})`);
  if (c.hierarchy !== undefined) throw new ConfigError('--correlation cannot be combined with --hierarchy (choose one way for features to depend on each other)');
  if (c.model === 'abs') throw new ConfigError('--correlation is for --model relu or linear (the abs model draws signed features of its own)');
  if (c.featureProbability !== undefined) throw new ConfigError('--correlation needs one probability per instance (1 − S): per-feature featureProbability is not allowed with it');
}

/** Warnings that do not stop a run (e.g. no compression at all). */
export function configWarnings(config: ToyConfig): string[] {
  const warnings: string[] = [];
  if (config.nHidden >= config.nFeatures)
    warnings.push(`--dense-dim ${config.nHidden} ≥ --sparse-dim ${config.nFeatures}: no compression, so no superposition is expected`);
  if (config.dataMode === 'epochs' && config.batchSize > config.datasetSize)
    warnings.push(`--batch-size ${config.batchSize} > --dataset-size ${config.datasetSize}: each epoch is one batch of the whole dataset`);
  return warnings;
}
