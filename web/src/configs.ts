// The form's text → the library's configs, checked by the library's own schemas (the CLI's
// one-line messages, naming the flag) and by its memory estimate against what one browser tab
// can hold. Each problem is attached to the field whose flag it names, so it shows beside it.

import {
  ConfigError,
  MemoryLimitError,
  checkMemory,
  configWarnings,
  resolveSaeConfig,
  resolveToyConfig,
  saeMemoryParts,
  toyMemoryParts,
  type MemoryLimits,
  type SaeConfigInput,
  type ToyConfig,
} from 'superposition-lab';
import { FIELDS, inUse, isUnset, type FormValues } from './fields.js';

/**
 * What one training may use in a tab: typed arrays live in the worker, whose heap browsers cap at
 * a few GB at most (and phones far lower), so a run is refused well before it could take the tab.
 */
export const TAB_LIMITS: MemoryLimits = { memory: 1e9, heap: 1e9, memorySource: 'the 1 GB this page lets one training use', heapSource: "the page's" };

/** Problems by flag ('' for those that name no field of the form). */
export type FieldMessages = Record<string, string>;

export interface Checked<C> {
  config?: C;
  errors: FieldMessages;
  warnings: FieldMessages;
}

/** "0.9" → 0.9; text that is not a number stays text, so the schema reports it with its range. */
function numberOrText(text: string): number | string {
  return text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
}

/** One field's text as a config value: undefined (the default) when empty. */
export function fieldValue(kind: string, text: string): unknown {
  if (text === '') return undefined;
  if (kind === 'choice') return text;
  if (kind === 'numbers') return text.split(/[\s,]+/).filter((item) => item !== '').map(numberOrText);
  return numberOrText(text);
}

/** The flag a message is about: the first form flag it names (after "reduce" for memory messages). */
export function flagOf(message: string): string {
  const named = [...message.matchAll(/--([a-z0-9-]+)/g)].map((m) => m[1]);
  const reduce = message.indexOf('reduce ');
  const candidates = reduce >= 0 ? [...message.slice(reduce).matchAll(/--([a-z0-9-]+)/g)].map((m) => m[1]) : named;
  return candidates.find((flag) => FIELDS.some((f) => f.flag === flag)) ?? '';
}

/** A thrown ConfigError or MemoryLimitError as messages by field; anything else is rethrown. */
function asMessages(error: unknown): FieldMessages {
  if (error instanceof ConfigError || error instanceof MemoryLimitError) return { [flagOf(error.message)]: error.message };
  throw error;
}

function inputOf(values: FormValues, part: 'toy' | 'sae'): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const { flag, field, kind, part: p } of FIELDS) {
    if (p !== part || !inUse(values, flag) || isUnset(flag, values[flag] ?? '')) continue;
    const value = fieldValue(kind, values[flag] ?? '');
    if (value !== undefined) input[field] = flag === 'arch' ? [value] : value;
  }
  return input;
}

/** The toy config the form describes, or the messages that stop it. */
export function checkToy(values: FormValues): Checked<ToyConfig> {
  try {
    const config = resolveToyConfig(inputOf(values, 'toy'));
    checkMemory(toyMemoryParts(config, 1, false), TAB_LIMITS);
    const warnings = Object.fromEntries(configWarnings(config).map((warning) => [flagOf(warning), warning]));
    return { config, errors: {}, warnings };
  } catch (error) {
    return { errors: asMessages(error), warnings: {} };
  }
}

/** The SAE config the form describes for a toy model, or the messages that stop it. */
export function checkSae(values: FormValues, toy: { nFeatures: number; nHidden: number; sparsity: readonly number[] }): Checked<SaeConfigInput> {
  try {
    const input = inputOf(values, 'sae') as SaeConfigInput;
    const config = resolveSaeConfig(input);
    const smallestDict = Math.min(...(config.dictSize ?? [toy.nFeatures]));
    for (const k of config.k ?? []) if (k > smallestDict) throw new ConfigError(`--k must be at most the dictionary size (got k = ${k} > ${smallestDict})`);
    checkMemory(saeMemoryParts(toy, config), TAB_LIMITS, 'the SAE grid');
    return { config: input, errors: {}, warnings: {} };
  } catch (error) {
    return { errors: asMessages(error), warnings: {} };
  }
}
