// One measurement in its own process (so peak RSS values do not mix):
//   node --expose-gc --import tsx bench/child.ts <impl> <workload> [--workers N] [--heap]
// workload: a name in bench/workloads.ts (W1–W5, or a scaling point such as n10000, inst100).
// impl: ours (src/, single thread) | ts (bench/baseline.ts) | workers (src/train/toyWorkers.ts).
// Prints one JSON line: the timing, maxRSS, and for --heap the heap used around 10,000 steps.

import { PerformanceObserver } from 'node:perf_hooks';
import { resolveToyConfig, type ToyConfig } from '../src/config/toy.js';
import { expandSaeGrid, resolveSaeConfig } from '../src/config/sae.js';
import { createToyTraining, trainStep, type ToyTraining } from '../src/train/trainToy.js';
import { createSaeTraining, saeTrainStep, type ToySource } from '../src/train/trainSae.js';
import { DenseReluSae, DenseToy } from './baseline.js';
import { measure, type Timing } from './timing.js';
import { measureWorkers } from './workers.js';
import { BATCH, SEED, workloadByName, type ToyWorkloadSpec } from './workloads.js';

export interface HeapCheck {
  steps: number;
  /** After a forced GC, before the steps. */
  heapUsedBefore: number;
  /** Right after the steps, no GC forced. */
  heapUsedAfter: number;
  /** After the steps and a forced GC. */
  heapUsedAfterGc: number;
  /** Garbage collections V8 ran during the steps (0 = nothing to collect). */
  gcDuringSteps: number;
  /** History rows pushed during the steps (the loop's only intended allocation). */
  historyRows: number;
}

export interface ChildResult {
  timing: Timing;
  maxRssKiB: number;
  heap?: HeapCheck;
  finalLoss?: number;
  /** Toy workloads, ours: how many instances took each kernel route on the last step. */
  routes?: Record<string, number>;
}

function ourToyConfig(spec: ToyWorkloadSpec): ToyConfig {
  return resolveToyConfig({
    nFeatures: spec.nFeatures,
    nHidden: spec.nHidden,
    sparsity: spec.sparsity,
    importanceDecay: spec.importanceDecay,
    batchSize: BATCH,
    steps: 1e9,
    seed: SEED,
  });
}

function sumLosses(training: ToyTraining): number {
  return training.losses.reduce((a, b) => a + b, 0);
}

async function heapCheck(training: ToyTraining, steps: number): Promise<HeapCheck> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the child with --expose-gc');
  let gcCount = 0;
  const observer = new PerformanceObserver((list) => (gcCount += list.getEntries().length));
  observer.observe({ entryTypes: ['gc'] });
  gc();
  gc();
  await new Promise((resolve) => setTimeout(resolve, 0)); // deliver the forced GCs' entries now
  gcCount = 0;
  const rowsBefore = training.history.length;
  const heapUsedBefore = process.memoryUsage().heapUsed;
  for (let s = 0; s < steps; s++) trainStep(training);
  const heapUsedAfter = process.memoryUsage().heapUsed;
  await new Promise((resolve) => setTimeout(resolve, 0));
  const gcDuringSteps = gcCount;
  observer.disconnect();
  gc();
  const heapUsedAfterGc = process.memoryUsage().heapUsed;
  return { steps, heapUsedBefore, heapUsedAfter, heapUsedAfterGc, gcDuringSteps, historyRows: training.history.length - rowsBefore };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const [impl, name] = args;
  const workload = workloadByName(name);
  const spec = workload.spec;
  const result: Partial<ChildResult> = {};
  if (impl === 'ours' && spec.kind === 'toy') {
    const training = createToyTraining(ourToyConfig(spec));
    result.timing = await measure((k) => {
      for (let s = 0; s < k; s++) trainStep(training);
    }, workload.timing);
    result.finalLoss = sumLosses(training);
    result.routes = {};
    for (const report of training.workspace.kernel.reports) result.routes[report.route] = (result.routes[report.route] ?? 0) + 1;
    if (args.includes('--heap')) result.heap = await heapCheck(training, 10_000);
  } else if (impl === 'ours' && spec.kind === 'sae') {
    const toyConfig = ourToyConfig(spec.toy);
    const toyTraining = createToyTraining(toyConfig);
    for (let s = 0; s < spec.toySteps; s++) trainStep(toyTraining);
    const toy: ToySource = {
      nFeatures: toyConfig.nFeatures,
      nHidden: toyConfig.nHidden,
      W: toyTraining.params.W,
      featureProbability: toyTraining.dist.featureProbability,
      seed: toyConfig.seed,
    };
    const config = resolveSaeConfig({ arch: ['relu'], dictSize: [spec.dictSize], l1: [spec.l1], saeSteps: 1e9, saeBatchSize: BATCH });
    const training = createSaeTraining(config, toy, expandSaeGrid(config, toyConfig.sparsity, toyConfig.nFeatures));
    result.timing = await measure((k) => {
      for (let s = 0; s < k; s++) saeTrainStep(training);
    });
    result.finalLoss = training.groups[0].instances[0].lastLoss.loss;
  } else if (impl === 'ts' && spec.kind === 'toy') {
    const model = new DenseToy({ ...spec, batch: BATCH, seed: SEED });
    result.timing = await measure((k) => {
      for (let s = 0; s < k; s++) model.step();
    });
    result.finalLoss = model.lastLoss;
  } else if (impl === 'ts' && spec.kind === 'sae') {
    const toy = new DenseToy({ ...spec.toy, batch: BATCH, seed: SEED });
    for (let s = 0; s < spec.toySteps; s++) toy.step();
    const sae = new DenseReluSae({ toy, dictSize: spec.dictSize, l1: spec.l1, batch: BATCH, seed: SEED });
    result.timing = await measure((k) => {
      for (let s = 0; s < k; s++) sae.step();
    });
    result.finalLoss = sae.lastLoss;
  } else if (impl === 'workers' && spec.kind === 'toy') {
    const index = args.indexOf('--workers');
    const workers = index >= 0 ? Number(args[index + 1]) : 1;
    result.timing = await measureWorkers(ourToyConfig(spec), workers);
  } else {
    throw new Error(`no implementation ${impl} for ${name}`);
  }
  result.maxRssKiB = process.resourceUsage().maxRSS;
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
