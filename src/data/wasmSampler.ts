// The feature sampler in WebAssembly (wasm/sampler.ts), for float32 batches: the same draws and
// the same x as skipSampler.ts's loop, about 2 ns per active entry against 3.8 there. Its memory:
// the stream's state, then per feature a table offset (i32) and log(1 − p) (f64), then the block
// x [batch, feat], then the skip tables copied in as features need them (16 KiB each). The tables
// are kept across calls (generation `wasmGen`), and dropped all at once when the room for them is
// full or the block must grow. After the tables, where a batch is drawn as lists (sampleListsInWasm):
// the draws by column (entryRow, entryVal [batch·feat]), colEnd [feat], rowNext [batch], the counts,
// and each instance's lists (core/batchLists.ts).

import type { BatchLists } from '../core/batchLists.js';
import type { Rng } from '../core/rng.js';
import { PAGE, instantiate } from '../core/wasm.js';
import type { FeatureDistribution } from './features.js';
import { CELLS, NO_TABLE, columnTable, type TableCache } from './skipTable.js';
import { SAMPLER_WASM_BASE64 } from './wasm/sampler.generated.js';

interface SamplerExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  sampleBlock(state: number, tables: number, logFailures: number, x: number, B: number, n: number): void;
  sampleLists(
    state: number, tables: number, logFailures: number, B: number, n: number, entryRow: number, entryVal: number,
    colEnd: number, rowNext: number, rowPtr: number, rowOf: number, xIdx: number, xVal: number, counts: number,
  ): void;
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
  lists: ListRoom; // where batches drawn as lists go
}

/** The room for batches drawn as lists (byte offsets; zero sizes until the first such batch). */
interface ListRoom {
  kCap: number; // instances
  entryCap: number; // entries per instance: batch · feat
  rowCap: number; // rows per instance: batch
  entryRow: number; // [entryCap] i32
  entryVal: number; // [entryCap] f32
  colEnd: number; // [nCap] i32
  rowNext: number; // [rowCap] i32
  counts: number; // [2] i32
  instances: number; // per instance: rowPtr [rowCap + 1], rowOf [rowCap], xIdx, xVal [entryCap]
  perInstance: number; // bytes of one instance's lists
  batch: BatchLists | null; // the views handed out, remade with the layout
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
    lists: { kCap: 0, entryCap: 0, rowCap: 0, entryRow: 0, entryVal: 0, colEnd: 0, rowNext: 0, counts: 0, instances: 0, perInstance: 0, batch: null },
  };
  return s;
}

const align = (v: number) => (v + 15) & ~15;

/**
 * Lays the memory out for n features and `length` entries of x, and room for `instances` batches of
 * `rows` rows drawn as lists (a new generation: no tables).
 */
function layOut(s: Sampler, n: number, length: number, instances = 0, rows = 0): void {
  s.nCap = Math.max(n, s.nCap);
  s.xCap = Math.max(length, s.xCap);
  s.state = align(s.wasm.heapBase());
  s.tableAt = align(s.state + 16);
  s.logAt = align(s.tableAt + 4 * s.nCap);
  s.xAt = align(s.logAt + 8 * s.nCap);
  const listsAt = s.lists.instances;
  const listsStride = s.lists.perInstance;
  s.tablesAt = align(s.xAt + 4 * s.xCap);
  const end = layOutLists(s.lists, s.tablesAt + WASM_TABLES * TABLE_BYTES, s.nCap, instances, rows);
  const have = s.wasm.memory.buffer.byteLength;
  if (end > have) s.wasm.memory.grow(Math.ceil((end - have) / PAGE));
  const listsMoved = listsAt !== s.lists.instances || listsStride !== s.lists.perInstance;
  const buffer = s.wasm.memory.buffer;
  s.i32 = new Int32Array(buffer);
  s.f32 = new Float32Array(buffer);
  s.f64 = new Float64Array(buffer);
  s.xView = null;
  // The lists' offsets move only when their room grows; otherwise a batch keeps them, with new views.
  if (s.lists.batch !== null) {
    if (listsMoved) s.lists.batch = null;
    else {
      s.lists.batch.i32 = s.i32;
      s.lists.batch.f32 = s.f32;
    }
  }
  s.loaded = 0;
  s.offsets.clear();
  s.gen++;
}

/** The list room from byte `at` on (kept at least as large as before); returns its end. */
function layOutLists(room: ListRoom, at: number, nCap: number, instances: number, rows: number): number {
  room.kCap = Math.max(instances, room.kCap);
  room.rowCap = Math.max(rows, room.rowCap);
  room.entryCap = room.rowCap * nCap;
  if (room.kCap === 0) return at;
  // Buffers sized to whole chunks of copyPrefix (core/prefixCopy.ts) plus slack: copies read past the lists.
  const bytes = (count: number) => align(4 * count + 1024 + 16);
  room.entryRow = at;
  room.entryVal = room.entryRow + bytes(room.entryCap);
  room.colEnd = room.entryVal + bytes(room.entryCap);
  room.rowNext = room.colEnd + bytes(nCap);
  room.counts = room.rowNext + bytes(room.rowCap);
  room.instances = room.counts + 16;
  room.perInstance = bytes(room.rowCap + 1) + bytes(room.rowCap) + 2 * bytes(room.entryCap);
  return room.instances + room.kCap * room.perInstance;
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
  if (n > s.nCap || length > s.xCap) layOut(s, n, length, s.lists.kCap, s.lists.rowCap);
  if (!loadFeatures(s, dist, instance, cache)) {
    // The room for tables is full: a new generation, and the JavaScript loop if even that is short.
    layOut(s, n, length, s.lists.kCap, s.lists.rowCap);
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

/** Whether batches can be drawn as lists (sampleListsInWasm): the module loads and is on. */
export function listSamplingAvailable(): boolean {
  return wasmSampling && wasmSamplerAvailable();
}

/**
 * The BatchLists (core/batchLists.ts) for the instances of `dist` and batches of `batchSize` rows, its
 * room made in the module; null where the module does not load. Instances are then drawn one by one
 * (sampleInstanceLists); `listed` says which were.
 */
export function batchListsFor(dist: FeatureDistribution, batchSize: number): BatchLists | null {
  if (!listSamplingAvailable()) return null;
  const s = sampler!;
  const n = dist.nFeatures;
  const K = dist.nInstances;
  if (n > s.nCap || K > s.lists.kCap || batchSize > s.lists.rowCap) layOut(s, n, s.xCap, K, batchSize);
  return listsBatch(s, K, batchSize, n);
}

/**
 * Instance k's batch drawn as lists into `batch` (from batchListsFor): the same draws from the same
 * stream as sampleInstance into float32 x, kept as the lists the toy kernel would compress that x
 * to. False, with nothing drawn, where its skip tables do not fit (then draw it densely).
 */
export function sampleInstanceLists(dist: FeatureDistribution, k: number, rng: Rng, batchSize: number, cache: TableCache, batch: BatchLists): boolean {
  const s = sampler!;
  if (!loadFeatures(s, dist, k, cache)) {
    // The room for tables is full: a new generation (the caps, and so the lists drawn, stay).
    layOut(s, s.nCap, s.xCap, s.lists.kCap, s.lists.rowCap);
    if (!loadFeatures(s, dist, k, cache)) return false;
  }
  drawLists(s, k, rng, batchSize, dist.nFeatures);
  batch.rows[k] = s.i32[s.lists.counts >> 2];
  batch.actives[k] = s.i32[(s.lists.counts >> 2) + 1];
  return true;
}

/** The BatchLists of this layout for K instances of B rows and n features (made again when they change). */
function listsBatch(s: Sampler, K: number, B: number, n: number): BatchLists {
  const room = s.lists;
  let batch = room.batch;
  if (batch !== null && batch.nInstances === K && batch.batchSize === B && batch.nFeatures === n) return batch;
  const offsets = () => new Int32Array(K);
  batch = {
    nInstances: K, batchSize: B, nFeatures: n, i32: s.i32, f32: s.f32,
    rowPtrAt: offsets(), rowOfAt: offsets(), xIdxAt: offsets(), xValAt: offsets(), rows: offsets(), actives: offsets(),
    listed: new Uint8Array(K), rowRoom: room.rowCap + 256, entryRoom: room.entryCap + 256,
  };
  for (let k = 0; k < K; k++) {
    const at = room.instances + k * room.perInstance;
    const rowOf = at + align(4 * (room.rowCap + 1) + 1024 + 16);
    const xIdx = rowOf + align(4 * room.rowCap + 1024 + 16);
    const xVal = xIdx + align(4 * room.entryCap + 1024 + 16);
    batch.rowPtrAt[k] = at >> 2;
    batch.rowOfAt[k] = rowOf >> 2;
    batch.xIdxAt[k] = xIdx >> 2;
    batch.xValAt[k] = xVal >> 2;
  }
  room.batch = batch;
  return batch;
}

/** Instance k's draws into its lists (its features loaded by loadFeatures). */
function drawLists(s: Sampler, k: number, rng: Rng, batchSize: number, n: number): void {
  const room = s.lists;
  const batch = room.batch!;
  const st = s.state >> 2;
  rng.saveWords(words);
  s.i32.set(words, st);
  s.wasm.sampleLists(
    s.state, s.tableAt, s.logAt, batchSize, n, room.entryRow, room.entryVal, room.colEnd, room.rowNext,
    batch.rowPtrAt[k] << 2, batch.rowOfAt[k] << 2, batch.xIdxAt[k] << 2, batch.xValAt[k] << 2, room.counts,
  );
  words[0] = s.i32[st];
  words[1] = s.i32[st + 1];
  words[2] = s.i32[st + 2];
  words[3] = s.i32[st + 3];
  rng.loadWords(words);
}
