import { describe, expect, it } from 'vitest';
import { Rng, shuffle } from '../src/core/rng.js';

// Independent reference xoshiro128** 1.0 written with BigInt and explicit 32-bit masks
// (Blackman & Vigna, https://prng.di.unimi.it/xoshiro128starstar.c):
//   result = rotl(s1 * 5, 7) * 9;  t = s1 << 9;
//   s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11)
const MASK = 0xffffffffn;
function rotlBig(x: bigint, k: bigint): bigint {
  return ((x << k) | (x >> (32n - k))) & MASK;
}
class RefXoshiro128ss {
  private s: bigint[];
  constructor(words: readonly number[]) {
    this.s = words.slice(0, 4).map((w) => BigInt(w >>> 0));
  }
  next(): number {
    const s = this.s;
    const result = (rotlBig((s[1] * 5n) & MASK, 7n) * 9n) & MASK;
    const t = (s[1] << 9n) & MASK;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotlBig(s[3], 11n);
    return Number(result);
  }
}

function draws(rng: Rng, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(rng.nextUint32());
  return out;
}

describe('xoshiro128** core', () => {
  it('matches the published reference output for state [1, 2, 3, 4]', () => {
    const rng = new Rng(0);
    rng.setState([1, 2, 3, 4]);
    // Hand check of the first value: rotl(2·5, 7)·9 = 1280·9 = 11520.
    expect(draws(rng, 6)).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('matches an independent BigInt reference for 1000 outputs from several seeded states', () => {
    for (const [seed, ...ids] of [[0], [1], [12345], [0xffffffff], [7, 3], [7, 3, 9]]) {
      const rng = new Rng(seed, ...ids);
      const ref = new RefXoshiro128ss(rng.getState());
      const got = draws(rng, 1000);
      const want = Array.from({ length: 1000 }, () => ref.next());
      expect(got).toEqual(want);
    }
  });

  it('matches the reference from a state with high bits set in every word', () => {
    const words = [0xdeadbeef, 0x80000000, 0xffffffff, 0x7fffffff];
    const rng = new Rng(0);
    rng.setState(words);
    const ref = new RefXoshiro128ss(words);
    expect(draws(rng, 1000)).toEqual(Array.from({ length: 1000 }, () => ref.next()));
  });

  it('returns unsigned 32-bit integers', () => {
    const rng = new Rng(99);
    let sawHighBit = false;
    for (let i = 0; i < 1000; i++) {
      const x = rng.nextUint32();
      expect(Number.isInteger(x)).toBe(true);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(4294967296);
      if (x >= 0x80000000) sawHighBit = true;
    }
    expect(sawHighBit).toBe(true);
  });
});

describe('seeding and streams', () => {
  it('same seed and stream ids give the same sequence', () => {
    expect(draws(new Rng(42), 100)).toEqual(draws(new Rng(42), 100));
    expect(draws(new Rng(42, 3, 1), 100)).toEqual(draws(new Rng(42, 3, 1), 100));
    expect(draws(Rng.stream(42, 3, 1), 100)).toEqual(draws(new Rng(42, 3, 1), 100));
  });

  it('different seeds and different stream ids give different sequences', () => {
    const sequences = [
      draws(new Rng(42), 20),
      draws(new Rng(43), 20),
      draws(Rng.stream(42, 0), 20),
      draws(Rng.stream(42, 1), 20),
      draws(Rng.stream(42, 2), 20),
      draws(Rng.stream(42, 1, 2), 20),
      draws(Rng.stream(42, 2, 1), 20),
      draws(Rng.stream(43, 1), 20),
    ];
    const keys = new Set(sequences.map((s) => s.join(',')));
    expect(keys.size).toBe(sequences.length);
    // Not merely shifted copies of each other: no shared values at all in the first 20 draws.
    const all = sequences.flat();
    expect(new Set(all).size).toBe(all.length);
  });

  it('first uniform draw over consecutive small seeds is itself uniform (no ≈1.0 first draws)', () => {
    // Chi-square on the first draw of seeds 0..9999 over 10 equal bins (9 d.o.f.);
    // the 1e-6 upper quantile of χ²₉ is ≈ 45.
    const bins = new Array<number>(10).fill(0);
    for (let seed = 0; seed < 10000; seed++) bins[Math.floor(new Rng(seed).uniform() * 10)]++;
    const expected = 1000;
    const chi2 = bins.reduce((acc, c) => acc + ((c - expected) * (c - expected)) / expected, 0);
    expect(chi2).toBeLessThan(45);
  });
});

describe('distributions', () => {
  const N = 100_000;

  it('uniform() lies in [0, 1) with mean 1/2 and variance 1/12', () => {
    const rng = new Rng(2024);
    let sum = 0;
    let sumSq = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < N; i++) {
      const u = rng.uniform();
      sum += u;
      sumSq += u * u;
      if (u < min) min = u;
      if (u > max) max = u;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    const mean = sum / N;
    const variance = sumSq / N - mean * mean;
    // SE(mean) = √(1/12 / N) ≈ 9.1e-4; SE(var) = √((μ₄ − σ⁴)/N) = √((1/80 − 1/144)/N) = √(1/180/N) ≈ 2.4e-4.
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / N));
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / N));
  });

  it('uniform() is nextUint32() · 2^-32 and uniformPositive() is (nextUint32() + 1) · 2^-32', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    const c = new Rng(5);
    for (let i = 0; i < 100; i++) {
      const x = a.nextUint32();
      expect(b.uniform()).toBe(x / 4294967296);
      expect(c.uniformPositive()).toBe((x + 1) / 4294967296);
    }
    // Extremes, from states whose next output is known: s1 = 0 gives result 0.
    const z = new Rng(0);
    z.setState([1, 0, 3, 4]);
    expect(z.uniform()).toBe(0);
    z.setState([1, 0, 3, 4]);
    expect(z.uniformPositive()).toBe(2 ** -32);
  });

  it('normal() has mean 0, variance 1, the right tails, and uncorrelated Box–Muller pairs', () => {
    const rng = new Rng(77);
    let sum = 0;
    let sumSq = 0;
    let sum4 = 0;
    let within1 = 0;
    let pairProduct = 0;
    for (let i = 0; i < N; i += 2) {
      const z1 = rng.normal();
      const z2 = rng.normal();
      for (const z of [z1, z2]) {
        sum += z;
        sumSq += z * z;
        sum4 += z ** 4;
        if (Math.abs(z) < 1) within1++;
      }
      pairProduct += z1 * z2;
    }
    const mean = sum / N;
    const variance = sumSq / N - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(N)); // SE = 1/√N
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / N)); // SE = √(2/N)
    // E z⁴ = 3, Var z⁴ = 105 − 9 = 96.
    expect(Math.abs(sum4 / N - 3)).toBeLessThan(5 * Math.sqrt(96 / N));
    // P(|z| < 1) = erf(1/√2) = 0.682689...
    const p1 = 0.6826894921370859;
    expect(Math.abs(within1 / N - p1)).toBeLessThan(5 * Math.sqrt((p1 * (1 - p1)) / N));
    // Cos and sin halves of a pair are independent: E[z1 z2] = 0 with SE 1/√(N/2).
    expect(Math.abs(pairProduct / (N / 2))).toBeLessThan(5 / Math.sqrt(N / 2));
  });

  it('integer(n) stays in [0, n) and is uniform (chi-square)', () => {
    const rng = new Rng(31337);
    for (const n of [2, 7, 10, 1000]) {
      const draws = 200 * n;
      const counts = new Array<number>(n).fill(0);
      let outOfRange = 0;
      for (let i = 0; i < draws; i++) {
        const k = rng.integer(n);
        if (!Number.isInteger(k) || k < 0 || k >= n) outOfRange++;
        else counts[k]++;
      }
      expect(outOfRange).toBe(0);
      const expected = draws / n;
      const chi2 = counts.reduce((acc, c) => acc + ((c - expected) * (c - expected)) / expected, 0);
      // Loose bound: mean n−1, sd √(2(n−1)); allow mean + 6 sd.
      expect(chi2).toBeLessThan(n - 1 + 6 * Math.sqrt(2 * (n - 1)));
    }
    expect(rng.integer(1)).toBe(0);
    expect(rng.integer(0)).toBe(0);
  });

  it('integer(n) has no modulo bias for n = 3·2^30 (plain modulo would put half the mass in the first third)', () => {
    const rng = new Rng(8);
    const n = 3 * 2 ** 30;
    const third = 2 ** 30;
    const counts = [0, 0, 0];
    const draws = 30_000;
    let outOfRange = 0;
    for (let i = 0; i < draws; i++) {
      const k = rng.integer(n);
      if (!Number.isInteger(k) || k < 0 || k >= n) outOfRange++;
      else counts[Math.floor(k / third)]++;
    }
    expect(outOfRange).toBe(0);
    // Each third should have probability 1/3; SE of a proportion ≈ √(2/9/N) ≈ 2.7e-3.
    for (const c of counts) expect(Math.abs(c / draws - 1 / 3)).toBeLessThan(5 * Math.sqrt(2 / 9 / draws));
  });
});

describe('shuffle', () => {
  it('produces a permutation', () => {
    const rng = new Rng(3);
    for (const length of [0, 1, 2, 10, 257]) {
      const a = new Uint32Array(length).map((_, i) => i);
      shuffle(a, rng);
      expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length }, (_, i) => i));
    }
    const signed = new Int32Array([-5, 4, 9, 0, 100]);
    shuffle(signed, rng);
    expect(Array.from(signed).sort((x, y) => x - y)).toEqual([-5, 0, 4, 9, 100]);
  });

  it('actually moves things, and gives all 3! orderings with equal frequency', () => {
    const rng = new Rng(4);
    const big = new Uint32Array(100).map((_, i) => i);
    shuffle(big, rng);
    let fixed = 0;
    for (let i = 0; i < big.length; i++) if (big[i] === i) fixed++;
    expect(fixed).toBeLessThan(10); // expected number of fixed points is 1

    const counts = new Map<string, number>();
    const trials = 60_000;
    for (let t = 0; t < trials; t++) {
      const a = new Uint32Array([0, 1, 2]);
      shuffle(a, rng);
      const key = a.join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    const expected = trials / 6;
    let chi2 = 0;
    for (const c of counts.values()) chi2 += ((c - expected) * (c - expected)) / expected;
    expect(chi2).toBeLessThan(5 + 6 * Math.sqrt(10)); // 5 d.o.f., loose
  });
});

describe('getState / setState', () => {
  it('round-trips mid-stream, including a cached spare normal', () => {
    const rng = new Rng(123, 4);
    for (let i = 0; i < 17; i++) rng.nextUint32();
    rng.normal(); // leaves the sin half cached
    const state = rng.getState();
    expect(Number.isFinite(state[4])).toBe(true);

    const continuation = () => [rng.normal(), rng.normal(), rng.normal(), rng.uniform(), rng.nextUint32(), rng.integer(10)];
    const restored = new Rng(999);
    restored.setState(state);
    const want = continuation();
    const got = [restored.normal(), restored.normal(), restored.normal(), restored.uniform(), restored.nextUint32(), restored.integer(10)];
    expect(got).toEqual(want);
    // The first normal after the restore is the cached spare itself.
    expect(got[0]).toBe(state[4]);
  });

  it('round-trips through JSON (NaN spare becomes null) and the state is not aliased', () => {
    const rng = new Rng(55);
    rng.normal();
    rng.normal(); // spare consumed: state[4] is NaN
    const state = rng.getState();
    expect(Number.isNaN(state[4])).toBe(true);
    const json = JSON.parse(JSON.stringify(state)) as number[];
    const restored = new Rng(1);
    restored.setState(json);
    const a = [rng.normal(), rng.normal(), rng.nextUint32()];
    const b = [restored.normal(), restored.normal(), restored.nextUint32()];
    expect(b).toEqual(a);

    // Mutating the returned array must not affect the generator.
    const r2 = new Rng(8);
    const s2 = r2.getState();
    const copy = [...s2];
    s2[0] = 0;
    s2[1] = 0;
    const r3 = new Rng(0);
    r3.setState(copy);
    expect(r2.nextUint32()).toBe(r3.nextUint32());
  });

  it('accepts a 4-word state (no spare) and words given as unsigned values', () => {
    const a = new Rng(0);
    a.setState([0xffffffff, 0x80000000, 5, 6]);
    const b = new Rng(0);
    b.setState([-1, -2147483648, 5, 6]);
    expect(draws(a, 50)).toEqual(draws(b, 50));
    const ref = new RefXoshiro128ss([0xffffffff, 0x80000000, 5, 6]);
    const c = new Rng(0);
    c.setState([0xffffffff, 0x80000000, 5, 6]);
    expect(draws(c, 50)).toEqual(Array.from({ length: 50 }, () => ref.next()));
  });
});
