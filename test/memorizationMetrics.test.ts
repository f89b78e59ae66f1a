// The double-descent claim's measures on hand-built inputs: hidden vectors h_t = W x_t, the
// dimensionality of columns (a regular T-gon gives m/T each; an axis alone 1; an antipodal pair of
// unequal lengths by hand), agreement with the feature dimensionality of superpositionMetrics (an
// independent implementation), the median and the storage summary.

import { describe, expect, it } from 'vitest';
import { columnDimensionalities, hiddenVectors, median, storageMeasures } from '../src/metrics/memorization.js';
import { superpositionMetrics } from '../src/metrics/superposition.js';
import { Rng } from '../src/core/rng.js';

/** Columns (2-D vectors) as a [2, cols] matrix stored row by row. */
const asMatrix = (vectors: [number, number][]) => [...vectors.map((v) => v[0]), ...vectors.map((v) => v[1])];
const polygon = (T: number, radius: (t: number) => number, phase = 0.3): [number, number][] =>
  Array.from({ length: T }, (_, t) => [radius(t) * Math.cos(phase + (2 * Math.PI * t) / T), radius(t) * Math.sin(phase + (2 * Math.PI * t) / T)]);

describe('hiddenVectors', () => {
  it('h_t = W x_t by hand, for instance 1 of a two-instance W, columns of H are the samples', () => {
    // instance 0 is garbage that must not be read; instance 1: W = [[1, 0, 2], [0, 1, 0]]
    const W = [9, 9, 9, 9, 9, 9, 1, 0, 2, 0, 1, 0];
    const X = [1, 1, 1, 0, 0.5, 0]; // x_0 = (1, 1, 1), x_1 = (0, 0.5, 0)
    const H = hiddenVectors(W, 1, 2, 3, X, 2);
    // h_0 = (1 + 2, 1) = (3, 1); h_1 = (0, 0.5); H = [[3, 0], [1, 0.5]]
    expect(Array.from(H)).toEqual([3, 0, 1, 0.5]);
  });
});

describe('columnDimensionalities', () => {
  it('a regular T-gon of equal lengths in m = 2 gives every column m/T = 2/T', () => {
    for (const T of [3, 5, 8, 30]) {
      const D = columnDimensionalities(asMatrix(polygon(T, () => 1.7)), 2, T);
      for (const d of D) expect(d).toBeCloseTo(2 / T, 12);
    }
  });

  it('orthogonal columns of any lengths get 1 each; a zero column gets 0', () => {
    const D = columnDimensionalities(asMatrix([[2, 0], [0, -3], [0, 0]]), 2, 3);
    expect(Array.from(D)).toEqual([1, 1, 0]);
  });

  it('an antipodal pair of lengths 1 and 2: 1/(1 + 4) and 4/(1 + 4)', () => {
    const D = columnDimensionalities(asMatrix([[1, 0], [-2, 0]]), 2, 2);
    expect(D[0]).toBeCloseTo(0.2, 14);
    expect(D[1]).toBeCloseTo(0.8, 14);
  });

  it('on W it equals the feature dimensionality of superpositionMetrics', () => {
    const rng = new Rng(11);
    const m = 3;
    const n = 7;
    const W = Array.from({ length: m * n }, () => rng.normal());
    const D = columnDimensionalities(W, m, n);
    const reference = superpositionMetrics(W, 0, m, n).dimensionality;
    for (let i = 0; i < n; i++) expect(D[i]).toBeCloseTo(reference[i], 12);
  });
});

describe('median and storageMeasures', () => {
  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('a regular T-gon of training points has pointShare 1; points with no hidden vector pull it to 0', () => {
    const T = 6;
    const gon = columnDimensionalities(asMatrix(polygon(T, () => 1)), 2, T);
    expect(storageMeasures(gon, [0.1, 0.25], 2)).toEqual({ pointShare: expect.closeTo(1, 12), maxPointDimensionality: expect.closeTo(2 / 6, 12), maxFeatureDimensionality: 0.25 });
    // 5 points on a pentagon and 6 points at the origin: the median point holds nothing.
    const mostlyEmpty = columnDimensionalities(asMatrix([...polygon(5, () => 1), ...Array.from({ length: 6 }, (): [number, number] => [0, 0])]), 2, 11);
    const s = storageMeasures(mostlyEmpty, [0.4], 2);
    expect(s.pointShare).toBe(0);
    expect(s.maxPointDimensionality).toBeCloseTo(2 / 5, 12);
  });
});
