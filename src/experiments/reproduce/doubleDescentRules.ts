// Claim 9's rules (Henighan et al. 2023, finite data): what a model stores (its training points or
// its features) and whether the test loss over the dataset size T has a peak between the two
// regimes — small pure functions of measured numbers, tested on synthetic inputs.

import type { StorageMeasures } from '../../metrics/memorization.js';
import type { Verdict } from './shared.js';

/** A model stores its training points when the median point holds at least this share of m/T. */
export const POINT_SHARE_MIN = 0.5;

export type StorageRegime = 'points' | 'features' | 'neither';

/**
 * points: the median training point holds ≥ POINT_SHARE_MIN of its T-gon share m/T (memorisation
 * gives every point its own direction); features: not that, and some feature holds more dimension
 * than any training point; neither: the rest (the paper's middle regime, where both are low).
 *
 * @example
 * classifyStorage({ pointShare: 1, maxPointDimensionality: 0.1, maxFeatureDimensionality: 0.05 }); // 'points'
 * classifyStorage({ pointShare: 0, maxPointDimensionality: 0.01, maxFeatureDimensionality: 0.3 }); // 'features'
 */
export function classifyStorage(s: StorageMeasures): StorageRegime {
  if (s.pointShare >= POINT_SHARE_MIN) return 'points';
  if (s.maxFeatureDimensionality > s.maxPointDimensionality) return 'features';
  return 'neither';
}

/** The regime of a strict majority of seeds, or 'mixed'. */
export function majorityRegime(regimes: readonly StorageRegime[]): StorageRegime | 'mixed' {
  for (const r of ['points', 'features', 'neither'] as const) if (regimes.filter((x) => x === r).length * 2 > regimes.length) return r;
  return 'mixed';
}

/** Test loss at one dataset size: mean and sample SD over seeds. */
export interface LossAtSize {
  T: number;
  mean: number;
  sd: number;
  perSeed: number[];
}

export interface Peak {
  index: number;
  T: number;
  mean: number;
  /** The peak's ±1 SD band lies entirely above the bands at the smallest and at the largest T. */
  clear: boolean;
}

/**
 * The interior grid point (neither end) with the highest mean test loss, and whether it stands
 * above both ends by more than the spread over seeds. Null for fewer than three sizes.
 *
 * @example
 * interiorPeak([{ T: 3, mean: 1, sd: 0.1 }, { T: 30, mean: 2, sd: 0.1 }, { T: 300, mean: 0.5, sd: 0.1 }].map((p) => ({ ...p, perSeed: [] })));
 * // { index: 1, T: 30, mean: 2, clear: true }
 */
export function interiorPeak(curve: readonly LossAtSize[]): Peak | null {
  if (curve.length < 3) return null;
  let index = 1;
  for (let j = 2; j < curve.length - 1; j++) if (curve[j].mean > curve[index].mean) index = j;
  const p = curve[index];
  const [first, last] = [curve[0], curve[curve.length - 1]];
  return { index, T: p.T, mean: p.mean, clear: p.mean - p.sd > Math.max(first.mean + first.sd, last.mean + last.sd) };
}

export interface StorageSwitch {
  /** The largest T whose majority regime is points (null: none). */
  lastPoints: number | null;
  /** The smallest T whose majority regime is features (null: none). */
  firstFeatures: number | null;
  holds: boolean;
}

/**
 * The switch from points to features around the peak: points at the smallest T, features at the
 * largest, and lastPoints < peakT ≤ firstFeatures (the peak lies after the model stops storing
 * points and no later than where it first stores features).
 */
export function storageSwitch(regimes: readonly { T: number; regime: StorageRegime | 'mixed' }[], peakT: number): StorageSwitch {
  const points = regimes.filter((r) => r.regime === 'points').map((r) => r.T);
  const features = regimes.filter((r) => r.regime === 'features').map((r) => r.T);
  const lastPoints = points.length ? Math.max(...points) : null;
  const firstFeatures = features.length ? Math.min(...features) : null;
  const ends = regimes.length > 0 && regimes[0].regime === 'points' && regimes[regimes.length - 1].regime === 'features';
  const holds = ends && lastPoints !== null && firstFeatures !== null && lastPoints < peakT && peakT <= firstFeatures;
  return { lastPoints, firstFeatures, holds };
}

/** reproduced if the peak is clear and the switch holds; partly if one of them; else not reproduced. */
export function doubleDescentVerdict(peakClear: boolean, switchHolds: boolean): Verdict {
  if (peakClear && switchHolds) return 'reproduced';
  return peakClear || switchHolds ? 'partly' : 'not reproduced';
}
