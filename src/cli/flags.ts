// Config fields as CLI flags: one table per schema says which flag sets which field; help texts
// show the schema's defaults; values are parsed strictly and bad ones become one-line errors.

import os from 'node:os';
import { Option, type Command } from 'commander';

/** Bad user input: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface FlagSpec {
  field: string;
  /** Commander flag syntax, e.g. '--sparsity <S...>'. */
  flag: string;
  description: string;
  kind: 'number' | 'numbers' | 'choice' | 'choices';
  choices?: string[];
}

export type FieldFlags = Record<string, { flag: string; allowed: string }>;

/** '--sparse-dim <n>' → 'sparseDim' (commander's attribute name). */
export function optionKey(flag: string): string {
  return flag
    .split(' ')[0]
    .replace(/^--/, '')
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function flagName(spec: FlagSpec): string {
  return spec.flag.split(' ')[0];
}

/** Strict number parsing: "1e-3" and "0.5" are numbers; "", "abc", "1,2" are not. */
function parseNumber(text: string, field: string, fieldFlags: FieldFlags): number {
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value)) {
    const { flag, allowed } = fieldFlags[field];
    throw new UsageError(`${flag} must be ${allowed} (got "${text}")`);
  }
  return value;
}

function formatDefault(value: unknown): string {
  return Array.isArray(value) ? value.join(' ') : String(value);
}

/** Add every flag; absent flags stay undefined so that the schema fills in its defaults. */
export function addFlags(program: Command, specs: readonly FlagSpec[], defaults: Record<string, unknown>): void {
  for (const spec of specs) {
    const value = defaults[spec.field];
    const description = value === undefined ? spec.description : `${spec.description} (default: ${formatDefault(value)})`;
    const option = new Option(spec.flag, description);
    if (spec.choices) option.choices(spec.choices);
    program.addOption(option);
  }
}

/** The config input set by the given flags (numbers parsed, lists kept as lists). */
export function collectInput(options: Record<string, unknown>, specs: readonly FlagSpec[], fieldFlags: FieldFlags): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const spec of specs) {
    const raw = options[optionKey(spec.flag)];
    if (raw === undefined) continue;
    if (spec.kind === 'number') input[spec.field] = parseNumber(raw as string, spec.field, fieldFlags);
    else if (spec.kind === 'numbers') input[spec.field] = (raw as string[]).map((t) => parseNumber(t, spec.field, fieldFlags));
    else input[spec.field] = raw;
  }
  return input;
}

/** Flags of `specs` that were given on the command line. */
export function givenFlags(options: Record<string, unknown>, specs: readonly FlagSpec[]): string[] {
  return specs.filter((spec) => options[optionKey(spec.flag)] !== undefined).map(flagName);
}

/** --workers: an integer in [1, 256]; default the number of cores. */
export function parseWorkers(text: string | undefined): number {
  if (text === undefined) return os.availableParallelism();
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 256) throw new UsageError(`--workers must be an integer in [1, 256] (got "${text}")`);
  return value;
}
