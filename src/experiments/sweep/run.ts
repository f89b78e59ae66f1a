// Running a sweep: the unfinished runs are packed into models (grid.ts), packs train one after
// another, each over the worker pool, and every run of a pack gets its own standard results
// folder, as if it had been trained alone. --resume skips the runs in runs.jsonl and redoes the
// others from scratch.

import fs from 'node:fs';
import path from 'node:path';
import type { ToyConfig } from '../../config/toy.js';
import { geometricImportance } from '../../data/importance.js';
import { trainToyParallel } from '../../train/toyWorkers.js';
import { createToyTraining, type StreamKey, type ToyTraining } from '../../train/trainToy.js';
import { loadToySource, runSaeExperiment } from '../runSae.js';
import { InterruptedError, type ProgressReporter } from '../runToy.js';
import { toyMetrics } from '../../train/toyMetrics.js';
import { toyConfigJson, toyHistoryCsv, toyMetricsJson, toyWeightsFile } from '../../train/toyFiles.js';
import { writeFileAtomic } from '../store.js';
import { packRuns, type SweepRun, type SweepSet } from './grid.js';
import { appendRecord, readRunsJsonl, runRecord, type RunRecord } from './store.js';
import { writeSweepSummary } from './summary.js';
import { completeIfAll, folderRecords, shardRecordsFile, shardRuns, type Shard } from './shard.js';

/** One model holding every run of a pack: instances concatenated, each run's streams and importance kept. */
export function packTraining(pack: readonly SweepRun[], workers: number): { training: ToyTraining; offsets: number[] } {
  const first = pack[0].config;
  const offsets: number[] = [];
  const sparsity: number[] = [];
  const streamKeys: StreamKey[] = [];
  const importance: number[] = []; // [inst, feat]
  const featureProbability: number[][] = []; // [inst][feat]
  for (const { config } of pack) {
    offsets.push(sparsity.length);
    const runImportance = config.importance ?? Array.from(geometricImportance(config.nFeatures, config.importanceDecay));
    config.sparsity.forEach((s, index) => {
      sparsity.push(s);
      streamKeys.push({ seed: config.seed, index });
      importance.push(...runImportance);
      featureProbability.push(config.featureProbability?.[index] ?? new Array(config.nFeatures).fill(1 - s));
    });
  }
  const anyPerFeature = pack.some((run) => run.config.featureProbability);
  const config: ToyConfig = { ...first, sparsity, featureProbability: anyPerFeature ? featureProbability : undefined };
  // Epoch mode's fixed dataset lives in the workers when there are any (as in runToy); trained on
  // this thread (one worker, or one instance) the model needs it here.
  const withDataset = workers <= 1 || sparsity.length <= 1;
  const training = createToyTraining(config, { streamKeys, importance: Float64Array.from(importance), withDataset });
  return { training, offsets };
}

/** Options of runSweep: where to write, the --set fields, workers, progress, interruption, log lines. */
export interface SweepOptions {
  outDir: string;
  /** The sweep's --set fields: the columns of summary.csv and the axes of summary.png. */
  sets: readonly SweepSet[];
  workers: number;
  progress?: ProgressReporter;
  /** Polled while training; true stops the sweep (finished runs stay, --resume continues). */
  shouldStop?: () => boolean;
  /** One line per event (a pack starts, a run's SAEs). */
  log?: (line: string) => void;
  /** Warnings (a damaged line of runs.jsonl, a run folder gone): printed even when quiet. */
  warn?: (line: string) => void;
  /** Run only this shard's runs (shard.ts), recorded in runs-<i>.jsonl; the summary only once the folder holds every run. */
  shard?: Shard;
}

/**
 * Runs recorded as finished whose folder still holds their results; the others are redone (with a
 * warning). A shard reads every record file of the folder, but only about its own runs.
 */
export function finishedRuns(options: Pick<SweepOptions, 'outDir' | 'warn' | 'shard'>, mine: readonly SweepRun[]): Set<string> {
  const finished = new Set<string>();
  const ids = new Set(mine.map((run) => run.id));
  const records = options.shard ? [...folderRecords(options.outDir, options.warn).values()] : readRunsJsonl(options.outDir, options.warn);
  for (const record of records.filter((r) => ids.has(r.id))) {
    const dir = path.join(options.outDir, record.dir);
    if (['config.json', 'metrics.json', 'weights.safetensors'].every((f) => fs.existsSync(path.join(dir, f)))) finished.add(record.id);
    else options.warn?.(`${dir} is missing or incomplete although runs.jsonl lists it; that run is redone`);
  }
  return finished;
}

/** Write one run's results folder (<outDir>/runs/<id>) from its slice of a trained pack. */
export async function finishRun(run: SweepRun, training: ToyTraining, offset: number, metricsAll: ReturnType<typeof toyMetrics>, options: Pick<SweepOptions, 'outDir' | 'log'>): Promise<RunRecord> {
  const { config } = run;
  const count = config.sparsity.length;
  const { nHidden: m, nFeatures: n } = config;
  const dir = path.join('runs', run.id);
  const runDir = path.join(options.outDir, dir);
  fs.rmSync(runDir, { recursive: true, force: true }); // leftovers of an interrupted attempt
  const metrics = { instances: metricsAll.instances.slice(offset, offset + count) };
  const history = training.history
    .filter((row) => row.instance >= offset && row.instance < offset + count)
    .map((row) => ({ ...row, instance: row.instance - offset }));
  writeFileAtomic(path.join(runDir, 'config.json'), toyConfigJson(config, { sweep: path.basename(options.outDir), run: run.id }));
  writeFileAtomic(path.join(runDir, 'metrics.json'), toyMetricsJson(metrics));
  writeFileAtomic(path.join(runDir, 'history.csv'), toyHistoryCsv(history));
  const W = training.params.W.slice(offset * m * n, (offset + count) * m * n);
  const b = training.params.b.slice(offset * n, (offset + count) * n);
  writeFileAtomic(path.join(runDir, 'weights.safetensors'), toyWeightsFile(W, b, m, n, config.sparsity));
  if (run.sae) {
    options.log?.(`run ${run.id}: SAEs`);
    await runSaeExperiment(config, loadToySource(runDir, config), run.sae, { outDir: path.join(runDir, 'sae'), plots: false });
  }
  return runRecord(run, metrics.instances);
}

/**
 * Run every unfinished run of the sweep in outDir (sweep.json written by the caller).
 * Returns all records, finished before or now. Throws InterruptedError when asked to stop.
 */
export async function runSweep(runs: readonly SweepRun[], options: SweepOptions): Promise<RunRecord[]> {
  const { shard } = options;
  const mine = shard ? shardRuns(runs, shard) : runs;
  const finished = finishedRuns(options, mine);
  const remaining = mine.filter((run) => !finished.has(run.id));
  const which = shard ? `shard ${shard.index}/${shard.count}: ${mine.length} of ${runs.length} runs` : `${runs.length} runs`;
  options.log?.(`${which}, ${finished.size} finished before, ${remaining.length} to do`);
  const recordsFile = shard ? shardRecordsFile(shard) : 'runs.jsonl';
  for (const pack of packRuns(remaining)) {
    const { training, offsets } = packTraining(pack, options.workers);
    options.log?.(`training ${pack.length} run(s) as ${training.shape.nInstances} instance(s): ${pack.map((r) => r.id).join(', ')}`);
    options.progress?.start(training.config.totalSteps);
    let stopped = false;
    await trainToyParallel(training, options.workers, {
      onStep: (t) => options.progress?.update(t.step, t.losses.reduce((a, b) => a + b, 0) / t.losses.length),
      shouldStop: () => (stopped = options.shouldStop?.() ?? false),
    });
    options.progress?.stop();
    if (stopped && training.step < training.config.totalSteps) throw new InterruptedError(training.step, training.config.totalSteps);
    const metricsAll = toyMetrics(training);
    for (let r = 0; r < pack.length; r++) appendRecord(options.outDir, await finishRun(pack[r], training, offsets[r], metricsAll, options), recordsFile);
  }
  if (shard) {
    const byId = folderRecords(options.outDir);
    const held = await completeIfAll(options.outDir, runs, options.sets);
    options.log?.(held === runs.length ? `the folder holds every run: runs.jsonl and the summary written` : `the folder holds ${held} of ${runs.length} runs: no summary yet`);
    return mine.map((run) => byId.get(run.id)!).filter(Boolean);
  }
  const byId = new Map(readRunsJsonl(options.outDir).map((r) => [r.id, r]));
  const records = runs.map((run) => byId.get(run.id)!).filter(Boolean);
  await writeSweepSummary(options.outDir, options.sets, records);
  return records;
}
