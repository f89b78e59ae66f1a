// Recovery against sparsity: MMCS, MCC and recovered@0.9 per SAE configuration at each toy
// sparsity (mean over seeds, min–max bars), beside the number of represented features n_rep.

import type { TopLevelSpec } from 'vega-lite';
import { formatSparsity } from '../toyPlots.js';
import type { SaePlotInput, SaePlotSae } from './input.js';
import { METRICS, stat, type Stat } from './recoveryMetrics.js';
import { SCHEMA, configLabel, roundSparsity, seedSpreadRule } from './shared.js';

/**
 * Line label per SAE for recovery vs sparsity. An arch whose k takes exactly one value per
 * sparsity but differs between sparsities used the default k = n(1 − S): its SAEs form one line.
 */
function sparsityLineLabels(saes: SaePlotSae[]): string[] {
  const kPerSparsity = new Map<string, Map<number, Set<number>>>(); // arch|d -> sparsity -> k values
  for (const s of saes) {
    if (s.k === null) continue;
    const key = `${s.arch}|${s.dictSize}`;
    const bySparsity = kPerSparsity.get(key) ?? new Map<number, Set<number>>();
    const ks = bySparsity.get(s.sparsity) ?? new Set<number>();
    ks.add(s.k);
    bySparsity.set(s.sparsity, ks);
    kPerSparsity.set(key, bySparsity);
  }
  const autoK = new Set<string>();
  for (const [key, bySparsity] of kPerSparsity) {
    const distinct = new Set<number>();
    let single = true;
    for (const ks of bySparsity.values()) {
      if (ks.size !== 1) single = false;
      for (const k of ks) distinct.add(k);
    }
    if (single && distinct.size > 1) autoK.add(key);
  }
  return saes.map((s) =>
    s.k !== null && autoK.has(`${s.arch}|${s.dictSize}`) ? `${s.arch} d=${s.dictSize} k≈n(1−S)` : configLabel(s),
  );
}


/** Configurations in a stable order: arch by first appearance, then d, then λ / k. */
function configOrder(saes: SaePlotSae[], labelOf: (s: SaePlotSae, j: number) => string): string[] {
  const archRank = new Map<string, number>();
  for (const s of saes) if (!archRank.has(s.arch)) archRank.set(s.arch, archRank.size);
  const firsts = new Map<string, SaePlotSae>();
  saes.forEach((s, j) => {
    const label = labelOf(s, j);
    if (!firsts.has(label)) firsts.set(label, s);
  });
  return [...firsts.entries()]
    .sort(
      ([, a], [, b]) =>
        (archRank.get(a.arch) ?? 0) - (archRank.get(b.arch) ?? 0) ||
        a.dictSize - b.dictSize ||
        (a.l1 ?? 0) - (b.l1 ?? 0) ||
        (a.k ?? 0) - (b.k ?? 0),
    )
    .map(([label]) => label);
}

/** Enough distinct colours for the number of lines. */
function categoryScheme(count: number): string {
  return count <= 10 ? 'tableau10' : 'tableau20';
}

/** The SAEs of one line (configuration) at one sparsity. */
interface SparsityGroup {
  config: string;
  arch: string;
  sparsity: number;
  members: SaePlotSae[];
}

/** One point per line and sparsity of a metric panel, at x = the sparsity's position, dodged. */
interface SparsityPoint extends Stat {
  config: string;
  arch: string;
  sparsity: number;
  x: number;
}

function sparsityGroups(saes: SaePlotSae[], lineOf: string[]): Map<string, SparsityGroup> {
  const groups = new Map<string, SparsityGroup>();
  saes.forEach((s, j) => {
    const sparsity = roundSparsity(s.sparsity);
    const key = `${lineOf[j]}|${sparsity}`;
    const g = groups.get(key) ?? { config: lineOf[j], arch: s.arch, sparsity, members: [] };
    g.members.push(s);
    groups.set(key, g);
  });
  return groups;
}

/** Represented features per sparsity (a property of the toy instance; averaged if instances repeat a sparsity). */
function representedRows(saes: SaePlotSae[], position: Map<number, number>): { sparsity: number; x: number; represented: number }[] {
  const repBySparsity = new Map<number, Map<number, number>>();
  for (const s of saes) {
    const sp = roundSparsity(s.sparsity);
    const byInstance = repBySparsity.get(sp) ?? new Map<number, number>();
    byInstance.set(s.toyInstance, s.represented);
    repBySparsity.set(sp, byInstance);
  }
  return [...repBySparsity.entries()].map(([sparsity, byInstance]) => ({
    sparsity,
    x: position.get(sparsity) ?? 0,
    represented: [...byInstance.values()].reduce((a, x) => a + x, 0) / byInstance.size,
  }));
}

/** The x encoding: sparsities at evenly spaced positions 0, 1, 2, …, labelled with their values. */
function sparsityX(sparsities: number[]) {
  const labels = sparsities.map((sp) => formatSparsity(sp));
  return {
    field: 'x',
    type: 'quantitative',
    title: 'sparsity S',
    scale: { domain: [-0.5, Math.max(0, sparsities.length - 1) + 0.5], nice: false, zero: false },
    axis: {
      values: sparsities.map((_, j) => j),
      labelExpr: `${JSON.stringify(labels)}[datum.value]`,
      labelAngle: sparsities.length > 8 ? -45 : 0,
      grid: false,
    },
  } as const;
}

/** The colour encoding: one colour per line (configuration), in `order`. */
function configColor(order: string[]) {
  return {
    field: 'config',
    type: 'nominal',
    sort: order,
    scale: { scheme: categoryScheme(order.length) },
    legend: { title: 'SAE', labelLimit: 260, symbolOpacity: 1 },
  } as const;
}

/** One metric's panel: lines of the means, min–max bars where there are several seeds. */
function metricPanel(
  metric: (typeof METRICS)[number],
  values: SparsityPoint[],
  x: ReturnType<typeof sparsityX>,
  color: ReturnType<typeof configColor>,
  minY: number,
) {
  return {
    title: metric.title,
    width: 220,
    height: 200,
    data: { values },
    layer: [
      seedSpreadRule(x, color),
      { mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color } },
      {
        mark: { type: 'point', filled: true, size: 45, opacity: 1 },
        encoding: {
          x,
          y: { field: 'mean', type: 'quantitative' },
          color,
          tooltip: [
            { field: 'config', type: 'nominal' },
            { field: 'sparsity', type: 'ordinal' },
            { field: 'mean', type: 'quantitative', format: '.3f' },
            { field: 'min', type: 'quantitative', format: '.3f' },
            { field: 'max', type: 'quantitative', format: '.3f' },
            { field: 'seeds', type: 'quantitative' },
          ],
        },
      },
    ],
    encoding: {
      y: { field: 'mean', type: 'quantitative', title: metric.axis, scale: { domain: [minY, 1] } },
    },
  };
}

/** The n_rep panel: represented features per sparsity against the line m (the hidden dimensions). */
function representedPanel(repRows: ReturnType<typeof representedRows>, x: ReturnType<typeof sparsityX>, n: number, m: number) {
  return {
    title: 'Represented features n_rep',
    width: 160,
    height: 200,
    data: { values: repRows },
    layer: [
      {
        mark: { type: 'rule', color: '#e45756', strokeDash: [2, 2], opacity: 0.8 },
        encoding: { y: { datum: m, type: 'quantitative' } },
      },
      {
        mark: { type: 'text', color: '#e45756', align: 'left', baseline: 'bottom', dx: 2, dy: -2 },
        encoding: { x: { value: 0 }, y: { datum: m, type: 'quantitative' }, text: { value: `m = ${m}` } },
      },
      {
        mark: { type: 'line', color: '#555555', strokeDash: [6, 4], strokeWidth: 2 },
        encoding: { x, y: { field: 'represented', type: 'quantitative' } },
      },
      {
        mark: { type: 'point', color: '#555555', filled: true, size: 40 },
        encoding: { x, y: { field: 'represented', type: 'quantitative' } },
      },
    ],
    encoding: {
      y: { field: 'represented', type: 'quantitative', title: 'n_rep (‖Wᵢ‖ > 0.5)', scale: { domain: [0, n] } },
    },
  };
}

// Why: the headline result — does recovery fail as the toy model packs more features into
// superposition (higher S), and which SAE configuration holds up best; n_rep shows how many
// features there were to recover at each sparsity.
export function recoveryVsSparsitySpec(input: SaePlotInput): TopLevelSpec {
  const saes = input.saes;
  const lineOf = sparsityLineLabels(saes);
  const order = configOrder(saes, (_, j) => lineOf[j]);
  const groups = sparsityGroups(saes, lineOf);
  // Sparsities cluster near 1 (0.9, 0.99, 0.999), so they sit at evenly spaced positions 0, 1, 2, …;
  // configurations are dodged a little around each position so equal values and their bars stay visible.
  const sparsities = [...new Set(saes.map((s) => roundSparsity(s.sparsity)))].sort((a, b) => a - b);
  const position = new Map(sparsities.map((sp, j) => [sp, j]));
  const dodge = (config: string) => {
    const r = order.indexOf(config);
    return order.length > 1 ? -0.15 + (0.3 * r) / (order.length - 1) : 0;
  };
  const panels = METRICS.map((metric) => {
    const values: SparsityPoint[] = [];
    for (const g of groups.values()) {
      const st = stat(g.members.map(metric.value));
      const x = (position.get(g.sparsity) ?? 0) + dodge(g.config);
      if (st) values.push({ config: g.config, arch: g.arch, sparsity: g.sparsity, x, ...st });
    }
    return { metric, values };
  });
  const repRows = representedRows(saes, position);
  const x = sparsityX(sparsities);
  const color = configColor(order);
  const minY = Math.min(0, ...panels.flatMap((p) => p.values.map((v) => v.min)));
  const manySeeds = saes.some((s) => s.seed > 0);
  const n = input.nFeatures;
  const m = input.nHidden;
  return {
    $schema: SCHEMA,
    title: {
      text: 'Feature recovery vs sparsity',
      subtitle: [
        `n = ${n} features, m = ${m}; metrics over represented features (‖Wᵢ‖ > 0.5)`,
        manySeeds ? 'lines: mean over seeds, bars: min–max over seeds' : 'one seed per configuration',
      ],
      offset: 10,
    },
    hconcat: [
      ...panels.map(({ metric, values }) => metricPanel(metric, values, x, color, minY)),
      representedPanel(repRows, x, n, m),
    ],
  } as TopLevelSpec;
}
