// The relu SAE's encoder in float64 WebAssembly SIMD (wasm/saeRelu.ts, compiled by
// scripts/build-wasm.mjs into the base64 of wasm/saeRelu.generated.ts): pre = W_enc (h − b_dec) + b_enc,
// z = ReLU(pre), the per-sample lists of latents with pre > 0 and Σ z, two samples per instruction,
// bit-identical to the JS encoder (src/kernels/sae/reluLists.ts, reluEncoder; test/saeWasm.test.ts).
// Used by the relu SAE's training pass (src/models/sae/relu.ts), which falls back to the JS encoder
// where reluEncoderWasmAvailable() is false.
//
// As the toy model's WebAssembly driver: the module is instantiated once per thread, synchronously, on
// first use (no Node API); its memory holds the buffers of the current shape (layout below), grown
// once per bigger shape. Nothing is allocated per call in the steady state: the views of the
// outputs are cached with the layout.

import { PAGE, instantiate } from '../../core/wasm.js';
import { SAE_RELU_WASM_BASE64 } from './wasm/saeRelu.generated.js';

type Floats = ArrayLike<number>;

/** The exports of wasm/saeRelu.ts (pointers are byte offsets into `memory`). */
interface ReluExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  heapBase(): number;
  reluEncode(C: number, W: number, b: number, Z: number, count: number, index: number, tmp: number, out: number, B: number, m: number, d: number): void;
}

/** Where the buffers of one shape live (byte offsets), and the views of the outputs. */
interface Layout {
  m: number;
  d: number;
  cap: number; // samples
  batch: number; // the batch size the output views are cut for
  C: number; // f64 [⌈cap/8⌉, m, 8] h − b_dec by block of 8 samples
  W: number; // f64 [d, m]
  b: number; // f64 [d]
  Z: number; // f64 [cap, d]
  count: number; // i32 [cap]
  index: number; // i32 [cap, d]
  tmp: number; // f64 [d, 8]
  out: number; // f64 [1]
  zView: Float64Array; // Z's first batch·d entries
  countView: Int32Array; // count's first batch entries
  indexView: Int32Array; // index's first batch·d entries
}

interface ReluState {
  wasm: ReluExports;
  layout: Layout | null;
  buffer: ArrayBuffer | null;
  f64: Float64Array;
  i32: Int32Array;
}

let state: ReluState | null | undefined; // undefined: not tried yet; null: unavailable

function load(): ReluState | null {
  const wasm = instantiate<ReluExports>(SAE_RELU_WASM_BASE64);
  return wasm === null ? null : { wasm, layout: null, buffer: null, f64: new Float64Array(0), i32: new Int32Array(0) };
}

function getState(): ReluState | null {
  if (state === undefined) state = load();
  return state;
}

let disabled = false; // tests and measurements: force the JS encoder

/** Whether the wasm encoder can run in this thread (and is not switched off by setReluWasmEnabled). */
export function reluEncoderWasmAvailable(): boolean {
  return !disabled && getState() !== null;
}

/** Switches the wasm encoder off (false) or back on (true) in this thread: tests and measurements. */
export function setReluWasmEnabled(enabled: boolean): void {
  disabled = !enabled;
}

/** The layout for m inputs, d latents and `batch` samples: the last one if it fits, else a new one. */
function layoutFor(s: ReluState, m: number, d: number, batch: number): Layout {
  const old = s.layout;
  if (old !== null && old.m === m && old.d === d && old.cap >= batch) {
    if (old.batch !== batch) cutViews(s, old, batch);
    return old;
  }
  const cap = Math.max(batch, old !== null && old.m === m && old.d === d ? old.cap : 0, 8);
  let top = s.wasm.heapBase();
  const take = (bytes: number) => {
    const at = (top + 15) & ~15;
    top = at + bytes;
    return at;
  };
  const C = take(8 * Math.ceil(cap / 8) * m * 8);
  const W = take(8 * d * m);
  const b = take(8 * d);
  const Z = take(8 * cap * d);
  const count = take(4 * cap + 32);
  const index = take(4 * cap * d);
  const tmp = take(8 * d * 8 + 64);
  const out = take(8);
  ensureMemory(s, top);
  const layout: Layout = { m, d, cap, batch: -1, C, W, b, Z, count, index, tmp, out, zView: s.f64, countView: s.i32, indexView: s.i32 };
  cutViews(s, layout, batch);
  s.layout = layout;
  return layout;
}

function cutViews(s: ReluState, L: Layout, batch: number): void {
  L.batch = batch;
  L.zView = s.f64.subarray(L.Z >> 3, (L.Z >> 3) + batch * L.d);
  L.countView = s.i32.subarray(L.count >> 2, (L.count >> 2) + batch);
  L.indexView = s.i32.subarray(L.index >> 2, (L.index >> 2) + batch * L.d);
}

/** Grow the memory to `end` bytes (never shrinks) and rebuild the views if the buffer changed. */
function ensureMemory(s: ReluState, end: number): void {
  const have = s.wasm.memory.buffer.byteLength;
  if (end > have) s.wasm.memory.grow(Math.ceil((end - have) / PAGE));
  const buffer = s.wasm.memory.buffer;
  if (s.buffer !== buffer) {
    s.buffer = buffer;
    s.f64 = new Float64Array(buffer);
    s.i32 = new Int32Array(buffer);
    // Views cut from the old buffer are detached: the layout (if any) is rebuilt by the caller.
  }
}

/**
 * The relu encoder (as src/kernels/sae/reluLists.ts reluEncoder with pre = null): z [batch, latent] (written whole),
 * the active lists (count [batch], index [batch, latent]: the first count[s] entries of row s, the
 * rest undefined) and Σ z into result[0]. W [latent, input], bias [latent], bDec [input]; h [batch, input].
 */
export function reluEncodeWasm(
  m: number,
  d: number,
  W: Floats,
  bias: Floats,
  bDec: Floats,
  h: Floats,
  batchSize: number,
  z: Float64Array,
  count: Int32Array,
  index: Int32Array,
  result: Float64Array,
): void {
  const s = getState();
  if (s === null) throw new Error('the wasm relu encoder needs WebAssembly SIMD with synchronous compilation');
  const L = layoutFor(s, m, d, batchSize);
  const { f64, wasm } = s;
  const W64 = L.W >> 3;
  for (let e = 0; e < d * m; e++) f64[W64 + e] = W[e];
  const b64 = L.b >> 3;
  for (let l = 0; l < d; l++) f64[b64 + l] = bias[l];
  // h − b_dec, by block of 8 samples (as src/kernels/sae/encoder.ts centreBlock); the padding lanes are zeros.
  const C64 = L.C >> 3;
  for (let j = 0; j < m; j++) {
    const c = +bDec[j];
    let o = C64 + 8 * j;
    for (let s0 = 0; s0 < batchSize; s0 += 8, o += 8 * m) {
      const lanes = Math.min(8, batchSize - s0);
      let p = s0 * m + j;
      for (let k = 0; k < lanes; k++, p += m) f64[o + k] = h[p] - c;
      for (let k = lanes; k < 8; k++) f64[o + k] = 0;
    }
  }
  wasm.reluEncode(L.C, L.W, L.b, L.Z, L.count, L.index, L.tmp, L.out, batchSize, m, d);
  z.set(L.zView);
  count.set(L.countView);
  index.set(L.indexView);
  result[0] = f64[L.out >> 3];
}
