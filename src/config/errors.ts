// Config errors: a bad value becomes one line naming the field's flag and the values it allows
// (both derived from the schema, src/config/flags.ts), so the CLI, config files and a browser's
// URL parameters report problems the same way.

import type { z } from 'zod';

/** A bad config value: the message is one line naming the field's flag and its allowed range. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** What a schema check reports about a config: the first problem and where it is. */
export interface ConfigIssue {
  message: string;
  /** Path to the offending value (or unknown key), e.g. ['sae', 'l1', 0]. */
  path: readonly PropertyKey[];
}

/** How a field is named in messages and what it allows: enough of a FieldFlag for an error. */
export interface FieldNaming {
  /** The flag's name ('--sparse-dim'), or the field's own name where no flag sets it. */
  name: string;
  /** e.g. "an integer in [1, 100000]". */
  allowed: string;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) value = value == null ? undefined : (value as Record<PropertyKey, unknown>)[key];
  return value;
}

/** ["sae", "l1", 0] → "sae.l1[0]". */
function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join('');
}

/** The first zod issue as one line naming the flag of the field and its allowed values. */
export function firstIssueMessage(
  error: z.ZodError,
  input: unknown,
  fields: Readonly<Record<string, FieldNaming>>,
  /** For config files: name the field by its path (e.g. "sae.l1[0]"), after this prefix. */
  pathPrefix?: string,
): string {
  const issue = error.issues[0];
  const where = pathPrefix === undefined ? '' : issue.path.length > 0 ? `${pathPrefix}${formatPath(issue.path)}` : pathPrefix.replace(/\.$/, '');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `"${k}"`).join(', ');
    return where ? `${where}: unknown config field ${keys}` : `unknown config field ${keys}`;
  }
  const field = issue.path[0];
  const info = typeof field === 'string' && Object.hasOwn(fields, field) ? fields[field] : undefined;
  if (!info) return `invalid config${where ? ` at ${where}` : ''}: ${issue.message}`;
  const subject = pathPrefix === undefined ? info.name : `${where} (${info.name})`;
  return `${subject} must be ${info.allowed} (got ${describe(valueAt(input, issue.path))})`;
}
