// Correlated and anticorrelated feature sets (src/data/correlatedSets.ts): the generator's
// statistics against closed forms (marginal rates, all-or-none, at most one), determinism by seed,
// the same draws as claim 5's original pair generator, and the path into a toy run — fresh
// batches, the fixed dataset of epoch mode, the evaluation set, an SAE's data — with the default
// (independent) drawing exactly what it drew before; the config's checks.

import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import { sampleCorrelatedBatch, sampleCorrelatedProjected, sampleSets, type CorrelationKind, type FeatureCorrelation } from '../src/data/correlatedSets.js';
import { probabilityFromSparsity, type FeatureDistribution } from '../src/data/features.js';
import { resolveToyConfig } from '../src/config/toy.js';
import { STREAM, createToyTraining, evaluateLoss, instanceRngs, toyCorrelation, trainStep } from '../src/train/trainToy.js';
import { toySource, trainSaes, trainToyModel } from '../src/train/library.js';
import { expandSaeGrid, expectedActiveFeatures, resolveSaeConfig } from '../src/config/sae.js';
import { sampleHidden, toyDistribution } from '../src/train/saeData.js';
import { lossAndGradients } from '../src/models/toyModel.js';

/** Per sample: how many features of each set are active. */
function setCounts(x: Float32Array | Float64Array, rows: number, n: number, k: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: n / k }, (_, s) => {
    let count = 0;
    for (let j = 0; j < k; j++) if (x[r * n + s * k + j] !== 0) count++;
    return count;
  }));
}

/** Equal element for element (toEqual walks large typed arrays slowly). */
function sameNumbers(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** |estimate − p| within 5 standard errors of a proportion from N draws. */
function expectProportion(estimate: number, p: number, N: number, label: string): void {
  expect(Math.abs(estimate - p), `${label}: ${estimate} vs ${p}`).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / N) + 1e-12);
}

describe('sampleSets: the paper generators against closed forms', () => {
  const N = 100_000;
  const p = 0.3;

  for (const k of [2, 3]) {
    const n = 2 * k;
    const draw = (kind: CorrelationKind, seed = 11) => {
      const x = new Float32Array(N * n);
      sampleSets(kind, k, p, new Rng(seed), x, 0, N, n);
      return x;
    };
    const featureRate = (x: Float32Array, i: number) => {
      let active = 0;
      for (let r = 0; r < N; r++) if (x[r * n + i] !== 0) active++;
      return active / N;
    };

    it(`correlated, sets of ${k}: all or none of a set; each feature and each set active with probability p`, () => {
      const x = draw('correlated');
      const counts = setCounts(x, N, n, k).flat();
      expect(counts.every((c) => c === 0 || c === k)).toBe(true);
      expectProportion(counts.filter((c) => c === k).length / counts.length, p, counts.length, 'set active');
      for (let i = 0; i < n; i++) expectProportion(featureRate(x, i), p, N, `feature ${i}`);
    });

    it(`anticorrelated, sets of ${k}: never two of a set; a set active with probability p, each feature p/k`, () => {
      const x = draw('anticorrelated');
      const counts = setCounts(x, N, n, k).flat();
      expect(counts.every((c) => c <= 1)).toBe(true);
      expectProportion(counts.filter((c) => c === 1).length / counts.length, p, counts.length, 'set active');
      for (let i = 0; i < n; i++) expectProportion(featureRate(x, i), p / k, N, `feature ${i}`);
    });

    it(`independent, sets of ${k}: each feature p, a set all active p^k`, () => {
      const x = draw('independent');
      const counts = setCounts(x, N, n, k).flat();
      expectProportion(counts.filter((c) => c === k).length / counts.length, p ** k, counts.length, 'all of a set');
      for (let i = 0; i < n; i++) expectProportion(featureRate(x, i), p, N, `feature ${i}`);
    });
  }

  it('active values lie in (0, 1] with mean 1/2; only the given rows are written', () => {
    const rows = 50_000;
    const x = new Float64Array((rows + 2) * 4).fill(7);
    sampleSets('correlated', 2, 0.5, new Rng(2), x, 4, rows, 4);
    expect([...x.subarray(0, 4)]).toEqual([7, 7, 7, 7]);
    expect([...x.subarray((rows + 1) * 4)]).toEqual([7, 7, 7, 7]);
    const values = [...x.subarray(4, (rows + 1) * 4)].filter((v) => v !== 0);
    expect(values.every((v) => v > 0 && v <= 1)).toBe(true);
    expect(Math.abs(values.reduce((a, v) => a + v, 0) / values.length - 0.5)).toBeLessThan(0.01);
  });

  it('same seed, same numbers; another seed, other numbers', () => {
    const run = (seed: number) => {
      const x = new Float32Array(1000 * 6);
      sampleSets('anticorrelated', 3, 0.4, new Rng(seed), x, 0, 1000, 6);
      return x;
    };
    expect(sameNumbers(run(5), run(5))).toBe(true);
    expect(sameNumbers(run(5), run(6))).toBe(false);
  });

  it("draws exactly what claim 5's pair generator drew (n = 4, sets of 2; the code it replaced, inlined here)", () => {
    // reproduce/correlatedRules.ts before the generator moved to src/data.
    const original = (kind: CorrelationKind, p: number, rng: Rng, x: Float32Array, rows: number) => {
      for (let row = 0; row < rows; row++)
        for (let pair = 0; pair < 2; pair++) {
          const i = row * 4 + 2 * pair;
          x[i] = 0;
          x[i + 1] = 0;
          if (kind === 'independent') {
            if (rng.uniform() < p) x[i] = rng.uniformPositive();
            if (rng.uniform() < p) x[i + 1] = rng.uniformPositive();
          } else if (kind === 'correlated') {
            if (rng.uniform() < p) {
              x[i] = rng.uniformPositive();
              x[i + 1] = rng.uniformPositive();
            }
          } else if (rng.uniform() < p) x[i + (rng.uniform() < 0.5 ? 0 : 1)] = rng.uniformPositive();
        }
    };
    for (const kind of ['independent', 'correlated', 'anticorrelated'] as const) {
      const [a, b] = [new Float32Array(20_000 * 4), new Float32Array(20_000 * 4)];
      original(kind, 0.1, new Rng(3), a, 20_000);
      sampleSets(kind, 2, 0.1, new Rng(3), b, 0, 20_000, 4);
      expect(sameNumbers(b, a), kind).toBe(true);
    }
  });
});

describe('sampleCorrelatedBatch and sampleCorrelatedProjected', () => {
  const dist: FeatureDistribution = { nInstances: 2, nFeatures: 6, featureProbability: probabilityFromSparsity([0.5, 0.9], 6) };

  it('one stream and one p = 1 − S per instance, each into its own block', () => {
    const rows = 40_000;
    const x = new Float32Array(2 * rows * 6);
    sampleCorrelatedBatch('correlated', 3, dist, [new Rng(1), new Rng(2)], x, rows);
    for (const [k, p] of [[0, 0.5], [1, 0.1]] as const) {
      const block = x.subarray(k * rows * 6, (k + 1) * rows * 6);
      const counts = setCounts(block, rows, 6, 3).flat();
      expect(counts.every((c) => c === 0 || c === 3)).toBe(true);
      expectProportion(counts.filter((c) => c === 3).length / counts.length, p, counts.length, `instance ${k}`);
      const alone = new Float32Array(rows * 6);
      sampleSets('correlated', 3, p, new Rng(k + 1), alone, 0, rows, 6);
      expect(sameNumbers(block, alone)).toBe(true);
    }
  });

  it('the projected path draws the same x and makes h = W x from it', () => {
    const rows = 300;
    const W = Float32Array.of(1, 2, 3, 4, 5, 6, -1, 0.5, 0.25, 2, -3, 1); // [hidden 2, feat 6]
    const [x1, x2] = [new Float32Array(2 * rows * 6), new Float32Array(2 * rows * 6)];
    const h = new Float64Array(rows * 2).fill(9);
    sampleSets('anticorrelated', 2, 0.1, new Rng(8), x1, rows * 6, rows, 6);
    sampleCorrelatedProjected('anticorrelated', 2, dist, 1, new Rng(8), x2, rows, W, 2, h);
    expect(x2).toEqual(x1);
    for (let s = 0; s < rows; s++)
      for (let j = 0; j < 2; j++) {
        let want = 0;
        for (let i = 0; i < 6; i++) if (x1[(rows + s) * 6 + i] !== 0) want += W[j * 6 + i] * x1[(rows + s) * 6 + i];
        expect(h[s * 2 + j]).toBe(want);
      }
  });
});

describe('correlated sets in a toy run', () => {
  const base = { nFeatures: 6, nHidden: 2, sparsity: [0.7, 0.9], batchSize: 256, steps: 3, evalSize: 256 };

  it('fresh batches (steps mode) follow the sets', () => {
    const training = createToyTraining(resolveToyConfig({ ...base, correlation: 'anticorrelated', correlationSet: 3 }));
    trainStep(training);
    const counts = setCounts(training.x, 2 * 256, 6, 3).flat();
    expect(counts.every((c) => c <= 1) && counts.includes(1)).toBe(true);
    const want = new Float32Array(training.x.length);
    sampleCorrelatedBatch('anticorrelated', 3, training.dist, instanceRngs(training.streamKeys, STREAM.data), want, 256);
    expect(sameNumbers(training.x, want)).toBe(true);
  });

  it('the fixed dataset of epoch mode follows the sets', () => {
    const training = createToyTraining(resolveToyConfig({ ...base, correlation: 'correlated', numEpochs: 1, datasetSize: 500 }));
    const counts = setCounts(training.dataset!, 2 * 500, 6, 2).flat();
    expect(counts.every((c) => c === 0 || c === 2)).toBe(true);
    expect(counts.some((c) => c === 2)).toBe(true);
  });

  it('the evaluation set is drawn from the evaluation streams through the generator', () => {
    const training = createToyTraining(resolveToyConfig({ ...base, correlation: 'anticorrelated' }));
    trainStep(training);
    const x = new Float32Array(2 * 256 * 6);
    sampleCorrelatedBatch('anticorrelated', 2, training.dist, instanceRngs(training.streamKeys, STREAM.evaluation), x, 256);
    const want = new Float64Array(2);
    lossAndGradients(training.shape, training.params, x, 256, training.importance, training.workspace, want);
    expect(evaluateLoss(training)).toEqual(want);
  });

  it('an SAE on the model reads correlated data too', () => {
    const config = resolveToyConfig({ ...base, correlation: 'anticorrelated', correlationSet: 3 });
    const model = trainToyModel(config);
    const toy = toySource(config, model.W);
    expect(toy.correlation).toEqual({ kind: 'anticorrelated', setSize: 3 });
    const rows = 2000;
    const [x, h] = [new Float32Array(rows * 6), new Float64Array(rows * 2)];
    sampleHidden({ toyW: model.W.subarray(0, 12), dist: toyDistribution(toy, 0) }, new Rng(4), x, h, rows, toy);
    const counts = setCounts(x, rows, 6, 3).flat();
    expect(counts.every((c) => c <= 1)).toBe(true);
    expectProportion(counts.filter((c) => c === 1).length / counts.length, 0.3, counts.length, 'set active');
  });

  it("the default k of topk SAEs is the data's expected number of active features: n(1 − S), (n / k)(1 − S) for anticorrelated sets", () => {
    const sae = resolveSaeConfig({ arch: ['topk'], dictSize: [40] });
    const kOf = (correlation?: FeatureCorrelation) => expandSaeGrid(sae, [0.7, 0.9], 20, correlation).map((spec) => spec.k);
    expect(kOf()).toEqual([6, 2]);
    expect(kOf({ kind: 'correlated', setSize: 2 })).toEqual([6, 2]);
    expect(kOf({ kind: 'anticorrelated', setSize: 2 })).toEqual([3, 1]);
    expect(kOf({ kind: 'anticorrelated', setSize: 4 })).toEqual([2, 1]); // 1.5 rounds to 2; 0.5 to at least 1
    expect(expectedActiveFeatures(20, 0.9, { kind: 'anticorrelated', setSize: 5 })).toBeCloseTo(0.4, 12);
    // The library's SAE training on an anticorrelated model takes it from the model's config.
    const config = resolveToyConfig({ ...base, correlation: 'anticorrelated', correlationSet: 3 });
    const model = trainToyModel(config);
    const { saes } = trainSaes(model, { arch: ['topk'], dictSize: [4], saeSteps: 2 });
    expect(saes.map((sae) => sae.spec.k)).toEqual([1, 1]); // (6 / 3)(1 − S) = 0.6 and 0.2, at least 1; independent features would give 2 and 1
  });

  it('independent (absent or named) draws exactly what the ordinary sampler draws', () => {
    const absent = resolveToyConfig(base);
    expect(toyCorrelation(absent)).toBeUndefined();
    expect('correlation' in absent).toBe(false);
    expect(toySource(absent, new Float32Array(24)).correlation).toBeUndefined();
    const a = trainToyModel(absent);
    const b = trainToyModel({ ...base, correlation: 'independent' });
    expect(sameNumbers(b.W, a.W)).toBe(true);
    expect(b.metrics.instances.map((m) => m.finalLoss)).toEqual(a.metrics.instances.map((m) => m.finalLoss));
    expect(sameNumbers(trainToyModel({ ...base, correlation: 'correlated' }).W, a.W)).toBe(false);
  });
});

describe('correlation in the toy config', () => {
  it('records kind and set size; the set size defaults to 2 where it is used', () => {
    const config = resolveToyConfig({ nFeatures: 6, correlation: 'anticorrelated', correlationSet: 3 });
    expect([config.correlation, config.correlationSet]).toEqual(['anticorrelated', 3]);
    expect(toyCorrelation(resolveToyConfig({ nFeatures: 4, correlation: 'correlated' }))).toEqual({ kind: 'correlated', setSize: 2 });
    expect(toyCorrelation(resolveToyConfig({ correlation: 'independent' }))).toBeUndefined();
  });

  it('refuses what it cannot draw, in one line naming the flag', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ nFeatures: 5, correlation: 'correlated' }, /--sparse-dim must be a multiple of --correlation-set 2: the features fall into sets of 2 \(got 5\)/],
      [{ nFeatures: 8, correlation: 'anticorrelated', correlationSet: 3 }, /--sparse-dim must be a multiple of --correlation-set 3/],
      [{ correlationSet: 2 }, /--correlation-set needs --correlation correlated or anticorrelated/],
      [{ correlation: 'independent', correlationSet: 2 }, /--correlation-set needs --correlation correlated or anticorrelated/],
      [{ correlation: 'anticorrelated', correlationSet: 1 }, /--correlation-set must be an integer in \[2, 100000\] \(got 1\)/],
      [{ correlation: 'pairs' }, /--correlation must be independent, correlated or anticorrelated \(got "pairs"\)/],
      [{ nFeatures: 8, correlation: 'correlated', hierarchy: 2, hierarchyChildren: 1 }, /--correlation cannot be combined with --hierarchy/],
      [{ correlation: 'correlated', model: 'abs' }, /--correlation is for --model relu or linear/],
      [{ nFeatures: 2, sparsity: [0.5], correlation: 'correlated', featureProbability: [[0.5, 0.4]] }, /--correlation needs one probability per instance/],
    ];
    for (const [input, message] of cases) expect(() => resolveToyConfig(input), JSON.stringify(input)).toThrow(message);
  });
});
