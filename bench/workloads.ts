// The benchmark's workloads and the FLOP count each is credited with. Shared by the parent
// (bench.ts), the TypeScript children (child.ts) and, as JSON, the NumPy baseline.
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

export function workloadByName(name: string): Workload {
  const workload = WORKLOADS.find((w) => w.name === name);
  if (!workload) throw new Error(`unknown workload ${name}`);
  return workload;
}

/** Dense-equivalent FLOPs of one optimizer step (see the header). */
export function flopsPerStep(spec: Workload['spec']): number {
  if (spec.kind === 'toy') return 12 * BATCH * spec.nHidden * spec.nFeatures * spec.sparsity.length;
  return 12 * BATCH * spec.dictSize * spec.toy.nHidden;
}
