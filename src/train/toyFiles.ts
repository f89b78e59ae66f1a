// A toy run's results folder as bytes, both ways: the text of config.json, metrics.json and
// history.csv and the bytes of weights.safetensors, exactly as the CLI writes them, and a trained
// model back from those files. No file access here: the CLI writes these to disk, a browser
// offers them as downloads or reads them from a dropped folder.

import { VERSION } from '../version.js';
import { toCsv } from '../core/csv.js';
import { decodeSafetensors, encodeSafetensors } from '../core/safetensors.js';
import { resolveToyConfig, toyConfigSchema, type ToyConfig } from '../config/toy.js';
import type { HistoryRow } from './trainToy.js';
import type { ToyMetrics } from './toyMetrics.js';

/** A results folder's files that do not match each other (e.g. weights of another shape than config.json says). */
export class ResultFilesError extends Error {
  override name = 'ResultFilesError';
}

/** What config.json records: the resolved config, the package version, then any provenance (e.g. the command line). */
export function resolvedConfigJson(config: ToyConfig, provenance: Record<string, unknown> = {}): unknown {
  return { ...config, version: VERSION, ...provenance };
}

/** JSON as every results file writes it: two-space indents and a final newline. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The text of a toy run's config.json. */
export function toyConfigJson(config: ToyConfig, provenance: Record<string, unknown> = {}): string {
  return jsonText(resolvedConfigJson(config, provenance));
}

/** The text of a toy run's metrics.json: the keys of the interface first, the Gram matrix last (the bulkiest). */
export function toyMetricsJson(metrics: ToyMetrics): string {
  return jsonText({
    instances: metrics.instances.map((m) => ({
      sparsity: m.sparsity,
      finalLoss: m.finalLoss,
      featureNorms: m.featureNorms,
      represented: m.represented,
      interference: m.interference,
      dimensionality: m.dimensionality,
      dimensionsPerFeature: m.dimensionsPerFeature,
      bias: m.bias,
      gram: m.gram,
    })),
  });
}

/** The text of a toy run's history.csv: step, instance, sparsity, loss. */
export function toyHistoryCsv(history: readonly HistoryRow[]): string {
  return toCsv(history as unknown as Record<string, number>[], ['step', 'instance', 'sparsity', 'loss']);
}

/**
 * The bytes of a toy run's weights.safetensors: W [inst, hidden, feat] and b [inst, feat] as F32,
 * the sparsity grid and the package version in the metadata. Python's `safetensors` reads it.
 */
export function toyWeightsFile(W: Float32Array, b: Float32Array, nHidden: number, nFeatures: number, sparsity: readonly number[]): Uint8Array {
  const nInstances = sparsity.length;
  return encodeSafetensors(
    {
      W: { shape: [nInstances, nHidden, nFeatures], data: W },
      b: { shape: [nInstances, nFeatures], data: b },
    },
    { format: 'superposition-lab', version: VERSION, sparsity: JSON.stringify(sparsity) },
  );
}

/**
 * W and b from the bytes of weights.safetensors, checked against the config of the same run.
 * Throws ResultFilesError when W or b is missing or of another shape; SafetensorsError on a damaged file.
 */
export function readToyWeights(bytes: Uint8Array, config: ToyConfig): { W: Float32Array; b: Float32Array } {
  const { tensors } = decodeSafetensors(bytes);
  const W = tensors.W;
  const expected = [config.sparsity.length, config.nHidden, config.nFeatures];
  if (!W || W.shape.join() !== expected.join())
    throw new ResultFilesError(
      `weights.safetensors has ${W ? `a W of shape [${W.shape}]` : 'no tensor W'}, not the W [${expected}] its config.json describes — is it from another run?`,
    );
  const b = tensors.b;
  const expectedB = [config.sparsity.length, config.nFeatures];
  if (!b || b.shape.join() !== expectedB.join())
    throw new ResultFilesError(
      `weights.safetensors has ${b ? `a b of shape [${b.shape}]` : 'no tensor b'}, not the b [${expectedB}] its config.json describes — is it from another run?`,
    );
  return { W: Float32Array.from(W.data), b: Float32Array.from(b.data) };
}

/**
 * The config recorded in a config.json (its text or its parsed value): the schema's fields,
 * resolved again (version and provenance are dropped).
 */
export function configFromJson(recorded: string | Record<string, unknown>): ToyConfig {
  const value = (typeof recorded === 'string' ? JSON.parse(recorded) : recorded) as Record<string, unknown>;
  const input = Object.fromEntries(Object.keys(toyConfigSchema.shape).filter((key) => key in value).map((key) => [key, value[key]]));
  return resolveToyConfig(input);
}
