// `npm run bench`: training throughput of the toy model, as medians of repeats after a warm-up.
// W1 is the seed's default run: n=20, m=5, batch 1024, sparsity 0.9, one instance, Adam.

import { resolveToyConfig, type ToyConfigInput } from '../src/experiments/config.js';
import { createToyTraining, trainStep } from '../src/train/trainToy.js';

interface Workload {
  name: string;
  config: ToyConfigInput;
  steps: number;
}

const workloads: Workload[] = [
  { name: 'W1 n=20 m=5 S=0.9, 1 instance', config: { nFeatures: 20, nHidden: 5, sparsity: [0.9] }, steps: 2000 },
  {
    name: 'W2 n=20 m=5, 20-instance sparsity grid',
    config: { nFeatures: 20, nHidden: 5, sparsity: Array.from({ length: 20 }, (_, k) => 1 - Math.pow(20, -k / 19)) },
    steps: 200,
  },
];

const repeats = Number(process.env.BENCH_REPEATS ?? 5);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

console.log('workload'.padEnd(44), 'steps/s'.padStart(10), 'ms/step'.padStart(10));
for (const workload of workloads) {
  const config = resolveToyConfig({ ...workload.config, batchSize: 1024, steps: workload.steps * (repeats + 1) });
  const training = createToyTraining(config);
  for (let s = 0; s < workload.steps; s++) trainStep(training); // warm-up: let the JIT settle
  const rates: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    for (let s = 0; s < workload.steps; s++) trainStep(training);
    rates.push(workload.steps / ((performance.now() - start) / 1000));
  }
  const rate = median(rates);
  console.log(workload.name.padEnd(44), rate.toFixed(0).padStart(10), (1000 / rate).toFixed(3).padStart(10));
}
