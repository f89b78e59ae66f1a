// The SAE experiment config: one zod schema for types, ranges, defaults, CLI flags and help
// texts; list-valued fields are swept (every combination trains, as instances). Defaults chosen
// to work on toy data. Also the grid of SAEs a config asks for (expandSaeGrid).

import * as z from 'zod';
import { ConfigError, firstIssueMessage } from './errors.js';
import { fieldFlags, type FieldFlag } from './flags.js';

/** The SAE architectures a config may name (each implemented in src/models/sae/). */
export const SAE_ARCHS = ['relu', 'topk', 'batchtopk', 'jumprelu', 'gated', 'matryoshka'] as const;
/** An SAE architecture's name: relu, topk, batchtopk, jumprelu, gated or matryoshka. */
export type SaeArch = (typeof SAE_ARCHS)[number];

/** The SAE config schema (zod): list-valued fields are swept, every combination trains. */
export const saeConfigSchema = z.strictObject({
  arch: z.array(z.enum(SAE_ARCHS)).min(1).default(['relu']).meta({ flag: '--arch <arch...>', description: 'SAE architecture(s)' }),
  /** Latents d per SAE; default n, the seed's "inverted dimensionality". */
  dictSize: z
    .array(z.number().int().min(1).max(100_000))
    .min(1)
    .optional()
    .meta({ flag: '--dict-size <d...>', description: 'latents per SAE (default: n, the inverted dimensionality)' }),
  /** Sparsity coefficient λ (L1 for relu and gated, L0 for jumprelu); default per architecture: DEFAULT_L1. */
  l1: z
    .array(z.number().min(0).max(1e6))
    .min(1)
    .optional()
    .meta({ flag: '--l1 <lambda...>', description: 'sparsity coefficient λ: L1 (relu, gated) or L0 (jumprelu) (default: 0.03; gated 0.3)' }),
  /** Active latents for topk / batchtopk; default: the expected number of active features n(1 − S), at least 1. */
  k: z
    .array(z.number().int().min(1).max(100_000))
    .min(1)
    .optional()
    .meta({ flag: '--k <k...>', description: 'active latents for topk/batchtopk/matryoshka (default: round(n(1 − S)), (n / set size)(1 − S) for anticorrelated sets, at least 1)', note: 'and at most --dict-size' }),
  /** matryoshka's inner prefix sizes g₁ < g₂ < …; the whole dictionary is always the last prefix. Default: matryoshkaPrefixes(undefined, d). */
  prefixes: z
    .array(z.number().int().min(1).max(100_000))
    .min(1)
    .max(64)
    .optional()
    .meta({
      flag: '--prefixes <g...>',
      description: 'matryoshka: inner prefix sizes, the whole dictionary being the last (default: d/4, d/2 rounded down)',
      note: 'increasing, each below the smallest --dict-size',
    }),
  saeSeeds: z.number().int().min(1).max(1000).default(1).meta({ flag: '--sae-seeds <K>', description: 'SAEs per configuration, with different seeds' }),
  saeSteps: z.number().int().min(1).max(1e9).default(10_000).meta({ flag: '--sae-steps <T>', description: 'SAE optimizer steps' }),
  saeLr: z.number().gt(0).max(Number.MAX_VALUE).default(1e-3).meta({ flag: '--sae-lr <lr>', description: 'SAE learning rate (Adam)' }),
  saeBatchSize: z.number().int().min(1).max(1_000_000).default(1024).meta({ flag: '--sae-batch-size <B>', description: 'SAE batch size' }),
  saeLrSchedule: z.enum(['constant', 'linear', 'cosine']).default('constant').meta({ flag: '--sae-lr-schedule <name>', description: 'SAE learning-rate decay' }),
  saeWarmupSteps: z.number().int().min(0).max(1e9).default(0).meta({ flag: '--sae-warmup-steps <k>', description: 'SAE learning-rate warm-up steps' }),
  /** λ ramps linearly from 0 over these steps (Conerly et al. 2024 use 5% of training). */
  l1WarmupSteps: z.number().int().min(0).max(1e9).default(0).meta({ flag: '--l1-warmup-steps <k>', description: 'λ ramps linearly from 0 over k steps' }),
  bDecInit: z
    .enum(['median', 'mean', 'zero'])
    .default('median')
    .meta({ flag: '--b-dec-init <how>', description: 'initial decoder bias: geometric median, mean or zero' }),
  resample: z.enum(['none', 'simple', 'anthropic']).default('none').meta({ flag: '--resample <how>', description: 'dead-latent resampling' }),
  /** Steps between resamplings (and none in the last 20% of training). */
  resampleInterval: z
    .number()
    .int()
    .min(1)
    .max(1e9)
    .default(2000)
    .meta({ flag: '--resample-interval <T>', description: 'steps between resamplings (none in the last 20%)' }),
  /** A latent that has not fired for this many steps is dead (for resampling and AuxK). */
  deadWindow: z
    .number()
    .int()
    .min(1)
    .max(1e9)
    .default(200)
    .meta({ flag: '--dead-window <T>', description: 'a latent silent for T steps is dead (resampling, AuxK)' }),
  auxCoefficient: z
    .number()
    .min(0)
    .max(1e6)
    .default(1 / 32)
    .meta({ flag: '--aux-coefficient <α>', description: 'weight of topk/batchtopk AuxK loss' }),
  /** jumprelu's straight-through kernel bandwidth ε. */
  bandwidth: z.number().gt(0).max(1e3).default(0.01).meta({ flag: '--bandwidth <ε>', description: 'jumprelu straight-through kernel bandwidth' }),
  /** batchtopk's EMA decay of the inference threshold. */
  thresholdDecay: z.number().min(0).lt(1).default(0.99).meta({ flag: '--threshold-decay <β>', description: 'batchtopk inference-threshold EMA decay' }),
  saeEvalSize: z.number().int().min(1).max(1e8).default(100_000).meta({ flag: '--sae-eval-size <N>', description: 'fresh samples for the recovery metrics' }),
  /** Seed of the SAEs' streams; default: the toy run's seed. */
  saeSeed: z
    .number()
    .int()
    .min(0)
    .max(4294967295)
    .optional()
    .meta({ flag: '--sae-seed <seed>', description: "seed of the SAEs' random streams (default: the toy run's)" }),
});

/** An SAE config as written by hand or in a file: every field optional. */
export type SaeConfigInput = z.input<typeof saeConfigSchema>;
/** An SAE config with every default filled in (resolveSaeConfig). */
export type SaeConfig = z.output<typeof saeConfigSchema>;

let fieldFlagsMemo: Record<string, FieldFlag> | undefined;

/**
 * Per field: its flag, help text, default and allowed values, read from the schema. Made on first
 * use, for an error message or the build's flag table, not when a valid run imports the module.
 */
export function saeFieldFlags(): Record<string, FieldFlag> {
  return (fieldFlagsMemo ??= fieldFlags(saeConfigSchema));
}

/** Validate and fill defaults; throws ConfigError (one line, naming the flag) on a bad value. */
export function resolveSaeConfig(input: unknown): SaeConfig {
  const parsed = saeConfigSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(firstIssueMessage(parsed.error, input, saeFieldFlags()));
  const config = parsed.data;
  if (config.k && config.dictSize) {
    const largest = Math.max(...config.k);
    const smallest = Math.min(...config.dictSize);
    if (largest > smallest) throw new ConfigError(`--k must be at most --dict-size (got k = ${largest} > dict size ${smallest})`);
  }
  if (config.prefixes) checkPrefixes(config.prefixes, config.dictSize ? Math.min(...config.dictSize) : undefined);
  return config;
}

/**
 * --prefixes must increase strictly and stay below the dictionary size (the whole dictionary is the
 * last prefix by definition, so listing it would only repeat it); throws ConfigError naming the flag.
 */
export function checkPrefixes(prefixes: readonly number[], dictSize: number | undefined): void {
  for (let i = 1; i < prefixes.length; i++)
    if (prefixes[i] <= prefixes[i - 1])
      throw new ConfigError(`--prefixes must increase strictly (got ${prefixes[i - 1]} then ${prefixes[i]})`);
  const largest = prefixes[prefixes.length - 1];
  if (dictSize !== undefined && largest >= dictSize)
    throw new ConfigError(`--prefixes must each be below the dictionary size (got ${largest} ≥ dict size ${dictSize})`);
}

/**
 * The nested prefix sizes of a matryoshka SAE with d latents, ending with d: the given inner sizes,
 * or by default ⌊d/4⌋, ⌊d/2⌋ (those ≥ 1 and distinct), e.g. 40 → [10, 20, 40]. Halving gives each
 * prefix twice the latents of the one inside it. Not d/8 as well: on the n = 20, m = 5, S = 0.9
 * model with 40 latents (9 represented features) an innermost prefix of 5 latents cannot hold the
 * features and its reconstruction bends them (MMCS 0.937, 25 dead latents, SAE seed 0), against
 * 0.976 with 10, 20, 40.
 */
export function matryoshkaPrefixes(inner: readonly number[] | undefined, dictSize: number): number[] {
  if (inner) {
    checkPrefixes(inner, dictSize);
    return [...inner, dictSize];
  }
  const sizes = [4, 2].map((f) => Math.floor(dictSize / f)).filter((g) => g >= 1);
  return [...new Set([...sizes, dictSize])];
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

/**
 * λ where --l1 is not given, for the architectures that have a λ (topk and batchtopk have k
 * instead). The gated SAE needs 10× relu's: its L1 acts on the gate alone, and at 0.03 the gate
 * stays open on most inputs (n = 20, m = 5, S = 0.9, 40 latents: L0 6.3 for a true 2.0, latents
 * firing on > 80% of inputs, b_dec pulled off the data, MMCS 0.86–0.98 over SAE seeds); at 0.3
 * MMCS ≥ 0.97 at S = 0.7, 0.9 and 0.99 over three seeds each.
 */
export const DEFAULT_L1: Readonly<Partial<Record<SaeArch, number>>> = { relu: 0.03, jumprelu: 0.03, gated: 0.3 };

/** The toy model's feature sets as far as the default k needs them (data/correlatedSets.ts's FeatureCorrelation). */
export interface SetsForK {
  kind: 'correlated' | 'anticorrelated';
  setSize: number;
}

/**
 * The expected number of active features per sample, the default k: n(1 − S), or (n / k)(1 − S)
 * for sets of k anticorrelated features (a set is active with probability 1 − S, and then exactly
 * one of its features is).
 */
export function expectedActiveFeatures(nFeatures: number, sparsity: number, correlation?: SetsForK): number {
  const draws = correlation?.kind === 'anticorrelated' ? nFeatures / correlation.setSize : nFeatures;
  return draws * (1 - sparsity);
}

/**
 * The grid of SAEs: toy instances × arch × dict size × (l1 or k, whichever the arch uses) × seeds.
 * Fields an architecture ignores are not swept for it, so no two SAEs are the same. `correlation`,
 * the toy model's correlated sets if any, sets the default k (expectedActiveFeatures).
 */
export function expandSaeGrid(config: SaeConfig, sparsity: readonly number[], nFeatures: number, correlation?: SetsForK): SaeSpec[] {
  const specs: SaeSpec[] = [];
  for (let toyInstance = 0; toyInstance < sparsity.length; toyInstance++) {
    const expectedActive = expectedActiveFeatures(nFeatures, sparsity[toyInstance], correlation);
    for (const arch of config.arch) {
      for (const dictSize of config.dictSize ?? [nFeatures]) {
        const defaultL1 = DEFAULT_L1[arch];
        const sweeps: { l1: number | null; k: number | null }[] =
          defaultL1 !== undefined
            ? (config.l1 ?? [defaultL1]).map((l1) => ({ l1, k: null }))
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
