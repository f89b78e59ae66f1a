// Recovery against a swept hyperparameter (λ, k or the dictionary size d): MMCS, MCC and
// recovered@0.9, one line per toy sparsity and architecture (mean over seeds, min–max bars).

import type { TopLevelSpec } from 'vega-lite';
import type { SaePlotInput, SaePlotSae, SweptField } from './input.js';
import { METRICS, stat, type Stat } from './recoveryMetrics.js';
import { SCHEMA, formatValue, roundSparsity, seedSpreadRule } from './shared.js';

/** Symbol per swept field, for the subtitle. */
const SWEEP_SYMBOLS: Record<SweptField, string> = { l1: 'λ', k: 'k', dictSize: 'd' };

/** Axis title per swept field. */
const SWEEP_TITLES: Record<SweptField, string> = {
  l1: 'sparsity coefficient λ',
  k: 'k (active latents)',
  dictSize: 'dictionary size d',
};

/** The SAEs of one line at one value of the swept field. */
interface SweepGroup {
  sparsity: number;
  arch: string;
  line: string;
  value: number;
  members: SaePlotSae[];
}

/** One point per line and value of a metric panel. */
interface SweepPoint extends Stat {
  sparsity: number;
  arch: string;
  line: string;
  value: number;
}

/** Groups per line (sparsity, arch and the other hyperparameters, `otherKey`) and swept value. */
function sweepGroups(saes: SaePlotSae[], field: SweptField, otherKey: (s: SaePlotSae) => string): Map<string, SweepGroup> {
  const groups = new Map<string, SweepGroup>();
  for (const s of saes) {
    const sparsity = roundSparsity(s.sparsity);
    const value = s[field] as number;
    const line = `S=${sparsity} ${s.arch} ${otherKey(s)}`;
    const key = `${line}|${value}`;
    const g = groups.get(key) ?? { sparsity, arch: s.arch, line, value, members: [] };
    g.members.push(s);
    groups.set(key, g);
  }
  return groups;
}

/** The x encoding over the swept values xs: log scale for λ when every value is positive. */
function sweepX(field: SweptField, xs: number[]) {
  const log = field === 'l1' && xs.length > 0 && xs.every((v) => v > 0);
  // Explicit, slightly padded domains: a "nice" log domain can add a whole empty decade.
  const lo = xs.length > 0 ? Math.min(...xs) : 0;
  const hi = xs.length > 0 ? Math.max(...xs) : 1;
  const pad = hi > lo ? 0.06 * (hi - lo) : Math.max(1e-3, 0.1 * Math.abs(hi));
  return {
    field: 'value',
    type: 'quantitative',
    title: log ? `${SWEEP_TITLES[field]} (log scale)` : SWEEP_TITLES[field],
    scale: log
      ? { type: 'log', domain: [lo / (hi > lo ? 1.25 : 2), hi * (hi > lo ? 1.25 : 2)], nice: false }
      : { domain: [lo - pad, hi + pad], nice: false, zero: false },
    axis: { format: '~g', tickMinStep: field === 'l1' ? undefined : 1, grid: !log },
  } as const;
}

// Why: shows the hyperparameter trade-off — e.g. too small λ leaves latents dense and
// mixed, too large kills them — separately per toy sparsity and architecture.
export function recoveryVsSweepSpec(input: SaePlotInput, field: SweptField): TopLevelSpec {
  const saes = input.saes.filter((s) => {
    const v = s[field];
    return v !== null && Number.isFinite(v);
  });
  // Other hyperparameters that vary split lines further (same colour and dash, via `detail`).
  const otherKey = (s: SaePlotSae) =>
    [field !== 'dictSize' ? `d=${s.dictSize}` : '', field !== 'l1' && s.l1 !== null ? `λ=${formatValue(s.l1)}` : '', field !== 'k' && s.k !== null ? `k=${s.k}` : '']
      .filter(Boolean)
      .join(' ');
  const groups = sweepGroups(saes, field, otherKey);
  const panels = METRICS.map((metric) => {
    const values: SweepPoint[] = [];
    for (const g of groups.values()) {
      const st = stat(g.members.map(metric.value));
      if (st) values.push({ sparsity: g.sparsity, arch: g.arch, line: g.line, value: g.value, ...st });
    }
    return { metric, values };
  });
  const xs = saes.map((s) => s[field] as number);
  const x = sweepX(field, xs);
  const archs = [...new Set(saes.map((s) => s.arch))];
  const otherVaries = new Set(saes.map(otherKey)).size > 1;
  const manySeeds = saes.some((s) => s.seed > 0);
  const color = {
    field: 'sparsity',
    type: 'ordinal',
    title: 'sparsity S',
    scale: { scheme: { name: 'viridis', extent: [0, 0.85] } },
    legend: { symbolOpacity: 1 },
  } as const;
  const strokeDash = { field: 'arch', type: 'nominal', title: 'arch', sort: archs } as const;
  const minY = Math.min(0, ...panels.flatMap((p) => p.values.map((v) => v.min)));
  const notes = [
    saes.length === 0 ? `no SAE has ${SWEEP_SYMBOLS[field]}` : `${saes.length} SAEs (those with ${SWEEP_SYMBOLS[field]})`,
    manySeeds ? 'mean over seeds (bars: min–max)' : '',
    otherVaries ? 'lines also split by the other hyperparameters' : '',
  ].filter(Boolean);
  return {
    $schema: SCHEMA,
    title: {
      text: `Feature recovery vs ${SWEEP_TITLES[field]}`,
      subtitle: [`n = ${input.nFeatures} features, m = ${input.nHidden}; metrics over represented features`, notes.join('; ')],
      offset: 10,
    },
    hconcat: panels.map(({ metric, values }) => ({
      title: metric.title,
      width: 240,
      height: 200,
      data: { values },
      layer: [
        seedSpreadRule(x, color),
        {
          mark: { type: 'line', strokeWidth: 2 },
          encoding: { x, y: { field: 'mean', type: 'quantitative' }, color, strokeDash, detail: { field: 'line', type: 'nominal' } },
        },
        {
          mark: { type: 'point', filled: true, size: 40, opacity: 1 },
          encoding: {
            x,
            y: { field: 'mean', type: 'quantitative' },
            color,
            shape: { field: 'arch', type: 'nominal', title: 'arch', sort: archs },
            tooltip: [
              { field: 'line', type: 'nominal' },
              { field: 'value', type: 'quantitative', title: field },
              { field: 'mean', type: 'quantitative', format: '.3f' },
              { field: 'seeds', type: 'quantitative' },
            ],
          },
        },
      ],
      encoding: { y: { field: 'mean', type: 'quantitative', title: metric.axis, scale: { domain: [minY, 1] } } },
    })),
  } as TopLevelSpec;
}
