// The CLI commands that make the run the form describes: the toy model, then the SAE on its
// results folder. Only flags that differ from the CLI's defaults are written.

import { CLI_DEFAULTS, FIELDS, inUse, type FormValues } from './fields.js';

/** The name the commands give the results folder. */
export const RUN_NAME = 'explorer';

function flagWords(values: FormValues, part: 'toy' | 'sae'): string[] {
  const words: string[] = [];
  for (const { flag, kind, part: p } of FIELDS) {
    const text = values[flag] ?? '';
    if (p !== part || text === '' || text === CLI_DEFAULTS[flag] || !inUse(values, flag)) continue;
    const items = kind === 'numbers' ? text.split(/[\s,]+/).filter((item) => item !== '') : [text];
    if (kind === 'numbers' && items.join(',') === CLI_DEFAULTS[flag].split(/[\s,]+/).join(',')) continue;
    words.push(`--${flag}`, ...items);
  }
  return words;
}

/** "npx superposition --sparse-dim 5 … --name explorer" */
export function toyCommand(values: FormValues): string {
  return ['npx superposition', ...flagWords(values, 'toy'), '--name', RUN_NAME].join(' ');
}

/** "npx superposition sae --from results/explorer --arch topk --k 2" */
export function saeCommand(values: FormValues): string {
  return ['npx superposition sae --from', `results/${RUN_NAME}`, ...flagWords(values, 'sae')].join(' ');
}
