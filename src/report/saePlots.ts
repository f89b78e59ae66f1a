/**
 * Vega-lite specs for the sparse-autoencoder (SAE) experiments: how well each SAE's decoder
 * directions recover the toy model's true feature directions W_i (docs/sae.md, § Recovery metrics).
 *
 * Every `*Spec` function is pure: it turns a `SaePlotInput` into a vega-lite spec with inline
 * data and no I/O (aggregation over seeds and histogram binning happen here, in TypeScript, so
 * the numbers in a spec can be checked directly). `writeSaePlots` renders all of them.
 */
import type { TopLevelSpec } from 'vega-lite';
import { writePlot } from './render.js';
import { formatSparsity } from './toyPlots.js';

export interface SaePlotSae {
  index: number;
  toyInstance: number;
  sparsity: number;
  arch: string;
  dictSize: number;
  l1: number | null;
  k: number | null;
  seed: number;
  mmcs: number;
  mmcsAll: number;
  mcc: number;
  recovered090: number;
  represented: number;
  l0: number;
  trueL0: number;
  deadLatents: number;
  cosines: number[][]; // [feat][latent]
  representedFeatures: number[]; // indices of represented features
  matchedLatent: number[]; // per represented feature (same order): its matched latent, -1 if none
  firingFrequency: number[]; // [latent] fraction of evaluation samples on which the latent fires
  decoder: number[][]; // [latent][hidden] unit decoder directions
  trueFeatures: number[][]; // [feat][hidden] the toy model's columns W_i (not normalised)
}

export interface SaePlotInput {
  nFeatures: number;
  nHidden: number;
  saes: SaePlotSae[];
}

export type SweptField = 'l1' | 'k' | 'dictSize';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** Most panels in the cosine heatmap grid. */
const MAX_HEATMAP_PANELS = 24;
/** Most heatmap cells over all panels: each cell is one SVG element (~180 bytes). */
const MAX_HEATMAP_CELLS = 60_000;
/** Most panels in the arrow plot grid. */
const MAX_ARROW_PANELS = 12;
/** Recovery threshold of the recovered@τ panel (RECOVERY_THRESHOLDS.loose in metrics/recovery.ts). */
const RECOVERED_THRESHOLD = 0.9;
/** A latent firing on more than this fraction of samples is dense (DENSE_FREQUENCY in metrics/recovery.ts). */
const DENSE_FREQUENCY = 0.5;
/** Width of one firing-frequency histogram bin, in decades. */
const FREQUENCY_BIN_DECADES = 0.25;
/** Lowest decade the firing histogram extends to; rarer (but nonzero) latents land in the first bin. */
const MIN_FREQUENCY_DECADE = -8;

const ARCH_COLORS = ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#e45756', '#72b7b2', '#9d755d', '#eeca3b'];

/** Short, stable text for a hyperparameter (0.01, 1e-7, 3). */
function formatValue(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}

/** Non-finite numbers cannot be drawn (and do not survive JSON), so they become null. */
function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** "relu d=40 λ=0.01" or "topk d=40 k=2": the SAE's configuration without sparsity and seed. */
function configLabel(sae: SaePlotSae): string {
  let label = `${sae.arch} d=${sae.dictSize}`;
  if (sae.l1 !== null) label += ` λ=${formatValue(sae.l1)}`;
  if (sae.k !== null) label += ` k=${sae.k}`;
  return label;
}

/** Panel title per SAE, "relu d=40 λ=0.01, S=0.9", made unique by the toy instance (then the SAE index). */
function panelLabels(saes: SaePlotSae[]): string[] {
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
function seedZero(input: SaePlotInput): SaePlotSae[] {
  return input.saes.filter((s) => s.seed === 0).sort((a, b) => a.index - b.index);
}

/**
 * The latents of one SAE in heatmap column order: the matched latents of the represented
 * features in feature order, then every other latent by its best cosine over all features
 * (descending; ties by latent index).
 */
function latentOrder(sae: SaePlotSae): number[] {
  const d = sae.cosines[0]?.length ?? sae.decoder.length;
  const pairs = sae.representedFeatures
    .map((feature, r) => ({ feature, latent: sae.matchedLatent[r] ?? -1 }))
    .filter((p) => Number.isInteger(p.latent) && p.latent >= 0 && p.latent < d)
    .sort((a, b) => a.feature - b.feature);
  const order: number[] = [];
  const used = new Set<number>();
  for (const { latent } of pairs) {
    if (!used.has(latent)) order.push(latent);
    used.add(latent);
  }
  const best = (l: number) => {
    let m = -Infinity;
    for (const row of sae.cosines) if (Number.isFinite(row[l]) && row[l] > m) m = row[l];
    return m;
  };
  const rest = Array.from({ length: d }, (_, l) => l)
    .filter((l) => !used.has(l))
    .map((l) => ({ l, best: best(l) }))
    .sort((a, b) => b.best - a.best || a.l - b.l)
    .map((x) => x.l);
  return [...order, ...rest];
}

/** Explicit ordinal tick values so that a long axis does not become an unreadable wall of labels. */
function sparseTicks(count: number): number[] | undefined {
  if (count <= 30) return undefined;
  const every = count <= 60 ? 5 : count <= 200 ? 10 : 50;
  const ticks: number[] = [];
  for (let i = 0; i < count; i += every) ticks.push(i);
  return ticks;
}

/** Pixel size per row/column: large for few items, shrinking to fit the budget, never below `min`. */
function stepFor(count: number, budget: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.floor(budget / Math.max(1, count))));
}

// Why: the most direct picture of recovery — a matched feature/latent pair is a dark red cell on
// the diagonal (outlined); features split across latents, or latents mixing features, stand out.
export function cosineHeatmapSpec(input: SaePlotInput): TopLevelSpec {
  const all = seedZero(input);
  const n = input.nFeatures;
  const dMax = Math.max(1, ...all.map((s) => s.cosines[0]?.length ?? 0));
  const cellCap = Math.max(1, Math.floor(MAX_HEATMAP_CELLS / Math.max(1, n * dMax)));
  const shown = all.slice(0, Math.min(MAX_HEATMAP_PANELS, cellCap));
  const labels = panelLabels(shown);

  const rows: { panel: string; feature: number; column: number; latent: number; cos: number | null; matched: boolean }[] = [];
  shown.forEach((sae, p) => {
    const order = latentOrder(sae);
    const matched = new Set<string>();
    sae.representedFeatures.forEach((f, r) => {
      const l = sae.matchedLatent[r] ?? -1;
      if (l >= 0) matched.add(`${f}:${l}`);
    });
    order.forEach((latent, column) => {
      sae.cosines.forEach((row, feature) => {
        rows.push({
          panel: labels[p],
          feature,
          column,
          latent,
          cos: finiteOrNull(row[latent]),
          matched: matched.has(`${feature}:${latent}`),
        });
      });
    });
  });

  const colStep = stepFor(dMax, 360, 1, 20);
  const rowStep = stepFor(n, 240, 2, 20);
  // Never narrower than the panel title needs.
  const width = Math.max(170, dMax * colStep);
  const height = Math.max(60, n * rowStep);
  const columns = Math.max(1, Math.min(shown.length, Math.floor(1400 / (width + 20))));
  const xTicks = sparseTicks(dMax);
  const yTicks = sparseTicks(n);
  const truncated =
    all.length > shown.length ? `; showing the first ${shown.length} of ${all.length} SAEs (seed 0)` : '';
  return {
    $schema: SCHEMA,
    title: {
      text: 'Cosine between true features Wᵢ and SAE decoder directions',
      subtitle: [
        `n = ${n} features, m = ${input.nHidden}; seed 0 of each SAE configuration${truncated}`,
        'columns: matched latents first (in feature order), then the rest by best cosine; outlined: matched pairs (represented features only)',
      ],
      offset: 10,
    },
    data: { values: rows },
    facet: {
      field: 'panel',
      type: 'nominal',
      sort: labels,
      header: { title: null, labelFontSize: 11, labelFontWeight: 'bold', labelLimit: width + 40 },
    },
    columns,
    spacing: { column: 16, row: 16 },
    spec: {
      width,
      height,
      layer: [
        {
          mark: { type: 'rect' },
          encoding: {
            color: {
              field: 'cos',
              type: 'quantitative',
              scale: { scheme: 'redblue', reverse: true, domain: [-1, 1], clamp: true },
              legend: { title: 'cos(i, l)', gradientLength: Math.max(100, Math.min(200, height)) },
            },
          },
        },
        {
          transform: [{ filter: 'datum.matched' }],
          mark: { type: 'rect', fill: null, stroke: 'black', strokeWidth: colStep >= 6 && rowStep >= 6 ? 1.5 : 0.75 },
        },
      ],
      encoding: {
        x: {
          field: 'column',
          type: 'ordinal',
          title: 'latents (matched first)',
          axis: xTicks ? { values: xTicks, labelAngle: 0 } : { labelAngle: 0, labelFontSize: Math.min(10, colStep) },
        },
        y: {
          field: 'feature',
          type: 'ordinal',
          sort: 'ascending',
          title: 'feature i',
          axis: yTicks ? { values: yTicks } : { labelFontSize: Math.min(10, rowStep) },
        },
        tooltip: [
          { field: 'feature', type: 'ordinal' },
          { field: 'latent', type: 'ordinal' },
          { field: 'cos', type: 'quantitative', format: '.3f' },
        ],
      },
    },
    config: { view: { stroke: null }, axis: { grid: false, domain: false } },
  } as TopLevelSpec;
}

interface Stat {
  mean: number;
  min: number;
  max: number;
  seeds: number;
}

/** Mean, min and max of the finite values; null when there are none. */
function stat(values: number[]): Stat | null {
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
const METRICS: { key: string; title: string; axis: string; value: (s: SaePlotSae) => number }[] = [
  { key: 'mmcs', title: 'MMCS (mean max cosine)', axis: 'MMCS', value: (s) => s.mmcs },
  { key: 'mcc', title: 'MCC (one-to-one matching)', axis: 'MCC', value: (s) => s.mcc },
  {
    key: 'recovered',
    title: `recovered@${RECOVERED_THRESHOLD} / n_rep`,
    axis: 'fraction recovered',
    value: (s) => (s.represented > 0 ? s.recovered090 / s.represented : Number.NaN),
  },
];

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

/** Sparsity rounded for display and grouping (0.999, not 0.9990000000000001). */
function roundSparsity(s: number): number {
  return Number(formatSparsity(s));
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

// Why: the headline result — does recovery fail as the toy model packs more features into
// superposition (higher S), and which SAE configuration holds up best; n_rep shows how many
// features there were to recover at each sparsity.
export function recoveryVsSparsitySpec(input: SaePlotInput): TopLevelSpec {
  const saes = input.saes;
  const lineOf = sparsityLineLabels(saes);
  const order = configOrder(saes, (_, j) => lineOf[j]);
  const groups = new Map<string, { config: string; arch: string; sparsity: number; members: SaePlotSae[] }>();
  saes.forEach((s, j) => {
    const sparsity = roundSparsity(s.sparsity);
    const key = `${lineOf[j]}|${sparsity}`;
    const g = groups.get(key) ?? { config: lineOf[j], arch: s.arch, sparsity, members: [] };
    g.members.push(s);
    groups.set(key, g);
  });
  // Sparsities cluster near 1 (0.9, 0.99, 0.999), so they sit at evenly spaced positions 0, 1, 2, …;
  // configurations are dodged a little around each position so equal values and their bars stay visible.
  const sparsities = [...new Set(saes.map((s) => roundSparsity(s.sparsity)))].sort((a, b) => a - b);
  const position = new Map(sparsities.map((sp, j) => [sp, j]));
  const dodge = (config: string) => {
    const r = order.indexOf(config);
    return order.length > 1 ? -0.15 + (0.3 * r) / (order.length - 1) : 0;
  };
  const panels = METRICS.map((metric) => {
    const values: {
      config: string;
      arch: string;
      sparsity: number;
      x: number;
      mean: number;
      min: number;
      max: number;
      seeds: number;
    }[] = [];
    for (const g of groups.values()) {
      const st = stat(g.members.map(metric.value));
      const x = (position.get(g.sparsity) ?? 0) + dodge(g.config);
      if (st) values.push({ config: g.config, arch: g.arch, sparsity: g.sparsity, x, ...st });
    }
    return { metric, values };
  });

  // Represented features per sparsity (a property of the toy instance; averaged if instances repeat a sparsity).
  const repBySparsity = new Map<number, Map<number, number>>();
  for (const s of saes) {
    const sp = roundSparsity(s.sparsity);
    const byInstance = repBySparsity.get(sp) ?? new Map<number, number>();
    byInstance.set(s.toyInstance, s.represented);
    repBySparsity.set(sp, byInstance);
  }
  const repRows = [...repBySparsity.entries()].map(([sparsity, byInstance]) => ({
    sparsity,
    x: position.get(sparsity) ?? 0,
    represented: [...byInstance.values()].reduce((a, x) => a + x, 0) / byInstance.size,
  }));

  const labels = sparsities.map((sp) => formatSparsity(sp));
  const x = {
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
  const color = {
    field: 'config',
    type: 'nominal',
    sort: order,
    scale: { scheme: categoryScheme(order.length) },
    legend: { title: 'SAE', labelLimit: 260, symbolOpacity: 1 },
  } as const;
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
      ...panels.map(({ metric, values }) => ({
        title: metric.title,
        width: 220,
        height: 200,
        data: { values },
        layer: [
          {
            transform: [{ filter: 'datum.seeds > 1' }],
            mark: { type: 'rule', strokeWidth: 1.5, opacity: 0.6 },
            encoding: { x, y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' }, color },
          },
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
      })),
      {
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
      },
    ],
  } as TopLevelSpec;
}

/** Symbol per swept field, for the subtitle. */
const SWEEP_SYMBOLS: Record<SweptField, string> = { l1: 'λ', k: 'k', dictSize: 'd' };

/** Axis title per swept field. */
const SWEEP_TITLES: Record<SweptField, string> = {
  l1: 'sparsity coefficient λ',
  k: 'k (active latents)',
  dictSize: 'dictionary size d',
};

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
  const groups = new Map<string, { sparsity: number; arch: string; line: string; value: number; members: SaePlotSae[] }>();
  for (const s of saes) {
    const sparsity = roundSparsity(s.sparsity);
    const value = s[field] as number;
    const line = `S=${sparsity} ${s.arch} ${otherKey(s)}`;
    const key = `${line}|${value}`;
    const g = groups.get(key) ?? { sparsity, arch: s.arch, line, value, members: [] };
    g.members.push(s);
    groups.set(key, g);
  }
  const panels = METRICS.map((metric) => {
    const values: { sparsity: number; arch: string; line: string; value: number; mean: number; min: number; max: number; seeds: number }[] = [];
    for (const g of groups.values()) {
      const st = stat(g.members.map(metric.value));
      if (st) values.push({ sparsity: g.sparsity, arch: g.arch, line: g.line, value: g.value, ...st });
    }
    return { metric, values };
  });
  const xs = saes.map((s) => s[field] as number);
  const log = field === 'l1' && xs.length > 0 && xs.every((v) => v > 0);
  const archs = [...new Set(saes.map((s) => s.arch))];
  const otherVaries = new Set(saes.map(otherKey)).size > 1;
  const manySeeds = saes.some((s) => s.seed > 0);
  // Explicit, slightly padded domains: a "nice" log domain can add a whole empty decade.
  const lo = xs.length > 0 ? Math.min(...xs) : 0;
  const hi = xs.length > 0 ? Math.max(...xs) : 1;
  const pad = hi > lo ? 0.06 * (hi - lo) : Math.max(1e-3, 0.1 * Math.abs(hi));
  const x = {
    field: 'value',
    type: 'quantitative',
    title: log ? `${SWEEP_TITLES[field]} (log scale)` : SWEEP_TITLES[field],
    scale: log
      ? { type: 'log', domain: [lo / (hi > lo ? 1.25 : 2), hi * (hi > lo ? 1.25 : 2)], nice: false }
      : { domain: [lo - pad, hi + pad], nice: false, zero: false },
    axis: { format: '~g', tickMinStep: field === 'l1' ? undefined : 1, grid: !log },
  } as const;
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
        {
          transform: [{ filter: 'datum.seeds > 1' }],
          mark: { type: 'rule', strokeWidth: 1.5, opacity: 0.6 },
          encoding: { x, y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' }, color },
        },
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

const SUPERSCRIPT: Record<string, string> = {
  '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹',
};

/** Axis label per tick of the log10 firing-frequency axis: "dead" left of `lo`, then 10⁻⁴ … 0.01, 0.1, 1. */
function decadeLabelExpr(lo: number): string {
  let expr = `datum.value < ${lo - 0.05} ? 'dead'`;
  for (let t = lo; t <= 0; t++) {
    const text = t >= -2 ? String(10 ** t === 1 ? 1 : Number((10 ** t).toPrecision(1))) : `10${[...String(t)].map((c) => SUPERSCRIPT[c]).join('')}`;
    expr += t < 0 ? ` : datum.value < ${t + 0.5} ? '${text}'` : ` : '${text}'`;
  }
  return expr;
}

// Why: dead latents (never fire) and dense latents (fire on most samples) are the two classic
// SAE failure modes; a healthy dictionary fires at roughly the features' own frequency 1 − S.
export function firingFrequencySpec(input: SaePlotInput): TopLevelSpec {
  const archs = [...new Set(input.saes.map((s) => s.arch))];
  const positive = input.saes.flatMap((s) => s.firingFrequency.filter((f) => Number.isFinite(f) && f > 0));
  const minLog = positive.length > 0 ? Math.min(...positive.map(Math.log10)) : -1;
  const lo = Math.max(MIN_FREQUENCY_DECADE, Math.min(-1, Math.floor(minLog)));
  const binCount = Math.round(-lo / FREQUENCY_BIN_DECADES);
  const deadStart = lo - 0.8;
  const deadEnd = lo - 0.4;
  const deadCenter = (deadStart + deadEnd) / 2;
  const domain = [lo - 1, 0];

  const panels = archs.map((arch, a) => {
    const ofArch = input.saes.filter((s) => s.arch === arch);
    const counts = new Array<number>(binCount).fill(0);
    let dead = 0;
    let dense = 0;
    let latents = 0;
    for (const s of ofArch) {
      for (const f of s.firingFrequency) {
        if (!Number.isFinite(f) || f < 0) continue;
        latents++;
        if (f === 0) {
          dead++;
          continue;
        }
        if (f > DENSE_FREQUENCY) dense++;
        const bin = Math.floor((Math.log10(Math.min(1, f)) - lo) / FREQUENCY_BIN_DECADES);
        counts[Math.max(0, Math.min(binCount - 1, bin))]++;
      }
    }
    const values = [
      { kind: 'dead', start: deadStart, end: deadEnd, count: dead },
      ...counts
        .map((count, j) => ({
          kind: 'bin',
          start: lo + j * FREQUENCY_BIN_DECADES,
          end: lo + (j + 1) * FREQUENCY_BIN_DECADES,
          count,
        }))
        .filter((b) => b.count > 0),
    ];
    const colour = ARCH_COLORS[a % ARCH_COLORS.length];
    const ticks = [deadCenter];
    for (let t = lo; t <= 0; t++) ticks.push(t);
    return {
      title: {
        text: `${arch}: ${latents} latents in ${ofArch.length} SAEs — ${dead} dead, ${dense} dense`,
        anchor: 'start',
        fontSize: 12,
      },
      width: 440,
      height: 130,
      data: { values },
      layer: [
        {
          mark: { type: 'bar', stroke: 'white', strokeWidth: 0.5 },
          encoding: {
            x: {
              field: 'start',
              type: 'quantitative',
              scale: { domain, nice: false, zero: false },
              title: 'firing frequency (log scale; fraction of evaluation samples)',
              axis: {
                values: ticks,
                labelExpr: decadeLabelExpr(lo),
                grid: false,
              },
            },
            x2: { field: 'end' },
            // Headroom above the tallest bar for the dead count.
            y: { field: 'count', type: 'quantitative', title: 'latents', scale: { domain: [0, Math.max(1, ...values.map((v) => v.count)) * 1.15] } },
            y2: { datum: 0 },
            color: {
              condition: { test: "datum.kind === 'dead'", value: '#555555' },
              value: colour,
            },
            tooltip: [
              { field: 'kind', type: 'nominal' },
              { field: 'count', type: 'quantitative' },
            ],
          },
        },
        {
          transform: [{ filter: "datum.kind === 'dead'" }],
          mark: { type: 'text', baseline: 'bottom', dy: -2, fontSize: 11, color: '#333333' },
          encoding: {
            x: { datum: deadCenter, type: 'quantitative' },
            y: { field: 'count', type: 'quantitative' },
            text: { field: 'count', type: 'quantitative' },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'dead'" }],
          mark: { type: 'rule', color: '#e45756', strokeDash: [4, 3], strokeWidth: 1.5 },
          encoding: { x: { datum: Math.log10(DENSE_FREQUENCY), type: 'quantitative' } },
        },
        {
          transform: [{ filter: "datum.kind === 'dead'" }],
          mark: { type: 'text', color: '#e45756', align: 'right', baseline: 'top', dx: -3, dy: 2, fontSize: 11 },
          encoding: {
            x: { datum: Math.log10(DENSE_FREQUENCY), type: 'quantitative' },
            y: { value: 0 },
            text: { value: `dense (> ${DENSE_FREQUENCY})` },
          },
        },
      ],
    };
  });

  return {
    $schema: SCHEMA,
    title: {
      text: 'Latent firing frequency',
      subtitle: `all latents of all ${input.saes.length} SAEs, one panel per architecture; bins of ${FREQUENCY_BIN_DECADES} decades`,
      offset: 10,
    },
    vconcat: panels.length > 0 ? panels : [{ width: 440, height: 60, mark: { type: 'text' }, data: { values: [] } }],
    spacing: 24,
  } as TopLevelSpec;
}

/** Points of a circle of radius r, for a `line` mark drawn in `order`. */
function circle(r: number, segments = 96): { x: number; y: number; order: number }[] {
  return Array.from({ length: segments + 1 }, (_, t) => ({
    x: r * Math.cos((2 * Math.PI * t) / segments),
    y: r * Math.sin((2 * Math.PI * t) / segments),
    order: t,
  }));
}

// Why: for m = 2 the whole story fits in a plane — whether each decoder direction sits on a true
// feature direction (recovered), between two (a mixture), or nowhere near one (dead or noise).
export function featureArrowsSpec(input: SaePlotInput): TopLevelSpec | null {
  if (input.nHidden !== 2) return null;
  const all = seedZero(input);
  const shown = all.slice(0, MAX_ARROW_PANELS);
  const labels = panelLabels(shown);
  const maxNorm = Math.max(
    1,
    ...shown.flatMap((s) => s.trueFeatures.map((w) => Math.hypot(w[0] ?? 0, w[1] ?? 0)).filter(Number.isFinite)),
  );
  const D = Math.ceil(maxNorm * 1.25 * 10) / 10; // room for the labels beyond the longest arrow
  type Row = {
    panel: string;
    kind: 'feature' | 'latent' | 'circle';
    x: number;
    y: number;
    angle?: number;
    label?: string;
    lx?: number;
    ly?: number;
    status?: string;
    represented?: boolean;
    order?: number;
  };
  const rows: Row[] = [];
  const unitCircle = circle(1);
  shown.forEach((sae, p) => {
    const panel = labels[p];
    for (const c of unitCircle) rows.push({ panel, kind: 'circle', ...c });
    const matched = new Set(sae.matchedLatent.filter((l) => l >= 0));
    sae.decoder.forEach((dir, l) => {
      const [x, y] = [dir[0] ?? 0, dir[1] ?? 0];
      const norm = Math.hypot(x, y);
      if (!Number.isFinite(norm) || norm === 0) return;
      const dead = (sae.firingFrequency[l] ?? 1) === 0;
      const status = dead ? 'dead' : matched.has(l) ? 'matched' : 'unmatched';
      // Decoder directions are unit vectors; normalise anyway so the arrows are exactly length 1.
      rows.push({ panel, kind: 'latent', x: x / norm, y: y / norm, status });
    });
    const rep = new Set(sae.representedFeatures);
    sae.trueFeatures.forEach((w, i) => {
      const [x, y] = [w[0] ?? 0, w[1] ?? 0];
      const norm = Math.hypot(x, y);
      if (!Number.isFinite(norm) || norm < 1e-9) return;
      const pad = 0.1 * D;
      rows.push({
        panel,
        kind: 'feature',
        x,
        y,
        // Vega rotates shapes clockwise from "up"; with equal x/y scales this is the arrow's heading.
        angle: (Math.atan2(x, y) * 180) / Math.PI,
        // Unrepresented features are short and crowd the origin: label them only when there are few.
        label: rep.has(i) || input.nFeatures <= 10 ? String(i) : '',
        lx: x + (pad * x) / norm,
        ly: y + (pad * y) / norm,
        represented: rep.has(i),
      });
    });
  });

  const size = 220;
  const scale = { domain: [-D, D], nice: false, zero: false };
  const x = { field: 'x', type: 'quantitative', scale, title: 'h₁', axis: { tickCount: 5 } } as const;
  const y = { field: 'y', type: 'quantitative', scale, title: 'h₂', axis: { tickCount: 5 } } as const;
  const featureColor = {
    condition: { test: 'datum.represented', value: 'black' },
    value: '#9a9a9a',
  } as const;
  const truncated =
    all.length > shown.length ? `; showing the first ${shown.length} of ${all.length} SAEs (seed 0)` : '';
  return {
    $schema: SCHEMA,
    title: {
      text: 'True feature directions and SAE decoder directions (m = 2)',
      subtitle: [
        `black arrows: true features Wᵢ, labelled i (grey: not represented, ‖Wᵢ‖ ≤ 0.5${input.nFeatures > 10 ? ', unlabelled' : ''}); coloured: unit decoder directions`,
        `n = ${input.nFeatures}; seed 0 of each SAE configuration${truncated}`,
      ],
      offset: 10,
    },
    data: { values: rows },
    facet: {
      field: 'panel',
      type: 'nominal',
      sort: labels,
      header: { title: null, labelFontSize: 11, labelFontWeight: 'bold', labelLimit: size + 60 },
    },
    columns: Math.min(4, Math.max(1, shown.length)),
    spacing: { column: 20, row: 20 },
    spec: {
      width: size,
      height: size,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'circle'" }],
          mark: { type: 'line', color: '#cccccc', strokeWidth: 1, strokeDash: [3, 3] },
          encoding: { x, y, order: { field: 'order', type: 'quantitative' } },
        },
        {
          transform: [{ filter: "datum.kind === 'latent'" }],
          mark: { type: 'rule', strokeWidth: 2, opacity: 0.85 },
          encoding: {
            x,
            y,
            x2: { datum: 0 },
            y2: { datum: 0 },
            color: {
              field: 'status',
              type: 'nominal',
              scale: { domain: ['matched', 'unmatched', 'dead'], range: ['#f58518', '#4c78a8', '#bbbbbb'] },
              legend: { title: 'decoder direction' },
            },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'latent'" }],
          mark: { type: 'point', filled: true, size: 18, opacity: 0.9 },
          encoding: { x, y, color: { field: 'status', type: 'nominal' } },
        },
        {
          transform: [{ filter: "datum.kind === 'feature'" }],
          mark: { type: 'rule', strokeWidth: 1.5 },
          encoding: {
            x,
            y,
            x2: { datum: 0 },
            y2: { datum: 0 },
            color: featureColor,
          },
        },
        {
          transform: [{ filter: "datum.kind === 'feature'" }],
          mark: { type: 'point', shape: 'triangle', filled: true, opacity: 1 },
          encoding: {
            x,
            y,
            angle: { field: 'angle', type: 'quantitative', scale: null },
            color: featureColor,
            // Short unrepresented arrows get small heads so they do not merge into a blob at the origin.
            size: { condition: { test: 'datum.represented', value: 70 }, value: 25 },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'feature'" }],
          mark: { type: 'text', fontSize: 11, fontWeight: 'bold' },
          encoding: {
            x: { field: 'lx', type: 'quantitative', scale },
            y: { field: 'ly', type: 'quantitative', scale },
            text: { field: 'label', type: 'nominal' },
            color: featureColor,
          },
        },
      ],
    },
    resolve: { scale: { x: 'shared', y: 'shared' } },
  } as TopLevelSpec;
}

/**
 * Renders every SAE plot into `plotsDir` (as .svg and .png) and returns the base names in write
 * order: cosines, recovery_vs_sparsity, recovery_vs_<field> per swept field, firing_frequency,
 * and arrows when m = 2.
 */
export async function writeSaePlots(plotsDir: string, input: SaePlotInput, sweptFields: SweptField[]): Promise<string[]> {
  const plots: [string, TopLevelSpec][] = [
    ['cosines', cosineHeatmapSpec(input)],
    ['recovery_vs_sparsity', recoveryVsSparsitySpec(input)],
    ...[...new Set(sweptFields)].map((field): [string, TopLevelSpec] => [`recovery_vs_${field}`, recoveryVsSweepSpec(input, field)]),
    ['firing_frequency', firingFrequencySpec(input)],
  ];
  const arrows = featureArrowsSpec(input);
  if (arrows) plots.push(['arrows', arrows]);
  const written: string[] = [];
  for (const [name, spec] of plots) {
    await writePlot(plotsDir, name, spec);
    written.push(name);
  }
  return written;
}
