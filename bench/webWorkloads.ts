// The workloads of `npm run bench:web`, as a config for Node and as the explorer's URL query (the
// CLI's flag names, run=1): W1 and W2 of bench/workloads.ts, 10,000 steps at its batch and seed.

import { BATCH, SEED, WORKLOADS, type ToyWorkloadSpec } from './workloads.js';

export interface WebWorkload {
  name: string;
  description: string;
  /** The toy config input (resolveToyConfig's fields). */
  config: { nFeatures: number; nHidden: number; sparsity: number[]; importanceDecay: number; batchSize: number; steps: number; seed: number };
  /** The page's query for the same config, training on load. */
  query: string;
}

export const WEB_STEPS = 10_000;

function webWorkload(name: string): WebWorkload {
  const workload = WORKLOADS.find((w) => w.name === name)!;
  const spec = workload.spec as ToyWorkloadSpec;
  const config = { nFeatures: spec.nFeatures, nHidden: spec.nHidden, sparsity: spec.sparsity, importanceDecay: spec.importanceDecay, batchSize: BATCH, steps: WEB_STEPS, seed: SEED };
  const query =
    `sparse-dim=${config.nFeatures}&dense-dim=${config.nHidden}&importance-decay=${config.importanceDecay}&sparsity=${config.sparsity.join(',')}` +
    `&batch-size=${config.batchSize}&steps=${config.steps}&seed=${config.seed}&run=1`;
  return { name, description: workload.description, config, query };
}

export const WEB_WORKLOADS: readonly WebWorkload[] = [webWorkload('W1'), webWorkload('W2')];
