// Claim 3: uniform importance, n=200, m=20. Dimensions per feature m/‖W‖²_F against 1/(1−S), and
// the feature dimensionalities D_i, which the paper finds clustered at the fractions of small
// configurations (a dedicated dimension 1, tetrahedron 3/4, triangle 2/3, antipodal pair 1/2,
// pentagon 2/5, square antiprism 3/8). We test for peaks of the D_i histogram near those
// fractions and for plateaus ("sticky" stretches) of m/‖W‖²_F at 1 and 1/2, not for most features
// sitting on them.

import * as plots from '../../report/reproducePlots.js';
import type { Budget } from './budget.js';
import { PAPER, fmt, mean, range, sd, trainPacked, type ClaimResult, type Verdict } from './shared.js';

export const FRACTIONS: readonly plots.FractionLine[] = [
  { label: '1', value: 1 },
  { label: '3/4', value: 3 / 4 },
  { label: '2/3', value: 2 / 3 },
  { label: '1/2', value: 1 / 2 },
  { label: '2/5', value: 2 / 5 },
  { label: '3/8', value: 3 / 8 },
];

/** Half-width of the window counted as "at" a fraction, and of the background ring beyond it. */
export const PEAK_HALF_WIDTH = 0.015;
export const PEAK_RING = 0.06;
/** A peak: the window's density ≥ this many times the ring's, and at least PEAK_MIN_COUNT values in it. */
export const PEAK_RATIO = 2;
export const PEAK_MIN_COUNT = 5;
/** A plateau: the curve lingers in level ± PLATEAU_TOLERANCE at least this many times longer (in log x) than a straight descent would. */
export const PLATEAU_TOLERANCE = 0.05;
export const PLATEAU_MIN_STICKINESS = 1.5;

export const CLAIM3 = {
  id: '3-uniform-plateaus',
  claim:
    'With uniform importance and many features (n=200, m=20), the dimensions per feature m/‖W‖²_F stick at 1 and at 1/2 as 1/(1−S) grows, and the feature dimensionalities Dᵢ cluster at the fractions of small configurations: 1, 3/4, 2/3, 1/2, 2/5, 3/8.',
  source: `${PAPER}, section "The Geometry of Superposition: Uniform Superposition" (dimensions-per-feature and feature-dimensionality figures)`,
  rule:
    `Dᵢ = ‖Wᵢ‖²/Σⱼ(Ŵᵢ·Wⱼ)² of the represented features (‖Wᵢ‖ > 0.5), pooled over the grid and seeds. A peak at a fraction f: at least ${PEAK_MIN_COUNT} values within ±${PEAK_HALF_WIDTH} of f, at a density ≥ ${PEAK_RATIO}× that of the ring ${PEAK_HALF_WIDTH} < |Dᵢ − f| ≤ ${PEAK_HALF_WIDTH + PEAK_RING}. ` +
    `A plateau of the mean m/‖W‖²_F curve at a level L: the stretch of log(1/(1−S)) it spends within L ± ${PLATEAU_TOLERANCE} is ≥ ${PLATEAU_MIN_STICKINESS}× what a straight descent would spend there (a straight line from 1 to 1/2 for L = 1; from 0.7 to 0.3 for L = 1/2, both over the curve's own crossing points). ` +
    'reproduced if there are plateaus at 1 and at 1/2 AND peaks at 1/2 and at ≥ 2 of the other fractions; partly if the peaks hold (1/2 and ≥ 2 others) or both plateaus do; else not reproduced.',
};

/** For each fraction: the count within ±halfWidth, the ring's count, and whether it is a peak (densities over the parts of both windows inside [0, 1]). */
export function dimensionalityPeaks(values: readonly number[], fractions: readonly plots.FractionLine[] = FRACTIONS) {
  const inside = (lo: number, hi: number) => Math.max(0, Math.min(hi, 1) - Math.max(lo, 0));
  return fractions.map((f) => {
    let count = 0;
    let ring = 0;
    for (const v of values) {
      const d = Math.abs(v - f.value);
      if (d <= PEAK_HALF_WIDTH) count++;
      else if (d <= PEAK_HALF_WIDTH + PEAK_RING) ring++;
    }
    // D_i ≤ 1 always, so the windows of f = 1 are one-sided: compare densities, not counts.
    const windowWidth = inside(f.value - PEAK_HALF_WIDTH, f.value + PEAK_HALF_WIDTH);
    const ringWidth =
      inside(f.value - PEAK_HALF_WIDTH - PEAK_RING, f.value - PEAK_HALF_WIDTH) + inside(f.value + PEAK_HALF_WIDTH, f.value + PEAK_HALF_WIDTH + PEAK_RING);
    const ratio = ring === 0 ? (count > 0 ? Infinity : 0) : count / windowWidth / (ring / ringWidth);
    return { fraction: f.label, value: f.value, count, ring, ratio, peak: count >= PEAK_MIN_COUNT && ratio >= PEAK_RATIO };
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

export async function claimUniform(b: Budget, workers: number, _log: (line: string) => void = () => {}): Promise<ClaimResult> {
  const { nFeatures: n, nHidden: m, steps, batchSize, lr, seeds, points, maxInverseDensity } = b.uniform;
  // 1/(1−S) geometric from 1 to maxInverseDensity; with n = 10 m the dimensions per feature then run from 1 to ≈ m/n.
  const inverseDensity = range(points).map((k) => maxInverseDensity ** (k / (points - 1)));
  const importance = Array<number>(n).fill(1);
  const instances = range(seeds).flatMap((seed) => inverseDensity.map((v) => ({ sparsity: 1 - 1 / v, seed, importance, inverseDensity: v })));
  const run = await trainPacked({ nFeatures: n, nHidden: m, steps, batchSize, lr, evalSize: b.evalSize }, instances, workers);
  const dims = inverseDensity.map((v) => {
    const perSeed = instances.flatMap((inst, k) => (inst.inverseDensity === v ? [run.metrics[k].dimensionsPerFeature] : []));
    return { inverseDensity: v, mean: mean(perSeed), sd: sd(perSeed), perSeed };
  });
  const represented = (k: number) => run.metrics[k].dimensionality.filter((_, i) => run.metrics[k].featureNorms[i] > 0.5);
  const allD = instances.flatMap((_, k) => represented(k));
  const peaks = dimensionalityPeaks(allD);
  const peaksPerSeed = range(seeds).map((seed) => dimensionalityPeaks(instances.flatMap((inst, k) => (inst.seed === seed ? represented(k) : []))));
  const curve = dims.map((d) => ({ x: d.inverseDensity, y: d.mean }));
  const plateauOne = plateauWidth(curve, 1, 1, 0.5);
  const plateauHalf = plateauWidth(curve, 0.5, 0.7, 0.3);
  const onePlateau = plateauOne.stickiness >= PLATEAU_MIN_STICKINESS;
  const halfPlateau = plateauHalf.stickiness >= PLATEAU_MIN_STICKINESS;
  const peakAtHalf = peaks.find((p) => p.value === 0.5)?.peak === true;
  const otherPeaks = peaks.filter((p) => p.value !== 0.5 && p.peak);
  const peaksOk = peakAtHalf && otherPeaks.length >= 2;
  const verdict: Verdict = onePlateau && halfPlateau && peaksOk ? 'reproduced' : peaksOk || (onePlateau && halfPlateau) ? 'partly' : 'not reproduced';
  const describe = (p: { stickiness: number; factor: number }) => `stickiness ${fmt(p.stickiness, 2)} (within ±${PLATEAU_TOLERANCE} over a factor ${fmt(p.factor, 3)} in 1/(1−S))`;
  const histogram = range(105).map((i) => ({ from: i / 100, to: (i + 1) / 100, count: allD.filter((v) => v >= i / 100 && v < (i + 1) / 100).length }));
  const points0 = instances.flatMap((inst, k) => (inst.seed === 0 ? represented(k).map((D) => ({ inverseDensity: inst.inverseDensity, D })) : []));
  const at = (v: number) => dims.reduce((a, d) => (Math.abs(Math.log(d.inverseDensity / v)) < Math.abs(Math.log(a.inverseDensity / v)) ? d : a));
  const shown = [1, 2, 3, 5, 10, maxInverseDensity].map(at).filter((d, i, all) => all.indexOf(d) === i);
  return {
    ...CLAIM3,
    measured:
      `m/‖W‖²_F (mean ± SD over ${seeds} seeds): ${shown.map((d) => `${fmt(d.mean)}±${fmt(d.sd, 2)} at 1/(1−S)=${fmt(d.inverseDensity)}`).join(', ')}. ` +
      `Plateau at 1: ${describe(plateauOne)} → ${onePlateau ? 'yes' : 'no'}; at 1/2: ${describe(plateauHalf)} → ${halfPlateau ? 'yes' : 'no'}. ` +
      `Dᵢ of ${allD.length} represented features: ${peaks.map((p) => `${p.fraction}: ${p.count} (${Number.isFinite(p.ratio) ? fmt(p.ratio, 2) : '∞'}×)${p.peak ? ' peak' : ''}`).join(', ')}; ` +
      `peaks per seed: ${peaksPerSeed.map((ps, s) => `seed ${s}: ${ps.filter((p) => p.peak).map((p) => p.fraction).join(' ') || 'none'}`).join('; ')}.`,
    verdict,
    config: { nFeatures: n, nHidden: m, importance: 'uniform', inverseDensity: inverseDensity.map((v) => Number(v.toPrecision(6))), seeds: range(seeds), steps, batchSize, lr, optimizer: 'adam' },
    numbers: { dimsPerFeature: dims, plateaus: { one: plateauOne, half: plateauHalf }, peaks, peaksPerSeed, histogram },
    figures: [
      { caption: 'Dimensions per feature m/‖W‖²_F against 1/(1−S) (log scale), mean ± 1 SD over seeds (dots: seeds); dashed: 1 and 1/2.', spec: plots.dimsPerFeatureSpec(dims, `n = ${n}, m = ${m}, uniform importance, ${seeds} seeds`) },
      {
        caption: 'Feature dimensionalities Dᵢ of the represented features: left per feature against 1/(1−S) (seed 0), right their histogram over all seeds; dashed: 1, 3/4, 2/3, 1/2, 2/5, 3/8.',
        spec: plots.dimensionalitySpec(points0, histogram, FRACTIONS, `n = ${n}, m = ${m}, uniform importance`),
      },
    ],
  };
}
