// The benchmark's workloads (W1–W5, and the points of the scaling table) and the FLOP count each
// is credited with. Shared by the parent (bench.ts, scaling.ts), the TypeScript children
// (child.ts) and, as JSON, the NumPy baseline.
//
// GFLOP/s are counted on the DENSE EQUIVALENT, whatever an implementation actually computes
// (ours skips inactive inputs; the baselines do every multiply-add):
//   toy model, per optimizer step:
//     forward   h = W x         2·B·m·n  per instance
//               x' = Wᵀh + b    2·B·m·n  per instance
//     backward  ≈ 2 × forward  (∂W from Wᵀh, ∂h = W ∂x', ∂W from W x)
//     ⇒ FLOP/step = 3 · 4·B·m·n · instances = 12·B·m·n·instances
//   relu SAE on h ∈ R^m with d latents, per optimizer step:
//     forward   encoder 2·B·d·m,  decoder 2·B·d·m;  backward ≈ 2 × forward
//     ⇒ FLOP/step = 12·B·d·m
// Not counted (but timed, identically for every implementation): data generation (including the
// SAE's h = W x of a fresh batch), the ReLU, the loss, Adam and the decoder-norm constraint.
// GFLOP/s = FLOP/step × steps/s / 1e9.

import { DEFAULT_TIMING, type TimingOptions } from './timing.js';

export const BATCH = 1024;
export const SEED = 0;

/** 1 − 20^(−k/19), k = 0..19: the paper's sparsity grid (S from 0 to 0.95). */
export const SPARSITY_GRID = Array.from({ length: 20 }, (_, k) => 1 - Math.pow(20, -k / 19));

export interface ToyWorkloadSpec {
  kind: 'toy';
  nFeatures: number; // n
  nHidden: number; // m
  sparsity: number[]; // one per instance
  importanceDecay: number; // I_i = r^i
}

export interface SaeWorkloadSpec {
  kind: 'sae';
  /** The W1 toy model the SAE reads, trained for toySteps (not timed) before the SAE steps. */
  toy: ToyWorkloadSpec;
  toySteps: number;
  dictSize: number; // d
  l1: number; // λ
}

export interface Workload {
  name: string;
  description: string;
  spec: ToyWorkloadSpec | SaeWorkloadSpec;
  /** Measure `ours` with the worker pool too (1 vs 2 workers). */
  workers?: boolean;
  /** Measure NumPy with all BLAS threads too. */
  numpyAllThreads?: boolean;
  /** Also NumPy with the machine's OpenBLAS tuning variables kept (informational). */
  numpyTuningRow?: boolean;
  /** Timing options of its own (ours and NumPy alike), else DEFAULT_TIMING. */
  timing?: TimingOptions;
}

const W1_TOY: ToyWorkloadSpec = { kind: 'toy', nFeatures: 20, nHidden: 5, sparsity: [0.9], importanceDecay: 0.7 };

export const WORKLOADS: Workload[] = [
  { name: 'W1', description: "n=20 m=5 S=0.9, 1 instance (the seed's default run)", spec: W1_TOY },
  {
    name: 'W2',
    description: 'n=20 m=5, 20 instances, S = 1 − 20^(−k/19) (the paper\'s grid)',
    spec: { kind: 'toy', nFeatures: 20, nHidden: 5, sparsity: SPARSITY_GRID, importanceDecay: 0.7 },
    workers: true,
    numpyAllThreads: true,
  },
  {
    name: 'W3',
    description: 'n=100 m=20, 20 instances (same grid), I = 0.98^i',
    spec: { kind: 'toy', nFeatures: 100, nHidden: 20, sparsity: SPARSITY_GRID, importanceDecay: 0.98 },
    workers: true,
    numpyAllThreads: true,
  },
  {
    name: 'W4',
    description: 'n=1000 m=100 S=0.99, 1 instance',
    spec: { kind: 'toy', nFeatures: 1000, nHidden: 100, sparsity: [0.99], importanceDecay: 0.7 },
    numpyAllThreads: true,
    numpyTuningRow: true,
  },
  {
    name: 'W5',
    description: 'relu SAE, 40 latents, λ=0.03, on h of a W1 model (2000 toy steps first)',
    spec: { kind: 'sae', toy: W1_TOY, toySteps: 2000, dictSize: 40, l1: 0.03 },
  },
];

/** A point of the scaling table: how steps/s fall as n (features) or the instances grow. */
export interface ScalingPoint extends Workload {
  axis: 'features' | 'instances';
  value: number;
}

/**
 * Few repeats: at n = 10,000 a step takes seconds, so two warm-up steps and three timed ones
 * (timing.ts's rule for slow steps) already take ~25 s for ours.
 */
const SCALING_TIMING: TimingOptions = { ...DEFAULT_TIMING, repeats: Math.min(3, DEFAULT_TIMING.repeats) };

/**
 * n features, m = n/10 hidden, S = 1 − 10/n (about 10 active features per sample), one instance.
 * Importance uniform: under W1's 0.7^i most outputs of a large n would have I ≈ 0, hence g = 0,
 * which our sparse-g backward skips and NumPy computes — a flattering comparison.
 */
function featuresPoint(n: number): ScalingPoint {
  const m = n / 10;
  return {
    name: `n${n}`,
    description: `n=${n} m=${m} S=${1 - 10 / n}, 1 instance, I = 1`,
    spec: { kind: 'toy', nFeatures: n, nHidden: m, sparsity: [1 - 10 / n], importanceDecay: 1 },
    numpyAllThreads: n >= 1000,
    timing: SCALING_TIMING,
    axis: 'features',
    value: n,
  };
}

/** K instances of W1's shape (n=20, m=5, S=0.9, I = 0.7^i). */
function instancesPoint(K: number): ScalingPoint {
  return {
    name: `inst${K}`,
    description: `n=20 m=5 S=0.9, ${K} instance${K === 1 ? '' : 's'} (W1's shape)`,
    spec: { ...W1_TOY, sparsity: Array.from({ length: K }, () => 0.9) },
    timing: SCALING_TIMING,
    axis: 'instances',
    value: K,
  };
}

export const SCALING: ScalingPoint[] = [...[100, 1000, 10_000].map(featuresPoint), ...[1, 10, 100].map(instancesPoint)];

export function workloadByName(name: string): Workload {
  const workload = [...WORKLOADS, ...SCALING].find((w) => w.name === name);
  if (!workload) throw new Error(`unknown workload ${name}`);
  return workload;
}

/** Dense-equivalent FLOPs of one optimizer step (see the header). */
export function flopsPerStep(spec: Workload['spec']): number {
  if (spec.kind === 'toy') return 12 * BATCH * spec.nHidden * spec.nFeatures * spec.sparsity.length;
  return 12 * BATCH * spec.dictSize * spec.toy.nHidden;
}
