// Config fields as CLI flags. Which flag sets which field, its help text, choices and default
// all come from the zod schemas (src/config/flags.ts derives them; the build writes the result to
// flagTable.generated.ts, so that parsing flags and printing --help need not load zod); here they
// become commander options, values are parsed strictly and bad ones become one-line errors.

import os from 'node:os';
import { Option, type Command } from 'commander';
import type { CliFlag } from '../config/flags.js';

/** Bad user input: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The toy model's and the SAEs' flags, in their schemas' order. */
export { SAE_FLAGS, TOY_FLAGS } from './flagTable.generated.js';

/** '--sparse-dim <n>' → 'sparseDim' (commander's attribute name). */
export function optionKey(flag: string): string {
  return flag
    .split(' ')[0]
    .replace(/^--/, '')
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Strict number parsing: "1e-3" and "0.5" are numbers; "", "abc", "1,2" are not. */
function parseNumber(text: string, flag: CliFlag): number {
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value)) throw new UsageError(`${flag.name} must be ${flag.allowed} (got "${text}")`);
  return value;
}

function formatDefault(value: unknown): string {
  return Array.isArray(value) ? value.join(' ') : String(value);
}

/** Add every flag; absent flags stay undefined so that the schema fills in its defaults. */
export function addFlags(program: Command, flags: readonly CliFlag[], { showDefaults }: { showDefaults: boolean }): void {
  for (const flag of flags) {
    const shown = showDefaults ? flag.default : undefined;
    const description = shown === undefined ? flag.description : `${flag.description} (default: ${formatDefault(shown)})`;
    const option = new Option(flag.syntax, description);
    if (flag.choices) option.choices(flag.choices);
    program.addOption(option);
  }
}

/** The config input set by the given flags (numbers parsed, lists kept as lists). */
export function collectInput(options: Record<string, unknown>, flags: readonly CliFlag[]): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const flag of flags) {
    const raw = options[optionKey(flag.name)];
    if (raw === undefined) continue;
    if (flag.kind === 'number') input[flag.field] = parseNumber(raw as string, flag);
    else if (flag.kind === 'numbers') input[flag.field] = (raw as string[]).map((text) => parseNumber(text, flag));
    else input[flag.field] = raw;
  }
  return input;
}

/** Flags among `flags` that were given on the command line. */
export function givenFlags(options: Record<string, unknown>, flags: readonly CliFlag[]): string[] {
  return flags.filter((flag) => options[optionKey(flag.name)] !== undefined).map((flag) => flag.name);
}

/** --workers: an integer in [1, 256]; default the number of cores. */
export function parseWorkers(text: string | undefined): number {
  if (text === undefined) return os.availableParallelism();
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 256) throw new UsageError(`--workers must be an integer in [1, 256] (got "${text}")`);
  return value;
}
