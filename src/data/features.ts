// Sparse synthetic features, as in Toy Models of Superposition §2:
//   x_i = [u_i < p_i] · v_i,   u, v ~ U[0, 1] independent,   p_i = featureProbability = 1 − S.
// v is drawn on (0, 1] so that an active feature is never exactly 0 (zero means inactive).
// The Bernoulli mask is drawn column by column with geometric skips: the gap between two
// active samples of feature i is Geometric(p_i), so the cost is one draw per active entry rather
// than one per entry. The distribution is exactly that of independent Bernoulli(p_i) draws.
//
// Speed, with the same numbers: a skip is floor(log U / log(1 − p)) for U = (k + 1)/2³² from a
// 32-bit draw k. A table per p (skipTable) over the top CELL_BITS bits of k holds the skip for
// every cell of draws on which it is provably constant, so most skips cost one lookup instead of
// a Math.log; the few draws in the other cells use the formula itself. Results are bit-identical
// to computing every skip by the formula (test/samplingExact.test.ts).
//
// Where WebAssembly runs and x is float32 (training), the same loop runs from wasm/sampler.ts (about
// 2 ns per active entry against 3.8 here), with the same draws and the same x to the bit.

import type { Rng } from '../core/rng.js';
import { PAGE, instantiate } from '../core/wasm.js';
import { SAMPLER_WASM_BASE64 } from './wasm/sampler.generated.js';

export interface FeatureDistribution {
  nInstances: number;
  nFeatures: number;
  /** Probability that each feature is active. // [inst, feat] */
  featureProbability: Float64Array;
}

/** p[inst, feat] = 1 − sparsity[inst], the same for every feature of an instance. */
export function probabilityFromSparsity(sparsity: readonly number[], nFeatures: number): Float64Array {
  const p = new Float64Array(sparsity.length * nFeatures); // [inst, feat]
  for (let k = 0; k < sparsity.length; k++) p.fill(1 - sparsity[k], k * nFeatures, (k + 1) * nFeatures);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Skip tables. Draw k ∈ [0, 2³²) gives U = (k + 1)·2⁻³² (exact in float64) and the skip
// f(k) = floor(r(k)), r(k) = log(U) / log(1 − p) ≥ 0, computed in float64 with Math.log (error
// < 1 ulp) and one correctly rounded division: r(k) = t(k)(1 + e), |e| < 2⁻⁵¹, where the exact
// ratio t is strictly decreasing in k. Cell c holds the draws k with k >>> SHIFT = c. If the
// computed ratios at its two ends lie in [j, j + 1) with a relative margin MARGIN ≫ 2⁻⁵⁰ on each
// side, every draw inside has t between the ends' exact ratios and hence r(k) in [j, j + 1):
// f(k) = j on the whole cell, whatever the rounding of Math.log inside it. Such cells store j;
// the others store FALLBACK and their draws take the formula (exact by definition). At p = 0.1,
// 67 of the 4096 cells fall back (1.6% of draws); a check of all 2³² draws at p = 1 − 0.9 and at
// p = 0.5 found no table entry differing from the formula.

const TWO_POW_MINUS_32 = 1 / 4294967296;
const CELL_BITS = 12;
const SHIFT = 32 - CELL_BITS;
const CELLS = 1 << CELL_BITS;
const FALLBACK = -1;
const MARGIN = 2 ** -40;
/** Below this p most cells span a skip boundary: no table, every skip by the formula. */
const MIN_TABLE_P = 1 / 256;
/** Tables kept (one per distinct p, 16 KiB each); the cache is emptied when it would grow past this. */
const MAX_TABLES = 256;

const skipTables = new Map<number, Int32Array>();
/** Every cell falls back to the formula: where no table applies (p < MIN_TABLE_P). */
const NO_TABLE = new Int32Array(CELLS).fill(FALLBACK);

/**
 * Per featureProbability array: the p each table was looked up for and the table, per entry, so
 * that a batch finds its tables without a Map lookup by number (which boxes the key: the hot loop
 * allocates nothing). An entry is looked up again when its p changed since.
 */
interface TableCache {
  p: Float64Array;
  tables: (Int32Array | null)[];
  /** log(1 − p) of the entry's p. */
  logFailure: Float64Array;
  /** Byte offset of the entry's table in the sampler module's memory, valid in generation wasmGen. */
  wasmTable: Int32Array;
  wasmGen: Int32Array;
}
const tableCaches = new WeakMap<Float64Array, TableCache>();

function tableCache(probability: Float64Array): TableCache {
  let cache = tableCaches.get(probability);
  if (cache === undefined || cache.p.length !== probability.length) {
    const size = probability.length;
    cache = {
      p: new Float64Array(size).fill(NaN),
      tables: new Array<Int32Array | null>(size).fill(null),
      logFailure: new Float64Array(size),
      wasmTable: new Int32Array(size),
      wasmGen: new Int32Array(size).fill(-1),
    };
    tableCaches.set(probability, cache);
  }
  return cache;
}

function ratio(k: number, logFailure: number): number {
  return Math.log((k + 1) * TWO_POW_MINUS_32) / logFailure;
}

/**
 * The skip per cell of draws for probability p (FALLBACK where it is not constant), cached per p;
 * null: no table (p < MIN_TABLE_P or p ≥ 1).
 */
export function skipTable(p: number): Int32Array | null {
  if (!(p >= MIN_TABLE_P && p < 1)) return null;
  let table = skipTables.get(p);
  if (table !== undefined) return table;
  const logFailure = Math.log1p(-p);
  table = new Int32Array(CELLS);
  let high = ratio(0, logFailure); // ratio at the cell's first draw (the largest)
  for (let c = 0; c < CELLS; c++) {
    const last = (c + 1) * 2 ** SHIFT - 1;
    const low = ratio(last, logFailure); // at its last draw (the smallest)
    const j = Math.floor(low);
    const constant = Math.floor(high) === j && low * (1 - MARGIN) >= j && high * (1 + MARGIN) < j + 1 && j < 2 ** 30;
    table[c] = constant ? j : FALLBACK;
    high = c + 1 < CELLS ? ratio(last + 1, logFailure) : 0;
  }
  if (skipTables.size >= MAX_TABLES) skipTables.clear();
  skipTables.set(p, table);
  return table;
}

// ---------------------------------------------------------------------------------------------

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
  sampleColumns(dist, instance, rng, x, batchSize, W, m, h);
}

/** The skip table of entry e0 (probability p < 1), looked up again (with log(1 − p)) when its p changed. */
function columnTable(cache: TableCache, e0: number, p: number): Int32Array {
  if (!(cache.p[e0] === p)) {
    cache.tables[e0] = skipTable(p);
    cache.p[e0] = p;
    cache.logFailure[e0] = Math.log1p(-p);
    cache.wasmGen[e0] = -1;
  }
  return cache.tables[e0] ?? NO_TABLE;
}

// ---------------------------------------------------------------------------------------------
// The sampler in WebAssembly (wasm/sampler.ts). Its memory: the stream's state, then per feature a
// table offset (i32) and log(1 − p) (f64), then the block x [batch, feat], then the skip tables
// copied in as features need them (16 KiB each). The tables are kept across calls (generation
// `wasmGen`), and dropped all at once when the room for them is full or the block must grow.

interface SamplerExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  sampleBlock(state: number, tables: number, logFailures: number, x: number, B: number, n: number): void;
  heapBase(): number;
}

interface Sampler {
  wasm: SamplerExports;
  i32: Int32Array;
  f32: Float32Array;
  f64: Float64Array;
  state: number; // [4] i32
  tableAt: number; // [nCap] i32 byte offsets of the features' tables
  logAt: number; // [nCap] f64 log(1 − p)
  xAt: number; // [xCap] f32 the block
  tablesAt: number; // where the copied tables start
  nCap: number;
  xCap: number;
  loaded: number; // tables copied in this generation
  gen: number;
  offsets: Map<Int32Array, number>; // table → its byte offset, this generation
  xView: Float32Array | null; // the block as the last call's size saw it
}

/** Tables kept in the module at once (16 KiB each). */
const WASM_TABLES = 64;
const TABLE_BYTES = 4 * CELLS;

let sampler: Sampler | null | undefined;
let wasmSampling = true;

/** Tests: whether float32 batches are drawn by the WebAssembly sampler when it loads (default true). */
export function setWasmSampler(enabled: boolean): void {
  wasmSampling = enabled;
}

/** Whether float32 batches are drawn in WebAssembly (the module loads here). */
export function wasmSamplerAvailable(): boolean {
  if (sampler === undefined) sampler = loadSampler();
  return sampler !== null;
}

function loadSampler(): Sampler | null {
  const wasm = instantiate<SamplerExports>(SAMPLER_WASM_BASE64, { env: { log: Math.log } });
  if (wasm === null) return null;
  const s: Sampler = {
    wasm, i32: new Int32Array(0), f32: new Float32Array(0), f64: new Float64Array(0),
    state: 0, tableAt: 0, logAt: 0, xAt: 0, tablesAt: 0, nCap: 0, xCap: 0, loaded: 0, gen: 0, offsets: new Map(), xView: null,
  };
  return s;
}

/** Lays the memory out for n features and `length` entries of x (a new generation: no tables). */
function layOut(s: Sampler, n: number, length: number): void {
  const align = (v: number) => (v + 15) & ~15;
  s.nCap = Math.max(n, s.nCap);
  s.xCap = Math.max(length, s.xCap);
  s.state = align(s.wasm.heapBase());
  s.tableAt = align(s.state + 16);
  s.logAt = align(s.tableAt + 4 * s.nCap);
  s.xAt = align(s.logAt + 8 * s.nCap);
  s.tablesAt = align(s.xAt + 4 * s.xCap);
  const end = s.tablesAt + WASM_TABLES * TABLE_BYTES;
  const have = s.wasm.memory.buffer.byteLength;
  if (end > have) s.wasm.memory.grow(Math.ceil((end - have) / PAGE));
  const buffer = s.wasm.memory.buffer;
  s.i32 = new Int32Array(buffer);
  s.f32 = new Float32Array(buffer);
  s.f64 = new Float64Array(buffer);
  s.xView = null;
  s.loaded = 0;
  s.offsets.clear();
  s.gen++;
}

/** Byte offset of `table` in the module (copied in on first use in this generation); −1: no room. */
function tableOffset(s: Sampler, table: Int32Array): number {
  const known = s.offsets.get(table);
  if (known !== undefined) return known;
  if (s.loaded === WASM_TABLES) return -1;
  const at = s.tablesAt + s.loaded * TABLE_BYTES;
  s.i32.set(table, at >> 2);
  s.loaded++;
  s.offsets.set(table, at);
  return at;
}

/** Each feature's table offset and log(1 − p) into the module; false if the tables did not fit. */
function loadFeatures(s: Sampler, dist: FeatureDistribution, instance: number, cache: TableCache): boolean {
  const n = dist.nFeatures;
  const { i32, f64 } = s;
  const tableAt = s.tableAt >> 2;
  const logAt = s.logAt >> 3;
  for (let i = 0; i < n; i++) {
    const e0 = instance * n + i;
    const p = dist.featureProbability[e0];
    let at = 0; // p ≤ 0: never active
    let logFailure = 0; // p ≥ 1: every row, no skips (any table will do)
    if (p >= 1) at = tableOffset(s, NO_TABLE);
    else if (p > 0) {
      const table = columnTable(cache, e0, p);
      if (cache.wasmGen[e0] !== s.gen) {
        cache.wasmTable[e0] = tableOffset(s, table);
        cache.wasmGen[e0] = s.gen;
      }
      at = cache.wasmTable[e0];
      logFailure = cache.logFailure[e0];
    }
    if (at < 0) return false;
    i32[tableAt + i] = at;
    f64[logAt + i] = logFailure;
  }
  return true;
}

/**
 * sampleColumns without W and h, for float32 x, in WebAssembly: false where it does not load (then
 * the JavaScript loop runs). The same draws and the same x.
 */
function sampleInWasm(dist: FeatureDistribution, instance: number, rng: Rng, x: Float32Array, batchSize: number, cache: TableCache): boolean {
  if (!wasmSampling) return false;
  if (sampler === undefined) sampler = loadSampler();
  const s = sampler;
  if (s === null) return false;
  const n = dist.nFeatures;
  const length = batchSize * n;
  if (n > s.nCap || length > s.xCap) layOut(s, n, length);
  if (!loadFeatures(s, dist, instance, cache)) {
    // The room for tables is full: a new generation, and the JavaScript loop if even that is short.
    layOut(s, n, length);
    if (!loadFeatures(s, dist, instance, cache)) return false;
  }
  const { i32 } = s;
  const st = s.state >> 2;
  rng.saveWords(words);
  i32.set(words, st);
  s.wasm.sampleBlock(s.state, s.tableAt, s.logAt, s.xAt, batchSize, n);
  words[0] = i32[st];
  words[1] = i32[st + 1];
  words[2] = i32[st + 2];
  words[3] = i32[st + 3];
  rng.loadWords(words);
  let view = s.xView;
  if (view === null || view.length !== length) {
    view = s.f32.subarray(s.xAt >> 2, (s.xAt >> 2) + length);
    s.xView = view;
  }
  x.set(view, instance * length);
  return true;
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
