// The toy kernel's workspace: every buffer the routes use for one instance at a time, created once
// and grown only when a bigger batch (or route 'gram''s n² buffers) is first needed, so that steps
// allocate nothing; and the copies between it and the caller's arrays.

import type { FloatArray, KernelReport, KernelRoute, ToyModelShape } from './types.js';
import { createJob32, type Job32 } from './wasm/job.js';

/** Scratch buffers of the kernel, reused across instances and steps. */
export interface ToyKernelWorkspace {
  Wt: Float64Array; // [feat, hidden] W of the current instance, transposed
  Wd: Float64Array; // [hidden, feat] W of the current instance
  gWd: Float64Array; // [hidden, feat] ∂L/∂W of route 'h'
  WC: Float64Array; // [hidden, feat] W C (moments)
  b: Float64Array; // [feat]
  imp: Float64Array; // [feat] I_l
  c: Float64Array; // [feat] 2 I_l / (B n)
  G: Float64Array; // [feat, feat] WᵀW
  M: Float64Array; // [feat, feat] M = Σ_b g_b x_bᵀ (either orientation: only M + Mᵀ is used)
  C: Float64Array; // [feat, feat] Σ_b x_b x_bᵀ
  s: Float64Array; // [feat] Σ_b x_b
  gWt: Float64Array; // [feat, hidden] ∂L/∂W of routes 'gram' and 'hybrid', transposed
  gb: Float64Array; // [feat]
  h: Float64Array; // [hidden] scratch
  /** Doubles handed between functions through memory, not returned (a returned double is boxed). */
  estimates: Float64Array; // [5] the cost formulas' estimates (routeCosts in route.ts)
  costs: Float64Array; // [5] each route's estimated cost, by its place in the route table
  routeLoss: Float64Array; // [1] the unscaled loss the route computed
  partial: Float64Array; // [1] the loss of route 'h''s current block of four samples
  job: Job32; // the float32 routes' inputs for the current instance (job32)
  /** Route 'h32' gathers the active inputs (else dense rows); set by its cost. */
  gather32: boolean;
  /** The lists of x are the ones compressRows32 left in the module's memory (not yet copied out). */
  resident: boolean;
  gh: Float64Array; // [4 · hidden]
  H4: Float64Array; // [4, hidden] h of four samples
  G4: Float64Array; // [4, feat] g of four samples
  X4: Float64Array; // [4, feat] x of four samples
  V4: Float64Array; // [4, feat] a of four samples
  /** Outputs computed per sample (routes 'gram', 'hybrid'): P[u] = l, with their b, I, c, G columns. */
  P: Int32Array;
  bP: Float64Array;
  impP: Float64Array;
  cP: Float64Array;
  gbP: Float64Array; // ∂L/∂b of P's entries
  Gp: Float64Array; // [feat, |P|] Gp[i·|P| + u] = G[i, P[u]]
  MP: Float64Array; // [feat, |P|] M over the outputs P
  kind: Int32Array; // [feat] u ≥ 0: P[u] = l; ON: settled on (moments); OFF: settled off
  linear: Int32Array; // [feat] the outputs in the moments (ON, then UP)
  acc: Float64Array; // [feat] a of the current sample (over P)
  val: Float64Array; // [feat] g (sweepRows) or a (forwardGram) of the current sample
  pos: Int32Array; // [feat] the nonzero g (sweepRows) or entry positions (forwardGram) of the sample
  /** x as compressed rows: non-empty sample r has inputs xIdx/xVal[rowPtr[r] .. rowPtr[r+1]). */
  rowPtr: Int32Array;
  xIdx: Int32Array;
  xVal: Float64Array;
  /** The sample (row of x) of each non-empty row. */
  rowOf: Int32Array;
  /** The non-empty rows grouped by number of actives a: order[groupStart[a] .. groupStart[a+1]). */
  order: Int32Array;
  groupStart: Int32Array; // [feat + 2]
  /** x as float pairs, for the scan (cached per x). */
  pairsOf: FloatArray | null;
  pairs: Float64Array | null;
  nzPairs: Int32Array; // [batch · feat] scratch of scanPairs
  rowEnd: Int32Array; // [batch] scratch of scanPairs
  /** Route 'hybrid': the nonzero entries of g (output l, value) per non-empty row, as x's rows. */
  gPtr: Int32Array;
  gIdx: Int32Array;
  gVal: Float64Array;
  /** Results of classifyOutputs and layoutOutputs (prepareGram), or every output per sample. */
  nOn: number;
  nOff: number;
  nUp: number;
  nP: number; // |P|, the outputs computed per sample
  nP1: number;
  nLin: number;
  moments: boolean; // the outputs kw.linear are computed by batch moments (linearOutputs)
  quad: number; // Q = Σ a_b(a_b + 1)/2, the moments' terms
  /** Route 'gram', per row: the listed outputs of u < nP1 (the rest, to the row's count, are u ≥ nP1). */
  listedOn: number;
  reports: KernelReport[];
}

export function createKernelWorkspace(shape: ToyModelShape): ToyKernelWorkspace {
  const n = shape.nFeatures;
  const m = shape.nHidden;
  return {
    Wt: new Float64Array(n * m),
    Wd: new Float64Array(n * m),
    gWd: new Float64Array(n * m),
    WC: new Float64Array(n * m),
    b: new Float64Array(n),
    imp: new Float64Array(n),
    c: new Float64Array(n),
    G: new Float64Array(0),
    M: new Float64Array(0),
    C: new Float64Array(0),
    s: new Float64Array(n),
    gWt: new Float64Array(n * m),
    gb: new Float64Array(n),
    h: new Float64Array(m),
    gh: new Float64Array(4 * m),
    H4: new Float64Array(4 * m),
    G4: new Float64Array(4 * n),
    X4: new Float64Array(4 * n),
    V4: new Float64Array(4 * n),
    P: new Int32Array(n),
    bP: new Float64Array(n),
    impP: new Float64Array(n),
    cP: new Float64Array(n),
    gbP: new Float64Array(n),
    Gp: new Float64Array(0),
    MP: new Float64Array(0),
    kind: new Int32Array(n),
    linear: new Int32Array(n),
    acc: new Float64Array(n),
    val: new Float64Array(n),
    pos: new Int32Array(n),
    rowPtr: new Int32Array(1),
    xIdx: new Int32Array(0),
    xVal: new Float64Array(0),
    order: new Int32Array(0),
    rowOf: new Int32Array(0),
    groupStart: new Int32Array(n + 2),
    pairsOf: null,
    pairs: null,
    nzPairs: new Int32Array(0),
    rowEnd: new Int32Array(0),
    gPtr: new Int32Array(1),
    gIdx: new Int32Array(0),
    gVal: new Float64Array(0),
    nOn: 0,
    nOff: 0,
    nUp: 0,
    nP: n,
    nP1: 0,
    nLin: 0,
    moments: false,
    quad: 0,
    listedOn: 0,
    estimates: new Float64Array(5),
    costs: new Float64Array(5),
    routeLoss: new Float64Array(1),
    partial: new Float64Array(1),
    job: createJob32(),
    gather32: false,
    resident: false,
    reports: Array.from({ length: shape.nInstances }, () => ({
      route: 'h' as KernelRoute,
      moments: false,
      perSample: n,
      linear: 0,
      on: 0,
      off: 0,
      denseRows: false,
    })),
  };
}

/** Grow the batch-sized buffers (only when a bigger batch than ever before arrives). */
export function ensureBatchCapacity(kw: ToyKernelWorkspace, batchSize: number, n: number): void {
  if (kw.rowPtr.length < batchSize + 1) {
    kw.rowPtr = new Int32Array(batchSize + 1);
    kw.order = new Int32Array(batchSize);
    kw.rowOf = new Int32Array(batchSize);
    kw.gPtr = new Int32Array(batchSize + 1);
  }
  if (kw.rowEnd.length < batchSize) kw.rowEnd = new Int32Array(batchSize);
  if (kw.xIdx.length < batchSize * n + 1) {
    kw.nzPairs = new Int32Array(batchSize * n);
    kw.xIdx = new Int32Array(batchSize * n + 1);
    kw.xVal = new Float64Array(batchSize * n + 1);
  }
}

/** The n² buffers of route 'gram', allocated on its first use. */
export function ensureGramCapacity(kw: ToyKernelWorkspace, n: number): void {
  if (kw.G.length >= n * n) return;
  kw.G = new Float64Array(n * n);
  kw.M = new Float64Array(n * n);
  kw.C = new Float64Array(n * n);
  kw.Gp = new Float64Array(n * n);
  kw.MP = new Float64Array(n * n);
}

/** Entries of g are at most `perSample` per non-empty sample. */
export function ensureEntryCapacity(kw: ToyKernelWorkspace, rows: number, perSample: number): void {
  if (kw.gIdx.length < rows * perSample) {
    const size = Math.max(rows * perSample, 2 * kw.gIdx.length);
    kw.gIdx = new Int32Array(size);
    kw.gVal = new Float64Array(size);
  }
}

/** The float64 routes' copies of the instance's W at wBase: Wt [feat, hidden] and Wd [hidden, feat]. */
export function copyWeights64(kw: ToyKernelWorkspace, W: FloatArray, wBase: number, n: number, m: number): void {
  const { Wt, Wd } = kw;
  for (let j = 0; j < m; j++) {
    for (let l = 0; l < n; l++) {
      const w = W[wBase + j * n + l];
      Wt[l * m + j] = w;
      Wd[j * n + l] = w;
    }
  }
}

/** ∂L/∂W of routes 'h', 'h32', 'gram32' (kw.gWd [hidden, feat]) into the caller's gW at wBase. */
export function writeGradW(kw: ToyKernelWorkspace, gW: Float64Array, wBase: number, n: number, m: number): void {
  const { gWd } = kw;
  for (let e = 0; e < m * n; e++) gW[wBase + e] = gWd[e];
}

/** ∂L/∂W of routes 'gram', 'hybrid' (kw.gWt [feat, hidden], transposed) into the caller's gW at wBase. */
export function writeGradWt(kw: ToyKernelWorkspace, gW: Float64Array, wBase: number, n: number, m: number): void {
  const { gWt } = kw;
  for (let j = 0; j < m; j++) for (let l = 0; l < n; l++) gW[wBase + j * n + l] = gWt[l * m + j];
}

/** kw.job for one instance of the float32 routes: its fields refilled, the object reused. */
export function job32(kw: ToyKernelWorkspace, W: FloatArray, wBase: number, n: number, m: number, rows: number, relu: boolean, grads: boolean, resident: boolean): Job32 {
  const job = kw.job;
  job.W = W;
  job.wBase = wBase;
  job.n = n;
  job.m = m;
  job.b = kw.b;
  job.imp = kw.imp;
  job.c = kw.c;
  job.rows = rows;
  job.resident = resident;
  job.rowPtr = kw.rowPtr;
  job.rowOf = kw.rowOf;
  job.xIdx = kw.xIdx;
  job.xVal = kw.xVal;
  job.relu = relu;
  job.grads = grads;
  job.gW = kw.gWd;
  job.gb = kw.gb;
  job.result = kw.routeLoss;
  return job;
}
