// Each config field's flag, help text and allowed values, derived from its zod schema in one
// place: the flag and its description sit in the field's .meta(), the ranges are read back from
// the schema's JSON Schema (z.toJSONSchema). The CLI's options, the error messages and a
// browser's URL parameters all come from here, so a range or a flag name is written once.

import * as z from 'zod';
import type { FieldNaming } from './errors.js';

/** What a field's .meta() says for the command line. */
export interface FlagMeta {
  /** Commander syntax, e.g. '--sparsity <S...>'; a field without one is set in config files only. */
  flag?: string;
  /** Help text (zod's own meta key). */
  description?: string;
  /** A rule across fields, appended to the allowed values in parentheses: "one per feature". */
  note?: string;
}

/** How a flag's text is parsed: one number, several, one name of a list, or several. */
export type FlagKind = 'number' | 'numbers' | 'choice' | 'choices' | 'other';

/** One config field as the command line and the error messages see it. */
export interface FieldFlag extends FieldNaming {
  field: string;
  /** Commander syntax ('--sparse-dim <n>'), undefined for fields without a flag. */
  syntax?: string;
  description: string;
  kind: FlagKind;
  choices?: string[];
  /** The schema's default, for help texts; undefined where the default depends on other fields. */
  default?: unknown;
}

/** The parts of a JSON Schema node that zod writes for our fields. */
interface JsonNode extends FlagMeta {
  type?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  enum?: unknown[];
  items?: JsonNode;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
}

/** 1e8 rather than 100000000: powers of ten from a million up read better as exponents. */
function formatBound(bound: number): string {
  const text = String(bound);
  return /^10{6,}$/.test(text) ? `1e${text.length - 1}` : text;
}

/** "in [0, 1)", "> 0", "≥ 0": a number's bounds. Number.MAX_VALUE as a bound means "finite". */
function numberRange(node: JsonNode): string {
  const low = node.exclusiveMinimum ?? node.minimum;
  const lowOpen = node.exclusiveMinimum !== undefined;
  const rawHigh = node.exclusiveMaximum ?? node.maximum;
  const high = rawHigh === Number.MAX_VALUE ? undefined : rawHigh;
  const highOpen = node.exclusiveMaximum !== undefined;
  if (low !== undefined && high !== undefined)
    return `in ${lowOpen ? '(' : '['}${formatBound(low)}, ${formatBound(high)}${highOpen ? ')' : ']'}`;
  if (low !== undefined) return `${lowOpen ? '>' : '≥'} ${formatBound(low)}`;
  if (high !== undefined) return `${highOpen ? '<' : '≤'} ${formatBound(high)}`;
  return '';
}

/** A number node in words: its noun, singular and plural, and its range. */
function numberWords(node: JsonNode): { one: string; many: string; range: string } {
  const finite = (node.exclusiveMaximum ?? node.maximum) === Number.MAX_VALUE;
  const noun = node.type === 'integer' ? 'integer' : finite ? 'finite number' : 'number';
  return { one: `${noun === 'integer' ? 'an' : 'a'} ${noun}`, many: `${noun}s`, range: numberRange(node) };
}

/** ['a', 'b', 'c'] → "a, b or c". */
function orList(values: readonly unknown[]): string {
  const names = values.map(String);
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

function phrase(...parts: string[]): string {
  return parts.filter((part) => part !== '').join(' ');
}

/** Several values of a node, in words: "integers in [1, 100000]", "lists of numbers in [0, 1]". */
function allowedMany(node: JsonNode): string {
  if (node.enum) return `names among ${node.enum.join(', ')}`;
  if (node.type === 'array') return `lists of ${allowedMany(node.items ?? {})}`;
  const { many, range } = numberWords(node);
  return phrase(many, range);
}

/** A list node in words: "1 to 4096 numbers, each in [0, 1)", "one or more of relu, topk". */
function allowedList(node: JsonNode): string {
  const items = node.items ?? {};
  const count =
    node.maxItems !== undefined ? `${node.minItems ?? 0} to ${node.maxItems}` : node.minItems !== undefined && node.minItems > 1 ? `${node.minItems} or more` : '';
  if (items.enum) return `${count || 'one or more'} of ${items.enum.join(', ')}`;
  if (items.type !== 'number' && items.type !== 'integer') return phrase(count, allowedMany(items));
  const { many, range } = numberWords(items);
  return count ? `${count} ${many}${range ? `, each ${range}` : ''}` : phrase(many, range);
}

/** The values a field allows, in words: "an integer in [1, 100000]", "relu or linear", … */
export function allowedText(node: JsonNode): string {
  let text: string;
  if (node.enum) text = orList(node.enum);
  else if (node.type === 'array') text = allowedList(node);
  else {
    const { one, range } = numberWords(node);
    text = phrase(one, range);
  }
  return node.note ? `${text} (${node.note})` : text;
}

function flagKind(node: JsonNode): FlagKind {
  const item = node.type === 'array' ? (node.items ?? {}) : node;
  const many = node.type === 'array';
  if (item.enum) return many ? 'choices' : 'choice';
  if (item.type === 'number' || item.type === 'integer') return many ? 'numbers' : 'number';
  return 'other';
}

/**
 * Every field of an object schema with its flag, kind, choices, default and allowed values, in
 * the schema's order.
 *
 * @example fieldFlags(toyConfigSchema).nFeatures
 *   // → { field: 'nFeatures', syntax: '--sparse-dim <n>', name: '--sparse-dim', kind: 'number',
 *   //     allowed: 'an integer in [1, 100000]', default: 20, description: 'number of features n' }
 */
export function fieldFlags(schema: z.ZodObject): Record<string, FieldFlag> {
  const json = z.toJSONSchema(schema, { io: 'input' }) as { properties: Record<string, JsonNode> };
  const fields: Record<string, FieldFlag> = {};
  for (const [field, node] of Object.entries(json.properties)) {
    const items = node.type === 'array' ? (node.items ?? {}) : node;
    fields[field] = {
      field,
      syntax: node.flag,
      name: node.flag?.split(' ')[0] ?? field,
      description: node.description ?? '',
      kind: flagKind(node),
      choices: items.enum?.map(String),
      default: node.default,
      allowed: allowedText(node),
    };
  }
  return fields;
}

/** A field that a command-line flag sets. */
export type CliFlag = FieldFlag & { syntax: string };

/** The fields that a command-line flag sets, in the schema's order. */
export function flagFields(fields: Readonly<Record<string, FieldFlag>>): CliFlag[] {
  return Object.values(fields).filter((field): field is CliFlag => field.syntax !== undefined);
}
