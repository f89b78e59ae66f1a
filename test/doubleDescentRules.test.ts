// Claim 9's rules on synthetic inputs: the storage regime of one model, the majority over seeds,
// the interior test-loss peak against the seed spread at both ends, the points → features switch
// around the peak, and the verdict.

import { describe, expect, it } from 'vitest';
import { classifyStorage, doubleDescentVerdict, interiorPeak, majorityRegime, storageSwitch } from '../src/experiments/reproduce.js';
import type { LossAtSize, StorageRegime } from '../src/experiments/reproduce/doubleDescentRules.js';

const curve = (points: [number, number, number][]): LossAtSize[] => points.map(([T, mean, sd]) => ({ T, mean, sd, perSeed: [] }));

describe('classifyStorage and majorityRegime', () => {
  it('points when the median point holds ≥ half its m/T share, whatever the features do', () => {
    expect(classifyStorage({ pointShare: 1, maxPointDimensionality: 0.2, maxFeatureDimensionality: 0.6 })).toBe('points');
    expect(classifyStorage({ pointShare: 0.5, maxPointDimensionality: 0.01, maxFeatureDimensionality: 0.3 })).toBe('points');
  });

  it('features when points fall short and some feature holds more than any point; else neither', () => {
    expect(classifyStorage({ pointShare: 0.49, maxPointDimensionality: 0.01, maxFeatureDimensionality: 0.3 })).toBe('features');
    expect(classifyStorage({ pointShare: 0.1, maxPointDimensionality: 0.3, maxFeatureDimensionality: 0.3 })).toBe('neither');
    expect(classifyStorage({ pointShare: 0, maxPointDimensionality: 0, maxFeatureDimensionality: 0 })).toBe('neither');
  });

  it('a strict majority of seeds, or mixed', () => {
    expect(majorityRegime(['points', 'points', 'neither', 'features'])).toBe('mixed');
    expect(majorityRegime(['points', 'points', 'neither'])).toBe('points');
    expect(majorityRegime(['features', 'features', 'features', 'points'])).toBe('features');
    expect(majorityRegime([])).toBe('mixed');
  });
});

describe('interiorPeak', () => {
  it('the highest interior mean, clear when its band is above both ends\' bands', () => {
    // The largest mean is at an end (T=3): the interior maximum is T=100, clear of 1.0±0.1 and 0.8±0.05.
    const p = interiorPeak(curve([[3, 2, 0.1], [10, 1.1, 0.1], [100, 1.5, 0.2], [1000, 0.8, 0.05]]));
    expect(p).toEqual({ index: 2, T: 100, mean: 1.5, clear: false });
    const q = interiorPeak(curve([[3, 1, 0.1], [10, 1.1, 0.1], [100, 1.5, 0.2], [1000, 0.8, 0.05]]));
    expect(q).toEqual({ index: 2, T: 100, mean: 1.5, clear: true });
  });

  it('clear only when both ends\' bands are below; not for a monotone fall; null below three sizes', () => {
    expect(interiorPeak(curve([[3, 1, 0.1], [30, 1.3, 0.15], [300, 0.9, 0.05]]))!.clear).toBe(true); // 1.15 > 1.1 and > 0.95
    expect(interiorPeak(curve([[3, 1, 0.1], [30, 1.2, 0.15], [300, 0.9, 0.05]]))!.clear).toBe(false); // 1.05 < 1.1: bands overlap at T=3
    expect(interiorPeak(curve([[3, 0.5, 0.1], [30, 1.2, 0.15], [300, 1.1, 0.01]]))!.clear).toBe(false); // 1.05 < 1.11: bands overlap at T=300
    expect(interiorPeak(curve([[3, 3, 0], [30, 2, 0], [300, 1, 0]]))!.clear).toBe(false);
    expect(interiorPeak(curve([[3, 1, 0], [30, 2, 0]]))).toBeNull();
  });
});

describe('storageSwitch and the verdict', () => {
  const grid = (regimes: (StorageRegime | 'mixed')[]) => regimes.map((regime, i) => ({ T: [3, 10, 30, 100, 300, 1000][i], regime }));

  it('holds when points end before the peak and features start at or after it', () => {
    const g = grid(['points', 'points', 'neither', 'neither', 'features', 'features']);
    expect(storageSwitch(g, 100)).toEqual({ lastPoints: 10, firstFeatures: 300, holds: true });
    expect(storageSwitch(g, 300).holds).toBe(true);
    expect(storageSwitch(g, 10).holds).toBe(false); // the peak inside the points regime
    expect(storageSwitch(g, 1000).holds).toBe(false); // the peak after features began
  });

  it('fails when either end is in the wrong regime or a regime is missing', () => {
    expect(storageSwitch(grid(['neither', 'points', 'neither', 'neither', 'features', 'features']), 100).holds).toBe(false);
    expect(storageSwitch(grid(['points', 'points', 'neither', 'neither', 'features', 'mixed']), 100).holds).toBe(false);
    expect(storageSwitch(grid(['points', 'points', 'points', 'points', 'points', 'points']), 100)).toEqual({ lastPoints: 1000, firstFeatures: null, holds: false });
  });

  it('verdict: both → reproduced, one → partly, none → not reproduced', () => {
    expect(doubleDescentVerdict(true, true)).toBe('reproduced');
    expect(doubleDescentVerdict(true, false)).toBe('partly');
    expect(doubleDescentVerdict(false, true)).toBe('partly');
    expect(doubleDescentVerdict(false, false)).toBe('not reproduced');
  });
});
