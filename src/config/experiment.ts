// An experiment: the toy-model fields and optionally an `sae` object of SAE fields — what a
// config file (JSON or YAML) or a sweep's base holds. Checked here without reading any file, so a
// browser can validate the same object.

import * as z from 'zod';
import { ConfigError, firstIssueMessage, type ConfigIssue } from './errors.js';
import { saeConfigSchema, saeFieldFlags } from './sae.js';
import { toyConfigSchema, toyFieldFlags } from './toy.js';

/** An experiment file: the toy-model fields, and optionally an `sae` object of SAE fields. */
export const experimentSchema = z.strictObject({ ...toyConfigSchema.shape, sae: saeConfigSchema.optional() });
export type ExperimentInput = z.input<typeof experimentSchema>;

/** The first problem of an experiment input, as a one-line message and the path it is at. */
export function experimentIssue(input: unknown): ConfigIssue | undefined {
  const parsed = experimentSchema.safeParse(input);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  const where = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
  if (issue.path[0] === 'sae') {
    const inner = (input as { sae?: unknown }).sae;
    const saeParsed = saeConfigSchema.safeParse(inner);
    if (!saeParsed.success) return { message: firstIssueMessage(saeParsed.error, inner, saeFieldFlags(), 'sae.'), path: where };
  }
  return { message: firstIssueMessage(parsed.error, input, toyFieldFlags(), ''), path: where };
}

/** The input itself, typed, if it is a valid experiment; throws ConfigError otherwise. */
export function validateExperiment(input: unknown): ExperimentInput {
  const issue = experimentIssue(input);
  if (issue) throw new ConfigError(issue.message);
  return input as ExperimentInput;
}
