// The page's state in its URL, with the CLI's flag names as parameters:
//   ?sparse-dim=5&dense-dim=2&importance-decay=0.9&sparsity=0,0.9&steps=3000&seed=0
//   &correlation=anticorrelated&correlation-set=2   correlated sets, when not independent
//   &sae=1&arch=topk&k=2&dict-size=10     the SAE's fields, when the SAE part is in use
//   &run=1                                 train on load (the toy model, then the SAE if sae=1)
//   &from=results/                         show the run in that folder (relative to the page)
// Lists are comma-separated. Loading fills the form; a value the schema refuses is shown beside
// its field like a typed one.

import { CLI_DEFAULTS, FIELDS, inUse, isUnset, type FormValues } from './fields.js';

/** What a URL asks for. */
export interface UrlState {
  values: Partial<FormValues>;
  sae: boolean;
  run: boolean;
  from?: string;
  /** Parameters the page does not know. */
  unknown: string[];
}

const FLAGS = new Set(FIELDS.map((f) => f.flag));
const CONTROL_PARAMS = new Set(['sae', 'run', 'from']);

/** A list's text in a URL: "0, 0.9" → "0,0.9". */
function compactList(text: string): string {
  return text.split(/[\s,]+/).filter((item) => item !== '').join(',');
}

/**
 * The query for a form state: every toy field in use (--correlation only when not independent,
 * --correlation-set only with correlated sets and a value), and the SAE's fields with sae=1 when
 * the SAE part is in use.
 */
export function queryOf(values: FormValues, sae: boolean): string {
  const params = new URLSearchParams();
  const put = (flag: string, kind: string) => params.set(flag, kind === 'numbers' ? compactList(values[flag] ?? '') : (values[flag] ?? ''));
  const inQuery = (flag: string, text: string) => inUse(values, flag) && !isUnset(flag, text) && (text !== '' || CLI_DEFAULTS[flag] !== '');
  for (const { flag, part, kind } of FIELDS) if (part === 'toy' && inQuery(flag, values[flag] ?? '')) put(flag, kind);
  if (sae) {
    params.set('sae', '1');
    for (const { flag, part, kind } of FIELDS) if (part === 'sae' && (values[flag] ?? '') !== '' && inUse(values, flag)) put(flag, kind);
  }
  // URLSearchParams escapes the commas of lists; they are legal in a query and read better as they are.
  return params.toString().replace(/%2C/gi, ',');
}

/** What a query asks for. */
export function parseQuery(query: string): UrlState {
  const params = new URLSearchParams(query);
  const values: Partial<FormValues> = {};
  const unknown: string[] = [];
  for (const [key, value] of params) {
    if (FLAGS.has(key)) values[key] = value.trim();
    else if (!CONTROL_PARAMS.has(key)) unknown.push(key);
  }
  const from = params.get('from') ?? undefined;
  return { values, sae: params.get('sae') === '1', run: params.get('run') === '1', from: from === '' ? undefined : from, unknown };
}
