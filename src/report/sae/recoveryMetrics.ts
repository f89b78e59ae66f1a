// The recovery metrics drawn as curves (against sparsity, against a swept hyperparameter), and
// their summary over seeds.

import { RECOVERY_THRESHOLDS } from '../../metrics/matching.js';
import type { SaePlotSae } from './input.js';

/** Recovery threshold of the recovered@τ panel. */
const RECOVERED_THRESHOLD = RECOVERY_THRESHOLDS.loose;

export interface Stat {
  mean: number;
  min: number;
  max: number;
  seeds: number;
}

/** Mean, min and max of the finite values; null when there are none. */
export function stat(values: number[]): Stat | null {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return null;
  return {
    mean: finite.reduce((a, x) => a + x, 0) / finite.length,
    min: Math.min(...finite),
    max: Math.max(...finite),
    seeds: finite.length,
  };
}

/** The three recovery metrics plotted against sparsity and the sweeps; NaN where undefined. */
export const METRICS: { key: string; title: string; axis: string; value: (s: SaePlotSae) => number }[] = [
  { key: 'mmcs', title: 'MMCS (mean max cosine)', axis: 'MMCS', value: (s) => s.mmcs },
  { key: 'mcc', title: 'MCC (one-to-one matching)', axis: 'MCC', value: (s) => s.mcc },
  {
    key: 'recovered',
    title: `recovered@${RECOVERED_THRESHOLD} / n_rep`,
    axis: 'fraction recovered',
    value: (s) => (s.represented > 0 ? s.recovered090 / s.represented : Number.NaN),
  },
];
