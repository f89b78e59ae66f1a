// The cosine heatmap: cos(i, l) between every true feature W_i and every SAE decoder direction,
// one panel per SAE configuration (seed 0), latents ordered by the matching.

import type { TopLevelSpec } from 'vega-lite';
import type { SaePlotInput, SaePlotSae } from './input.js';
import { SCHEMA, finiteOrNull, panelLabels, seedZero } from './shared.js';

/** Most panels in the cosine heatmap grid. */
const MAX_HEATMAP_PANELS = 24;
/** Most heatmap cells over all panels: each cell is one SVG element (~180 bytes). */
const MAX_HEATMAP_CELLS = 60_000;

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

interface HeatmapCell {
  panel: string;
  feature: number;
  column: number;
  latent: number;
  cos: number | null;
  matched: boolean;
}

/** One cell per (panel, feature, latent), latents in heatmap column order; matched: a pair of the matching. */
function heatmapCells(shown: SaePlotSae[], labels: string[]): HeatmapCell[] {
  const rows: HeatmapCell[] = [];
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
  return rows;
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
  const rows = heatmapCells(shown, labels);

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
