// x compressed to its active inputs in WebAssembly (wasm/toy/compress.ts): the batch slice of an
// instance copied into the module's memory, then compressed (or only counted) there; the lists stay in
// memory for the float32 routes and are copied out for the others.

import { getState, layoutFor } from './module.js';

/** Views on the caller's x, one per instance slice, made once: a subarray per call would be garbage. */
const slices: (Float32Array | undefined)[] = [];

/**
 * rows.ts's compressRows for float32 x, in WebAssembly (four inputs tested per instruction): the
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
