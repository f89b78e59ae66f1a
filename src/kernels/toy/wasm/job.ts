// One instance's work for the float32 routes (h32.ts, gram32.ts), and its parameters and compressed
// rows loaded into the module's memory, in float32, padded as the kernels read them.

import type { FloatArray } from '../types.js';
import type { Layout } from './layout.js';
import type { ToyModule } from './module.js';

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
export function loadParams(s: ToyModule, L: Layout, job: Job32, transposed: boolean): void {
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
export function loadLists(s: ToyModule, L: Layout, job: Job32): void {
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
