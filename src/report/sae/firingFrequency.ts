// The firing-frequency histogram: how often each latent fires on the evaluation set, on a log
// scale, one panel per architecture, with the dead (never firing) and dense latents marked.

import type { TopLevelSpec } from 'vega-lite';
import { DENSE_FREQUENCY } from '../../metrics/activity.js';
import type { SaePlotInput, SaePlotSae } from './input.js';
import { SCHEMA } from './shared.js';

/** Width of one firing-frequency histogram bin, in decades. */
const FREQUENCY_BIN_DECADES = 0.25;
/** Lowest decade the firing histogram extends to; rarer (but nonzero) latents land in the first bin. */
const MIN_FREQUENCY_DECADE = -8;

/** One colour per architecture's panel, in order of first appearance. */
const ARCH_COLORS = ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#e45756', '#72b7b2', '#9d755d', '#eeca3b'];

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

/** The log10 frequency axis: bins of FREQUENCY_BIN_DECADES from decade `lo` up to 1, the dead bar left of `lo`. */
interface FrequencyAxis {
  lo: number;
  binCount: number;
  deadStart: number;
  deadEnd: number;
  deadCenter: number;
  domain: number[];
}

/** The axis down to the decade of the rarest firing latent (at most 10⁻¹, at least MIN_FREQUENCY_DECADE). */
function frequencyAxis(saes: SaePlotSae[]): FrequencyAxis {
  const positive = saes.flatMap((s) => s.firingFrequency.filter((f) => Number.isFinite(f) && f > 0));
  const minLog = positive.length > 0 ? Math.min(...positive.map(Math.log10)) : -1;
  const lo = Math.max(MIN_FREQUENCY_DECADE, Math.min(-1, Math.floor(minLog)));
  const binCount = Math.round(-lo / FREQUENCY_BIN_DECADES);
  const deadStart = lo - 0.8;
  const deadEnd = lo - 0.4;
  const deadCenter = (deadStart + deadEnd) / 2;
  const domain = [lo - 1, 0];
  return { lo, binCount, deadStart, deadEnd, deadCenter, domain };
}

/** Histogram bars of the latents of `ofArch` (the dead bar first, then the nonempty bins) and their counts. */
function frequencyHistogram(ofArch: SaePlotSae[], axis: FrequencyAxis) {
  const { lo, binCount, deadStart, deadEnd } = axis;
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
  return { values, dead, dense, latents };
}

/** One architecture's panel: the bars, the dead count above its bar, the dense threshold. */
function archPanel(arch: string, colour: string, ofArch: SaePlotSae[], axis: FrequencyAxis) {
  const { lo, deadCenter, domain } = axis;
  const { values, dead, dense, latents } = frequencyHistogram(ofArch, axis);
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
}

// Why: dead latents (never fire) and dense latents (fire on most samples) are the two classic
// SAE failure modes; a healthy dictionary fires at roughly the features' own frequency 1 − S.
export function firingFrequencySpec(input: SaePlotInput): TopLevelSpec {
  const archs = [...new Set(input.saes.map((s) => s.arch))];
  const axis = frequencyAxis(input.saes);
  const panels = archs.map((arch, a) =>
    archPanel(arch, ARCH_COLORS[a % ARCH_COLORS.length], input.saes.filter((s) => s.arch === arch), axis),
  );
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
