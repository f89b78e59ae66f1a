// x compressed to its active inputs, per instance: the non-empty samples as rows of (input, value)
// lists (rowPtr/xIdx/xVal, rowOf the sample of each row), empty samples dropped — what every route
// but the dense ones reads; and the rows grouped by their number of actives for route 'gram'.

import type { FloatArray } from './types.js';
import type { ToyKernelWorkspace } from './workspace.js';

/**
 * Compress one instance's block of x [batch, feat] (starting at `offset`) into rows of active inputs,
 * dropping empty samples (kw.rowOf keeps each row's sample). Returns the number of non-empty rows;
 * rowPtr[rows] is the number of actives.
 */
export function compressRows(x: FloatArray, offset: number, batchSize: number, n: number, kw: ToyKernelWorkspace): number {
  const pairs = pairView(x, offset, n, kw);
  return pairs ? scanPairs(x as Float32Array, pairs, offset, batchSize, n, kw) : scanRows(x, offset, batchSize, n, kw);
}

/**
 * List the compressed rows grouped by their number of actives a (kw.order, group a at
 * [groupStart[a], groupStart[a+1])): equal trip counts keep the per-row loops of sweepRows predictable.
 */
export function groupRows(kw: ToyKernelWorkspace, n: number, rows: number): void {
  const { rowPtr, order, groupStart } = kw;
  groupStart.fill(0);
  for (let r = 0; r < rows; r++) groupStart[rowPtr[r + 1] - rowPtr[r] + 1]++;
  for (let a = 1; a <= n + 1; a++) groupStart[a] += groupStart[a - 1];
  // groupStart[a] is now the first slot of group a; fill, then shift back.
  for (let r = 0; r < rows; r++) order[groupStart[rowPtr[r + 1] - rowPtr[r]]++] = r;
  for (let a = n + 1; a > 0; a--) groupStart[a] = groupStart[a - 1];
  groupStart[0] = 0;
}

/** A Float64Array view of x pairing its floats two by two, when x is a suitably aligned Float32Array. */
function pairView(x: FloatArray, offset: number, n: number, kw: ToyKernelWorkspace): Float64Array | null {
  if (!(x instanceof Float32Array) || (n & 1) !== 0 || ((x.byteOffset >> 2) + offset) & 1 || x.byteOffset & 7) return null;
  if (kw.pairsOf !== x) {
    kw.pairsOf = x;
    kw.pairs = new Float64Array(x.buffer, x.byteOffset, x.length >> 1);
  }
  return kw.pairs;
}

// The scans avoid data-dependent branches (a random 10% of inputs active would mispredict most of
// them): each candidate is written and the count advances by +(v !== 0).

/** The scan one value at a time. */
function scanRows(x: FloatArray, offset: number, batchSize: number, n: number, kw: ToyKernelWorkspace): number {
  const { rowPtr, rowOf, xIdx, xVal } = kw;
  let cnt = 0;
  let rows = 0;
  rowPtr[0] = 0;
  for (let r = 0; r < batchSize; r++) {
    const base = offset + r * n;
    for (let l = 0; l < n; l++) {
      const v = x[base + l];
      xIdx[cnt] = l;
      xVal[cnt] = v;
      cnt += +(v !== 0);
    }
    if (cnt !== rowPtr[rows]) {
      rowOf[rows] = r;
      rowPtr[++rows] = cnt;
    }
  }
  return rows;
}

/**
 * The scan for sparse x, two floats at a time (a pair of (±)zeros reads as a float64 zero): the
 * nonzero pairs first, then their values; falls back to scanRows when most pairs are nonzero.
 */
function scanPairs(x: Float32Array, pairs: Float64Array, offset: number, batchSize: number, n: number, kw: ToyKernelWorkspace): number {
  const { rowPtr, rowOf, xIdx, xVal, nzPairs, rowEnd } = kw;
  const half = n >> 1;
  const first = offset >> 1;
  const total = batchSize * half;
  let c = 0;
  for (let k = 0; k < total; k++) {
    nzPairs[c] = k;
    c += +(pairs[first + k] !== 0);
  }
  if (c > total >> 1) return scanRows(x, offset, batchSize, n, kw);
  rowEnd.fill(-1, 0, batchSize);
  // Row of pair k: ⌊k / half⌋ by a multiplication (exact: the fraction stays ≥ 0.5/half from 1).
  const invHalf = 1 / half;
  let e = 0;
  for (let q = 0; q < c; q++) {
    const k = nzPairs[q];
    const r = ((k + 0.5) * invHalf) | 0;
    const i = offset + 2 * k;
    const col = i - offset - r * n;
    const v0 = x[i];
    const v1 = x[i + 1];
    xIdx[e] = col;
    xVal[e] = v0;
    e += +(v0 !== 0);
    xIdx[e] = col + 1;
    xVal[e] = v1;
    e += +(v1 !== 0);
    rowEnd[r] = e;
  }
  // A row is non-empty if its end moved (a pair (−0, 0) reads as nonzero but adds no input).
  let rows = 0;
  rowPtr[0] = 0;
  for (let r = 0; r < batchSize; r++) {
    const end = rowEnd[r];
    if (end > rowPtr[rows]) {
      rowOf[rows] = r;
      rowPtr[++rows] = end;
    }
  }
  return rows;
}
