// Claim 3's rules (pure): the fractions Dᵢ may cluster at, the peak test of the Dᵢ histogram,
// the plateau test of the m/‖W‖²_F curve, which instances count as "between the plateaus", and
// the grid of 1/(1−S).

import type { FractionLine } from '../../report/reproducePlots.js';

/**
 * The paper's fractions (the text: tetrahedron 3/4, triangle 2/3, antipodal pair 1/2, pentagon
 * 2/5, square antiprism 3/8; it says explicitly that no line at Dᵢ = 1 appears) and the
 * notebook's other lines (1/3, 2/7, 1/4), which count as known fractions too.
 */
export const PAPER_FRACTIONS: readonly FractionLine[] = [
  { label: '3/4', value: 3 / 4 },
  { label: '2/3', value: 2 / 3 },
  { label: '1/2', value: 1 / 2 },
  { label: '2/5', value: 2 / 5 },
  { label: '3/8', value: 3 / 8 },
];
export const NOTEBOOK_FRACTIONS: readonly FractionLine[] = [
  { label: '1/3', value: 1 / 3 },
  { label: '2/7', value: 2 / 7 },
  { label: '1/4', value: 1 / 4 },
];
export const FRACTIONS: readonly FractionLine[] = [...PAPER_FRACTIONS, ...NOTEBOOK_FRACTIONS].sort((a, b) => b.value - a.value);

/** Half-width of the window counted as "at" a fraction (narrower where neighbours are close), and of the background ring beyond it. */
export const PEAK_HALF_WIDTH = 0.015;
/** A window's half-width is at most this share of the distance to the nearest other fraction, so windows never touch (2/5 and 3/8 are 0.025 apart: ±0.01). */
export const PEAK_NEIGHBOUR_SHARE = 0.4;
export const PEAK_RING = 0.06;
/** A peak: the window's density ≥ this many times the ring's, and at least PEAK_MIN_COUNT values in it. */
export const PEAK_RATIO = 2;
export const PEAK_MIN_COUNT = 5;
/** A plateau: the curve lingers in level ± PLATEAU_TOLERANCE at least this many times longer (in log x) than a straight descent would. */
export const PLATEAU_TOLERANCE = 0.05;
export const PLATEAU_MIN_STICKINESS = 1.5;
/** Peaks are looked for on instances between the plateaus: m/‖W‖²_F in [LOWEST_LEVEL, 1 − tol) and not within ±tol of 1/2. */
export const LOWEST_LEVEL = 0.2;

/** Whether an instance (its own m/‖W‖²_F) is between the plateaus, i.e. in a transition where the fractions occur. */
export function betweenPlateaus(dimsPerFeature: number, tolerance = PLATEAU_TOLERANCE): boolean {
  return dimsPerFeature >= LOWEST_LEVEL && dimsPerFeature < 1 - tolerance && Math.abs(dimsPerFeature - 0.5) > tolerance;
}

/** The window half-width of fraction f: PEAK_HALF_WIDTH, or less where another fraction is close. */
export function windowHalfWidth(f: number, fractions: readonly FractionLine[] = FRACTIONS): number {
  const nearest = Math.min(...fractions.filter((g) => g.value !== f).map((g) => Math.abs(g.value - f)));
  return Math.min(PEAK_HALF_WIDTH, PEAK_NEIGHBOUR_SHARE * nearest);
}

/**
 * For each fraction: the count within its window, the ring's count (values h < |Dᵢ − f| ≤ h + ring
 * that are in no other fraction's window), and whether it is a peak (densities over the parts of
 * both inside [0, 1], the ring's measure without the other windows).
 */
export function dimensionalityPeaks(values: readonly number[], fractions: readonly FractionLine[] = FRACTIONS) {
  const halfWidths = fractions.map((f) => windowHalfWidth(f.value, fractions));
  const inOther = (v: number, self: number) => fractions.some((g, j) => j !== self && Math.abs(v - g.value) <= halfWidths[j]);
  return fractions.map((f, self) => {
    const h = halfWidths[self];
    let count = 0;
    let ring = 0;
    for (const v of values) {
      const d = Math.abs(v - f.value);
      if (d <= h) count++;
      else if (d <= h + PEAK_RING && !inOther(v, self)) ring++;
    }
    // Measures on a fine grid: the window and ring inside [0, 1], the ring without other windows.
    const cell = 1e-5;
    let windowWidth = 0;
    let ringWidth = 0;
    for (let v = f.value - h - PEAK_RING + cell / 2; v < f.value + h + PEAK_RING; v += cell) {
      if (v < 0 || v > 1) continue;
      const d = Math.abs(v - f.value);
      if (d <= h) windowWidth += cell;
      else if (!inOther(v, self)) ringWidth += cell;
    }
    const ratio = ring === 0 ? (count > 0 ? Infinity : 0) : count / windowWidth / (ring / ringWidth);
    return { fraction: f.label, value: f.value, halfWidth: h, count, ring, ratio, peak: count >= PEAK_MIN_COUNT && ratio >= PEAK_RATIO };
  });
}

/** Piecewise-linear y over log x, sampled finely: the points (log x, y). */
function sampleLogCurve(curve: readonly { x: number; y: number }[], samples = 2000): { t: number; y: number }[] {
  const t0 = Math.log(curve[0].x);
  const t1 = Math.log(curve[curve.length - 1].x);
  const out: { t: number; y: number }[] = [];
  let seg = 0;
  for (let s = 0; s <= samples; s++) {
    const t = t0 + ((t1 - t0) * s) / samples;
    while (seg + 2 < curve.length && Math.log(curve[seg + 1].x) < t) seg++;
    const [a, b] = [curve[seg], curve[seg + 1]];
    const [ta, tb] = [Math.log(a.x), Math.log(b.x)];
    const u = tb === ta ? 0 : Math.min(1, Math.max(0, (t - ta) / (tb - ta)));
    out.push({ t, y: a.y + u * (b.y - a.y) });
  }
  return out;
}

/**
 * How long (in log x) the curve lingers in level ± tolerance, relative to a straight descent from
 * `from` to `to` over the curve's own first crossings of those values: a straight line spends
 * 2·tolerance/|from − to| of that stretch in the band (one-sided, tolerance/|from − to|, when the
 * band sits at `from`). NaN when the curve never reaches `to`.
 */
export function plateauWidth(curve: readonly { x: number; y: number }[], level: number, from: number, to: number, tolerance = PLATEAU_TOLERANCE) {
  const points = sampleLogCurve(curve);
  const dt = points[1].t - points[0].t;
  const first = (f: (y: number) => boolean) => points.find((p) => f(p.y))?.t;
  const tFrom = first((y) => y <= from) ?? NaN;
  const tTo = first((y) => y <= to) ?? NaN;
  let longest = 0;
  let run = 0;
  for (const p of points) {
    run = Math.abs(p.y - level) <= tolerance ? run + dt : 0;
    longest = Math.max(longest, run);
  }
  const bandShare = (level === from ? tolerance : 2 * tolerance) / Math.abs(from - to);
  const straight = (tTo - tFrom) * bandShare;
  return { logWidth: longest, factor: Math.exp(longest), stickiness: longest / straight };
}

/**
 * 1/(1−S): `points` log-spaced from 1 to `max`, plus `extra` log-spaced points inside each of
 * `windows` (where the fractions occur), sorted, values closer than 0.1% merged.
 */
export function inverseDensityGrid(points: number, max: number, extra: number, windows: readonly (readonly [number, number])[]): number[] {
  const logSpaced = (lo: number, hi: number, k: number) => Array.from({ length: k }, (_, i) => lo * (hi / lo) ** (k === 1 ? 0.5 : i / (k - 1)));
  const all = [...logSpaced(1, max, points), ...windows.flatMap(([lo, hi]) => logSpaced(lo, hi, extra))].sort((a, b) => a - b);
  return all.filter((v, i) => i === 0 || v / all[i - 1] > 1.001).map((v) => Number(v.toPrecision(6)));
}

/** The verdict rule on one setting's numbers. */
export function uniformVerdict(peaks: readonly { value: number; peak: boolean }[], onePlateau: boolean, halfPlateau: boolean) {
  const peakAtHalf = peaks.some((p) => p.value === 0.5 && p.peak);
  const otherPeaks = peaks.filter((p) => p.value !== 0.5 && p.peak).length;
  const peaksOk = peakAtHalf && otherPeaks >= 2;
  return onePlateau && halfPlateau && peaksOk ? 'reproduced' : peaksOk || (onePlateau && halfPlateau) ? 'partly' : 'not reproduced';
}
