// Vega-lite specs of the reproduce report: one per claim's experiment. Feature-norm bars and
// WᵀW heatmaps reuse toyPlots' specs; the rest are small specs of their own.

import type { TopLevelSpec } from 'vega-lite';
import { featureNormsSpec, gramSpec, type ToyPlotInstance } from './toyPlots.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const finite = (x: number) => (Number.isFinite(x) ? x : null);

/** Feature arrows in 2-D: a panel per (row, column) label, a line from the origin to each W_i. */
export function arrowsSpec(
  arrows: { column: string; row: string; feature: number; x: number; y: number }[],
  columns: readonly string[],
  rows: readonly string[],
  title: string,
  subtitle: string,
): TopLevelSpec {
  const lim = Math.max(1.2, ...arrows.map((a) => Math.max(Math.abs(a.x), Math.abs(a.y))).filter(Number.isFinite)) * 1.05;
  const circle = Array.from({ length: 61 }, (_, t) => ({ t, cx: 0.5 * Math.cos((t * Math.PI) / 30), cy: 0.5 * Math.sin((t * Math.PI) / 30) }));
  const scale = { domain: [-lim, lim], nice: false };
  const values = arrows.map((a) => ({ ...a, x0: 0, y0: 0, x: finite(a.x), y: finite(a.y) }));
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle },
    data: { values },
    facet: {
      column: { field: 'column', type: 'nominal', sort: [...columns], header: { title: null, labelFontWeight: 'bold' } },
      row: { field: 'row', type: 'nominal', sort: [...rows], header: { title: null } },
    },
    spacing: 6,
    spec: {
      width: 110,
      height: 110,
      layer: [
        {
          data: { values: circle },
          mark: { type: 'line', color: '#bbb', strokeDash: [3, 3], strokeWidth: 1 },
          encoding: { x: { field: 'cx', type: 'quantitative', scale }, y: { field: 'cy', type: 'quantitative', scale }, order: { field: 't' } },
        },
        {
          mark: { type: 'rule', strokeWidth: 2 },
          encoding: {
            x: { field: 'x0', type: 'quantitative', scale, title: null, axis: { tickCount: 3 } },
            y: { field: 'y0', type: 'quantitative', scale, title: null, axis: { tickCount: 3 } },
            x2: { field: 'x' },
            y2: { field: 'y' },
            color: { field: 'feature', type: 'nominal', scale: { scheme: 'category10' }, legend: { title: 'feature i' } },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 25 },
          encoding: {
            x: { field: 'x', type: 'quantitative', scale },
            y: { field: 'y', type: 'quantitative', scale },
            color: { field: 'feature', type: 'nominal' },
          },
        },
      ],
    },
  } as TopLevelSpec;
}

interface Curve {
  sparsity: number;
  mean: number;
  sd: number;
  perSeed: number[];
}

function curvePanel(curve: Curve[], title: string, yTitle: string, region: [number, number], width = 330, height = 220): unknown {
  const rows = curve.map((c) => ({ sparsity: c.sparsity, mean: finite(c.mean), lo: finite(c.mean - c.sd), hi: finite(c.mean + c.sd) }));
  const seeds = curve.flatMap((c) => c.perSeed.map((v) => ({ sparsity: c.sparsity, value: finite(v) })));
  const x = { field: 'sparsity', type: 'quantitative', title: 'sparsity S', scale: { domain: [0, 1] } };
  return {
    title,
    width,
    height,
    layer: [
      {
        data: { values: [{ from: region[0], to: region[1] }] },
        mark: { type: 'rect', color: '#f58518', opacity: 0.18 },
        encoding: { x: { field: 'from', type: 'quantitative', scale: { domain: [0, 1] } }, x2: { field: 'to' } },
      },
      { data: { values: rows }, mark: { type: 'area', opacity: 0.25, color: '#4c78a8' }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: yTitle }, y2: { field: 'hi' } } },
      { data: { values: seeds }, mark: { type: 'point', size: 12, color: '#888', opacity: 0.7 }, encoding: { x, y: { field: 'value', type: 'quantitative' } } },
      { data: { values: rows }, mark: { type: 'line', point: { size: 20 }, color: '#4c78a8' }, encoding: { x, y: { field: 'mean', type: 'quantitative' } } },
    ],
  };
}

/** Loss and loss per active feature against sparsity, mean ± SD band, critical region shaded. */
export function lossVsSparsitySpec(raw: Curve[], perActive: Curve[], region: [number, number]): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: { text: 'Loss against sparsity, n = 20, m = 5, I = 0.7^i', subtitle: `shaded: claimed critical region ${region[0]}–${region[1]}` },
    hconcat: [curvePanel(raw, 'raw loss', 'final loss', region), curvePanel(perActive, 'loss per active feature', 'loss / (1 − S)', region)],
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

/** Claim 6 over regimes: rows of small raw-loss panels (one per regime or setting), the critical region shaded. */
export function regimeGridSpec(rows: { title: string; curve: Curve[] }[][], region: [number, number]): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: { text: 'Loss against sparsity in both regimes, n = 20, m = 5, I = 0.7^i', subtitle: `mean ± 1 SD over seeds; shaded: the claimed critical region ${region[0]}–${region[1]}` },
    vconcat: rows.map((row) => ({ hconcat: row.map((p) => curvePanel(p.curve, p.title, 'final loss', region, 230, 150)) })),
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

/** Represented count against sparsity, one line (with ± SD band) per series. */
export function representedSpec(series: { label: string; curve: Curve[] }[]): TopLevelSpec {
  const rows = series.flatMap((s) => s.curve.map((c) => ({ series: s.label, sparsity: c.sparsity, mean: finite(c.mean), lo: finite(c.mean - c.sd), hi: finite(c.mean + c.sd) })));
  const x = { field: 'sparsity', type: 'quantitative', title: 'sparsity S', scale: { domain: [0, 1] } };
  const color = { field: 'series', type: 'nominal', title: 'importance' };
  return {
    $schema: SCHEMA,
    title: { text: 'Represented features (‖Wᵢ‖ > 0.5), n = 20, m = 5', subtitle: 'mean ± 1 SD over seeds' },
    width: 380,
    height: 220,
    data: { values: rows },
    layer: [
      { mark: { type: 'area', opacity: 0.2 }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'represented features' }, y2: { field: 'hi' }, color } },
      { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color } },
    ],
  } as TopLevelSpec;
}

/** toyPlots' feature-norm bars for a few instances. */
export function normsSpec(instances: ToyPlotInstance[], nFeatures: number, nHidden: number, subtitle: string): TopLevelSpec {
  const spec = featureNormsSpec({ nFeatures, nHidden, instances, history: [], dataSample: { values: [], activeCounts: [] } }) as unknown as Record<string, unknown>;
  return { ...spec, title: { text: 'Feature norms ‖Wᵢ‖, coloured by superposition', subtitle } } as TopLevelSpec;
}

/** toyPlots' WᵀW heatmaps of two instances side by side. */
export function gramPairSpec(instances: ToyPlotInstance[], nHidden: number, subtitle: string): TopLevelSpec {
  const input = { nFeatures: instances[0].gram.length, nHidden, instances, history: [], dataSample: { values: [], activeCounts: [] } };
  const panels = instances.map((inst, k) => {
    const { $schema: _schema, config: _config, ...rest } = gramSpec(input, k) as unknown as Record<string, unknown>;
    return { ...rest, title: { text: `WᵀW, S = ${inst.sparsity}`, subtitle, offset: 10 } };
  });
  return { $schema: SCHEMA, hconcat: panels, config: { view: { stroke: null }, axis: { grid: false, domain: false } } } as unknown as TopLevelSpec;
}

const PHASES = ['not learned', 'dedicated dimension', 'superposition', 'other'];

/** Phase diagram: relative importance × density, a coloured cell per phase. */
export function phaseSpec(
  cells: { r: number; d: number; phase: string; perSeed: string[]; w0: number; w1: number }[],
  importance: readonly number[],
  density: readonly number[],
): TopLevelSpec {
  const rows = cells.map((c) => ({
    r: String(c.r),
    d: String(c.d),
    phase: c.phase,
    agree: `${c.perSeed.filter((p) => p === c.phase).length}/${c.perSeed.length}`,
    w0: Number(c.w0.toFixed(2)),
    w1: Number(c.w1.toFixed(2)),
  }));
  return {
    $schema: SCHEMA,
    title: { text: 'Phase diagram, n = 2, m = 1', subtitle: 'importance [1, r]; lowest-loss seed per cell' },
    data: { values: rows },
    width: { step: 52 },
    height: { step: 36 },
    encoding: {
      x: { field: 'r', type: 'ordinal', sort: importance.map(String), title: 'relative importance r of feature 1', axis: { labelAngle: 0 } },
      y: { field: 'd', type: 'ordinal', sort: [...density].reverse().map(String), title: 'feature density 1 − S' },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: {
          color: {
            field: 'phase',
            type: 'nominal',
            scale: { domain: PHASES, range: ['#d9d9d9', '#4c78a8', '#e45756', '#b279a2'] },
            legend: { title: 'phase' },
          },
        },
      },
      { mark: { type: 'text', fontSize: 10, color: 'black' }, encoding: { text: { field: 'agree' } } },
    ],
  } as TopLevelSpec;
}

/** SAE recovery against sparsity per architecture (three metrics), and represented features. */
export function recoverySpec(
  summary: { arch: string; sparsity: number; mmcs: { mean: number; sd: number }; mcc: { mean: number; sd: number }; recovered090: { mean: number; sd: number }; represented: number }[],
): TopLevelSpec {
  const rows = summary.flatMap((s) =>
    (['mmcs', 'mcc', 'recovered090'] as const).map((metric) => ({
      arch: s.arch,
      metric: metric === 'recovered090' ? 'recovered@0.9 (fraction)' : metric.toUpperCase(),
      sparsity: s.sparsity,
      mean: finite(s[metric].mean),
      lo: finite(Math.max(0, s[metric].mean - s[metric].sd)),
      hi: finite(Math.min(1, s[metric].mean + s[metric].sd)),
    })),
  );
  const represented = summary.filter((s) => s.arch === summary[0].arch).map((s) => ({ sparsity: s.sparsity, represented: s.represented }));
  const x = { field: 'sparsity', type: 'quantitative', title: 'sparsity S', scale: { domain: [0, 1] } };
  return {
    $schema: SCHEMA,
    title: { text: 'SAE feature recovery on the n = 20, m = 5 toy models (I = 0.7^i)', subtitle: 'over represented features; mean ± 1 SD over SAE seeds' },
    // Error bars are rules, which pad continuous scales by default: keep the axes at 0 and 1.
    config: { scale: { continuousPadding: 0 } },
    hconcat: [
      {
        data: { values: rows },
        facet: { field: 'metric', type: 'nominal', title: null },
        spec: {
          width: 200,
          height: 180,
          layer: [
            { mark: { type: 'errorbar', ticks: true }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'value', scale: { domain: [0, 1] } }, y2: { field: 'hi' }, color: { field: 'arch', type: 'nominal', title: 'SAE' } } },
            { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'mean', type: 'quantitative', scale: { domain: [0, 1] } }, color: { field: 'arch', type: 'nominal' } } },
          ],
        },
      },
      {
        title: 'toy model: represented features',
        width: 160,
        height: 180,
        data: { values: represented },
        mark: { type: 'line', point: { color: '#54a24b' }, color: '#54a24b' },
        encoding: { x, y: { field: 'represented', type: 'quantitative', title: 'represented (of 20)' } },
      },
    ],
  } as TopLevelSpec;
}

/** The fractions D = k/m of small configurations (a feature alone, tetrahedron, triangle, digon, pentagon, square antiprism). */
export interface FractionLine {
  label: string;
  value: number;
}

/** A log scale over exactly the grid's range (a "nice" log domain would run on to the next power of ten). */
function logDomain(values: number[]): { type: 'log'; domain: [number, number]; nice: false } {
  return { type: 'log', domain: [Math.min(...values), Math.max(...values)], nice: false };
}

/** Dimensions per feature m/‖W‖²_F against 1/(1−S) (log scale), mean ± SD over seeds, rules at 1 and 1/2. */
export function dimsPerFeatureSpec(curve: { inverseDensity: number; mean: number; sd: number; perSeed: number[] }[], subtitle: string): TopLevelSpec {
  const rows = curve.map((c) => ({ x: c.inverseDensity, mean: finite(c.mean), lo: finite(c.mean - c.sd), hi: finite(c.mean + c.sd) }));
  const seeds = curve.flatMap((c) => c.perSeed.map((v) => ({ x: c.inverseDensity, value: finite(v) })));
  const x = { field: 'x', type: 'quantitative', title: '1 / (1 − S)', scale: logDomain(curve.map((c) => c.inverseDensity)) };
  return {
    $schema: SCHEMA,
    title: { text: 'Dimensions per feature m / ‖W‖²_F', subtitle },
    width: 420,
    height: 240,
    layer: [
      { data: { values: [{ y: 1 }, { y: 0.5 }] }, mark: { type: 'rule', color: '#f58518', strokeDash: [4, 3] }, encoding: { y: { field: 'y', type: 'quantitative' } } },
      { data: { values: rows }, mark: { type: 'area', opacity: 0.25, color: '#4c78a8' }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'dimensions per feature' }, y2: { field: 'hi' } } },
      { data: { values: seeds }, mark: { type: 'point', size: 12, color: '#888', opacity: 0.7 }, encoding: { x, y: { field: 'value', type: 'quantitative' } } },
      { data: { values: rows }, mark: { type: 'line', point: { size: 20 }, color: '#4c78a8' }, encoding: { x, y: { field: 'mean', type: 'quantitative' } } },
    ],
  } as TopLevelSpec;
}

/** Feature dimensionalities D_i: a scatter against 1/(1−S) and their histogram, both with the fraction lines. */
export function dimensionalitySpec(
  points: { inverseDensity: number; D: number }[],
  histogram: { from: number; to: number; count: number }[],
  fractions: readonly FractionLine[],
  subtitle: string,
): TopLevelSpec {
  const lines = fractions.map((f) => ({ y: f.value, label: f.label }));
  const rule = { data: { values: lines }, mark: { type: 'rule', color: '#f58518', opacity: 0.6, strokeDash: [4, 3] }, encoding: { y: { field: 'y', type: 'quantitative' } } };
  const label = {
    data: { values: lines },
    mark: { type: 'text', align: 'left', dx: 3, color: '#c55f00', fontSize: 10 },
    encoding: { y: { field: 'y', type: 'quantitative' }, x: { value: 0 }, text: { field: 'label' } },
  };
  const y = { field: 'D', type: 'quantitative', title: 'feature dimensionality Dᵢ', scale: { domain: [0, 1.05] } };
  return {
    $schema: SCHEMA,
    title: { text: 'Feature dimensionalities Dᵢ = ‖Wᵢ‖² / Σⱼ (Ŵᵢ·Wⱼ)²', subtitle },
    hconcat: [
      {
        title: 'per feature (‖Wᵢ‖ > 0.5)',
        width: 380,
        height: 260,
        layer: [
          rule,
          { data: { values: points.map((p) => ({ x: p.inverseDensity, D: finite(p.D) })) }, mark: { type: 'point', size: 8, filled: true, opacity: 0.35, color: '#4c78a8' }, encoding: { x: { field: 'x', type: 'quantitative', title: '1 / (1 − S)', scale: logDomain(points.map((p) => p.inverseDensity)) }, y } },
          label,
        ],
      },
      {
        title: 'histogram (all seeds and sparsities)',
        width: 220,
        height: 260,
        layer: [
          rule,
          {
            data: { values: histogram },
            mark: { type: 'rect', color: '#4c78a8' },
            encoding: { y: { field: 'from', type: 'quantitative', title: 'Dᵢ', scale: { domain: [0, 1.05] } }, y2: { field: 'to' }, x: { field: 'count', type: 'quantitative', title: 'features' }, x2: { value: 0 } },
          },
        ],
      },
    ],
  } as TopLevelSpec;
}

/** Claim 5: the held-out loss of every restart, per condition, a dot per restart coloured by its geometry (x: seed). */
export function restartLossSpec(rows: { condition: string; seed: number; loss: number; geometry: string }[], conditions: readonly string[]): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: { text: 'Loss of every restart', subtitle: 'per condition and seed; the lowest per seed is judged' },
    data: { values: rows.map((r) => ({ ...r, loss: finite(r.loss) })) },
    facet: { column: { field: 'condition', type: 'nominal', sort: [...conditions], header: { title: null, labelFontWeight: 'bold' } } },
    spec: {
      width: 180,
      height: 200,
      mark: { type: 'point', filled: true, size: 40, opacity: 0.8 },
      encoding: {
        x: { field: 'seed', type: 'ordinal', title: 'seed' },
        y: { field: 'loss', type: 'quantitative', title: 'held-out loss', scale: { type: 'log' } },
        color: { field: 'geometry', type: 'nominal', title: 'geometry', scale: { domain: ['antipodal', 'orthogonal', 'other', 'not represented'] } },
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}
