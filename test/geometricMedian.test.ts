import { describe, expect, it } from 'vitest';
import { geometricMedian } from '../src/core/geometricMedian.js';
import { Rng } from '../src/core/rng.js';

/** Σ ‖p − y‖, the objective, for an independent check of optimality. */
function totalDistance(points: number[][], y: number[]): number {
  return points.reduce((sum, p) => sum + Math.hypot(...p.map((v, j) => v - y[j])), 0);
}

describe('geometricMedian (Weiszfeld)', () => {
  it('of points symmetric about c is c', () => {
    const points = [[1, 2], [3, 2], [2, 1], [2, 3]];
    const median = geometricMedian(points.flat(), 4, 2);
    expect(median[0]).toBeCloseTo(2, 8);
    expect(median[1]).toBeCloseTo(2, 8);
  });

  it('on a line is the ordinary median', () => {
    const median = geometricMedian([0, 1, 2, 10, 100], 5, 1);
    expect(median[0]).toBeCloseTo(2, 6);
  });

  it('is robust to an outlier where the mean is not, and no perturbation improves the objective', () => {
    const points = [[0, 0], [1, 0], [0, 1], [10, 10]];
    const median = Array.from(geometricMedian(points.flat(), 4, 2));
    expect(median[0]).toBeLessThan(1);
    const best = totalDistance(points, median);
    for (const [dx, dy] of [[1e-4, 0], [-1e-4, 0], [0, 1e-4], [0, -1e-4]])
      expect(totalDistance(points, [median[0] + dx, median[1] + dy])).toBeGreaterThanOrEqual(best - 1e-12);
  });

  it('handles many points exactly at the median (sparse data: most h are 0)', () => {
    const rng = new Rng(3);
    const points: number[] = [];
    for (let s = 0; s < 1000; s++) for (let j = 0; j < 3; j++) points.push(s % 10 === 0 ? rng.normal() : 0);
    const median = geometricMedian(points, 1000, 3);
    for (const v of median) expect(Number.isFinite(v)).toBe(true);
    for (const v of median) expect(Math.abs(v)).toBeLessThan(1e-6);
  });

  it('of a Gaussian cloud is near its centre', () => {
    const rng = new Rng(5);
    const points: number[] = [];
    for (let s = 0; s < 4000; s++) points.push(3 + rng.normal(), -1 + rng.normal());
    const median = geometricMedian(points, 4000, 2);
    expect(median[0]).toBeCloseTo(3, 1);
    expect(median[1]).toBeCloseTo(-1, 1);
  });
});
