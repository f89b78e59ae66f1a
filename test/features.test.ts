import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import { probabilityFromSparsity, type FeatureDistribution } from '../src/data/features.js';
import { sampleBatch, sampleInstance } from '../src/data/skipSampler.js';
import { geometricImportance, importancePerInstance } from '../src/data/importance.js';

// Statistical tolerances. For a proportion estimated from N Bernoulli(p) draws, SE = √(p(1−p)/N);
// "within 1% relative" is ≥ 4 SE when 0.01·p ≥ 4·√(p(1−p)/N), i.e. N ≥ 16e4·(1−p)/p.
// For the mean of K active values ~ U(0,1), SE = √(1/12 / K); 1% of 0.5 is ≥ 4 SE when K ≥ 53 334.
const B = 100_000;
function chunksNeeded(p: number): number {
  if (p >= 1) return 1;
  const nForFraction = (16e4 * (1 - p)) / p;
  const nForMean = 53_334 / p;
  return Math.ceil(Math.max(nForFraction, nForMean, B) / B);
}

interface FeatureStats {
  rows: number; // per feature
  active: number[]; // [feat]
  activeValueSum: number[]; // [feat]
  badValues: number; // entries neither exactly 0 nor in (0, 1)
}

/** Sample `chunks` batches of B rows for one instance and count, per feature. */
function collect(dist: FeatureDistribution, instance: number, rng: Rng, chunks: number, x: Float64Array): FeatureStats {
  const n = dist.nFeatures;
  const active = new Array<number>(n).fill(0);
  const activeValueSum = new Array<number>(n).fill(0);
  let badValues = 0;
  const base = instance * B * n;
  for (let c = 0; c < chunks; c++) {
    x.fill(7, base, base + B * n); // stale data the sampler must overwrite
    sampleInstance(dist, instance, rng, x, B);
    for (let row = 0; row < B; row++) {
      for (let i = 0; i < n; i++) {
        const v = x[base + row * n + i];
        if (v === 0) continue;
        if (!(v > 0 && v < 1)) {
          badValues++;
          continue;
        }
        active[i]++;
        activeValueSum[i] += v;
      }
    }
  }
  return { rows: chunks * B, active, activeValueSum, badValues };
}

function checkStats(stats: FeatureStats, p: ArrayLike<number>): void {
  expect(stats.badValues).toBe(0);
  for (let i = 0; i < p.length; i++) {
    const pi = p[i];
    const fraction = stats.active[i] / stats.rows;
    if (pi <= 0) {
      expect(stats.active[i]).toBe(0);
      continue;
    }
    if (pi >= 1) {
      expect(stats.active[i]).toBe(stats.rows);
    } else {
      // Guard: the sample is big enough for 1% to be ≥ 4 SE.
      expect(0.01 * pi).toBeGreaterThanOrEqual(4 * Math.sqrt((pi * (1 - pi)) / stats.rows));
      expect(Math.abs(fraction - pi) / pi).toBeLessThan(0.01);
    }
    const mean = stats.activeValueSum[i] / stats.active[i];
    expect(0.005).toBeGreaterThanOrEqual(4 * Math.sqrt(1 / 12 / stats.active[i]));
    expect(Math.abs(mean - 0.5) / 0.5).toBeLessThan(0.01);
  }
}

describe('probabilityFromSparsity', () => {
  it('p = 1 − S for every feature of an instance, laid out [inst, feat]', () => {
    const p = probabilityFromSparsity([0, 0.5, 0.9], 2);
    expect(p).toBeInstanceOf(Float64Array);
    expect(Array.from(p)).toEqual([1, 1, 0.5, 0.5, 1 - 0.9, 1 - 0.9]);
  });
});

describe('sampleInstance: marginal statistics per feature', () => {
  const sparsities = [0, 0.5, 0.9, 0.99];
  const n = 5;
  const dist: FeatureDistribution = {
    nInstances: sparsities.length,
    nFeatures: n,
    featureProbability: probabilityFromSparsity(sparsities, n),
  };
  const x = new Float64Array(sparsities.length * B * n);

  for (let k = 0; k < sparsities.length; k++) {
    const p = 1 - sparsities[k];
    const chunks = chunksNeeded(p);
    it(`sparsity ${sparsities[k]}: active fraction within 1% of p, mean active value within 1% of 0.5 (${chunks} × ${B} rows per feature)`, () => {
      const rng = Rng.stream(101, k);
      const stats = collect(dist, k, rng, chunks, x);
      checkStats(stats, new Array<number>(n).fill(p));
    });
  }

  it('per-feature probabilities (including 0 and 1) within one instance', () => {
    const p = Float64Array.from([0.02, 0.1, 0.3, 0.5, 0.7, 0.95, 1, 0]);
    const d: FeatureDistribution = { nInstances: 1, nFeatures: p.length, featureProbability: p };
    const xs = new Float64Array(B * p.length);
    const stats = collect(d, 0, new Rng(202), chunksNeeded(0.02), xs);
    checkStats(stats, p);
  });

  it('p = 0 gives all zeros and p = 1 gives every entry active, in (0, 1)', () => {
    const d: FeatureDistribution = { nInstances: 2, nFeatures: 3, featureProbability: probabilityFromSparsity([1, 0], 3) };
    const xs = new Float64Array(2 * 1000 * 3).fill(-3);
    sampleBatch(d, [new Rng(1), new Rng(2)], xs, 1000);
    for (let e = 0; e < 3000; e++) expect(xs[e]).toBe(0);
    for (let e = 3000; e < 6000; e++) {
      expect(xs[e]).toBeGreaterThan(0);
      expect(xs[e]).toBeLessThan(1);
    }
  });
});

describe('sampleInstance / sampleBatch: layout and determinism', () => {
  const d: FeatureDistribution = {
    nInstances: 3,
    nFeatures: 4,
    featureProbability: probabilityFromSparsity([0.3, 0.7, 0.95], 4),
  };

  it('same rng seeds → identical batches; different seeds → different batches', () => {
    const batch = 256;
    const draw = (seed: number) => {
      const xs = new Float32Array(3 * batch * 4);
      sampleBatch(d, [0, 1, 2].map((k) => Rng.stream(seed, k)), xs, batch);
      return xs;
    };
    expect(Array.from(draw(9))).toEqual(Array.from(draw(9)));
    expect(Array.from(draw(9))).not.toEqual(Array.from(draw(10)));
  });

  it('an instance’s batch depends only on its own rng (sampleBatch = sampleInstance per instance)', () => {
    const batch = 64;
    const all = new Float64Array(3 * batch * 4);
    sampleBatch(d, [new Rng(5), new Rng(6), new Rng(7)], all, batch);
    const only1 = new Float64Array(3 * batch * 4).fill(42);
    sampleInstance(d, 1, new Rng(6), only1, batch);
    const block = batch * 4;
    expect(Array.from(only1.subarray(block, 2 * block))).toEqual(Array.from(all.subarray(block, 2 * block)));
    // Other instances' blocks are left untouched.
    expect(only1.subarray(0, block).every((v) => v === 42)).toBe(true);
    expect(only1.subarray(2 * block).every((v) => v === 42)).toBe(true);
  });

  it('writes into Float32Array too: stale data cleared, active values in (0, 1]', () => {
    // (A float32 store of a uniform draw ≥ 1 − 2⁻²⁵ rounds up to exactly 1, hence the closed bound.)
    const batch = 5000;
    const xs = new Float32Array(3 * batch * 4).fill(9);
    sampleBatch(d, [new Rng(1), new Rng(2), new Rng(3)], xs, batch);
    let active = 0;
    let bad = 0;
    for (const v of xs) {
      if (!(v === 0 || (v > 0 && v <= 1))) bad++;
      if (v !== 0) active++;
    }
    expect(bad).toBe(0);
    // Expected active = batch·4·(0.7 + 0.3 + 0.05) = 21 000; SE ≈ 100.
    expect(Math.abs(active - 21_000)).toBeLessThan(600);
  });
});

describe('geometric-skip sampler equals independent Bernoulli draws', () => {
  /** Chi-square statistic of observed counts vs expected probabilities. */
  function chiSquare(observed: number[], probs: number[], total: number): number {
    let chi2 = 0;
    for (let b = 0; b < observed.length; b++) {
      const e = probs[b] * total;
      chi2 += ((observed[b] - e) * (observed[b] - e)) / e;
    }
    return chi2;
  }
  // Loose bound: mean df, sd √(2 df); allow mean + 6 sd (≈ p < 1e-6 for these df).
  const bound = (df: number) => df + 6 * Math.sqrt(2 * df);

  for (const p of [0.5, 0.1, 0.01]) {
    it(`gaps between active rows are Geometric(p = ${p}) and independent of the active values`, () => {
      const batch = 1_000_000;
      const d: FeatureDistribution = { nInstances: 1, nFeatures: 1, featureProbability: Float64Array.from([p]) };
      const xs = new Float64Array(batch);
      const rng = new Rng(4242, Math.round(p * 1000));
      const gaps: number[] = [];
      const valueBeforeGap: number[] = [];
      const valueAfterGap: number[] = [];
      const chunks = p < 0.05 ? 10 : 1;
      for (let c = 0; c < chunks; c++) {
        sampleInstance(d, 0, rng, xs, batch);
        let last = -1;
        for (let row = 0; row < batch; row++) {
          if (xs[row] === 0) continue;
          if (last >= 0) {
            gaps.push(row - last);
            valueBeforeGap.push(xs[last]);
            valueAfterGap.push(xs[row]);
          }
          last = row;
        }
      }
      // Bins [lo, hi] of the gap G ≥ 1 with P(G ≥ k) = (1−p)^(k−1); edges at the 1/30 quantiles.
      const q = 1 - p;
      const edges: number[] = [1];
      for (let j = 1; j < 30; j++) {
        const k = Math.ceil(Math.log(1 - j / 30) / Math.log(q)) + 1;
        if (k > edges[edges.length - 1]) edges.push(k);
      }
      const probs: number[] = [];
      for (let b = 0; b < edges.length; b++) {
        const lo = edges[b];
        const hi = b + 1 < edges.length ? edges[b + 1] : Infinity; // [lo, hi)
        probs.push(q ** (lo - 1) - (hi === Infinity ? 0 : q ** (hi - 1)));
      }
      expect(Math.abs(probs.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-12);
      const observed = new Array<number>(edges.length).fill(0);
      for (const g of gaps) {
        let b = edges.length - 1;
        while (g < edges[b]) b--;
        observed[b]++;
      }
      expect(gaps.length).toBeGreaterThan(50_000);
      expect(chiSquare(observed, probs, gaps.length)).toBeLessThan(bound(edges.length - 1));
      // Mean gap 1/p, SE √((1−p)/p²/M).
      const meanGap = gaps.reduce((s, g) => s + g, 0) / gaps.length;
      expect(Math.abs(meanGap - 1 / p)).toBeLessThan(5 * Math.sqrt(q / (p * p) / gaps.length));
      // The value drawn for an active row is uncorrelated with the gaps before and after it
      // (a sampler reusing one uniform for both the skip and the value would fail here).
      const M = gaps.length;
      const mg = meanGap;
      let vg = 0;
      for (let t = 0; t < M; t++) vg += (gaps[t] - mg) ** 2;
      for (const values of [valueBeforeGap, valueAfterGap]) {
        const mv = values.reduce((s, v) => s + v, 0) / M;
        let cov = 0;
        let vv = 0;
        for (let t = 0; t < M; t++) {
          cov += (gaps[t] - mg) * (values[t] - mv);
          vv += (values[t] - mv) ** 2;
        }
        expect(Math.abs(cov / Math.sqrt(vg * vv))).toBeLessThan(5 / Math.sqrt(M));
      }
      // Consecutive gaps are uncorrelated (lag-1 autocorrelation).
      let lag = 0;
      for (let t = 0; t + 1 < M; t++) lag += (gaps[t] - mg) * (gaps[t + 1] - mg);
      expect(Math.abs(lag / vg)).toBeLessThan(5 / Math.sqrt(M));
    });
  }

  it('active count in a small batch is Binomial(B, p) (the first gap from the batch start is right)', () => {
    // Batch of 8 rows, p = 0.3: per batch, count ~ Binomial(8, 0.3). 40 000 batches of one feature.
    const batch = 8;
    const p = 0.3;
    const trials = 40_000;
    const d: FeatureDistribution = { nInstances: 1, nFeatures: 1, featureProbability: Float64Array.from([p]) };
    const xs = new Float64Array(batch);
    const rng = new Rng(77);
    const counts = new Array<number>(batch + 1).fill(0);
    const perRow = new Array<number>(batch).fill(0);
    for (let t = 0; t < trials; t++) {
      sampleInstance(d, 0, rng, xs, batch);
      let c = 0;
      for (let r = 0; r < batch; r++) {
        if (xs[r] !== 0) {
          c++;
          perRow[r]++;
        }
      }
      counts[c]++;
    }
    const choose = (nn: number, kk: number) => {
      let r = 1;
      for (let j = 1; j <= kk; j++) r = (r * (nn - kk + j)) / j;
      return r;
    };
    const probs = counts.map((_, k) => choose(batch, k) * p ** k * (1 - p) ** (batch - k));
    // Merge the sparse top bins (k ≥ 6, probability ≈ 0.0113) into one.
    const obs = [...counts.slice(0, 6), counts.slice(6).reduce((s, v) => s + v, 0)];
    const pr = [...probs.slice(0, 6), probs.slice(6).reduce((s, v) => s + v, 0)];
    let chi2 = 0;
    for (let b = 0; b < obs.length; b++) chi2 += (obs[b] - pr[b] * trials) ** 2 / (pr[b] * trials);
    expect(chi2).toBeLessThan(6 + 6 * Math.sqrt(12));
    // Every row position, including row 0 and the last row, is active with probability p.
    for (let r = 0; r < batch; r++) expect(Math.abs(perRow[r] / trials - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / trials));
  });

  it('features of one instance are independent: P(both active) = p_a · p_b', () => {
    const pa = 0.4;
    const pb = 0.25;
    const rows = 400_000;
    const d: FeatureDistribution = { nInstances: 1, nFeatures: 2, featureProbability: Float64Array.from([pa, pb]) };
    const xs = new Float64Array(rows * 2);
    sampleInstance(d, 0, new Rng(12), xs, rows);
    let both = 0;
    for (let r = 0; r < rows; r++) if (xs[2 * r] !== 0 && xs[2 * r + 1] !== 0) both++;
    const pab = pa * pb;
    expect(Math.abs(both / rows - pab)).toBeLessThan(5 * Math.sqrt((pab * (1 - pab)) / rows));
  });
});

describe('importance', () => {
  it('geometricImportance(n, r) = r^i', () => {
    expect(Array.from(geometricImportance(3, 0.5))).toEqual([1, 0.5, 0.25]);
    const g = geometricImportance(4, 0.9);
    [1, 0.9, 0.81, 0.729].forEach((v, i) => expect(g[i]).toBeCloseTo(v, 14));
    expect(Array.from(geometricImportance(3, 1))).toEqual([1, 1, 1]);
    expect(geometricImportance(0, 0.7).length).toBe(0);
  });

  it('importancePerInstance repeats the vector per instance, [inst, feat]', () => {
    expect(Array.from(importancePerInstance([1, 0.5, 0.25], 2))).toEqual([1, 0.5, 0.25, 1, 0.5, 0.25]);
    expect(importancePerInstance([2, 3], 0).length).toBe(0);
  });
});
