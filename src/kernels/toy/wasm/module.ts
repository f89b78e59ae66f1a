// The toy kernel's WebAssembly module (AssemblyScript in wasm/toy/, compiled by scripts/build-wasm.mjs
// into the base64 of toyKernels.generated.ts, so this same file loads it in Node, in worker threads and
// in a browser worker, with no file access): its exports, and its one instance per thread.
//
// The module is instantiated once per thread (module-level state), synchronously, on first use; its
// memory holds the current instance's buffers (layout.ts), grown once per bigger shape. Where
// WebAssembly is missing (or refuses a synchronous compile, as a browser's main thread may for
// modules over 4 KiB), denseKernelAvailable() is false and the cost model never picks route 'h32'
// or 'gram32'.

import { PAGE, instantiate } from '../../../core/wasm.js';
import { planLayout, type Layout } from './layout.js';
import { TOY_KERNELS_WASM_BASE64 } from './toyKernels.generated.js';

/** The exports of wasm/toy/index.ts (pointers are byte offsets into `memory`). */
export interface ToyExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  heapBase(): number;
  hidden(X: number, Wt: number, H: number, R: number, n: number, nP: number, mP: number): void;
  hiddenSparse(rowPtr: number, xIdx: number, xVal: number, Wt: number, H: number, r0: number, R: number, valid: number, mP: number): void;
  scatterRows(rowPtr: number, xIdx: number, xVal: number, X: number, r0: number, R: number, valid: number, nP: number): void;
  outputs(H: number, W: number, b: number, imp: number, c: number, X: number, G: number, R: number, valid: number, m: number, nP: number, mP: number, relu: number, loss64: number): void;
  accumulateW(H: number, GH: number, G: number, X: number, gW64: number, R: number, m: number, nP: number, mP: number, withX: number): void;
  accumulateWtSparse(rowPtr: number, xIdx: number, xVal: number, GH: number, gWt32: number, gWt64: number, terms: number, r0: number, valid: number, mP: number): void;
  flushWt(gWt32: number, gWt64: number, terms: number, n: number, mP: number): void;
  columnSums(G: number, gb64: number, R: number, nP: number): void;
  backward(
    H: number, GH: number, G: number, X: number, Wt: number, gW64: number, gWt64: number, gWt32: number, terms: number, gb64: number,
    rowPtr: number, xIdx: number, xVal: number, gPtr: number, gIdx: number, gVal: number, colPtr: number, cRow: number, cVal: number,
    r0: number, R: number, valid: number, n: number, m: number, nP: number, mP: number, gather: number, limit: number,
  ): number;
  compressRows(X: number, B: number, n: number, rowPtr: number, rowOf: number, xIdx: number, xVal: number, count: number): void;
  countRows(X: number, B: number, n: number, rowOf: number, count: number, actives: number): void;
  padRows(Xraw: number, rowOf: number, X: number, rows: number, n: number, nP: number): void;
  gramMatrix(W: number, G: number, n: number, m: number, nP: number): void;
  gramSweep(
    rowPtr: number, xIdx: number, xVal: number, G: number, b: number, imp: number, c: number,
    A: number, Xr: number, M: number, gbAcc: number, r0: number, count: number, nP: number, relu: number, loss64: number,
  ): void;
  gramSweepRegisters(
    rowPtr: number, xIdx: number, xVal: number, G: number, b: number, imp: number, c: number,
    Xr: number, M: number, gbAcc: number, rowLoss: number, r0: number, count: number, nP: number, relu: number, loss64: number,
  ): void;
  gramSweepBatch(
    rowPtr: number, xIdx: number, xVal: number, G: number, b: number, imp: number, c: number, A: number,
    Xr: number, M: number, gbAcc: number, rowLoss: number, M64: number, gb64: number,
    rows: number, sub: number, R: number, n: number, nP: number, relu: number, registers: number, loss64: number,
  ): void;
  gramFlush(M: number, M64: number, gbAcc: number, gb64: number, n: number, nP: number): void;
  gramGradient(W: number, M64: number, S: number, gW64: number, n: number, m: number, nP: number): void;
}

/** The module of this thread, with the layout of the shape last run and views on its memory. */
export interface ToyModule {
  wasm: ToyExports;
  layout: Layout | null;
  buffer: ArrayBuffer | null;
  f32: Float32Array;
  f64: Float64Array;
  i32: Int32Array;
}

let state: ToyModule | null | undefined; // undefined: not tried yet; null: unavailable

function load(): ToyModule | null {
  const wasm = instantiate<ToyExports>(TOY_KERNELS_WASM_BASE64);
  return wasm === null ? null : { wasm, layout: null, buffer: null, f32: new Float32Array(0), f64: new Float64Array(0), i32: new Int32Array(0) };
}

/** The module of this thread (instantiated on first use), or null where WebAssembly SIMD does not run. */
export function getState(): ToyModule | null {
  if (state === undefined) state = load();
  return state;
}

/** Whether routes 'h32' and 'gram32' can run in this thread. */
export function denseKernelAvailable(): boolean {
  return getState() !== null;
}

/**
 * The layout for n features, m hidden and up to `rows` rows (so up to rows·n active inputs): the last
 * one if it fits (a training run lays out once), else a new one, the memory grown to hold it.
 */
export function layoutFor(s: ToyModule, n: number, m: number, rows: number): Layout {
  const old = s.layout;
  // Only ensureMemory grows the memory (the kernels allocate nothing), and it rebuilds the views
  // right away, so they are current here; reading memory.buffer or byteLength would allocate.
  if (old && old.n === n && old.m === m && old.rowCap >= rows) return old;
  return newLayout(s, n, m, rows);
}

/** layoutFor's new layout (planLayout's offsets), the memory grown to hold it. */
function newLayout(s: ToyModule, n: number, m: number, rows: number): Layout {
  const old = s.layout;
  const layout = planLayout(s.wasm.heapBase(), n, m, rows, old && old.n === n && old.m === m ? old.rowCap : 0);
  ensureMemory(s, layout.end);
  // The padding columns of X are never written after this (another shape may have left data here).
  s.f32.fill(0, layout.X >> 2, layout.G >> 2);
  s.f32.fill(0, layout.gWt32 >> 2, (layout.gWt32 >> 2) + n * layout.mP);
  s.i32.fill(0, layout.terms >> 2, (layout.terms >> 2) + n);
  s.layout = layout;
  return layout;
}

/** Grow the memory to `end` bytes (never shrinks) and rebuild the views if the buffer changed. */
export function ensureMemory(s: ToyModule, end: number): void {
  const have = s.wasm.memory.buffer.byteLength;
  if (end > have) s.wasm.memory.grow(Math.ceil((end - have) / PAGE));
  const buffer = s.wasm.memory.buffer;
  if (s.buffer !== buffer) {
    // Growing detaches the old ArrayBuffer: the views are rebuilt (only after a growth).
    s.buffer = buffer;
    s.f32 = new Float32Array(buffer);
    s.f64 = new Float64Array(buffer);
    s.i32 = new Int32Array(buffer);
  }
}
