// The explorer's form fields: each named by its CLI flag (which is also its URL parameter and its
// element id), with the config field it sets and its kind. The form's state is a FormValues: one
// string per field, exactly as typed, so a bad value survives to be shown beside its field.

import { resolveSaeConfig, resolveToyConfig } from 'superposition-lab';

/** One form field: its flag (id, URL parameter and CLI flag without the dashes) and what it sets. */
export interface FieldSpec {
  flag: string;
  /** The config field (ToyConfigInput or SaeConfigInput) it sets. */
  field: string;
  part: 'toy' | 'sae';
  kind: 'integer' | 'number' | 'numbers' | 'choice';
  /**
   * The text that stands for the field left out (a schema field with no default, where absent is
   * itself a setting: --correlation absent means independent features). The config, the URL and
   * the CLI command leave the field out then, so they read as before the field existed.
   */
  unset?: string;
}

export const FIELDS: readonly FieldSpec[] = [
  { flag: 'sparse-dim', field: 'nFeatures', part: 'toy', kind: 'integer' },
  { flag: 'dense-dim', field: 'nHidden', part: 'toy', kind: 'integer' },
  { flag: 'importance-decay', field: 'importanceDecay', part: 'toy', kind: 'number' },
  { flag: 'sparsity', field: 'sparsity', part: 'toy', kind: 'numbers' },
  { flag: 'model', field: 'model', part: 'toy', kind: 'choice' },
  { flag: 'correlation', field: 'correlation', part: 'toy', kind: 'choice', unset: 'independent' },
  { flag: 'correlation-set', field: 'correlationSet', part: 'toy', kind: 'integer' },
  { flag: 'optimizer', field: 'optimizer', part: 'toy', kind: 'choice' },
  { flag: 'lr', field: 'lr', part: 'toy', kind: 'number' },
  { flag: 'steps', field: 'steps', part: 'toy', kind: 'integer' },
  { flag: 'batch-size', field: 'batchSize', part: 'toy', kind: 'integer' },
  { flag: 'seed', field: 'seed', part: 'toy', kind: 'integer' },
  { flag: 'arch', field: 'arch', part: 'sae', kind: 'choice' },
  { flag: 'dict-size', field: 'dictSize', part: 'sae', kind: 'numbers' },
  { flag: 'l1', field: 'l1', part: 'sae', kind: 'numbers' },
  { flag: 'k', field: 'k', part: 'sae', kind: 'numbers' },
  { flag: 'sae-steps', field: 'saeSteps', part: 'sae', kind: 'integer' },
];

/** The form's state: per flag, the text of its field ('' = the CLI's default). */
export type FormValues = Record<string, string>;

/** A config value as form text: lists comma-separated, an absent value ''. */
export function formText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return Array.isArray(value) ? value.map(String).join(', ') : String(value);
}

/** The CLI's defaults as form text, read from the schemas ('' where the default depends on other fields). */
export const CLI_DEFAULTS: FormValues = (() => {
  const defaults: Record<string, Record<string, unknown>> = { toy: { ...resolveToyConfig({}) }, sae: { ...resolveSaeConfig({}) } };
  return Object.fromEntries(FIELDS.map(({ flag, field, part, unset }) => [flag, unset ?? formText(defaults[part][field])]));
})();

/** Architectures whose sparsity is set by k (the others by λ, --l1). */
export const K_ARCHS: readonly string[] = ['topk', 'batchtopk'];

/** Correlations whose sets have a size (--correlation-set). */
export const SET_CORRELATIONS: readonly string[] = ['correlated', 'anticorrelated'];

/**
 * Whether a field is in use: --k only for topk and batchtopk, --l1 only for the others,
 * --correlation-set only with correlated or anticorrelated sets.
 */
export function inUse(values: Partial<FormValues>, flag: string): boolean {
  const kArch = K_ARCHS.includes(values.arch ?? '');
  if (flag === 'correlation-set') return SET_CORRELATIONS.includes(values.correlation ?? '');
  return !((flag === 'k' && !kArch) || (flag === 'l1' && kArch));
}

/** Whether a field's text stands for the field left out (FieldSpec.unset). */
export function isUnset(flag: string, text: string): boolean {
  return fieldSpec(flag)?.unset === text;
}

export function fieldSpec(flag: string): FieldSpec | undefined {
  return FIELDS.find((f) => f.flag === flag);
}

/** The form's element for a flag (its id is the flag). */
export function control(flag: string): HTMLInputElement | HTMLSelectElement {
  const element = document.getElementById(flag);
  if (!(element instanceof HTMLInputElement || element instanceof HTMLSelectElement)) throw new Error(`no form control #${flag}`);
  return element;
}

/** The form's current values. */
export function readForm(): FormValues {
  return Object.fromEntries(FIELDS.map(({ flag }) => [flag, control(flag).value.trim()]));
}

/**
 * Put values into the form (a missing flag gets the CLI's default). A value a list does not offer
 * (from a URL) is added to it, marked, so that it is checked and reported like a typed one.
 */
export function writeForm(values: Partial<FormValues>): void {
  for (const { flag, unset } of FIELDS) {
    const element = control(flag);
    // An absent config field (an imported run without --correlation) shows as its unset text.
    const value = (values[flag] ?? CLI_DEFAULTS[flag]) || (unset ?? '');
    if (element instanceof HTMLSelectElement && value !== '' && ![...element.options].some((option) => option.value === value))
      element.add(new Option(`${value} (not valid)`, value));
    element.value = value;
  }
}
