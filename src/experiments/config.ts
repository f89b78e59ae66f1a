// The toy-model experiment config: one zod schema is the single source of truth for every
// field's type, allowed range and default; the CLI's flags, help text and error messages are
// derived from the table below it.

import { z } from 'zod';

/** The seed's default experiment: its phase regions (0.1–0.7, 0.82–0.87, 0.9+) on one grid. */
export const DEFAULT_SPARSITY = [0.1, 0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99];

const unitInterval = z.number().min(0).max(1);

export const toyConfigSchema = z.strictObject({
  nFeatures: z.number().int().min(1).max(100_000).default(20),
  nHidden: z.number().int().min(1).max(100_000).default(5),
  sparsity: z.array(z.number().min(0).lt(1)).min(1).max(4096).default(DEFAULT_SPARSITY),
  /** Optional per-feature probabilities [inst][feat]; overrides 1 − sparsity feature by feature. */
  featureProbability: z.array(z.array(unitInterval)).optional(),
  importanceDecay: z.number().gt(0).max(1).default(0.7),
  /** Explicit importance vector [feat]; overrides importanceDecay. */
  importance: z.array(z.number().min(0)).optional(),
  model: z.enum(['relu', 'linear']).default('relu'),
  steps: z.number().int().min(1).max(1e9).default(10_000),
  numEpochs: z.number().int().min(1).max(1e6).optional(),
  datasetSize: z.number().int().min(1).max(1e8).default(100_000),
  batchSize: z.number().int().min(1).max(1_000_000).default(1024),
  lr: z.number().gt(0).max(Number.MAX_VALUE).default(1e-3),
  optimizer: z.enum(['adam', 'adamw']).default('adam'),
  /** Default: 0 for adam, 0.01 for adamw (PyTorch's default, the paper's notebook). */
  weightDecay: z.number().min(0).max(1e6).optional(),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  epsilon: z.number().gt(0).max(1).default(1e-8),
  lrSchedule: z.enum(['constant', 'linear', 'cosine']).default('constant'),
  warmupSteps: z.number().int().min(0).max(1e9).default(0),
  seed: z.number().int().min(0).max(4294967295).default(0),
  evalSize: z.number().int().min(1).max(1e8).default(100_000),
  historyEvery: z.number().int().min(1).max(1e9).default(100),
});

export type ToyConfigInput = z.input<typeof toyConfigSchema>;

/** A config with every default filled in and every derived quantity resolved. */
export interface ToyConfig extends Omit<z.output<typeof toyConfigSchema>, 'weightDecay'> {
  weightDecay: number;
  /** Optimizer steps in total (steps, or epochs × batches per epoch). */
  totalSteps: number;
  /** 'steps' draws a fresh batch each step; 'epochs' iterates a fixed dataset. */
  dataMode: 'steps' | 'epochs';
}

/** Per field: the CLI flag that sets it and the allowed values, for one-line error messages. */
export const FIELD_FLAGS: Record<keyof z.input<typeof toyConfigSchema>, { flag: string; allowed: string }> = {
  nFeatures: { flag: '--sparse-dim', allowed: 'an integer in [1, 100000]' },
  nHidden: { flag: '--dense-dim', allowed: 'an integer in [1, 100000]' },
  sparsity: { flag: '--sparsity', allowed: '1 to 4096 numbers, each in [0, 1)' },
  featureProbability: { flag: 'featureProbability', allowed: 'one row per instance of n numbers in [0, 1]' },
  importanceDecay: { flag: '--importance-decay', allowed: 'a number in (0, 1]' },
  importance: { flag: '--importance', allowed: 'n numbers ≥ 0 (one per feature)' },
  model: { flag: '--model', allowed: 'relu or linear' },
  steps: { flag: '--steps', allowed: 'an integer ≥ 1' },
  numEpochs: { flag: '--num-epochs', allowed: 'an integer ≥ 1' },
  datasetSize: { flag: '--dataset-size', allowed: 'an integer in [1, 1e8]' },
  batchSize: { flag: '--batch-size', allowed: 'an integer in [1, 1000000]' },
  lr: { flag: '--lr', allowed: 'a finite number > 0' },
  optimizer: { flag: '--optimizer', allowed: 'adam or adamw' },
  weightDecay: { flag: '--weight-decay', allowed: 'a number ≥ 0' },
  beta1: { flag: '--beta1', allowed: 'a number in [0, 1)' },
  beta2: { flag: '--beta2', allowed: 'a number in [0, 1)' },
  epsilon: { flag: '--eps', allowed: 'a number in (0, 1]' },
  lrSchedule: { flag: '--lr-schedule', allowed: 'constant, linear or cosine' },
  warmupSteps: { flag: '--warmup-steps', allowed: 'an integer ≥ 0' },
  seed: { flag: '--seed', allowed: 'an integer in [0, 4294967295]' },
  evalSize: { flag: '--eval-size', allowed: 'an integer in [1, 1e8]' },
  historyEvery: { flag: 'historyEvery', allowed: 'an integer ≥ 1' },
};

/** A bad config value: the message is one line naming the field's flag and its allowed range. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) value = value == null ? undefined : (value as Record<PropertyKey, unknown>)[key];
  return value;
}

/** The first zod issue as one line naming the flag of the field and its allowed values. */
export function firstIssueMessage(
  error: z.ZodError,
  input: unknown,
  flags: Record<string, { flag: string; allowed: string }>,
  /** For config files: name the field by its path (e.g. "sae.l1[0]"), after this prefix. */
  pathPrefix?: string,
): string {
  const issue = error.issues[0];
  const where = pathPrefix === undefined ? '' : issue.path.length > 0 ? `${pathPrefix}${formatPath(issue.path)}` : pathPrefix.replace(/\.$/, '');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `"${k}"`).join(', ');
    return where ? `${where}: unknown config field ${keys}` : `unknown config field ${keys}`;
  }
  const field = issue.path[0];
  const info = typeof field === 'string' ? flags[field] : undefined;
  if (!info) return `invalid config${where ? ` at ${where}` : ''}: ${issue.message}`;
  const subject = pathPrefix === undefined ? info.flag : `${where} (${info.flag})`;
  return `${subject} must be ${info.allowed} (got ${describe(valueAt(input, issue.path))})`;
}

/** ["sae", "l1", 0] → "sae.l1[0]". */
function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join('');
}

/** Validate, fill defaults and resolve derived fields; throws ConfigError on the first bad value. */
export function resolveToyConfig(input: unknown): ToyConfig {
  const parsed = toyConfigSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(firstIssueMessage(parsed.error, input, FIELD_FLAGS));
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
  const dataMode = c.numEpochs === undefined ? 'steps' : 'epochs';
  const batchesPerEpoch = Math.ceil(c.datasetSize / c.batchSize);
  const totalSteps = dataMode === 'steps' ? c.steps : c.numEpochs! * batchesPerEpoch;
  const weightDecay = c.weightDecay ?? (c.optimizer === 'adamw' ? 0.01 : 0);
  return { ...c, weightDecay, totalSteps, dataMode };
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
