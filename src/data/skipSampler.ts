// The geometric-skip sampler of the features (features.ts): the Bernoulli mask is drawn column by
// column with geometric skips. The gap between two active samples of feature i is Geometric(p_i),
// so the cost is one draw per active entry rather than one per entry. The distribution is exactly
// that of independent Bernoulli(p_i) draws.
//
// Speed, with the same numbers: a skip is floor(log U / log(1 − p)) for U = (k + 1)/2³² from a
// 32-bit draw k. A table per p (skipTable.ts) over the top CELL_BITS bits of k holds the skip for
// every cell of draws on which it is provably constant, so most skips cost one lookup instead of
// a Math.log; the few draws in the other cells use the formula itself. Results are bit-identical
// to computing every skip by the formula (test/samplingExact.test.ts).
//
// Where WebAssembly runs and x is float32 (training), the same loop runs from wasm/sampler.ts
// (wasmSampler.ts; about 2 ns per active entry against 3.8 here), with the same draws and the
// same x to the bit.

import type { Rng } from '../core/rng.js';
import type { FeatureDistribution } from './features.js';
import { applyHierarchy } from './hierarchy.js';
import { NO_TABLE, SHIFT as TABLE_SHIFT, TWO_POW_MINUS_32 as TABLE_UNIT, columnTable, tableCache } from './skipTable.js';
import type { BatchLists } from '../core/batchLists.js';
import { batchListsFor, sampleInWasm, sampleInstanceLists } from './wasmSampler.js';

// Module-local copies, so the hot loop reads its constants as it did when the tables lived here.
const SHIFT = TABLE_SHIFT;
const TWO_POW_MINUS_32 = TABLE_UNIT;

/**
 * Fill one instance's block of `x` (rows `batchSize`, stride nFeatures) with fresh features.
 * `x` is [inst, batch, feat]; only the slice of instance `instance` is written.
 */
export function sampleInstance(
  dist: FeatureDistribution,
  instance: number,
  rng: Rng,
  x: Float32Array | Float64Array,
  batchSize: number,
): void {
  sampleColumns(dist, instance, rng, x, batchSize, null, 0, null);
  if (dist.hierarchy) applyHierarchy(dist.hierarchy, x, instance * batchSize * dist.nFeatures, batchSize, dist.nFeatures);
}

/**
 * sampleInstance, and h = W x [batch, m] of the batch (W [m, feat], an instance's weights) built
 * from the active entries as they are drawn: each h entry is 0 + Σ_i W_ji x_i over the active i in
 * increasing order, the same sum (bit for bit) as a row-by-row scan of x skipping zeros.
 */
export function sampleInstanceProjected(
  dist: FeatureDistribution,
  instance: number,
  rng: Rng,
  x: Float32Array | Float64Array,
  batchSize: number,
  W: ArrayLike<number>,
  m: number,
  h: Float64Array,
): void {
  h.fill(0, 0, batchSize * m);
  if (!dist.hierarchy) {
    sampleColumns(dist, instance, rng, x, batchSize, W, m, h);
    return;
  }
  // The hierarchy changes x after the draw, so h is made from the final x: the same sum, in the same order.
  sampleInstance(dist, instance, rng, x, batchSize);
  projectRows(x, instance * batchSize * dist.nFeatures, batchSize, dist.nFeatures, W, m, h);
}

/** h[s, j] = Σ_i W[j, i] x[s, i] over the nonzero x in increasing i, for the rows of a block of x starting at base. */
function projectRows(x: Float32Array | Float64Array, base: number, batchSize: number, n: number, W: ArrayLike<number>, m: number, h: Float64Array): void {
  for (let s = 0; s < batchSize; s++) {
    const row = base + s * n;
    for (let i = 0; i < n; i++) {
      const v = x[row + i];
      if (v === 0) continue;
      for (let j = 0; j < m; j++) h[s * m + j] += W[j * n + i] * v;
    }
  }
}

/** The stream's state words while a column is drawn. */
const words = new Int32Array(4);

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Rows of the current column's active entries, and their values as stored in x. */
let activeRows = new Int32Array(1024);
let activeValues = new Float64Array(1024);

/** The sampler; with W and h, also h[row, :] += W[:, i] x_i for each active entry (h zeroed by the caller). */
function sampleColumns(
  dist: FeatureDistribution,
  instance: number,
  rng: Rng,
  x: Float32Array | Float64Array,
  batchSize: number,
  W: ArrayLike<number> | null,
  m: number,
  h: Float64Array | null,
): void {
  const n = dist.nFeatures;
  const base = instance * batchSize * n;
  const cache = tableCache(dist.featureProbability);
  if (h === null && x instanceof Float32Array && sampleInWasm(dist, instance, rng, x, batchSize, cache)) return;
  x.fill(0, base, base + batchSize * n);
  if (h !== null && activeRows.length < batchSize) {
    activeRows = new Int32Array(batchSize);
    activeValues = new Float64Array(batchSize);
  }
  const rows = activeRows;
  const values = activeValues;
  for (let i = 0; i < n; i++) {
    const e0 = instance * n + i;
    const p = dist.featureProbability[e0];
    if (p <= 0) continue;
    const column = base + i;
    let count = 0;
    // p ≥ 1: every row active, one value draw per row (Rng.uniformPositive) and no skip draws.
    const everyRow = p >= 1;
    const logFailure = everyRow ? 0 : Math.log1p(-p);
    const table = everyRow ? NO_TABLE : columnTable(cache, e0, p);
    // xoshiro128** inlined (Rng.nextUint32, step for step), its state in locals for the column.
    rng.saveWords(words);
    let s0 = words[0];
    let s1 = words[1];
    let s2 = words[2];
    let s3 = words[3];
    let row = -1;
    for (;;) {
      if (everyRow) row++;
      else {
        // Number of inactive rows before the next active one: floor(log U / log(1 − p)), U = (k + 1)/2³².
        const k = Math.imul(rotl(Math.imul(s1, 5), 7), 9); // the draw as int32; k >>> 0 is its uint32
        const t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = rotl(s3, 11);
        let skip = table[k >>> SHIFT];
        if (skip < 0) skip = Math.floor(Math.log(((k >>> 0) + 1) * TWO_POW_MINUS_32) / logFailure);
        row += 1 + skip;
      }
      if (row >= batchSize) break;
      // The value: U = (k + 1)/2³² from the next draw (Rng.uniformPositive).
      const v = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      const e = column + row * n;
      x[e] = (v + 1) * TWO_POW_MINUS_32;
      if (h !== null) {
        // The stored value (rounded to float32 when x is a Float32Array) is the one h is made of.
        rows[count] = row;
        values[count++] = x[e];
      }
    }
    words[0] = s0;
    words[1] = s1;
    words[2] = s2;
    words[3] = s3;
    rng.loadWords(words);
    if (W !== null && h !== null) project(W, n, i, m, rows, values, count, h);
  }
}

/**
 * h[row, :] += W[:, i] v for the listed (row, v); W [m, n]. For m ≤ 8 the column of W lives in
 * locals (one pass over the list); wider, one pass per hidden unit. Either way each h entry gets
 * exactly one addition per listed entry, in list order.
 */
function project(W: ArrayLike<number>, n: number, i: number, m: number, rows: Int32Array, values: Float64Array, count: number, h: Float64Array): void {
  if (m > 8) {
    for (let j = 0; j < m; j++) {
      const wj = W[j * n + i];
      for (let t = 0; t < count; t++) h[rows[t] * m + j] += wj * values[t];
    }
    return;
  }
  const w0 = W[i];
  const w1 = m > 1 ? W[n + i] : 0;
  const w2 = m > 2 ? W[2 * n + i] : 0;
  const w3 = m > 3 ? W[3 * n + i] : 0;
  const w4 = m > 4 ? W[4 * n + i] : 0;
  const w5 = m > 5 ? W[5 * n + i] : 0;
  const w6 = m > 6 ? W[6 * n + i] : 0;
  const w7 = m > 7 ? W[7 * n + i] : 0;
  for (let t = 0; t < count; t++) {
    const o = rows[t] * m;
    const v = values[t];
    h[o] += w0 * v;
    if (m > 1) {
      h[o + 1] += w1 * v;
      if (m > 2) {
        h[o + 2] += w2 * v;
        if (m > 3) {
          h[o + 3] += w3 * v;
          if (m > 4) {
            h[o + 4] += w4 * v;
            if (m > 5) {
              h[o + 5] += w5 * v;
              if (m > 6) {
                h[o + 6] += w6 * v;
                if (m > 7) h[o + 7] += w7 * v;
              }
            }
          }
        }
      }
    }
  }
}

/** Fresh features for every instance, each from its own stream. `x` is [inst, batch, feat]. */
export function sampleBatch(
  dist: FeatureDistribution,
  rngs: readonly Rng[],
  x: Float32Array | Float64Array,
  batchSize: number,
): void {
  for (let k = 0; k < dist.nInstances; k++) sampleInstance(dist, k, rngs[k], x, batchSize);
}

/**
 * sampleBatch into float32 x, except that the instances with wanted[k] = 1 are kept as the lists of
 * their active inputs (core/batchLists.ts; x's slice is then not written): the same draws from the
 * same streams. `listed` of the result says which were (an instance whose skip tables do not fit is
 * drawn into x). Null, with nothing drawn, where no instance can be (no WebAssembly, or a hierarchy,
 * which rewrites x after the draw): then call sampleBatch.
 */
export function sampleBatchLists(dist: FeatureDistribution, rngs: readonly Rng[], x: Float32Array, batchSize: number, wanted: Uint8Array): BatchLists | null {
  if (dist.hierarchy) return null;
  const batch = batchListsFor(dist, batchSize);
  if (batch === null) return null;
  const cache = tableCache(dist.featureProbability);
  for (let k = 0; k < dist.nInstances; k++) {
    batch.listed[k] = wanted[k] === 1 && sampleInstanceLists(dist, k, rngs[k], batchSize, cache, batch) ? 1 : 0;
    if (batch.listed[k] === 0) sampleInstance(dist, k, rngs[k], x, batchSize);
  }
  return batch;
}
