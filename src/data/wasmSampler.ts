// The feature sampler in WebAssembly (wasm/sampler.ts), for float32 batches: the same draws and
// the same x as skipSampler.ts's loop, about 2 ns per active entry against 3.8 there. Its memory:
// the stream's state, then per feature a table offset (i32) and log(1 − p) (f64), then the block
// x [batch, feat], then the skip tables copied in as features need them (16 KiB each). The tables
// are kept across calls (generation `wasmGen`), and dropped all at once when the room for them is
// full or the block must grow.

import type { Rng } from '../core/rng.js';
import { PAGE, instantiate } from '../core/wasm.js';
import type { FeatureDistribution } from './features.js';
import { CELLS, NO_TABLE, columnTable, type TableCache } from './skipTable.js';
import { SAMPLER_WASM_BASE64 } from './wasm/sampler.generated.js';

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
/** The stream's state words, copied into the module and back. */
const words = new Int32Array(4);

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
 * The batch without W and h, for float32 x, in WebAssembly: false where it does not load (then
 * the JavaScript loop runs). The same draws and the same x.
 */
export function sampleInWasm(dist: FeatureDistribution, instance: number, rng: Rng, x: Float32Array, batchSize: number, cache: TableCache): boolean {
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
