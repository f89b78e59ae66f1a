// The SAE experiment config: one zod schema for types, ranges and defaults; list-valued fields
// are swept (every combination trains, as instances). Defaults chosen to work on toy data.

import { z } from 'zod';
import { ConfigError, firstIssueMessage } from './config.js';
import { SAE_ARCHS, type SaeArch } from '../models/sae/types.js';

export const saeConfigSchema = z.strictObject({
  arch: z.array(z.enum(SAE_ARCHS as [SaeArch, ...SaeArch[]])).min(1).default(['relu']),
  /** Latents d per SAE; default n, the seed's "inverted dimensionality". */
  dictSize: z.array(z.number().int().min(1).max(100_000)).min(1).optional(),
  /** Sparsity coefficient λ (L1 for relu and gated, L0 for jumprelu). */
  l1: z.array(z.number().min(0).max(1e6)).min(1).default([0.03]),
  /** Active latents for topk / batchtopk; default: the expected number of active features n(1 − S), at least 1. */
  k: z.array(z.number().int().min(1).max(100_000)).min(1).optional(),
  saeSeeds: z.number().int().min(1).max(1000).default(1),
  saeSteps: z.number().int().min(1).max(1e9).default(10_000),
  saeLr: z.number().gt(0).max(Number.MAX_VALUE).default(1e-3),
  saeBatchSize: z.number().int().min(1).max(1_000_000).default(1024),
  saeLrSchedule: z.enum(['constant', 'linear', 'cosine']).default('constant'),
  saeWarmupSteps: z.number().int().min(0).max(1e9).default(0),
  /** λ ramps linearly from 0 over these steps (Conerly et al. 2024 use 5% of training). */
  l1WarmupSteps: z.number().int().min(0).max(1e9).default(0),
  bDecInit: z.enum(['median', 'mean', 'zero']).default('median'),
  resample: z.enum(['none', 'simple', 'anthropic']).default('none'),
  /** Steps between resamplings (and none in the last 20% of training). */
  resampleInterval: z.number().int().min(1).max(1e9).default(2000),
  /** A latent that has not fired for this many steps is dead (for resampling and AuxK). */
  deadWindow: z.number().int().min(1).max(1e9).default(200),
  auxCoefficient: z.number().min(0).max(1e6).default(1 / 32),
  /** jumprelu's straight-through kernel bandwidth ε. */
  bandwidth: z.number().gt(0).max(1e3).default(0.01),
  /** batchtopk's EMA decay of the inference threshold. */
  thresholdDecay: z.number().min(0).lt(1).default(0.99),
  saeEvalSize: z.number().int().min(1).max(1e8).default(100_000),
  /** Seed of the SAEs' streams; default: the toy run's seed. */
  saeSeed: z.number().int().min(0).max(4294967295).optional(),
});

export type SaeConfigInput = z.input<typeof saeConfigSchema>;
export type SaeConfig = z.output<typeof saeConfigSchema>;

export const SAE_FIELD_FLAGS: Record<keyof SaeConfigInput, { flag: string; allowed: string }> = {
  arch: { flag: '--arch', allowed: 'one or more of relu, topk, batchtopk, jumprelu, gated' },
  dictSize: { flag: '--dict-size', allowed: 'integers in [1, 100000]' },
  l1: { flag: '--l1', allowed: 'numbers in [0, 1e6]' },
  k: { flag: '--k', allowed: 'integers ≥ 1 (and at most --dict-size)' },
  saeSeeds: { flag: '--sae-seeds', allowed: 'an integer in [1, 1000]' },
  saeSteps: { flag: '--sae-steps', allowed: 'an integer ≥ 1' },
  saeLr: { flag: '--sae-lr', allowed: 'a finite number > 0' },
  saeBatchSize: { flag: '--sae-batch-size', allowed: 'an integer in [1, 1000000]' },
  saeLrSchedule: { flag: '--sae-lr-schedule', allowed: 'constant, linear or cosine' },
  saeWarmupSteps: { flag: '--sae-warmup-steps', allowed: 'an integer ≥ 0' },
  l1WarmupSteps: { flag: '--l1-warmup-steps', allowed: 'an integer ≥ 0' },
  bDecInit: { flag: '--b-dec-init', allowed: 'median, mean or zero' },
  resample: { flag: '--resample', allowed: 'none, simple or anthropic' },
  resampleInterval: { flag: '--resample-interval', allowed: 'an integer ≥ 1' },
  deadWindow: { flag: '--dead-window', allowed: 'an integer ≥ 1' },
  auxCoefficient: { flag: '--aux-coefficient', allowed: 'a number in [0, 1e6]' },
  bandwidth: { flag: '--bandwidth', allowed: 'a number in (0, 1000]' },
  thresholdDecay: { flag: '--threshold-decay', allowed: 'a number in [0, 1)' },
  saeEvalSize: { flag: '--sae-eval-size', allowed: 'an integer in [1, 1e8]' },
  saeSeed: { flag: '--sae-seed', allowed: 'an integer in [0, 4294967295]' },
};

/** Validate and fill defaults; throws ConfigError (one line, naming the flag) on a bad value. */
export function resolveSaeConfig(input: unknown): SaeConfig {
  const parsed = saeConfigSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(firstIssueMessage(parsed.error, input, SAE_FIELD_FLAGS));
  const config = parsed.data;
  if (config.k && config.dictSize) {
    const largest = Math.max(...config.k);
    const smallest = Math.min(...config.dictSize);
    if (largest > smallest) throw new ConfigError(`--k must be at most --dict-size (got k = ${largest} > dict size ${smallest})`);
  }
  return config;
}

/** One SAE to train: a toy instance × one value of every swept field × a seed. */
export interface SaeSpec {
  index: number;
  toyInstance: number;
  sparsity: number;
  arch: SaeArch;
  dictSize: number;
  /** null where the architecture has no such hyperparameter. */
  l1: number | null;
  k: number | null;
  seed: number;
}

const USES_L1: Record<SaeArch, boolean> = { relu: true, topk: false, batchtopk: false, jumprelu: true, gated: true };

/**
 * The grid of SAEs: toy instances × arch × dict size × (l1 or k, whichever the arch uses) × seeds.
 * Fields an architecture ignores are not swept for it, so no two SAEs are the same.
 */
export function expandSaeGrid(config: SaeConfig, sparsity: readonly number[], nFeatures: number): SaeSpec[] {
  const specs: SaeSpec[] = [];
  for (let toyInstance = 0; toyInstance < sparsity.length; toyInstance++) {
    const expectedActive = nFeatures * (1 - sparsity[toyInstance]);
    for (const arch of config.arch) {
      for (const dictSize of config.dictSize ?? [nFeatures]) {
        const sweeps: { l1: number | null; k: number | null }[] = USES_L1[arch]
          ? config.l1.map((l1) => ({ l1, k: null }))
          : (config.k ?? [Math.min(dictSize, Math.max(1, Math.round(expectedActive)))]).map((k) => ({ l1: null, k }));
        for (const { l1, k } of sweeps) {
          for (let seed = 0; seed < config.saeSeeds; seed++)
            specs.push({ index: specs.length, toyInstance, sparsity: sparsity[toyInstance], arch, dictSize, l1, k, seed });
        }
      }
    }
  }
  return specs;
}
