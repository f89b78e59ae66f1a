// A sweep's grid: a base experiment (a config file, or the defaults) and `--set field=v1,v2,…`
// expand into runs, one per combination of the toy-model fields; SAE fields set this way become
// lists inside each run's SAE grid. Each run has a stable id, the hash of its resolved config.
// Runs that differ only in sparsity, importance or seed are packed into one model (each keeps
// its own random streams, so its numbers equal those of the same run alone).

import { createHash } from 'node:crypto';
import { ConfigError } from '../../config/errors.js';
import { validateExperiment } from '../../config/experiment.js';
import { resolveSaeConfig, saeConfigSchema, type SaeConfig } from '../../config/sae.js';
import { resolveToyConfig, toyConfigSchema, type ToyConfig } from '../../config/toy.js';

const TOY_FIELDS = Object.keys(toyConfigSchema.shape);
export const SAE_FIELDS = Object.keys(saeConfigSchema.shape);
/** SAE fields that are lists (swept inside one SAE grid; prefixes is one list: matryoshka's nested sizes). */
export const SAE_LIST_FIELDS = ['arch', 'dictSize', 'l1', 'k', 'prefixes'];
/** Toy fields that may not be swept with --set (vectors). */
const UNSWEEPABLE = ['importance', 'featureProbability'];

/** One `--set field=v1,v2,…`: a field and its values. */
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
  const seen = new Set<number | string>();
  for (const value of values) {
    if (seen.has(value)) throw new ConfigError(`--set ${field}: the value ${value} is given twice (each run once: drop the repeat)`);
    seen.add(value);
  }
  return { field, values };
}

/** A field set twice is an error, not "the last one wins": its values belong in one --set. */
export function checkSets(sets: readonly SweepSet[]): void {
  const fields = new Set<string>();
  for (const { field } of sets) {
    if (fields.has(field)) throw new ConfigError(`--set ${field} is given twice: put all its values in one --set ${field}=v1,v2,…`);
    fields.add(field);
  }
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

/** The SAE input of every run: the base's `sae` object with the swept SAE fields set. */
function saeInputOf(base: object | undefined, saeSets: readonly SweepSet[]): Record<string, unknown> | undefined {
  let saeInput: Record<string, unknown> | undefined = base ? { ...base } : undefined;
  for (const set of saeSets) {
    saeInput ??= {};
    saeInput[set.field] = SAE_LIST_FIELDS.includes(set.field) ? set.values : set.values[0];
    if (!SAE_LIST_FIELDS.includes(set.field) && set.values.length > 1)
      throw new ConfigError(`--set ${set.field}: only ${SAE_LIST_FIELDS.join(', ')} take several values among SAE fields`);
  }
  return saeInput;
}

/** Every run of base × sets, validated before anything runs. */
export function expandSweep(base: unknown, sets: readonly SweepSet[]): SweepRun[] {
  checkSets(sets);
  const experiment = validateExperiment(base ?? {});
  const toySets = sets.filter((s) => TOY_FIELDS.includes(s.field));
  const saeInput = saeInputOf(experiment.sae, sets.filter((s) => SAE_FIELDS.includes(s.field)));
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
