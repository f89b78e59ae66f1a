// Spec pieces shared by the SAE figures: the schema, labels of configurations and panels, the
// SAEs drawn one per panel, and number formatting.

import { formatSparsity } from '../toyPlots.js';
import type { SaePlotInput, SaePlotSae } from './input.js';

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Short, stable text for a hyperparameter (0.01, 1e-7, 3). */
export function formatValue(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}

/** Non-finite numbers cannot be drawn (and do not survive JSON), so they become null. */
export function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** "relu d=40 λ=0.01" or "topk d=40 k=2": the SAE's configuration without sparsity and seed. */
export function configLabel(sae: SaePlotSae): string {
  let label = `${sae.arch} d=${sae.dictSize}`;
  if (sae.l1 !== null) label += ` λ=${formatValue(sae.l1)}`;
  if (sae.k !== null) label += ` k=${sae.k}`;
  return label;
}

/** Panel title per SAE, "relu d=40 λ=0.01, S=0.9", made unique by the toy instance (then the SAE index). */
export function panelLabels(saes: SaePlotSae[]): string[] {
  const count = (labels: string[]) => {
    const seen = new Map<string, number>();
    for (const l of labels) seen.set(l, (seen.get(l) ?? 0) + 1);
    return seen;
  };
  let labels = saes.map((s) => `${configLabel(s)}, S=${formatSparsity(s.sparsity)}`);
  let seen = count(labels);
  labels = labels.map((l, j) => ((seen.get(l) ?? 0) > 1 ? `${l} (toy #${saes[j].toyInstance})` : l));
  seen = count(labels);
  return labels.map((l, j) => ((seen.get(l) ?? 0) > 1 ? `${l} [SAE ${saes[j].index}]` : l));
}

/** The SAEs shown one per panel: seed 0 of every configuration, in index order. */
export function seedZero(input: SaePlotInput): SaePlotSae[] {
  return input.saes.filter((s) => s.seed === 0).sort((a, b) => a.index - b.index);
}

/** Sparsity rounded for display and grouping (0.999, not 0.9990000000000001). */
export function roundSparsity(s: number): number {
  return Number(formatSparsity(s));
}

/** The layer every recovery curve shares: a rule from the min to the max over SAE seeds, where there are several. */
export function seedSpreadRule(x: object, color: object) {
  return {
    transform: [{ filter: 'datum.seeds > 1' }],
    mark: { type: 'rule', strokeWidth: 1.5, opacity: 0.6 },
    encoding: { x, y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' }, color },
  };
}
