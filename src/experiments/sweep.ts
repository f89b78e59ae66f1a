// Sweeps: a base experiment config (a JSON or YAML file, or the defaults) and `--set field=v1,v2,…`
// expand into runs, one per combination of the toy-model fields; SAE fields set this way become
// lists inside each run's SAE grid. Runs that differ only in sparsity, importance or seed are
// packed into one model (each keeps its own random streams, so its numbers equal those of the
// same run alone); packs train one after another, each over the worker pool.
//
// The store, results/<sweep>/: sweep.json (the definition), runs.jsonl (one line per finished
// run, rewritten atomically), runs/<id>/ (a standard results folder per run), and once every run
// is done summary.csv + summary.png/.svg (one row per run and SAE, read back from the runs'
// metrics.json). --resume skips the runs in runs.jsonl and redoes the others from scratch.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { VERSION } from '../version.js';
import { ConfigError, firstIssueMessage, resolveToyConfig, toyConfigSchema, FIELD_FLAGS, type ToyConfig } from './config.js';
import { SAE_FIELD_FLAGS, resolveSaeConfig, saeConfigSchema, type SaeConfig } from './saeConfig.js';
import { historyCsv, metricsJsonText, resolvedConfigJson, toyMetrics, toyWeightsFile, type ProgressReporter } from './runToy.js';
import { loadToySource, runSaeExperiment } from './runSae.js';
import { loadConfigFile, type ConfigIssue } from './configFile.js';
import { toCsv, writeFileAtomic, writeJson } from './store.js';
import { createToyTraining, type StreamKey, type ToyTraining } from '../train/trainToy.js';
import { trainToyParallel } from '../train/toyWorkers.js';
import { geometricImportance } from '../data/importance.js';

/** An experiment file: the toy-model fields, and optionally an `sae` object of SAE fields. */
export const experimentSchema = z.strictObject({ ...toyConfigSchema.shape, sae: saeConfigSchema.optional() });
export type ExperimentInput = z.input<typeof experimentSchema>;

const TOY_FIELDS = Object.keys(toyConfigSchema.shape);
const SAE_FIELDS = Object.keys(saeConfigSchema.shape);
/** SAE fields that are lists (swept inside one SAE grid). */
const SAE_LIST_FIELDS = ['arch', 'dictSize', 'l1', 'k'];
/** Toy fields that may not be swept with --set (vectors). */
const UNSWEEPABLE = ['importance', 'featureProbability'];

export interface SweepSet {
  field: string;
  values: (number | string)[];
}

/** Parse `field=v1,v2,…`; numbers stay numbers. Throws ConfigError naming the field. */
export function parseSet(text: string): SweepSet {
  const match = /^([A-Za-z][A-Za-z0-9]*)=(.+)$/.exec(text);
  if (!match) throw new ConfigError(`--set must look like field=v1,v2,… (got "${text}")`);
  const [, field, list] = match;
  if (UNSWEEPABLE.includes(field)) throw new ConfigError(`--set ${field}: vectors cannot be swept; put them in the config file`);
  if (!TOY_FIELDS.includes(field) && !SAE_FIELDS.includes(field))
    throw new ConfigError(`--set ${field}: unknown field (toy fields: ${TOY_FIELDS.filter((f) => !UNSWEEPABLE.includes(f)).join(', ')}; SAE fields: ${SAE_FIELDS.join(', ')})`);
  const values = list.split(',').map((v) => {
    const trimmed = v.trim();
    const number = Number(trimmed);
    return trimmed !== '' && Number.isFinite(number) ? number : trimmed;
  });
  return { field, values };
}

/** One run of a sweep: a resolved toy config, maybe an SAE config, and a stable id. */
export interface SweepRun {
  id: string;
  index: number;
  /** The fields this run sets with --set, for tables and plots. */
  setting: Record<string, number | string>;
  config: ToyConfig;
  sae?: SaeConfig;
}

function stableId(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 10);
}

/** The first problem of an experiment input, as a one-line message and the path it is at. */
export function experimentIssue(input: unknown): ConfigIssue | undefined {
  const parsed = experimentSchema.safeParse(input);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  const where = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
  if (issue.path[0] === 'sae') {
    const inner = (input as { sae?: unknown }).sae;
    const saeParsed = saeConfigSchema.safeParse(inner);
    if (!saeParsed.success) return { message: firstIssueMessage(saeParsed.error, inner, SAE_FIELD_FLAGS, 'sae.'), path: where };
  }
  return { message: firstIssueMessage(parsed.error, input, FIELD_FLAGS, ''), path: where };
}

function validateExperiment(input: unknown): ExperimentInput {
  const issue = experimentIssue(input);
  if (issue) throw new ConfigError(issue.message);
  return input as ExperimentInput;
}

/**
 * An experiment file (JSON, or YAML if it ends in .yaml / .yml) checked against experimentSchema;
 * throws ConfigError naming the file and line.
 */
export function loadExperimentFile(file: string): ExperimentInput {
  return loadConfigFile(file, experimentIssue) as ExperimentInput;
}

/** Every run of base × sets, validated before anything runs. */
export function expandSweep(base: unknown, sets: readonly SweepSet[]): SweepRun[] {
  const experiment = validateExperiment(base ?? {});
  const toySets = sets.filter((s) => TOY_FIELDS.includes(s.field));
  const saeSets = sets.filter((s) => SAE_FIELDS.includes(s.field));
  let saeInput = experiment.sae ? { ...experiment.sae } : undefined;
  for (const set of saeSets) {
    saeInput ??= {};
    (saeInput as Record<string, unknown>)[set.field] = SAE_LIST_FIELDS.includes(set.field) ? set.values : set.values[0];
    if (!SAE_LIST_FIELDS.includes(set.field) && set.values.length > 1)
      throw new ConfigError(`--set ${set.field}: only ${SAE_LIST_FIELDS.join(', ')} take several values among SAE fields`);
  }
  let combos: Record<string, number | string>[] = [{}];
  for (const set of toySets) combos = combos.flatMap((combo) => set.values.map((value) => ({ ...combo, [set.field]: value })));
  const { sae: _ignored, ...toyBase } = experiment;
  void _ignored;
  return combos.map((setting, index) => {
    const input: Record<string, unknown> = { ...toyBase };
    for (const [field, value] of Object.entries(setting)) input[field] = field === 'sparsity' ? [value] : value;
    let config: ToyConfig;
    let sae: SaeConfig | undefined;
    try {
      config = resolveToyConfig(input);
      sae = saeInput ? resolveSaeConfig(saeInput) : undefined;
    } catch (error) {
      const where = Object.entries(setting).map(([f, v]) => `${f}=${v}`).join(' ');
      if (error instanceof ConfigError) throw new ConfigError(where ? `run ${where}: ${error.message}` : error.message);
      throw error;
    }
    return { id: stableId({ config, sae }), index, setting, config, sae };
  });
}

/** Fields that must agree for runs to train as instances of one model. */
function packKey(config: ToyConfig): string {
  const { sparsity: _s, featureProbability: _p, importance: _i, importanceDecay: _d, seed: _seed, ...shared } = config;
  void [_s, _p, _i, _d, _seed];
  return JSON.stringify(shared);
}

/** Runs grouped into packs that share one model, in run order. */
export function packRuns(runs: readonly SweepRun[]): SweepRun[][] {
  const packs = new Map<string, SweepRun[]>();
  for (const run of runs) {
    const key = packKey(run.config);
    if (!packs.has(key)) packs.set(key, []);
    packs.get(key)!.push(run);
  }
  return [...packs.values()];
}

/** One model holding every run of a pack: instances concatenated, each run's streams and importance kept. */
function packTraining(pack: readonly SweepRun[], workers: number): { training: ToyTraining; offsets: number[] } {
  const first = pack[0].config;
  const offsets: number[] = [];
  const sparsity: number[] = [];
  const streamKeys: StreamKey[] = [];
  const importance: number[] = [];
  const featureProbability: number[][] = [];
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

export interface SweepOptions {
  outDir: string;
  /** The sweep's --set fields: the columns of summary.csv and the axes of summary.png. */
  sets: readonly SweepSet[];
  workers: number;
  progress?: ProgressReporter;
  shouldStop?: () => boolean;
  log?: (line: string) => void;
}

export interface RunRecord {
  id: string;
  index: number;
  setting: Record<string, number | string>;
  config: ToyConfig;
  sae?: SaeConfig;
  summary: { sparsity: number; finalLoss: number; represented: number; dimensionsPerFeature: number }[];
  dir: string;
}

export class SweepInterrupted extends Error {
  override name = 'SweepInterrupted';
}

export function readRunsJsonl(outDir: string): RunRecord[] {
  const file = path.join(outDir, 'runs.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RunRecord);
}

function appendRecord(outDir: string, record: RunRecord): void {
  const lines = readRunsJsonl(outDir).map((r) => JSON.stringify(r));
  lines.push(JSON.stringify(record));
  writeFileAtomic(path.join(outDir, 'runs.jsonl'), `${lines.join('\n')}\n`);
}

/** Write one run's results folder from its slice of a trained pack. */
async function finishRun(run: SweepRun, training: ToyTraining, offset: number, metricsAll: ReturnType<typeof toyMetrics>, options: SweepOptions): Promise<RunRecord> {
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
  writeJson(path.join(runDir, 'config.json'), resolvedConfigJson(config, { sweep: path.basename(options.outDir), run: run.id }));
  writeFileAtomic(path.join(runDir, 'metrics.json'), metricsJsonText(metrics));
  writeFileAtomic(path.join(runDir, 'history.csv'), historyCsv(history));
  const W = training.params.W.slice(offset * m * n, (offset + count) * m * n);
  const b = training.params.b.slice(offset * n, (offset + count) * n);
  writeFileAtomic(path.join(runDir, 'weights.safetensors'), toyWeightsFile(W, b, m, n, config.sparsity));
  if (run.sae) {
    options.log?.(`run ${run.id}: SAEs`);
    await runSaeExperiment(config, loadToySource(runDir, config), run.sae, { outDir: path.join(runDir, 'sae'), plots: false });
  }
  return {
    id: run.id,
    index: run.index,
    setting: run.setting,
    config,
    sae: run.sae,
    summary: metrics.instances.map((i) => ({ sparsity: i.sparsity, finalLoss: i.finalLoss, represented: i.represented, dimensionsPerFeature: i.dimensionsPerFeature })),
    dir,
  };
}

/**
 * Run every unfinished run of the sweep in outDir (sweep.json written by the caller).
 * Returns all records, finished before or now. Throws SweepInterrupted when asked to stop.
 */
export async function runSweep(runs: readonly SweepRun[], options: SweepOptions): Promise<RunRecord[]> {
  const finished = new Set(readRunsJsonl(options.outDir).map((r) => r.id));
  const remaining = runs.filter((run) => !finished.has(run.id));
  options.log?.(`${runs.length} runs, ${finished.size} finished before, ${remaining.length} to do`);
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
    if (stopped && training.step < training.config.totalSteps) throw new SweepInterrupted(`interrupted at step ${training.step}/${training.config.totalSteps}`);
    const metricsAll = toyMetrics(training);
    for (let r = 0; r < pack.length; r++) appendRecord(options.outDir, await finishRun(pack[r], training, offsets[r], metricsAll, options));
  }
  const byId = new Map(readRunsJsonl(options.outDir).map((r) => [r.id, r]));
  const records = runs.map((run) => byId.get(run.id)!).filter(Boolean);
  await writeSweepSummary(options.outDir, options.sets, records);
  return records;
}

// ── The summary: summary.csv and summary.png/.svg, from the runs' own metrics.json ─────────────

/** Per toy instance, from <run>/metrics.json. */
const TOY_METRIC_COLUMNS = ['finalLoss', 'represented', 'dimensionsPerFeature'];
/** Per SAE, from <run>/sae/metrics.json: its place in the SAE grid (saeSeedIndex: 0 … saeSeeds − 1)… */
const SAE_GRID_COLUMNS = ['arch', 'dictSize', 'l1', 'k', 'saeSeedIndex'];
/** …and its recovery metrics. */
const SAE_METRIC_COLUMNS = ['mmcs', 'recovered090', 'recovered099', 'mcc', 'l0', 'trueL0', 'deadLatents', 'denseLatents', 'fve', 'shrinkage'];

export type SummaryValue = number | string | null;

export interface SweepSummary {
  /** run, the --set fields in order, sparsity, the toy metrics, then (with SAEs) the SAE columns. */
  columns: string[];
  /** One row per run and toy instance; with SAEs, one per SAE of that instance. */
  rows: Record<string, SummaryValue>[];
  /** The --set fields, in order (no repeats). */
  setFields: string[];
  /** Those of them that are SAE fields (their values vary per SAE, not per run). */
  saeSetFields: string[];
  hasSae: boolean;
}

function readJsonFile<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

function summaryValue(value: unknown): SummaryValue {
  return typeof value === 'number' || typeof value === 'string' ? value : null;
}

/** The summary table of finished runs, read back from each run's metrics.json (and sae/metrics.json). */
export function sweepSummary(outDir: string, sets: readonly SweepSet[], records: readonly RunRecord[]): SweepSummary {
  const setFields = [...new Set(sets.map((s) => s.field))];
  const hasSae = records.some((r) => r.sae);
  const columns = ['run', ...setFields];
  for (const column of ['sparsity', ...TOY_METRIC_COLUMNS, ...(hasSae ? [...SAE_GRID_COLUMNS, ...SAE_METRIC_COLUMNS] : [])])
    if (!columns.includes(column)) columns.push(column);
  const rows: Record<string, SummaryValue>[] = [];
  for (const record of records) {
    const runDir = path.join(outDir, record.dir);
    const { instances } = readJsonFile<{ instances: Record<string, unknown>[] }>(path.join(runDir, 'metrics.json'));
    const saes = record.sae ? readJsonFile<{ saes: Record<string, unknown>[] }>(path.join(runDir, 'sae', 'metrics.json')).saes : undefined;
    instances.forEach((instance, toyInstance) => {
      const toyRow: Record<string, SummaryValue> = { run: record.id };
      for (const field of setFields)
        toyRow[field] = summaryValue(field === 'sparsity' ? instance.sparsity : (record.setting[field] ?? (record.sae as Record<string, unknown> | undefined)?.[field]));
      toyRow.sparsity = summaryValue(instance.sparsity);
      for (const column of TOY_METRIC_COLUMNS) toyRow[column] = summaryValue(instance[column]);
      if (!saes) {
        rows.push(toyRow);
        return;
      }
      for (const sae of saes.filter((entry) => entry.toyInstance === toyInstance)) {
        const row: Record<string, SummaryValue> = { ...toyRow };
        for (const column of SAE_GRID_COLUMNS) row[column] = summaryValue(sae[column === 'saeSeedIndex' ? 'seed' : column]);
        for (const column of SAE_METRIC_COLUMNS) row[column] = summaryValue(sae[column]);
        for (const field of setFields) if (SAE_LIST_FIELDS.includes(field)) row[field] = summaryValue(sae[field]);
        rows.push(row);
      }
    });
  }
  return { columns, rows, setFields, saeSetFields: setFields.filter((f) => SAE_FIELDS.includes(f)), hasSae };
}

/** summary.csv: empty cells where a value does not apply (l1 of a topk SAE, k of a relu SAE). */
export function summaryCsv(summary: SweepSummary): string {
  const rows = summary.rows.map((row) => Object.fromEntries(summary.columns.map((c) => [c, row[c] ?? ''])));
  return toCsv(rows, summary.columns);
}

/** Write summary.csv, summary.svg and summary.png into the sweep folder (each atomically). */
export async function writeSweepSummary(outDir: string, sets: readonly SweepSet[], records: readonly RunRecord[]): Promise<void> {
  const summary = sweepSummary(outDir, sets, records);
  writeFileAtomic(path.join(outDir, 'summary.csv'), summaryCsv(summary));
  const [{ sweepSummarySpec }, { renderSpec }] = await Promise.all([import('../report/sweepPlots.js'), import('../report/render.js')]);
  const { svg, png } = await renderSpec(sweepSummarySpec(summary));
  writeFileAtomic(path.join(outDir, 'summary.svg'), svg);
  writeFileAtomic(path.join(outDir, 'summary.png'), png);
}

/** sweep.json: what the sweep is, so that --resume can rebuild the same runs. */
export function writeSweepDefinition(outDir: string, base: unknown, sets: readonly SweepSet[], runs: readonly SweepRun[]): void {
  writeJson(path.join(outDir, 'sweep.json'), { version: VERSION, base: base ?? {}, sets, runs: runs.map((r) => ({ id: r.id, setting: r.setting })) });
}

export function readSweepDefinition(outDir: string): { base: unknown; sets: SweepSet[] } {
  const definition = JSON.parse(fs.readFileSync(path.join(outDir, 'sweep.json'), 'utf8')) as { base: unknown; sets: SweepSet[] };
  return { base: definition.base, sets: definition.sets };
}
