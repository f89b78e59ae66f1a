// Route 'h32' of the toy kernel (src/kernels/toy/h32.ts): route 'h' — h = W x, a = b + Wᵀh, g,
// ∂W += h gᵀ + (W g) xᵀ — in float32 WebAssembly SIMD (f32x4, wasm/toy/h32.ts and h32Backward.ts), a
// block of R samples at a time, driven from here block by block.
//
// The backward of a block runs over its nonzero g = ∂L/∂a alone (W g = Σ g_l W[:, l], h gᵀ by column)
// when they are at most sparseGradFraction(mP) of its entries, else densely: the count, and so the
// choice, is a function of the parameters and the batch only (the same bits whatever the threads).
//
// Precision: products and sums within a block are float32; the sums over the batch (∂W, ∂b, the loss)
// are float64 across blocks. Route 'h32' is chosen only for float32 parameters (training).

import type { FloatArray } from '../types.js';
import { loadLists, loadParams, type Job32 } from './job.js';
import { getState, layoutFor } from './module.js';

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
