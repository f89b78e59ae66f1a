// Route 'h32' of the toy kernel (toyGram.ts): route 'h' — h = W x, a = b + Wᵀh, g, ∂W += h gᵀ + (W g) xᵀ
// — in float32 WebAssembly SIMD (f32x4), a block of R samples at a time. The kernels are AssemblyScript
// (wasm/toyDense.ts), compiled by scripts/build-wasm.mjs into the base64 of toyDense.generated.ts, so
// this same file loads them in Node, in worker threads and in a browser worker, with no file access.
//
// The module is instantiated once per thread (module-level state), synchronously, on first use; its
// memory holds the current instance's buffers (layout below), grown once per bigger shape. Where
// WebAssembly is missing (or refuses a synchronous compile, as a browser's main thread may for
// modules over 4 KiB), denseKernelAvailable() is false and the cost model never picks route 'h32'.
//
// The backward of a block runs over its nonzero g = ∂L/∂a alone (W g = Σ g_l W[:, l], h gᵀ by column)
// when they are at most sparseGradFraction(mP) of its entries, else densely: the count, and so the
// choice, is a function of the parameters and the batch only (the same bits whatever the threads).
//
// Precision: products and sums within a block are float32; the sums over the batch (∂W, ∂b, the loss)
// are float64 across blocks. Route 'h32' is chosen only for float32 parameters (training).

import { PAGE, instantiate } from '../../core/wasm.js';
import type { FloatArray } from '../toyModel.js';
import { TOY_DENSE_WASM_BASE64 } from './toyDense.generated.js';

/** The exports of wasm/toyDense.ts (pointers are byte offsets into `memory`). */
interface DenseExports {
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
  gramFlush(M: number, M64: number, gbAcc: number, gb64: number, n: number, nP: number): void;
  gramGradient(W: number, M64: number, S: number, gW64: number, n: number, m: number, nP: number): void;
}

/** Bytes after every buffer: the last tile of a row may load one vector past it (never stored). */
const SLACK = 32;

/** Where the buffers of one shape live: absolute byte offsets into the memory. */
interface Layout {
  n: number;
  m: number;
  nP: number; // 4⌈n/4⌉
  mP: number; // 4⌈m/4⌉
  R: number; // samples per block
  rowCap: number; // room for rows (non-empty samples) and for active inputs
  activeCap: number;
  W: number; // [mP, nP] W
  Wt: number; // [feat, mP] Wᵀ
  b: number; // [nP] b
  imp: number; // [nP] I
  c: number; // [nP] c = 2 I / (B n)
  rowPtr: number; // [rows + 1] i32, the compressed rows of x
  rowOf: number; // [rows] i32, the sample of each compressed row (compressRows32)
  Xraw: number; // [rowCap, feat] x of the batch as the caller holds it, unpadded (compressRows32)
  xIdx: number; // [actives] i32, feature of each active input
  xVal: number; // [actives] its value
  X: number; // [max(rows + 3, R), nP] x of the non-empty rows, dense (gather: of the block only)
  G: number; // [R, nP] g = ∂L/∂a
  H: number; // [R, mP] h
  GH: number; // [R, mP] ∂L/∂h = W g
  gPtr: number; // [R + 1] i32, the block's nonzero g as compressed rows (sparse backward)
  gIdx: number; // [R·nP] i32, output of each nonzero g
  gVal: number; // [R·nP] its value
  colPtr: number; // [nP] i32, the same entries by output: where each output's entries end
  cRow: number; // [R·nP] i32, row of each entry by output
  cVal: number; // [R·nP] its value
  gW64: number; // [mP, nP] float64 ∂L/∂W (h gᵀ, and (W g) xᵀ when dense; dense g)
  gWt64: number; // [feat, mP] float64 ∂L/∂W transposed: (W g) xᵀ gathered, h gᵀ from sparse g
  gWt32: number; // [feat, mP] f32 the gathered (W g) xᵀ not yet in gWt64 (zero between calls)
  terms: number; // [feat] i32 the terms in each row of gWt32 (zero between calls)
  gb64: number; // [nP] float64 ∂L/∂b
  loss64: number; // [1] float64 the loss
  count: number; // [1] i32 the rows compressRows (or countRows) found
  actives: number; // [1] i32 the active inputs countRows found
  // Route 'gram32' (gram32.ts), after the rest: the memory reaches them on the route's first use.
  G32: number; // [feat, nP] G = WᵀW
  A: number; // [nP] a, then g, of the current sample
  Xr: number; // [nP] x of the current sample, dense (zero between samples)
  M32: number; // [feat, nP] Σ x gᵀ of the block, float32 (zero between blocks)
  gbAcc: number; // [nP] Σ g of the block, float32 (zero between blocks)
  rowLoss: number; // [GRAM_SUB, 4] f32 loss terms of each row, carried between chunks of outputs
  M64: number; // [feat, nP] float64 Σ x gᵀ over the batch
  S: number; // [feat, nP] M + Mᵀ in float32
  end: number; // the first byte after the route-'h32' buffers
  gramEnd: number; // the first byte after all buffers
  gramReady: boolean; // the memory reaches gramEnd and Xr, M32, gbAcc are zero
}

interface DenseState {
  wasm: DenseExports;
  layout: Layout | null;
  buffer: ArrayBuffer | null;
  f32: Float32Array;
  f64: Float64Array;
  i32: Int32Array;
}

let state: DenseState | null | undefined; // undefined: not tried yet; null: unavailable
/** Views on the caller's x, one per instance slice, made once: a subarray per call would be garbage. */
const slices: (Float32Array | undefined)[] = [];

function load(): DenseState | null {
  const wasm = instantiate<DenseExports>(TOY_DENSE_WASM_BASE64);
  return wasm === null ? null : { wasm, layout: null, buffer: null, f32: new Float32Array(0), f64: new Float64Array(0), i32: new Int32Array(0) };
}

function getState(): DenseState | null {
  if (state === undefined) state = load();
  return state;
}

/**
 * The backward of a block runs over its nonzero g = ∂L/∂a alone when at most this fraction of its
 * R·nP entries are nonzero: mP / (mP + 150), the crossover measured (CPU time per call, both ways
 * forced, g thinned by the biases) at about 0.04 for mP = 8, 0.13 for 20, 0.16 for 40, 0.39 for 100
 * — the dense loops save 2·mP multiply-adds per entry of g, the sparse ones pay a scan per entry and
 * ~mP per nonzero entry, plus compaction. The times change slowly near it (about 10% at 0.6× or
 * 1.3× the crossover density), so the fit needs no more precision. 1 forces the sparse backward, −1
 * the dense one, 0 takes the sparse one only for blocks whose g is all zero.
 */
export function sparseGradFraction(mP: number): number {
  return mP / (mP + 150);
}

let sparseOverride: number | undefined; // tests: 1 forces the sparse backward on every block, −1 never

/** Overrides sparseGradFraction in this thread (tests and measurements); undefined restores it. */
export function setSparseGradFraction(fraction?: number): void {
  sparseOverride = fraction;
}

/** Blocks of route 'h32' whose backward ran sparse or dense, in this thread (tests and measurements). */
export const blockCounts = { sparse: 0, dense: 0 };

/** Whether route 'h32' can run in this thread. */
export function denseKernelAvailable(): boolean {
  return getState() !== null;
}

/**
 * Samples per block, R, a multiple of 4 in [16, 256]: X and G of a block [R, nP] about 128 KiB each
 * (in L2 with W), and ∂W's float64 accumulator read and written once per block.
 */
export function blockRows(n: number): number {
  const nP = (n + 3) & ~3;
  return Math.min(256, Math.max(16, (Math.round(32768 / nP) + 3) & ~3));
}

/**
 * The layout for n features, m hidden and up to `rows` rows (so up to rows·n active inputs): the last
 * one if it fits (a training run lays out once), else a new one, the memory grown to hold it.
 */
function layoutFor(s: DenseState, n: number, m: number, rows: number): Layout {
  const old = s.layout;
  // Only ensureMemory grows the memory (the kernels allocate nothing), and it rebuilds the views
  // right away, so they are current here; reading memory.buffer or byteLength would allocate.
  if (old && old.n === n && old.m === m && old.rowCap >= rows) return old;
  return newLayout(s, n, m, rows);
}

/** layoutFor's new layout: apart, because its closure gives the function a context allocated on every call. */
function newLayout(s: DenseState, n: number, m: number, rows: number): Layout {
  const old = s.layout;
  const nP = (n + 3) & ~3;
  const mP = (m + 3) & ~3;
  const R = blockRows(n);
  const rowCap = Math.max(rows, old && old.n === n && old.m === m ? old.rowCap : 0);
  const activeCap = rowCap * n;
  let top = s.wasm.heapBase();
  // Each buffer 16-byte aligned and followed by SLACK bytes.
  const take = (bytes: number) => {
    const at = top;
    top += (bytes + SLACK + 15) & ~15;
    return at;
  };
  const layout: Layout = {
    n,
    m,
    nP,
    mP,
    R,
    rowCap,
    activeCap,
    W: take(4 * mP * nP),
    Wt: take(4 * n * mP),
    b: take(4 * nP),
    imp: take(4 * nP),
    c: take(4 * nP),
    rowPtr: take(4 * (rowCap + 1)),
    rowOf: take(4 * rowCap),
    Xraw: take(4 * rowCap * n),
    xIdx: take(4 * activeCap),
    xVal: take(4 * activeCap),
    X: take(4 * Math.max(rowCap + 3, R) * nP),
    G: take(4 * R * nP),
    H: take(4 * R * mP),
    GH: take(4 * R * mP),
    gPtr: take(4 * (R + 1)),
    gIdx: take(4 * R * nP),
    gVal: take(4 * R * nP),
    colPtr: take(4 * nP),
    cRow: take(4 * R * nP),
    cVal: take(4 * R * nP),
    gW64: take(8 * mP * nP),
    gWt64: take(8 * n * mP),
    gWt32: take(4 * n * mP),
    terms: take(4 * n),
    gb64: take(8 * nP),
    loss64: take(8),
    count: take(4),
    actives: take(4),
    G32: 0,
    A: 0,
    Xr: 0,
    M32: 0,
    gbAcc: 0,
    rowLoss: 0,
    M64: 0,
    S: 0,
    end: top,
    gramEnd: 0,
    gramReady: false,
  };
  layout.G32 = take(4 * n * nP);
  layout.A = take(4 * nP);
  layout.Xr = take(4 * nP);
  layout.M32 = take(4 * n * nP);
  layout.gbAcc = take(4 * nP);
  layout.rowLoss = take(16 * Math.min(rowCap, GRAM_SUB));
  layout.M64 = take(8 * n * nP);
  layout.S = take(4 * n * nP);
  layout.gramEnd = top;
  ensureMemory(s, layout.end);
  // The padding columns of X are never written after this (another shape may have left data here).
  s.f32.fill(0, layout.X >> 2, layout.G >> 2);
  s.f32.fill(0, layout.gWt32 >> 2, (layout.gWt32 >> 2) + n * mP);
  s.i32.fill(0, layout.terms >> 2, (layout.terms >> 2) + n);
  s.layout = layout;
  return layout;
}

/** Grow the memory to `end` bytes (never shrinks) and rebuild the views if the buffer changed. */
function ensureMemory(s: DenseState, end: number): void {
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

/**
 * One instance's work for the float32 routes (sweepHidden32, sweepGram32): the caller keeps one
 * and refills its fields per instance, so the hot loop allocates nothing.
 */
export interface Job32 {
  W: FloatArray; // the parameters' W [inst, hidden, feat]; this instance's block starts at wBase
  wBase: number;
  n: number;
  m: number;
  b: Float64Array; // [feat] b, I and c = 2 I / (B n) of the instance
  imp: Float64Array;
  c: Float64Array;
  /** Non-empty rows of the batch; the compressed rows are compressRows32's in memory when `resident`, else these. */
  rows: number;
  resident: boolean;
  rowPtr: Int32Array; // [rows + 1]
  rowOf: Int32Array; // [rows] the sample of each row
  xIdx: Int32Array; // [actives]
  xVal: Float64Array; // [actives]
  relu: boolean;
  grads: boolean;
  gW: Float64Array; // out [hidden, feat] ∂L/∂W (when grads)
  gb: Float64Array; // out [feat] ∂L/∂b (when grads)
  result: Float64Array; // out [1] the unscaled loss of the rows (a returned double would be boxed)
}

/** A Job32 with empty fields, for a caller to keep and fill. */
export function createJob32(): Job32 {
  const none = new Float64Array(0);
  const noIndex = new Int32Array(0);
  return { W: none, wBase: 0, n: 0, m: 0, b: none, imp: none, c: none, rows: 0, resident: false, rowPtr: noIndex, rowOf: noIndex, xIdx: noIndex, xVal: none, relu: true, grads: false, gW: none, gb: none, result: none };
}

/**
 * W [hidden, feat] at wBase into W32 [mP, nP] (and, `transposed`, Wt [feat, mP]), b, I, c [feat] into
 * their float32 rows, padded with zeros (element indices: the byte offsets are multiples of 16).
 */
function loadParams(s: DenseState, L: Layout, job: Job32, transposed: boolean): void {
  const { f32 } = s;
  const { W, wBase, b, imp, c } = job;
  const { n, m, nP, mP } = L;
  const W32 = L.W >> 2;
  const Wt32 = L.Wt >> 2;
  f32.fill(0, W32, W32 + mP * nP);
  if (transposed) f32.fill(0, Wt32, Wt32 + n * mP);
  for (let j = 0; j < m; j++) {
    for (let l = 0; l < n; l++) {
      const w = W[wBase + j * n + l];
      f32[W32 + j * nP + l] = w;
      if (transposed) f32[Wt32 + l * mP + j] = w;
    }
  }
  const b32 = L.b >> 2;
  const imp32 = L.imp >> 2;
  const c32 = L.c >> 2;
  for (let l = 0; l < nP; l++) {
    const inside = l < n;
    f32[b32 + l] = inside ? b[l] : 0;
    f32[imp32 + l] = inside ? imp[l] : 0;
    f32[c32 + l] = inside ? c[l] : 0;
  }
}

/** The job's compressed rows into the module's memory, values in float32. */
function loadLists(s: DenseState, L: Layout, job: Job32): void {
  const { f32, i32 } = s;
  const { rowPtr, xIdx, xVal, rows } = job;
  const rp32 = L.rowPtr >> 2;
  for (let r = 0; r <= rows; r++) i32[rp32 + r] = rowPtr[r];
  const idx32 = L.xIdx >> 2;
  const val32 = L.xVal >> 2;
  const actives = rowPtr[rows];
  for (let p = 0; p < actives; p++) {
    i32[idx32 + p] = xIdx[p];
    f32[val32 + p] = xVal[p];
  }
}

/**
 * Route 'h32' for one instance (the job), over its non-empty rows (x [batch, feat] from `offset`,
 * compressed: row r is sample rowOf[r], its active inputs xIdx/xVal[rowPtr[r] .. rowPtr[r+1])):
 * writes the unscaled loss of those rows into result[0]; when `grads`, ∂L/∂W of those rows into gW
 * [hidden, feat] and ∂L/∂b into gb [feat] (both overwritten). `gather`: h = W x and (W g) xᵀ over
 * the active inputs only, x built block by block from the compressed rows; else over dense rows of
 * x, copied once (from the batch compressRows32 left in memory when the rows are resident).
 */
export function sweepHidden32(job: Job32, x: FloatArray, offset: number, gather: boolean): void {
  const { n, m, rows, relu, grads, resident, rowOf, gW, gb, result } = job;
  const s = getState();
  if (!s) throw new Error("route 'h32' needs WebAssembly SIMD with synchronous compilation");
  const L = layoutFor(s, n, m, rows);
  const { f32, f64, i32, wasm } = s;
  const { nP, mP, R } = L;
  loadParams(s, L, job, true);
  const rows4 = (rows + 3) & ~3;
  // The batch as loaded is already the blocks' dense rows when its rows need no padding (n a
  // multiple of 4, every row kept, whole groups of four): no copy.
  const inPlace = resident && !gather && n === nP && rows === rows4 && rows > 0 && i32[(L.rowOf >> 2) + rows - 1] === rows - 1;
  if (gather && !resident) loadLists(s, L, job);
  else if (!gather && !inPlace) {
    // The rows themselves (one float32 copy each, cheaper than the lists); the padding columns are
    // zero from the layout's creation and never written, the padding rows are cleared.
    const X32 = L.X >> 2;
    if (resident) wasm.padRows(L.Xraw, L.rowOf, L.X, rows, n, nP);
    else {
      for (let r = 0; r < rows; r++) {
        const xo = offset + rowOf[r] * n;
        const o = X32 + r * nP;
        for (let i = 0; i < n; i++) f32[o + i] = x[xo + i];
      }
    }
    f32.fill(0, X32 + rows * nP, X32 + rows4 * nP);
  }
  const gW64 = L.gW64 >> 3;
  const gWt64 = L.gWt64 >> 3;
  const gb64 = L.gb64 >> 3;
  if (grads) {
    f64.fill(0, gW64, gW64 + mP * nP);
    f64.fill(0, gWt64, gWt64 + n * mP);
    f64.fill(0, gb64, gb64 + nP);
  }

  const relu01 = relu ? 1 : 0;
  const loss64 = L.loss64 >> 3;
  f64[loss64] = 0;
  for (let r0 = 0; r0 < rows; r0 += R) {
    const valid = Math.min(R, rows - r0);
    const R4 = (valid + 3) & ~3; // the block's rows, padded to whole groups of four
    const X = gather ? L.X : (inPlace ? L.Xraw : L.X) + 4 * r0 * nP; // the block's rows of x, dense
    if (gather) {
      wasm.scatterRows(L.rowPtr, L.xIdx, L.xVal, X, r0, R4, valid, nP);
      wasm.hiddenSparse(L.rowPtr, L.xIdx, L.xVal, L.Wt, L.H, r0, R4, valid, mP);
    } else wasm.hidden(X, L.Wt, L.H, R4, n, nP, mP);
    wasm.outputs(L.H, L.W, L.b, L.imp, L.c, X, L.G, R4, valid, m, nP, mP, relu01, L.loss64);
    if (!grads) continue;
    // Sparse backward when the block has at most limit nonzero g (a function of params and batch):
    // sparseGradFraction(mP) of its R4·nP entries, written out (a double returned would be boxed).
    const cells = R4 * nP;
    const limit =
      sparseOverride === undefined
        ? Math.floor((cells * mP) / (mP + 150))
        : sparseOverride < 0
          ? -1
          : Math.floor(Math.min(sparseOverride, 1) * cells);
    const sparse = wasm.backward(
      L.H, L.GH, L.G, X, L.Wt, L.gW64, L.gWt64, L.gWt32, L.terms, L.gb64, L.rowPtr, L.xIdx, L.xVal, L.gPtr, L.gIdx, L.gVal, L.colPtr, L.cRow, L.cVal,
      r0, R4, valid, n, m, nP, mP, gather ? 1 : 0, limit,
    );
    blockCounts.sparse += sparse;
    blockCounts.dense += 1 - sparse;
  }
  result[0] = f64[loss64];
  if (!grads) return;
  if (gather) wasm.flushWt(L.gWt32, L.gWt64, L.terms, n, mP);
  for (let j = 0; j < m; j++) {
    for (let l = 0; l < n; l++) gW[j * n + l] = f64[gW64 + j * nP + l] + f64[gWt64 + l * mP + j];
  }
  for (let l = 0; l < n; l++) gb[l] = f64[gb64 + l];
}

let registerGram = true; // tests: false runs the general gramSweep for every width

/** Tests: whether route 'gram32' runs its register kernel, in chunks of up to 36 outputs (default true; same bits as the general one). */
export function setGramRegisters(enabled = true): void {
  registerGram = enabled;
}

/** Samples per float32 sum of ∂b in route 'gram32' (as route 'h32''s blocks: at most 256). */
const GRAM_SUB = 256;

/**
 * Samples per float32 block of M in route 'gram32': 256, 512, 768 or 1024, the most that adds on
 * average at most 256 terms (x_i g, one per sample with input i active) to each entry of M before it
 * moves to float64 (gramFlush); the same bound as route 'h32''s blocks of at most 256 samples. Sparse
 * data thus flushes M, n × nP floats, once or twice a batch rather than every few samples.
 */
export function gramBlockRows(n: number, rows: number, actives: number): number {
  return GRAM_SUB * Math.min(4, Math.max(1, Math.floor((n * rows) / Math.max(actives, 1))));
}

/**
 * Route 'gram32' for one instance (the job; wasm/gram32.ts), over the compressed rows compressRows32
 * left in memory (`resident`) or the job's: the outputs of sweepHidden32.
 */
export function sweepGram32(job: Job32): void {
  const { n, m, rows, relu, grads, resident, gW, gb, result } = job;
  const s = getState();
  if (!s) throw new Error("route 'gram32' needs WebAssembly SIMD with synchronous compilation");
  const L = layoutFor(s, n, m, rows);
  if (!L.gramReady) {
    ensureMemory(s, L.gramEnd);
    s.f32.fill(0, L.A >> 2, (L.gbAcc >> 2) + L.nP);
    L.gramReady = true;
  }
  const { f64, i32, wasm } = s;
  const nP = L.nP;
  loadParams(s, L, job, false);
  if (!resident) loadLists(s, L, job);
  const actives = i32[(L.rowPtr >> 2) + rows];
  const M64 = L.M64 >> 3;
  const gb64 = L.gb64 >> 3;
  f64.fill(0, M64, M64 + n * nP);
  f64.fill(0, gb64, gb64 + nP);
  const loss64 = L.loss64 >> 3;
  f64[loss64] = 0;
  wasm.gramMatrix(L.W, L.G32, n, m, nP);
  const R = gramBlockRows(n, rows, actives);
  const relu01 = relu ? 1 : 0;
  for (let r0 = 0; r0 < rows; r0 += GRAM_SUB) {
    const count = Math.min(GRAM_SUB, rows - r0);
    if (registerGram) wasm.gramSweepRegisters(L.rowPtr, L.xIdx, L.xVal, L.G32, L.b, L.imp, L.c, L.Xr, L.M32, L.gbAcc, L.rowLoss, r0, count, nP, relu01, L.loss64);
    else wasm.gramSweep(L.rowPtr, L.xIdx, L.xVal, L.G32, L.b, L.imp, L.c, L.A, L.Xr, L.M32, L.gbAcc, r0, count, nP, relu01, L.loss64);
    // ∂b's sum moves to float64 every GRAM_SUB samples, M's at the end of each block of R (n = 0: M stays).
    const endOfBlock = (r0 + count) % R === 0 || r0 + count === rows;
    wasm.gramFlush(L.M32, L.M64, L.gbAcc, L.gb64, endOfBlock ? n : 0, nP);
  }
  result[0] = f64[loss64];
  if (!grads) return;
  const gW64 = L.gW64 >> 3;
  wasm.gramGradient(L.W, L.M64, L.S, L.gW64, n, m, nP);
  for (let j = 0; j < m; j++) for (let l = 0; l < n; l++) gW[j * n + l] = f64[gW64 + j * nP + l];
  for (let l = 0; l < n; l++) gb[l] = f64[gb64 + l];
}

/**
 * toyGram's compressRows for float32 x, in WebAssembly (four inputs tested per instruction): the
 * batch slice of x at `offset` is copied into the module's memory and compressed there — the same
 * lists, in the same order, as the JavaScript scan. Returns the number of non-empty rows. The lists
 * stay in memory for route 'h32' (sweepHidden32 with `resident`); copyCompressedLists hands them to
 * the other routes. The layout is the one route 'h32' then uses for this shape (sized for the
 * whole batch, so that sweepHidden32 keeps it).
 */
export function compressRows32(x: Float32Array, offset: number, batchSize: number, n: number, m: number): number {
  loadX32(x, offset, batchSize, n, m);
  return compressLoaded32(batchSize, n);
}

/**
 * The batch slice of x at `offset` into the module's memory (Xraw of the layout for this shape, sized
 * for the whole batch), for compressLoaded32 or countLoaded32.
 */
export function loadX32(x: Float32Array, offset: number, batchSize: number, n: number, m: number): void {
  const s = getState();
  if (!s) throw new Error('loadX32 needs WebAssembly SIMD with synchronous compilation');
  const L = layoutFor(s, n, m, batchSize);
  const length = batchSize * n;
  const k = (offset / length) | 0;
  let slice = slices[k];
  if (slice === undefined || slice.buffer !== x.buffer || slice.byteOffset !== x.byteOffset + 4 * offset || slice.length !== length) {
    slice = x.subarray(offset, offset + length);
    slices[k] = slice;
  }
  s.f32.set(slice, L.Xraw >> 2);
}

/** compressRows32 on the batch loadX32 left in memory: returns the number of non-empty rows. */
export function compressLoaded32(batchSize: number, n: number): number {
  const s = getState()!;
  const L = s.layout!;
  s.wasm.compressRows(L.Xraw, batchSize, n, L.rowPtr, L.rowOf, L.xIdx, L.xVal, L.count);
  return s.i32[L.count >> 2];
}

/**
 * The non-empty rows of the batch loadX32 left in memory, as compressLoaded32 would find them, and
 * (countedActives) its active inputs, without the lists: what route 'h32' over dense rows needs when
 * every row is non-empty (rowOf is then the identity, written here).
 */
export function countLoaded32(batchSize: number, n: number): number {
  const s = getState()!;
  const L = s.layout!;
  s.wasm.countRows(L.Xraw, batchSize, n, L.rowOf, L.count, L.actives);
  return s.i32[L.count >> 2];
}

/** The active inputs countLoaded32 found. */
export function countedActives(): number {
  const s = getState();
  return s === null || s.layout === null ? 0 : s.i32[s.layout.actives >> 2];
}

/** The number of active inputs of the lists compressRows32 left in memory (with `rows` rows). */
export function compressedActives(rows: number): number {
  const s = getState();
  return s === null || s.layout === null ? 0 : s.i32[(s.layout.rowPtr >> 2) + rows];
}

/** Copy the lists compressRows32 left in memory (`rows` rows) out to the caller's arrays. */
export function copyCompressedLists(rows: number, rowPtr: Int32Array, rowOf: Int32Array, xIdx: Int32Array, xVal: Float64Array): void {
  const s = getState();
  if (!s || !s.layout) throw new Error('copyCompressedLists: no compressed rows in memory');
  const L = s.layout;
  const { f32, i32 } = s;
  const rp = L.rowPtr >> 2;
  const ro = L.rowOf >> 2;
  for (let r = 0; r < rows; r++) {
    rowPtr[r] = i32[rp + r];
    rowOf[r] = i32[ro + r];
  }
  rowPtr[rows] = i32[rp + rows];
  const actives = rowPtr[rows];
  const idx = L.xIdx >> 2;
  const val = L.xVal >> 2;
  for (let p = 0; p < actives; p++) {
    xIdx[p] = i32[idx + p];
    xVal[p] = f32[val + p];
  }
}
