// Route 'gram32' of the toy kernel (src/kernels/toy/gram32.ts): G = WᵀW, a = b + Σ_(i active) x_i G[i, :],
// M += x gᵀ over the active i, ∂W = W (M + Mᵀ), in float32 WebAssembly SIMD (wasm/toy/gram32.ts),
// driven from here a chunk of samples at a time; sums over the batch in float64.

import { loadLists, loadParams, type Job32 } from './job.js';
import { GRAM_SUB } from './layout.js';
import { ensureMemory, getState, layoutFor } from './module.js';

let registerGram = true; // tests: false runs the general gramSweep for every width

/** Tests: whether route 'gram32' runs its register kernel, in chunks of up to 36 outputs (default true; same bits as the general one). */
export function setGramRegisters(enabled = true): void {
  registerGram = enabled;
}

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
 * Route 'gram32' for one instance (the job; wasm/toy/gram32.ts), over the compressed rows compressRows32
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
  // ∂b's sum moves to float64 every GRAM_SUB samples, M's at the end of each block of R.
  wasm.gramSweepBatch(L.rowPtr, L.xIdx, L.xVal, L.G32, L.b, L.imp, L.c, L.A, L.Xr, L.M32, L.gbAcc, L.rowLoss, L.M64, L.gb64, rows, GRAM_SUB, R, n, nP, relu ? 1 : 0, registerGram ? 1 : 0, L.loss64);
  result[0] = f64[loss64];
  if (!grads) return;
  const gW64 = L.gW64 >> 3;
  wasm.gramGradient(L.W, L.M64, L.S, L.gW64, n, m, nP);
  for (let j = 0; j < m; j++) for (let l = 0; l < n; l++) gW[j * n + l] = f64[gW64 + j * nP + l];
  for (let l = 0; l < n; l++) gb[l] = f64[gb64 + l];
}
