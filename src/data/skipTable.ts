// Skip tables: the number of inactive rows before the next active one, per cell of 32-bit draws,
// for each feature probability p, so that most geometric skips cost a lookup instead of a Math.log.
// Shared by the JavaScript sampler (skipSampler.ts) and the WebAssembly one (wasmSampler.ts).
//
// The proof. Draw k ∈ [0, 2³²) gives U = (k + 1)·2⁻³² (exact in float64) and the skip
// f(k) = floor(r(k)), r(k) = log(U) / log(1 − p) ≥ 0, computed in float64 with Math.log (error
// < 1 ulp) and one correctly rounded division: r(k) = t(k)(1 + e), |e| < 2⁻⁵¹, where the exact
// ratio t is strictly decreasing in k. Cell c holds the draws k with k >>> SHIFT = c. If the
// computed ratios at its two ends lie in [j, j + 1) with a relative margin MARGIN ≫ 2⁻⁵⁰ on each
// side, every draw inside has t between the ends' exact ratios and hence r(k) in [j, j + 1):
// f(k) = j on the whole cell, whatever the rounding of Math.log inside it. Such cells store j;
// the others store FALLBACK and their draws take the formula (exact by definition). At p = 0.1,
// 67 of the 4096 cells fall back (1.6% of draws); a check of all 2³² draws at p = 1 − 0.9 and at
// p = 0.5 found no table entry differing from the formula.

export const TWO_POW_MINUS_32 = 1 / 4294967296;
const CELL_BITS = 12;
export const SHIFT = 32 - CELL_BITS;
export const CELLS = 1 << CELL_BITS;
const FALLBACK = -1;
const MARGIN = 2 ** -40;
/** Below this p most cells span a skip boundary: no table, every skip by the formula. */
const MIN_TABLE_P = 1 / 256;
/** Tables kept (one per distinct p, 16 KiB each); the cache is emptied when it would grow past this. */
const MAX_TABLES = 256;

const skipTables = new Map<number, Int32Array>();
/** Every cell falls back to the formula: where no table applies (p < MIN_TABLE_P). */
export const NO_TABLE = new Int32Array(CELLS).fill(FALLBACK);

/**
 * Per featureProbability array: the p each table was looked up for and the table, per entry, so
 * that a batch finds its tables without a Map lookup by number (which boxes the key: the hot loop
 * allocates nothing). An entry is looked up again when its p changed since.
 */
export interface TableCache {
  p: Float64Array;
  tables: (Int32Array | null)[];
  /** log(1 − p) of the entry's p. */
  logFailure: Float64Array;
  /** Byte offset of the entry's table in the sampler module's memory, valid in generation wasmGen. */
  wasmTable: Int32Array;
  wasmGen: Int32Array;
}
const tableCaches = new WeakMap<Float64Array, TableCache>();

/** The table cache of a featureProbability array, made on first use (and again if its length changed). */
export function tableCache(probability: Float64Array): TableCache {
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

/** The skip table of entry e0 (probability p < 1), looked up again (with log(1 − p)) when its p changed. */
export function columnTable(cache: TableCache, e0: number, p: number): Int32Array {
  if (!(cache.p[e0] === p)) {
    cache.tables[e0] = skipTable(p);
    cache.p[e0] = p;
    cache.logFailure[e0] = Math.log1p(-p);
    cache.wasmGen[e0] = -1;
  }
  return cache.tables[e0] ?? NO_TABLE;
}
