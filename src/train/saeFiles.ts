// An SAE run's results folder (<run>/sae/) as bytes: the text of config.json, metrics.json and
// history.csv and the bytes of weights.safetensors, exactly as `superposition sae` writes them.
// No file access: the CLI writes these to disk, a browser offers them as downloads.

import { VERSION } from '../version.js';
import { toCsv } from '../core/csv.js';
import { encodeSafetensors, type TensorMap } from '../core/safetensors.js';
import type { SaeConfig, SaeSpec } from '../config/sae.js';
import type { ToyConfig } from '../config/toy.js';
import { saeArchitecture } from '../models/sae/index.js';
import type { SaeParams } from '../models/sae/types.js';
import { meanOf, type SaeEvaluation } from './evaluateSae.js';
import type { AbsorptionResult } from '../metrics/absorption.js';
import type { SaeHistoryRow } from './saeGroups.js';
import { jsonText } from './toyFiles.js';

/**
 * One SAE's entry of sae/metrics.json: its spec, then recovery over the represented features
 * (‖W_i‖ > 0.5), activity on the evaluation set, recovery over all features, and per-feature and
 * per-latent detail. Definitions: docs/sae.md, "Recovery metrics".
 */
export interface SaeMetrics extends Omit<SaeSpec, 'index'> {
  /** Mean over represented features of the best cosine between W_i and a decoder column. */
  mmcs: number;
  mmcsAll: number;
  /** Represented features with a decoder column at cosine ≥ 0.9. */
  recovered090: number;
  recovered099: number;
  /** Mean cosine over a one-to-one feature–latent matching (Hungarian). */
  mcc: number;
  /** Mean number of nonzero latents per sample. */
  l0: number;
  /** Mean number of active features per sample. */
  trueL0: number;
  /** Latents that never fire on the evaluation set. */
  deadLatents: number;
  /** Latents firing on more than half of the samples. */
  denseLatents: number;
  /** Fraction of variance of h explained by the reconstruction. */
  fve: number;
  shrinkage: number;
  /** Number of represented features. */
  represented: number;
  mccAll: number;
  recovered090All: number;
  recovered099All: number;
  mse: number;
  uniqueness: number;
  precision: number;
  recall: number;
  f1: number;
  purity: number;
  representedFeatures: number[];
  /** [represented feature] best cosine. */
  bestCosine: number[];
  /** [represented feature] the latent it is matched to, −1 if none. */
  matchedLatent: number[];
  /** [latent] fraction of evaluation samples on which it fires. */
  firingFrequency: number[];
  /** With hierarchical features only: mean absorption over the parents with a matched latent (docs/sae.md). */
  absorption?: number | null;
  /** With hierarchical features only: per parent, its matched latent, active samples, absorbed samples, fraction. */
  absorptionPerParent?: AbsorptionResult['perParent'];
}

/** One SAE's entry of sae/metrics.json, from its spec and evaluation. */
export function saeMetricsEntry(spec: SaeSpec, e: SaeEvaluation): SaeMetrics {
  const a = e.activity;
  return {
    toyInstance: spec.toyInstance,
    sparsity: spec.sparsity,
    arch: spec.arch,
    dictSize: spec.dictSize,
    l1: spec.l1,
    k: spec.k,
    seed: spec.seed,
    mmcs: e.represented.mmcs,
    mmcsAll: e.all.mmcs,
    recovered090: e.represented.recovered090,
    recovered099: e.represented.recovered099,
    mcc: e.represented.mcc,
    l0: a.l0,
    trueL0: a.trueL0,
    deadLatents: a.deadLatents,
    denseLatents: a.denseLatents,
    fve: a.fve,
    shrinkage: a.shrinkage,
    represented: e.representedFeatures.length,
    mccAll: e.all.mcc,
    recovered090All: e.all.recovered090,
    recovered099All: e.all.recovered099,
    mse: a.mse,
    uniqueness: e.uniqueness,
    precision: meanOf(a.precision),
    recall: meanOf(a.recall),
    f1: meanOf(a.f1),
    purity: meanOf(a.purity),
    representedFeatures: e.representedFeatures,
    bestCosine: e.represented.bestCosine,
    matchedLatent: e.represented.matchedLatent,
    firingFrequency: a.firingFrequency,
    // Only with a hierarchy, so metrics.json of a run without one is as before.
    ...(e.absorption ? { absorption: e.absorption.mean, absorptionPerParent: e.absorption.perParent } : {}),
  };
}

/** The text of sae/metrics.json: `{ saes: [...] }` in SAE index order. */
export function saeMetricsJson(metrics: readonly SaeMetrics[]): string {
  return jsonText({ saes: metrics });
}

/** The text of sae/config.json: the resolved SAE config, the number of SAEs, the toy run's seed, the version, provenance. */
export function saeConfigJson(config: SaeConfig, toyConfig: ToyConfig, nSaes: number, provenance: Record<string, unknown> = {}): string {
  return jsonText({ ...config, nSaes, toySeed: toyConfig.seed, version: VERSION, ...provenance });
}

/** The text of sae/history.csv: every 100th step's loss terms, L0 and dead latents, per SAE. */
export function saeHistoryCsv(history: readonly SaeHistoryRow[]): string {
  const columns = ['step', 'sae', 'toyInstance', 'arch', 'dictSize', 'loss', 'reconstruction', 'sparsityPenalty', 'auxiliary', 'l0', 'dead'];
  return toCsv(history as unknown as Record<string, number | string>[], columns);
}

/**
 * The bytes of sae/weights.safetensors. SAEs of one architecture and dictionary size form a group
 * `<arch>_d<dictSize>` whose tensors stack its SAEs ([count, ...shape], e.g. `topk_d40.W_dec`);
 * the metadata's saeIndex maps each group to its SAEs' indices. `saes` in index order.
 */
export function saeWeightsFile(saes: readonly { spec: SaeSpec; params: SaeParams }[]): Uint8Array {
  const groups = new Map<string, { spec: SaeSpec; params: SaeParams }[]>();
  for (const sae of saes) {
    const prefix = `${sae.spec.arch}_d${sae.spec.dictSize}`;
    groups.set(prefix, [...(groups.get(prefix) ?? []), sae]);
  }
  const tensors: TensorMap = {};
  const saeIndex: Record<string, number[]> = {};
  for (const [prefix, members] of groups) {
    const { spec } = members[0];
    saeIndex[prefix] = members.map((sae) => sae.spec.index);
    const shapes = saeArchitecture(spec.arch).parameterShapes({ nInput: members[0].params.W_dec.length / spec.dictSize, dictSize: spec.dictSize });
    for (const [name, dims] of Object.entries(shapes)) {
      const size = dims.reduce((a, b) => a * b, 1);
      const data = new Float32Array(members.length * size);
      members.forEach((sae, k) => data.set(sae.params[name], k * size));
      tensors[`${prefix}.${name}`] = { shape: [members.length, ...dims], data };
    }
  }
  return encodeSafetensors(tensors, { format: 'superposition-lab-sae', version: VERSION, saeIndex: JSON.stringify(saeIndex) });
}
