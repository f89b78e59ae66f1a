/**
 * Vega-lite specs for the toy-model (superposition) experiments.
 *
 * Every `*Spec` function is pure: it turns a `ToyPlotInput` into a vega-lite spec with inline
 * data and no I/O. `writeToyPlots` renders all of them into a directory.
 */
import type { TopLevelSpec } from 'vega-lite';
import { writePlot } from './render.js';

/** One toy instance as the plots see it. */
export interface ToyPlotInstance {
  sparsity: number;
  finalLoss: number;
  featureNorms: number[]; // [n]
  interference: number[]; // [n]
  represented: number;
  dimensionsPerFeature: number;
  gram: number[][]; // [n][n], W^T W
}

/** What writeToyPlots draws: the model's size, every instance, the loss history and a data sample. */
export interface ToyPlotInput {
  nFeatures: number;
  nHidden: number;
  instances: ToyPlotInstance[];
  history: { step: number; instance: number; sparsity: number; loss: number }[];
  /** values: nonzero feature values seen in a sample batch; activeCounts: active features per sample. */
  /** values: nonzero feature values of a sample; activeCounts: active features per sample row; sparsity: each row's instance sparsity. */
  dataSample: { values: number[]; activeCounts: number[]; sparsity?: number[] };
}

/** Short, stable text for a sparsity value (e.g. 0.999, not 0.9990000000000001). */
export function formatSparsity(s: number): string {
  return Number.isFinite(s) ? String(Number(s.toPrecision(6))) : String(s);
}

/** Panel label per instance: "S = 0.9"; an instance index is appended when sparsities repeat. */
function instanceLabels(instances: ToyPlotInstance[]): string[] {
  const base = instances.map((inst) => `S = ${formatSparsity(inst.sparsity)}`);
  const seen = new Map<string, number>();
  for (const b of base) seen.set(b, (seen.get(b) ?? 0) + 1);
  return base.map((b, k) => ((seen.get(b) ?? 0) > 1 ? `${b} (#${k})` : b));
}

/** Non-finite numbers cannot be drawn (and do not survive JSON), so they become null. */
function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Pixel size per feature row/cell: large for few features, shrinking so n = 100 stays ~400px. */
function featureStep(n: number, budget: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.floor(budget / Math.max(1, n))));
}

/** Explicit ordinal tick values so that large n does not produce an unreadable wall of labels. */
function featureTicks(n: number): number[] | undefined {
  if (n <= 30) return undefined;
  const every = n <= 60 ? 5 : 10;
  const ticks: number[] = [];
  for (let i = 0; i < n; i += every) ticks.push(i);
  return ticks;
}

/** Width of the bins of the active values' histogram, over [0, 1]. */
const VALUE_BIN = 0.05;

/**
 * Counts of the finite values in bins of VALUE_BIN over [0, 1] (1 in the last bin, as vega bins).
 * Binned here, not by vega: W3's sample has ~670,000 active values, and vega holding one object per
 * value took the plot to ~300 MB.
 */
export function valueHistogram(values: readonly number[]): { start: number; end: number; count: number }[] {
  const bins = Math.round(1 / VALUE_BIN);
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.max(0, Math.floor(v / VALUE_BIN)))]++;
  }
  return counts.map((count, k) => ({ start: k * VALUE_BIN, end: (k + 1) * VALUE_BIN, count }));
}

/** The fraction of samples with each number of active features, per sparsity ('all' without). */
export function activeFractions(activeCounts: readonly number[], sparsity?: readonly number[]): { sparsity: string; active: number; fraction: number }[] {
  const samples = new Map<string, Map<number, number>>();
  activeCounts.forEach((count, row) => {
    const active = Math.round(count);
    if (!Number.isFinite(active)) return;
    const key = sparsity ? formatSparsity(sparsity[row]) : 'all';
    const perCount = samples.get(key) ?? new Map<number, number>();
    perCount.set(active, (perCount.get(active) ?? 0) + 1);
    samples.set(key, perCount);
  });
  return [...samples].flatMap(([key, perCount]) => {
    const total = [...perCount.values()].reduce((a, b) => a + b, 0);
    return [...perCount].sort((a, b) => a[0] - b[0]).map(([active, n]) => ({ sparsity: key, active, fraction: n / total }));
  });
}

// Why: checks that the synthetic data really is sparse with values in [0, 1], i.e. what the model sees.
export function dataDistributionSpec(input: ToyPlotInput): TopLevelSpec {
  const { values, activeCounts, sparsity } = input.dataSample;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Synthetic data sample', subtitle: `n = ${input.nFeatures} features` },
    hconcat: [
      {
        title: 'Values of active features',
        width: 260,
        height: 180,
        data: { values: valueHistogram(values) },
        mark: { type: 'bar', color: '#4c78a8' },
        encoding: {
          x: {
            field: 'start',
            type: 'quantitative',
            bin: { binned: true, step: VALUE_BIN },
            scale: { domain: [0, 1] },
            title: 'feature value (nonzero only)',
          },
          x2: { field: 'end' },
          y: { field: 'count', type: 'quantitative', title: 'count' },
        },
      },
      {
        title: 'Active features per sample',
        width: 260,
        height: 180,
        // A frequency polygon per sparsity: overlapping bars of 10+ instances would be unreadable.
        data: { values: activeFractions(activeCounts, sparsity) },
        mark: { type: 'line', point: true, strokeWidth: 1.5 },
        encoding: {
          x: {
            field: 'active',
            type: 'quantitative',
            title: 'number of active features',
            axis: { tickMinStep: 1, format: 'd' },
          },
          y: { field: 'fraction', type: 'quantitative', title: 'fraction of samples' },
          color: { field: 'sparsity', type: 'ordinal', title: 'sparsity', scale: { scheme: 'viridis' } },
        },
      },
    ],
    resolve: { scale: { y: 'independent' } },
  };
}

// Why: the paper's main picture — which features get a direction (‖W_i‖ ≈ 1) and whether they share
// dimensions with other features (bright = in superposition), per sparsity level.
export function featureNormsSpec(input: ToyPlotInput): TopLevelSpec {
  const labels = instanceLabels(input.instances);
  const rows = input.instances.flatMap((inst, k) =>
    inst.featureNorms.map((norm, i) => ({
      panel: labels[k],
      feature: i,
      norm: finiteOrNull(norm),
      // A zero-norm feature has no direction; treat its (undefined) interference as 0.
      interference: finiteOrNull(inst.interference[i] ?? 0) ?? 0,
    })),
  );
  const n = input.nFeatures;
  const step = featureStep(n, 400, 3, 16);
  const k = input.instances.length;
  const ticks = featureTicks(n);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Feature norms ‖Wᵢ‖, coloured by superposition',
      subtitle: `n = ${n} features, m = ${input.nHidden} hidden dimensions`,
    },
    data: { values: rows },
    facet: {
      field: 'panel',
      type: 'nominal',
      sort: labels,
      header: { title: null, labelFontSize: 12, labelFontWeight: 'bold' },
    },
    columns: Math.max(1, k <= 10 ? k : 8), // one row up to 10 panels, else rows of 8
    spacing: { column: 12, row: 16 },
    spec: {
      width: 110,
      height: { step },
      mark: { type: 'bar' },
      encoding: {
        y: {
          field: 'feature',
          type: 'ordinal',
          sort: 'ascending',
          title: 'feature i',
          axis: ticks ? { values: ticks } : { labelFontSize: Math.min(10, step) },
        },
        x: { field: 'norm', type: 'quantitative', title: '‖Wᵢ‖' },
        color: {
          field: 'interference',
          type: 'quantitative',
          scale: { scheme: 'viridis', domain: [0, 1], clamp: true },
          legend: {
            title: ['superposition', 'Σⱼ (Ŵᵢ·Wⱼ)², j ≠ i'],
            gradientLength: Math.max(60, Math.min(200, n * step)),
          },
        },
      },
    },
    resolve: { axis: { x: 'independent', y: 'independent' } },
  };
}

// Why: WᵀW shows the geometry directly — the diagonal is ‖W_i‖², off-diagonal entries are the
// overlaps between feature directions (antipodal pairs show up as strong negative cells).
export function gramSpec(input: ToyPlotInput, instance: number): TopLevelSpec {
  const inst = input.instances[instance];
  if (!inst) throw new RangeError(`gramSpec: no instance ${instance} (have ${input.instances.length})`);
  const n = inst.gram.length;
  const rows: { i: number; j: number; value: number | null }[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) rows.push({ i, j, value: finiteOrNull(inst.gram[i][j]) });
  }
  const step = featureStep(n, 400, 4, 40);
  const ticks = featureTicks(n);
  const axis = ticks ? { values: ticks, labelAngle: 0 } : { labelAngle: 0 };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `WᵀW, S = ${formatSparsity(inst.sparsity)}`,
      subtitle: `instance ${instance}, n = ${n}, m = ${input.nHidden}`,
      offset: 10,
    },
    width: { step },
    height: { step },
    data: { values: rows },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'j', type: 'ordinal', title: 'feature j', axis: { ...axis, orient: 'top' } },
      y: { field: 'i', type: 'ordinal', title: 'feature i', axis },
      color: {
        field: 'value',
        type: 'quantitative',
        scale: { scheme: 'redblue', reverse: true, domain: [-1, 1], clamp: true },
        legend: { title: 'Wᵢ·Wⱼ', gradientLength: Math.max(100, Math.min(200, n * step)) },
      },
    },
    config: { view: { stroke: null }, axis: { grid: false, domain: false } },
  };
}

// Why: shows whether every instance converged (flat tail) and how loss scales with sparsity.
export function lossCurvesSpec(input: ToyPlotInput): TopLevelSpec {
  // Log scale: only strictly positive, finite losses can be drawn.
  const rows = input.history
    .filter((h) => Number.isFinite(h.loss) && h.loss > 0 && Number.isFinite(h.step))
    .map((h) => ({ step: h.step, instance: h.instance, sparsity: h.sparsity, loss: h.loss }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Training loss per instance',
    width: 420,
    height: 260,
    data: { values: rows },
    mark: { type: 'line', strokeWidth: 1.5, clip: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'loss (log scale)' },
      detail: { field: 'instance', type: 'nominal' },
      color: {
        field: 'sparsity',
        type: 'ordinal',
        // Trim the yellow end of viridis: it is invisible as a thin line on white.
        scale: { scheme: { name: 'viridis', extent: [0, 0.85] } },
        legend: { title: 'sparsity' },
      },
    },
  };
}

// Why: one glance at how much the model gains from superposition — loss and number of represented
// features versus sparsity, with m marking where superposition must begin.
export function summarySpec(input: ToyPlotInput): TopLevelSpec {
  const rows = input.instances.map((inst, k) => ({
    instance: k,
    sparsity: inst.sparsity,
    finalLoss: finiteOrNull(inst.finalLoss),
    represented: inst.represented,
    dimensionsPerFeature: finiteOrNull(inst.dimensionsPerFeature),
  }));
  const positiveLoss = rows.length > 0 && rows.every((r) => r.finalLoss !== null && r.finalLoss > 0);
  const n = input.nFeatures;
  const m = input.nHidden;
  // Sparsities cluster near 1 (0.9, 0.99, 0.999), so they are placed evenly on an ordinal axis.
  const x = {
    field: 'sparsity',
    type: 'ordinal',
    sort: 'ascending',
    title: 'sparsity S',
    axis: { labelAngle: rows.length > 8 ? -45 : 0 },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Summary across sparsity', subtitle: `n = ${n} features, m = ${m} hidden dimensions` },
    data: { values: rows },
    hconcat: [
      {
        title: 'Final loss',
        width: 260,
        height: 200,
        layer: [
          { mark: { type: 'line', color: '#4c78a8' } },
          { mark: { type: 'point', filled: true, size: 50, color: '#4c78a8' } },
        ],
        encoding: {
          x,
          y: {
            field: 'finalLoss',
            type: 'quantitative',
            title: positiveLoss ? 'final loss (log scale)' : 'final loss',
            scale: positiveLoss ? { type: 'log' } : { zero: false },
          },
        },
      },
      {
        title: 'Represented features (‖Wᵢ‖ > 0.5)',
        width: 260,
        height: 200,
        layer: [
          {
            mark: { type: 'rule', color: '#e45756', strokeDash: [4, 3] },
            encoding: { y: { datum: m, type: 'quantitative' } },
          },
          {
            mark: { type: 'text', color: '#e45756', align: 'left', baseline: 'bottom', dx: 2, dy: -2 },
            encoding: {
              x: { value: 0 },
              y: { datum: m, type: 'quantitative' },
              text: { value: `m = ${m}` },
            },
          },
          {
            mark: { type: 'line', color: '#54a24b' },
            encoding: { x, y: { field: 'represented', type: 'quantitative' } },
          },
          {
            mark: { type: 'point', filled: true, size: 50, color: '#54a24b' },
            encoding: { x, y: { field: 'represented', type: 'quantitative' } },
          },
        ],
        encoding: {
          y: {
            field: 'represented',
            type: 'quantitative',
            title: 'represented features',
            scale: { domain: [0, n] },
          },
        },
      },
    ],
  };
}

/** Zero-padded instance index for file names: 0 -> "00", 123 -> "123". */
function instanceTag(k: number, count: number): string {
  return String(k).padStart(Math.max(2, String(Math.max(0, count - 1)).length), '0');
}

/**
 * Renders every toy-model plot into `plotsDir` (as .svg and .png) and returns the base names in
 * write order: data_distribution, feature_norms, gram_00 …, loss_curves, summary.
 */
export async function writeToyPlots(plotsDir: string, input: ToyPlotInput, shouldStop?: () => boolean): Promise<string[]> {
  const plots: [string, TopLevelSpec][] = [
    ['data_distribution', dataDistributionSpec(input)],
    ['feature_norms', featureNormsSpec(input)],
    ...input.instances.map(
      (_, k): [string, TopLevelSpec] => [`gram_${instanceTag(k, input.instances.length)}`, gramSpec(input, k)],
    ),
    ['loss_curves', lossCurvesSpec(input)],
    ['summary', summarySpec(input)],
  ];
  const written: string[] = [];
  for (const [name, spec] of plots) {
    // Ctrl-C between two plots stops here (each plot takes up to a second or so): the caller keeps
    // its checkpoint, so --resume draws them all again.
    if (shouldStop?.()) break;
    await writePlot(plotsDir, name, spec);
    written.push(name);
  }
  return written;
}
