// Seedable PRNG: xoshiro128** 1.0 (Blackman & Vigna, "Scrambled linear pseudorandom number
// generators", 2018), state filled by SplitMix32. All arithmetic is 32-bit integer (Math.imul,
// >>>), so the same seed gives the same stream on every machine and in every JS engine.
//
// Streams: `Rng.stream(seed, ...ids)` hashes a seed and a path of stream ids (e.g. instance
// index, purpose) into an independent generator. Each instance owns its streams, so results do
// not depend on how instances are grouped into models or spread over workers.

const TWO_POW_MINUS_32 = 1 / 4294967296;

/** SplitMix32 finaliser (a 32-bit variant of Steele, Lea & Flood's SplitMix64 mixer). */
function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Seedable PRNG (xoshiro128**, SplitMix32 seeding): the same seed gives the same numbers on every
 * machine. Rng.stream(seed, ...ids) gives an independent stream per (seed, instance, purpose).
 *
 * @example
 * const rng = Rng.stream(0, 3, 1); // seed 0, instance 3, purpose 1
 * rng.uniform(); // in [0, 1)
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal = NaN;

  /** A generator seeded from any 32-bit integer (and optional stream ids). */
  constructor(seed: number, ...streamIds: number[]) {
    let h = mix32((seed >>> 0) ^ 0x9e3779b9);
    for (const id of streamIds) h = mix32(h ^ mix32((id >>> 0) + 0x632be5ab));
    // SplitMix32 sequence from h fills the 128-bit state; it is never all zero.
    let z = h;
    const next = () => {
      z = (z + 0x9e3779b9) >>> 0;
      return mix32(z);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** An independent generator for a seed and a path of stream ids (instance, purpose, …). */
  static stream(seed: number, ...streamIds: number[]): Rng {
    return new Rng(seed, ...streamIds);
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform on [0, 1), 32 bits of resolution. */
  uniform(): number {
    return this.nextUint32() * TWO_POW_MINUS_32;
  }

  /** Uniform on (0, 1]: safe to take the log of. */
  uniformPositive(): number {
    return (this.nextUint32() + 1) * TWO_POW_MINUS_32;
  }

  /** Standard normal by the Box–Muller transform (the second value is kept for the next call). */
  normal(): number {
    if (this.spareNormal === this.spareNormal) {
      const z = this.spareNormal;
      this.spareNormal = NaN;
      return z;
    }
    const radius = Math.sqrt(-2 * Math.log(this.uniformPositive()));
    const angle = 2 * Math.PI * this.uniform();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** Integer uniform on [0, n), without modulo bias (rejects the top partial range). */
  integer(n: number): number {
    if (n <= 1) return 0;
    if (n > 4294967296) throw new RangeError(`Rng.integer: n must be at most 2^32, got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /**
   * The four state words into out[0..3], and back (loadWords): for a generator inlined in a hot
   * loop (features.ts), which keeps the state in locals and must advance it exactly as nextUint32.
   * Neither allocates. The words are int32, as they are after any draw.
   */
  saveWords(out: Int32Array): void {
    out[0] = this.s0;
    out[1] = this.s1;
    out[2] = this.s2;
    out[3] = this.s3;
  }

  /** Restore the four state words saved by saveWords. */
  loadWords(words: Int32Array): void {
    this.s0 = words[0];
    this.s1 = words[1];
    this.s2 = words[2];
    this.s3 = words[3];
  }

  /** The full state, for checkpoints. */
  getState(): [number, number, number, number, number] {
    return [this.s0, this.s1, this.s2, this.s3, this.spareNormal];
  }

  /** Restore a state from getState (for checkpoints). */
  setState(state: readonly number[]): void {
    if (state.length < 4 || (state[0] | state[1] | state[2] | state[3]) === 0)
      throw new RangeError('Rng.setState: needs 4 state words, not all zero');
    [this.s0, this.s1, this.s2, this.s3] = state.map((s) => s | 0);
    this.spareNormal = state.length > 4 && state[4] !== null ? Number(state[4]) : NaN;
  }
}

/** In-place Fisher–Yates shuffle of an index array. */
export function shuffle(indices: Uint32Array | Int32Array, rng: Rng): void {
  for (let i = indices.length - 1; i > 0; i--) {
    const j = rng.integer(i + 1);
    const t = indices[i];
    indices[i] = indices[j];
    indices[j] = t;
  }
}
