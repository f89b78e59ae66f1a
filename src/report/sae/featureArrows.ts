// The arrow plot for m = 2: the true feature directions W_i and the SAE's unit decoder directions
// in the plane of the hidden activations, one panel per SAE configuration (seed 0).

import type { TopLevelSpec } from 'vega-lite';
import type { SaePlotInput, SaePlotSae } from './input.js';
import { SCHEMA, panelLabels, seedZero } from './shared.js';

/** Most panels in the arrow plot grid. */
const MAX_ARROW_PANELS = 12;

/** Points of a circle of radius r, for a `line` mark drawn in `order`. */
function circle(r: number, segments = 96): { x: number; y: number; order: number }[] {
  return Array.from({ length: segments + 1 }, (_, t) => ({
    x: r * Math.cos((2 * Math.PI * t) / segments),
    y: r * Math.sin((2 * Math.PI * t) / segments),
    order: t,
  }));
}

/** One row per point drawn: the unit circle, a decoder direction (latent), or a true feature's tip and label. */
interface ArrowRow {
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
}

/** The rows of every panel; D: half the width of the plotted square (labels sit 0.1 D beyond their arrows). */
function arrowRows(shown: SaePlotSae[], labels: string[], D: number, nFeatures: number): ArrowRow[] {
  const rows: ArrowRow[] = [];
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
        label: rep.has(i) || nFeatures <= 10 ? String(i) : '',
        lx: x + (pad * x) / norm,
        ly: y + (pad * y) / norm,
        represented: rep.has(i),
      });
    });
  });
  return rows;
}

type Scale = { domain: number[]; nice: boolean; zero: boolean };

/** The layers of a panel: the unit circle, the decoder directions (rules and tips), the features (rules, heads, labels). */
function arrowLayers(scale: Scale) {
  const x = { field: 'x', type: 'quantitative', scale, title: 'h₁', axis: { tickCount: 5 } } as const;
  const y = { field: 'y', type: 'quantitative', scale, title: 'h₂', axis: { tickCount: 5 } } as const;
  const featureColor = {
    condition: { test: 'datum.represented', value: 'black' },
    value: '#9a9a9a',
  } as const;
  return [
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
  ];
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
  const rows = arrowRows(shown, labels, D, input.nFeatures);
  const size = 220;
  const scale = { domain: [-D, D], nice: false, zero: false };
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
      layer: arrowLayers(scale),
    },
    resolve: { scale: { x: 'shared', y: 'shared' } },
  } as TopLevelSpec;
}
