// Toy Models of Superposition, the introduction's figure: n = 5 features, m = 2 dimensions,
// importance 0.9^i. Dense data (S = 0) keeps only the 2 most important features, orthogonal;
// sparse data (S = 0.9) stores all 5 as a pentagon. Gradient descent lands in a worse local
// minimum (4 features) on about a third of initialisations here, as the paper notes for larger
// runs, so the claim about the solution is checked on the best of 4 restarts by loss; every
// dense restart must show the 2-feature solution.

import { describe, expect, it } from 'vitest';
import { resolveToyConfig } from '../src/config/toy.js';
import { createToyTraining, evaluateLoss, trainToy } from '../src/train/trainToy.js';
import { superpositionMetrics } from '../src/metrics/superposition.js';

const restarts = 4;
const config = resolveToyConfig({
  nFeatures: 5,
  nHidden: 2,
  importanceDecay: 0.9,
  sparsity: [...Array(restarts).fill(0), ...Array(restarts).fill(0.9)],
  steps: 10_000,
  evalSize: 20_000,
  seed: 0,
});
const training = createToyTraining(config);
trainToy(training);
const loss = evaluateLoss(training);
const metrics = config.sparsity.map((_, k) => superpositionMetrics(training.params.W, k, 2, 5));

function angleOf(instance: number, feature: number): number {
  const W = training.params.W;
  return Math.atan2(W[instance * 10 + 5 + feature], W[instance * 10 + feature]);
}

describe('paper result: n=5, m=2, I=0.9^i, 10,000 steps', () => {
  it('at S=0 exactly the 2 most important features have ‖W_i‖ > 0.5, orthogonal', () => {
    for (let k = 0; k < restarts; k++) {
      const norms = metrics[k].featureNorms;
      expect(metrics[k].represented).toBe(2);
      expect(norms[0]).toBeGreaterThan(0.5);
      expect(norms[1]).toBeGreaterThan(0.5);
      expect(Math.abs(metrics[k].gram[0][1])).toBeLessThan(0.05);
    }
  });

  it('at S=0.9 the best restart represents all 5 features as a pentagon', () => {
    const sparse = Array.from({ length: restarts }, (_, r) => restarts + r);
    const best = sparse.reduce((a, b) => (loss[b] < loss[a] ? b : a));
    expect(metrics[best].represented).toBe(5);
    const angles = [0, 1, 2, 3, 4].map((i) => angleOf(best, i)).sort((a, b) => a - b);
    const gaps = angles.map((a, i) => ((i + 1 < 5 ? angles[i + 1] : angles[0] + 2 * Math.PI) - a) * (180 / Math.PI));
    for (const gap of gaps) expect(Math.abs(gap - 72)).toBeLessThan(12);
    // Pentagon geometry: each D_i ≈ 2/5.
    for (const d of metrics[best].dimensionality) expect(d).toBeCloseTo(0.4, 1);
  });

  it('most sparse restarts reach the pentagon, and it has the lower loss', () => {
    const sparse = Array.from({ length: restarts }, (_, r) => restarts + r);
    const pentagons = sparse.filter((k) => metrics[k].represented === 5);
    expect(pentagons.length).toBeGreaterThanOrEqual(restarts / 2);
    const others = sparse.filter((k) => metrics[k].represented !== 5);
    for (const k of others) expect(loss[k]).toBeGreaterThan(Math.max(...pentagons.map((p) => loss[p])));
  });
});
