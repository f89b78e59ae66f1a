import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import { directionRecovery, featureLatentCosines, matchedPairs } from '../src/metrics/matching.js';
import { ActivityAccumulator, type ActivityRecovery } from '../src/metrics/recovery.js';

function expectClose(actual: number, expected: number, tol = 1e-12): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol);
}
function expectAllClose(actual: readonly number[], expected: readonly number[], tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let k = 0; k < expected.length; k++) expectClose(actual[k], expected[k], tol);
}

/** Row-major [rows, cols] matrix from a list of columns (the test reads better by column). */
function fromColumns(columns: number[][], rows: number): number[] {
  const out = new Array<number>(rows * columns.length);
  columns.forEach((col, c) => col.forEach((v, r) => (out[r * columns.length + c] = v)));
  return out;
}

function gaussianVector(rng: Rng, m: number): number[] {
  return Array.from({ length: m }, () => rng.normal());
}

/**
 * Brute-force reference for MCC: try every injection from the smaller side into the larger one
 * (the full rectangular matching the Hungarian solver computes) and keep the best Σ cos.
 */
function bruteForceMatchedSum(cos: number[][]): number {
  const k = cos.length, d = k === 0 ? 0 : cos[0].length;
  const small = Math.min(k, d), large = Math.max(k, d);
  const at = (s: number, t: number) => (k <= d ? cos[s][t] : cos[t][s]);
  const used = new Array<boolean>(large).fill(false);
  const search = (s: number): number => {
    if (s === small) return 0;
    let best = -Infinity;
    for (let t = 0; t < large; t++) {
      if (used[t]) continue;
      used[t] = true;
      best = Math.max(best, at(s, t) + search(s + 1));
      used[t] = false;
    }
    return best;
  };
  return small === 0 ? 0 : search(0);
}

describe('featureLatentCosines', () => {
  it('reads both matrices row-major by column and normalises each column', () => {
    // m = 2, n = 3 features, d = 2 latents; W columns (3, 4), (0, 0), (−1, 0).
    const W = fromColumns([[3, 4], [0, 0], [-1, 0]], 2);
    expect(W).toEqual([3, 0, -1, 4, 0, 0]); // [hidden, feat]
    // W_dec columns (2, 0), (0, −5).
    const Wdec = fromColumns([[2, 0], [0, -5]], 2);
    const cos = featureLatentCosines(W, 2, 3, Wdec, 2);
    // Ŵ_0 = (0.6, 0.8): · (1, 0) = 0.6, · (0, −1) = −0.8. Zero feature: 0. Ŵ_2 = (−1, 0).
    expect(cos.length).toBe(3);
    expectAllClose(cos[0], [0.6, -0.8]);
    expectAllClose(cos[1], [0, 0]);
    expectAllClose(cos[2], [-1, 0]);
  });

  it('a zero decoder column gives cosine 0 with every feature, never NaN', () => {
    const W = fromColumns([[1, 1], [0, 2]], 2);
    const Wdec = new Float32Array(fromColumns([[0, 0], [1, 0]], 2));
    const cos = featureLatentCosines(W, 2, 2, Wdec, 2);
    expectAllClose(cos[0], [0, Math.SQRT1_2]);
    expectAllClose(cos[1], [0, 0]);
  });

  it('clamps to [−1, 1]: (1, 0, 8) against (3, 0, 24) rounds to 1 + 2⁻⁵² unclamped', () => {
    expect(featureLatentCosines([1, 0, 8], 3, 1, [3, 0, 24], 1)).toEqual([[1]]);
    expect(featureLatentCosines([1, 0, 8], 3, 1, [-3, 0, -24], 1)).toEqual([[-1]]);
  });

  it('rejects buffers too short for the stated shapes', () => {
    expect(() => featureLatentCosines([1, 2, 3], 2, 2, [1, 0, 0, 1], 2)).toThrow(RangeError);
  });
});

describe('directionRecovery', () => {
  it('a permuted, rescaled copy of W plus extra random latents is recovered perfectly', () => {
    const rng = new Rng(11);
    const m = 4, n = 6, extra = 5, d = n + extra;
    const features = Array.from({ length: n }, () => gaussianVector(rng, m));
    const permutation = [7, 2, 9, 0, 4, 5]; // feature i → latent permutation[i]
    const latents: number[][] = Array.from({ length: d }, () => gaussianVector(rng, m));
    features.forEach((f, i) => (latents[permutation[i]] = f.map((v) => v * (0.3 + i)))); // positive rescale
    const cos = featureLatentCosines(fromColumns(features, m), m, n, fromColumns(latents, m), d);

    for (const row of cos) for (const c of row) expect(Math.abs(c)).toBeLessThanOrEqual(1); // clamped

    const all = directionRecovery(cos, [0, 1, 2, 3, 4, 5]);
    expectClose(all.mmcs, 1);
    expectClose(all.mcc, 1);
    expect(all.recovered090).toBe(n);
    expect(all.recovered099).toBe(n);
    expect(all.matchedLatent).toEqual(permutation);
    expectAllClose(all.bestCosine, new Array(n).fill(1));

    // A subset keeps its own order in the per-feature arrays.
    const subset = directionRecovery(cos, [4, 1, 3]);
    expect(subset.matchedLatent).toEqual([4, 2, 0]);
    expect(subset.recovered099).toBe(3);
    expect(matchedPairs([4, 1, 3], subset.matchedLatent)).toEqual([
      { feature: 4, latent: 4 },
      { feature: 1, latent: 2 },
      { feature: 3, latent: 0 },
    ]);
  });

  it('random directions in m = 64 give low MMCS, close to a separate Monte Carlo estimate', () => {
    const m = 64, n = 20, d = 40;
    const rng = new Rng(2024);
    const W = fromColumns(Array.from({ length: n }, () => gaussianVector(rng, m)), m);
    const Wdec = fromColumns(Array.from({ length: d }, () => gaussianVector(rng, m)), m);
    const r = directionRecovery(featureLatentCosines(W, m, n, Wdec, d), [...Array(n).keys()]);

    // Monte Carlo estimate of E[max over d latents of cos] with another seed, computed directly.
    const mc = new Rng(99);
    const unit = (v: number[]) => {
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    };
    let total = 0;
    const trials = 400;
    for (let t = 0; t < trials; t++) {
      const f = unit(gaussianVector(mc, m));
      let best = -Infinity;
      for (let l = 0; l < d; l++) {
        const u = unit(gaussianVector(mc, m));
        best = Math.max(best, f.reduce((s, v, j) => s + v * u[j], 0));
      }
      total += best;
    }
    const expected = total / trials; // ≈ 0.27 (≈ 2.2 standard deviations of 1/√64)
    expect(expected).toBeGreaterThan(0.15);
    expect(expected).toBeLessThan(0.4);
    expectClose(r.mmcs, expected, 0.05);
    expect(r.recovered090).toBe(0);
    expect(r.recovered099).toBe(0);
    // One-to-one can only do worse than each feature's own best, but still picks positive cosines.
    expect(r.mcc).toBeLessThanOrEqual(r.mmcs);
    expect(r.mcc).toBeGreaterThan(0);
  });

  it('two features closest to the same latent: MMCS counts it twice, MCC does not', () => {
    const a = (20 * Math.PI) / 180;
    // Latents e1, e2 in m = 2; feature 0 = e1, feature 1 at 20° from e1.
    const W = fromColumns([[1, 0], [Math.cos(a), Math.sin(a)]], 2);
    const Wdec = fromColumns([[1, 0], [0, 1]], 2);
    const r = directionRecovery(featureLatentCosines(W, 2, 2, Wdec, 2), [0, 1]);
    expectAllClose(r.bestCosine, [1, Math.cos(a)]);
    expectClose(r.mmcs, (1 + Math.cos(a)) / 2); // latent 0 used by both
    expectClose(r.mcc, (1 + Math.sin(a)) / 2); // feature 1 must take latent 1
    expect(r.matchedLatent).toEqual([0, 1]);
    expect(r.mcc).toBeLessThan(r.mmcs - 0.2);
  });

  it('MCC equals a brute-force search over all matchings on random small matrices', () => {
    const rng = new Rng(5);
    for (let trial = 0; trial < 60; trial++) {
      const k = 1 + rng.integer(6), d = 1 + rng.integer(6);
      const cos = Array.from({ length: k }, () => Array.from({ length: d }, () => 2 * rng.uniform() - 1));
      const features = [...Array(k).keys()];
      const r = directionRecovery(cos, features);
      expectClose(r.mcc * k, bruteForceMatchedSum(cos), 1e-12);
      // The returned matching is one-to-one, as full as possible, and scores what mcc says.
      const used = r.matchedLatent.filter((l) => l >= 0);
      expect(new Set(used).size).toBe(used.length);
      expect(used.length).toBe(Math.min(k, d));
      const scored = r.matchedLatent.reduce((s, l, i) => s + (l >= 0 ? cos[i][l] : 0), 0);
      expectClose(scored, r.mcc * k);
      // Each matched feature scores at most its best cosine; an unmatched one scores 0, which can
      // beat a negative best — so MCC ≤ MMCS holds only when d ≥ k, in general MCC ≤ mean max(best, 0).
      if (d >= k) expect(r.mmcs).toBeGreaterThanOrEqual(r.mcc - 1e-15);
      const positivePart = r.bestCosine.reduce((s, c) => s + Math.max(c, 0), 0) / k;
      expect(r.mcc).toBeLessThanOrEqual(positivePart + 1e-15);
    }
  });

  it('d < n: unmatched features score 0 and get latent -1', () => {
    const cos = [
      [1, 0],
      [0, 1],
      [0.5, 0.5],
    ];
    const r = directionRecovery(cos, [0, 1, 2]);
    expect(r.matchedLatent).toEqual([0, 1, -1]);
    expectClose(r.mcc, (1 + 1 + 0) / 3); // divides by all 3 features
    expectClose(r.mmcs, (1 + 1 + 0.5) / 3);
    expect(r.recovered090).toBe(2);
    expect(matchedPairs([0, 1, 2], r.matchedLatent)).toEqual([
      { feature: 0, latent: 0 },
      { feature: 1, latent: 1 },
    ]);

    // Same through real vectors: 3 features in m = 3, a 1-latent dictionary along feature 2.
    const W = fromColumns([[1, 0, 0], [0, 1, 0], [0, 0, 1]], 3);
    const one = directionRecovery(featureLatentCosines(W, 3, 3, [0, 0, 4], 1), [0, 1, 2]);
    expect(one.matchedLatent).toEqual([-1, -1, 0]);
    expectClose(one.mcc, 1 / 3);
  });

  it('empty subset and empty dictionary give zeros, never NaN', () => {
    const cos = [[0.5, 0.2]];
    const empty = directionRecovery(cos, []);
    expect(empty).toEqual({ mmcs: 0, recovered090: 0, recovered099: 0, mcc: 0, matchedLatent: [], bestCosine: [] });

    const noLatents = directionRecovery([[], []], [0, 1]);
    expect(noLatents).toEqual({ mmcs: 0, recovered090: 0, recovered099: 0, mcc: 0, matchedLatent: [-1, -1], bestCosine: [0, 0] });
  });

  it('with d ≥ n every feature is matched, even to a negative cosine', () => {
    const r = directionRecovery([[0.9, -0.1], [0.8, -0.5]], [0, 1]);
    // Options: 0.9 − 0.5 = 0.4 or −0.1 + 0.8 = 0.7.
    expect(r.matchedLatent).toEqual([1, 0]);
    expectClose(r.mcc, 0.35);
  });

  it('rejects out-of-range features and non-finite cosines', () => {
    expect(() => directionRecovery([[1]], [1])).toThrow(RangeError);
    expect(() => directionRecovery([[1], [NaN]], [0, 1])).toThrow(RangeError);
  });
});

// ───────────── activations ─────────────

/** Brute-force reference straight from the definitions, with every sample in memory (two-pass). */
function referenceActivity(
  x: number[][], z: number[][], h: number[][], hHat: number[][], bDec: number[],
  pairs: { feature: number; latent: number }[],
): ActivityRecovery {
  const N = x.length, d = z[0].length, m = h[0].length;
  const mean = (v: number[]) => v.reduce((s, a) => s + a, 0) / v.length;
  const pearson = (a: number[], b: number[]) => {
    const ma = mean(a), mb = mean(b);
    let c = 0, va = 0, vb = 0;
    for (let s = 0; s < a.length; s++) {
      c += (a[s] - ma) * (b[s] - mb);
      va += (a[s] - ma) ** 2;
      vb += (b[s] - mb) ** 2;
    }
    return va === 0 || vb === 0 ? 0 : c / Math.sqrt(va * vb);
  };
  const precision: number[] = [], recall: number[] = [], f1: number[] = [], purity: number[] = [];
  for (const { feature: i, latent: l } of pairs) {
    const fires = z.filter((row) => row[l] > 0).length;
    const active = x.filter((row) => row[i] > 0).length;
    const both = x.filter((row, s) => row[i] > 0 && z[s][l] > 0).length;
    const P = fires ? both / fires : 0, R = active ? both / active : 0;
    precision.push(P);
    recall.push(R);
    f1.push(P + R ? (2 * P * R) / (P + R) : 0);
    purity.push(pearson(z.map((row) => row[l]), x.map((row) => row[i])));
  }
  const firingFrequency = Array.from({ length: d }, (_, l) => z.filter((row) => row[l] > 0).length / N);
  const hMean = Array.from({ length: m }, (_, j) => mean(h.map((row) => row[j])));
  const sq = (a: number[], b: number[]) => a.reduce((s, v, j) => s + (v - b[j]) ** 2, 0);
  const errors = h.map((row, s) => sq(row, hHat[s]));
  const variance = h.map((row) => sq(row, hMean));
  const nonzero = h.map((row) => row.some((v) => v !== 0));
  const hatNorms = hHat.filter((_, s) => nonzero[s]).map((row) => Math.sqrt(sq(row, bDec)));
  const norms = h.filter((_, s) => nonzero[s]).map((row) => Math.sqrt(sq(row, bDec)));
  return {
    precision, recall, f1, purity,
    l0: mean(z.map((row) => row.filter((v) => v !== 0).length)),
    trueL0: mean(x.map((row) => row.filter((v) => v > 0).length)),
    deadLatents: firingFrequency.filter((f) => f === 0).length,
    denseLatents: firingFrequency.filter((f) => f > 0.5).length,
    firingFrequency,
    mse: mean(errors),
    fve: 1 - errors.reduce((s, e) => s + e, 0) / variance.reduce((s, v) => s + v, 0),
    shrinkage: mean(hatNorms) / mean(norms),
  };
}

function expectActivityClose(a: ActivityRecovery, b: ActivityRecovery, tol: number): void {
  for (const key of ['precision', 'recall', 'f1', 'purity', 'firingFrequency'] as const) expectAllClose(a[key], b[key], tol);
  for (const key of ['l0', 'trueL0', 'mse', 'fve', 'shrinkage'] as const) expectClose(a[key], b[key], tol);
  expect(a.deadLatents).toBe(b.deadLatents);
  expect(a.denseLatents).toBe(b.denseLatents);
}

/** Feed rows [s0, s1) of row-major per-sample arrays to the accumulator as one batch. */
function addRows(acc: ActivityAccumulator, data: { x: number[][]; z: number[][]; h: number[][]; hHat: number[][] }, s0: number, s1: number, f32 = false): void {
  const pack = (rows: number[][]) => (f32 ? new Float32Array(rows.slice(s0, s1).flat()) : rows.slice(s0, s1).flat());
  acc.add(pack(data.x), pack(data.z), pack(data.h), pack(data.hHat), s1 - s0);
}

describe('ActivityAccumulator', () => {
  // Hand-built set: n = 2 features, d = 4 latents, m = 2 hidden, N = 4 samples.
  const hand = {
    x: [[1, 0], [0.5, 0], [0, 1], [0, 0]],
    z: [[2, 0, 0, 1], [0, 0, 0, 1], [1, 3, 0, 1], [0, 0, 0, 0]],
    h: [[2, 0], [1, 1], [0, 2], [0, 0]],
    hHat: [[2, 0], [1, 0], [0, 1], [0.5, 0]],
  };
  const bDec = [0.5, 0];
  const pairs = [
    { feature: 0, latent: 0 },
    { feature: 1, latent: 1 },
    { feature: 1, latent: 2 }, // latent 2 is dead
  ];

  it('hand-computed precision, recall, F1, purity, L0, dead / dense', () => {
    const acc = new ActivityAccumulator(2, 4, 2, bDec, pairs);
    addRows(acc, hand, 0, 4);
    const r = acc.result();
    // Latent 0 fires on s0, s2; feature 0 active on s0, s1; both on s0 only.
    // Latent 1 fires on s2 exactly when feature 1 is active. Latent 2 never fires.
    expectAllClose(r.precision, [1 / 2, 1, 0]);
    expectAllClose(r.recall, [1 / 2, 1, 0]);
    expectAllClose(r.f1, [1 / 2, 1, 0]);
    // z_0 = (2, 0, 1, 0), x_0 = (1, .5, 0, 0): means .75, .375; Σdzdx = .875, Σdz² = 2.75,
    // Σdx² = .6875 → .875 / √1.890625 = .875 / 1.375 = 7/11. Pair 2: z constant → 0.
    expectAllClose(r.purity, [7 / 11, 1, 0]);
    expectClose(r.l0, (2 + 1 + 3 + 0) / 4);
    expectClose(r.trueL0, (1 + 1 + 1 + 0) / 4);
    expectAllClose(r.firingFrequency, [0.5, 0.25, 0, 0.75]);
    expect(r.deadLatents).toBe(1);
    expect(r.denseLatents).toBe(1); // latent 3 (75%); latent 0 at exactly 50% is not dense
  });

  it('hand-computed MSE, FVE (ratio of sums about the mean) and shrinkage', () => {
    const acc = new ActivityAccumulator(2, 4, 2, bDec, pairs);
    addRows(acc, hand, 0, 4);
    const r = acc.result();
    // ‖h − ĥ‖² per sample: 0, 1, 1, 0.25.
    expectClose(r.mse, 2.25 / 4);
    // h̄ = (.75, .75); ‖h − h̄‖²: 2.125, .125, 2.125, 1.125 → Σ = 5.5.
    expectClose(r.fve, 1 - 2.25 / 5.5);
    // The known bugs give other numbers: mean of per-sample ratios, and variance about 0.
    const meanOfRatios = 1 - (0 / 2.125 + 1 / 0.125 + 1 / 2.125 + 0.25 / 1.125) / 4;
    const aboutZero = 1 - 2.25 / (4 + 2 + 4 + 0);
    expect(Math.abs(r.fve - meanOfRatios)).toBeGreaterThan(1);
    expect(Math.abs(r.fve - aboutZero)).toBeGreaterThan(0.1);
    // Shrinkage over s0..s2 (s3 has h = 0): ‖ĥ − b‖ = 1.5, .5, √1.25; ‖h − b‖ = 1.5, √1.25, √4.25.
    expectClose(r.shrinkage, (1.5 + 0.5 + Math.sqrt(1.25)) / (1.5 + Math.sqrt(1.25) + Math.sqrt(4.25)));
  });

  it('a constant but nonzero feature value has purity 0, not rounding noise', () => {
    const N = 7;
    const data = {
      x: Array.from({ length: N }, () => [0.1]),
      z: Array.from({ length: N }, (_, s) => [s % 3]),
      h: Array.from({ length: N }, (_, s) => [s]),
      hHat: Array.from({ length: N }, (_, s) => [s]),
    };
    const acc = new ActivityAccumulator(1, 1, 1, [0], [{ feature: 0, latent: 0 }]);
    // Float64: 0.1 + 0.1 + 0.1 = 0.30000000000000004, so the batch mean is not exactly 0.1 and
    // the centred second moment of x is a rounding residue, not 0.
    addRows(acc, data, 0, 3);
    addRows(acc, data, 3, 7);
    const r = acc.result();
    expect(r.purity).toEqual([0]);
    expectClose(r.recall[0], 4 / 7); // z > 0 on s = 1, 2, 4, 5
    expectClose(r.fve, 1); // perfect reconstruction
  });

  it('matches a brute-force reference and is invariant to batching (1 vs 3 uneven batches)', () => {
    const rng = new Rng(314);
    const N = 50, n = 5, d = 7, m = 3;
    const x = Array.from({ length: N }, () => Array.from({ length: n }, () => (rng.uniform() < 0.3 ? rng.uniform() : 0)));
    const z = Array.from({ length: N }, () => Array.from({ length: d }, (_, l) => (l === 6 ? 0 : Math.max(0, rng.normal()))));
    const h = x.map((row) => Array.from({ length: m }, (_, j) => row.reduce((s, v, i) => s + v * Math.cos(i + j), 0) + 3));
    const hHat = h.map((row) => row.map((v) => 0.8 * v + 0.1 * rng.normal()));
    const data = { x, z, h, hHat };
    const b = [2.5, 3, 3.5];
    const ps = [{ feature: 0, latent: 3 }, { feature: 4, latent: 0 }, { feature: 2, latent: 6 }, { feature: 1, latent: 1 }];

    const one = new ActivityAccumulator(n, d, m, b, ps);
    addRows(one, data, 0, N);
    const three = new ActivityAccumulator(n, d, m, b, ps);
    addRows(three, data, 0, 7);
    three.add([], [], [], [], 0); // an empty batch changes nothing
    addRows(three, data, 7, 37);
    addRows(three, data, 37, 50);

    const reference = referenceActivity(x, z, h, hHat, b, ps);
    expectActivityClose(one.result(), reference, 1e-12);
    expectActivityClose(three.result(), one.result(), 1e-12);
    expect(one.result().deadLatents).toBe(1);
  });

  it('Float32Array input (with a mean far from 0) agrees with the float64 reference', () => {
    const rng = new Rng(8);
    const N = 200, n = 3, d = 4, m = 2;
    const x = Array.from({ length: N }, () => Array.from({ length: n }, () => (rng.uniform() < 0.5 ? Math.fround(rng.uniform()) : 0)));
    const z = Array.from({ length: N }, () => Array.from({ length: d }, () => Math.fround(Math.max(0, rng.normal()))));
    const h = Array.from({ length: N }, () => Array.from({ length: m }, () => Math.fround(1e6 + rng.normal())));
    const hHat = h.map((row) => row.map((v) => Math.fround(v + 0.5 * rng.normal())));
    const ps = [{ feature: 2, latent: 1 }];
    const acc = new ActivityAccumulator(n, d, m, [0, 0], ps);
    for (let s = 0; s < N; s += 64) addRows(acc, { x, z, h, hHat }, s, Math.min(N, s + 64), true);
    // Variance ≈ 2 per sample against a mean of 10⁶: Σh² − (Σh)²/N loses ~10⁻² absolute to
    // cancellation even in float64 (Σh² ≈ 4·10¹⁴), far beyond this tolerance; centred moments do not.
    expectActivityClose(acc.result(), referenceActivity(x, z, h, hHat, [0, 0], ps), 1e-9);
  });

  it('before any data: zeros, every latent dead, no NaN', () => {
    const r = new ActivityAccumulator(2, 3, 2, [0, 0], [{ feature: 1, latent: 2 }]).result();
    expect(r).toEqual({
      precision: [0], recall: [0], f1: [0], purity: [0],
      l0: 0, trueL0: 0, deadLatents: 3, denseLatents: 0, firingFrequency: [0, 0, 0],
      mse: 0, fve: 0, shrinkage: 0,
    });
  });

  it('rejects bad pairs, bias and short batches', () => {
    expect(() => new ActivityAccumulator(2, 2, 2, [0, 0], [{ feature: 2, latent: 0 }])).toThrow(RangeError);
    expect(() => new ActivityAccumulator(2, 2, 2, [0, 0], [{ feature: 0, latent: -1 }])).toThrow(RangeError);
    expect(() => new ActivityAccumulator(2, 2, 2, [0], [])).toThrow(RangeError);
    const acc = new ActivityAccumulator(2, 2, 2, [0, 0], []);
    expect(() => acc.add([1, 0], [1, 0], [1, 0], [1], 1)).toThrow(RangeError);
  });
});
