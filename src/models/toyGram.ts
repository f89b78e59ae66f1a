// The fast kernel behind toyModel.lossAndGradients: the same loss and gradient as the reference
// (toyModel.lossAndGradientsReference, up to rounding), computed per instance along the cheapest of
// five routes. Per instance: n features, m hidden, B samples, R of them with an active input;
// sample b has a_b active inputs (A = Σ a_b, Q = Σ a_b(a_b + 1)/2); g = ∂L/∂a, c_l = 2 I_l / (B n).
//
//   'h'      h = W x, a = b + Wᵀh, g, then ∂W = Σ h gᵀ + (W g) xᵀ, four samples at a time so that each
//            weight loaded serves four (sweepHidden). Dense blocks read x densely; sparse ones
//            gather the active inputs.                                  ≈ R·5nm (dense) or R·3nm + 4Am
//   'gram'   G = WᵀW (n²m/2), then a = b + Σ_{i active} G[:, i] x_i only for the outputs P whose ReLU
//            is undecided for the batch (below), fused with M = Σ_b g_b x_bᵀ over the active i and the
//            nonzero g (sweepRows); ∂L/∂W = W (M + Mᵀ) (n²m).      ≈ A|P| + A·ν + n²m·3/2 (+ moments)
//   'hybrid' forward as 'gram' (g stored per sample), backward as 'h' per sample (no n²m term):
//            for large n with few nonzero g.
//   'h32'    route 'h' in float32 WebAssembly SIMD, four lanes per instruction (wasm/toyDense.ts,
//            driven by src/models/wasm/toyDense.ts): blocks of samples, h = W x and (W g) xᵀ over dense
//            rows of x or gathered over the active inputs; sums over the batch in float64. Only for
//            float32 parameters (training), whose precision it keeps; float64 callers (gradient
//            checks, the 1e-12 agreement tests) never get it. Blocks whose g is sparse (at most
//            mP/(mP + 150) nonzero) run W g and h gᵀ over the nonzero g only.
//                                     ≈ 5 (dense) or 3 (gathered) · R·nm / 4, less where g is sparse
//   'gram32' G = WᵀW, a = b + Σ_{i active} x_i G[i, :] for every output, M += x gᵀ over the active i,
//            ∂W = W (M + Mᵀ), in float32 WebAssembly SIMD (wasm/gram32.ts), sums over the batch in
//            float64: for sparse data (the seed's S = 0.9 run). Float32 parameters only, as 'h32'.
//                                                         ≈ (2A·n + n²m·2) / 4, plus R·n for the ReLU
//
// Outputs in route 'gram' (classifyOutputs): x lies in [xlo, xhi] ∋ 0 over the batch, so a_l lies
// between b_l + Σ_i min(G_li xlo, G_li xhi) and b_l + Σ_i max(…). A lower bound > 0 (beyond a rounding
// margin) settles the ReLU of l on for every sample (ON; every output of the linear model), an upper
// bound < 0 settles it off (OFF: loss I_l x_l², no gradient). Outputs ON need no per-sample work:
// with s = Σ_b x_b, C = Σ_b x_b x_bᵀ and H = G − 1 (so a − x = b + H x),
//   Σ_b I_l (a_bl − x_bl)² = I_l (B b_l² + 2 b_l H_l·s + H_l C H_lᵀ),
//   ∂L/∂b_l = c_l (B b_l + H_l·s),   M_l,: = c_l (b_l sᵀ + (H C)_l,:),   (H C)_L = W_Lᵀ (W C) − C_L
// ("moments", cost Q + n²m + |L|nm). Undecided outputs with b_l > 0 (UP: on most of the time) can join
// the moments too and record only corrections where their ReLU is off; the rest (DOWN) record their
// entries where it is on. Samples with no active input all share a = b: computed once.
//
// The cost model (timeH, timeH32, timeGram32, timeGram; in ns, measured on the workloads W1–W4 of the
// performance issue): float32 parameters, where WebAssembly SIMD loads in this thread, take the
// cheapest of 'h32' (gathered or dense rows), 'gram32' and 'h' by R and A alone. Otherwise route 'h'
// is estimated from R, A; G is formed only when its cost leaves room to beat that; then the
// classification gives |P|, the moments' cost and an estimate of the entries of g per sample (half of
// the DOWN outputs, a quarter of the UP ones), and the cheapest route is taken. The choice is a
// deterministic function of (params, batch) — and of whether WebAssembly SIMD runs at all, the same
// in every Node thread — never of earlier calls or of whether gradients are wanted: a resumed run takes the same routes and gives the same bits, and the loss is the same with
// or without gradients.
//
// Within a sample, the loops over outputs treat every target as 0 (loss I_l a_l², entry c_l a_l,
// computed without branches as (a ± |a|)/2); the few active outputs are then fixed up (target x_l).
// Routes but 'h32' and 'gram32' run in float64 on float64 copies of the instance's W and b, so the hot loops see
// one array type whatever the caller's (Float32Array in training, Float64Array in tests).

import type { FloatArray, ToyModelGrads, ToyModelParams, ToyModelShape } from './toyModel.js';
import { compressLoaded32, compressedActives, copyCompressedLists, countLoaded32, countedActives, loadX32, createJob32, denseKernelAvailable, sweepGram32, sweepHidden32, type Job32 } from './wasm/toyDense.js';

/**
 * 'h' and 'gram' (forward and backward each), 'hybrid' (forward 'gram', backward 'h'), 'h32' (route 'h'
 * in float32 WebAssembly SIMD: wasm/toyDense.ts), 'gram32' (G = WᵀW over the active inputs, float32
 * WebAssembly SIMD: wasm/gram32.ts).
 */
export type KernelRoute = 'h' | 'gram' | 'hybrid' | 'h32' | 'gram32';

/** Force choices (tests, benchmarks); anything left out is chosen by the cost model. */
export interface KernelOptions {
  route?: KernelRoute;
  /** Route 'gram' only: treat settled-on outputs by batch moments (true) or sample by sample (false). */
  moments?: boolean;
  /** Route 'gram' only: false computes every output sample by sample (no settled outputs at all). */
  settle?: boolean;
  /** Route 'h32' only: h = W x and (W g) xᵀ over the active inputs (true) or over dense rows of x (false). */
  gather?: boolean;
}

/** What the last call did, per instance. */
export interface KernelReport {
  route: KernelRoute;
  moments: boolean;
  /** Outputs computed per sample, in the moments, settled on, settled off (route 'h': n, 0, 0, 0). */
  perSample: number;
  linear: number;
  on: number;
  off: number;
  /** Route 'h32' over dense rows of float32 x: the next call counts the batch before making lists. */
  denseRows: boolean;
}

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
  costH: Float64Array; // [1] estimated cost of the cheaper h route (chooseRoute)
  costs: Float64Array; // [5] every route's estimated cost (routeCosts)
  routeLoss: Float64Array; // [1] the unscaled loss the route computed
  job: Job32; // the float32 routes' inputs for the current instance (job32)
  /** Route 'h32' gathers the active inputs (else dense rows); set with costH by chooseRoute. */
  gather32: boolean;
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
  /** Results of classifyOutputs and layoutOutputs. */
  nOn: number;
  nOff: number;
  nUp: number;
  nP1: number;
  nLin: number;
  reports: KernelReport[];
}

const NO_OPTIONS: KernelOptions = {};
const ON = -1;
const OFF = -2;
const UP = -3;
const DOWN = -4;

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
    nP1: 0,
    nLin: 0,
    costH: new Float64Array(1),
    costs: new Float64Array(5),
    routeLoss: new Float64Array(1),
    job: createJob32(),
    gather32: false,
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
function ensureBatchCapacity(kw: ToyKernelWorkspace, batchSize: number, n: number): void {
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
function ensureGramCapacity(kw: ToyKernelWorkspace, n: number): void {
  if (kw.G.length >= n * n) return;
  kw.G = new Float64Array(n * n);
  kw.M = new Float64Array(n * n);
  kw.C = new Float64Array(n * n);
  kw.Gp = new Float64Array(n * n);
  kw.MP = new Float64Array(n * n);
}

/** Entries of g are at most `perSample` per non-empty sample. */
function ensureEntryCapacity(kw: ToyKernelWorkspace, rows: number, perSample: number): void {
  if (kw.gIdx.length < rows * perSample) {
    const size = Math.max(rows * perSample, 2 * kw.gIdx.length);
    kw.gIdx = new Int32Array(size);
    kw.gVal = new Float64Array(size);
  }
}

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

/**
 * G = WᵀW from Wt [feat, hidden]: G[i·n + c] = Σ_j Wt[i·m + j] Wt[c·m + j], in blocks of 2 × 4
 * entries (six rows of Wt loaded per eight multiply-adds). Cost n²m/2.
 */
export function gram(Wt: Float64Array, n: number, m: number, G: Float64Array): void {
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const oi = i * m;
    let c = i;
    for (; c + 3 < n; c += 4) {
      const oc = c * m;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      for (let j = 0; j < m; j++) {
        const u = Wt[oi + j];
        const v = Wt[oi + m + j];
        const w0 = Wt[oc + j];
        const w1 = Wt[oc + m + j];
        const w2 = Wt[oc + 2 * m + j];
        const w3 = Wt[oc + 3 * m + j];
        a0 += u * w0;
        a1 += u * w1;
        a2 += u * w2;
        a3 += u * w3;
        b0 += v * w0;
        b1 += v * w1;
        b2 += v * w2;
        b3 += v * w3;
      }
      G[i * n + c] = G[c * n + i] = a0;
      G[i * n + c + 1] = G[(c + 1) * n + i] = a1;
      G[i * n + c + 2] = G[(c + 2) * n + i] = a2;
      G[i * n + c + 3] = G[(c + 3) * n + i] = a3;
      G[(i + 1) * n + c] = G[c * n + i + 1] = b0;
      G[(i + 1) * n + c + 1] = G[(c + 1) * n + i + 1] = b1;
      G[(i + 1) * n + c + 2] = G[(c + 2) * n + i + 1] = b2;
      G[(i + 1) * n + c + 3] = G[(c + 3) * n + i + 1] = b3;
    }
    for (; c < n; c++) {
      const oc = c * m;
      let a = 0;
      let bb = 0;
      for (let j = 0; j < m; j++) {
        a += Wt[oi + j] * Wt[oc + j];
        bb += Wt[oi + m + j] * Wt[oc + j];
      }
      G[i * n + c] = G[c * n + i] = a;
      G[(i + 1) * n + c] = G[c * n + i + 1] = bb;
    }
  }
  if (i < n) {
    const oi = i * m;
    let s = 0;
    for (let j = 0; j < m; j++) s += Wt[oi + j] * Wt[oi + j];
    G[i * n + i] = s;
  }
}

/**
 * Sort the outputs for a batch whose x lies in [xlo, xhi] ∋ 0 (route 'gram', G formed): kw.kind[l]
 * becomes ON (settled on), OFF (settled off), UP (undecided, b_l > 0) or DOWN (undecided otherwise).
 * The linear model has every output ON. `settle` false makes every output DOWN. Counts into kw.nOn,
 * kw.nOff, kw.nUp.
 */
export function classifyOutputs(
  kw: ToyKernelWorkspace,
  n: number,
  m: number,
  relu: boolean,
  settle: boolean,
  xlo: number,
  xhi: number,
): void {
  const { G, Wt, b, kind, h } = kw;
  let on = 0;
  let off = 0;
  let up = 0;
  // Rounding margin: a_l as the reference computes it (b + Wᵀ(W x)) is within (n + 2m + 8)·ε·T_l of
  // the exact value, T_l = |b_l| + max|x| Σ_j |W_jl| Σ_i |W_ji|; G's own rounding is covered by it too.
  const xmax = Math.max(-xlo, xhi);
  for (let j = 0; j < m; j++) {
    let r = 0;
    for (let i = 0; i < n; i++) r += Math.abs(Wt[i * m + j]);
    h[j] = r; // scratch: row sums of |W|
  }
  const eps = (n + 2 * m + 8) * 2.3e-16;
  for (let l = 0; l < n; l++) {
    let k = DOWN;
    if (!settle) k = DOWN;
    else if (!relu) k = ON;
    else {
      let pos = 0;
      let neg = 0;
      for (let i = 0; i < n; i++) {
        const g = G[l * n + i];
        if (g > 0) pos += g;
        else neg += g;
      }
      let t = 0;
      for (let j = 0; j < m; j++) t += Math.abs(Wt[l * m + j]) * h[j];
      const margin = eps * (Math.abs(b[l]) + xmax * t);
      const lo = b[l] + xhi * neg + xlo * pos;
      const hi = b[l] + xhi * pos + xlo * neg;
      k = lo > margin ? ON : hi < -margin ? OFF : b[l] > 0 ? UP : DOWN;
    }
    kind[l] = k;
    if (k === ON) on++;
    else if (k === OFF) off++;
    else if (k === UP) up++;
  }
  kw.nOn = on;
  kw.nOff = off;
  kw.nUp = up;
}

/**
 * Lay out the outputs computed per sample, P = [DOWN…, UP…, ON…] (with moments: [DOWN…, UP…] and
 * the moments over [ON…, UP…] in kw.linear), gathering their b, I, c and columns of G; kw.kind[l]
 * becomes the position u in P (or stays ON / OFF). Returns |P|; kw.nP1 is where the UP outputs start
 * with moments (|P| − |UP|; |P| without), kw.nLin the number in the moments.
 */
export function layoutOutputs(kw: ToyKernelWorkspace, n: number, moments: boolean): number {
  const { G, b, imp, c, P, bP, impP, cP, Gp, kind, linear } = kw;
  let nP = 0;
  let nLin = 0;
  for (let l = 0; l < n; l++) if (kind[l] === DOWN) P[nP++] = l;
  const nDown = nP;
  for (let l = 0; l < n; l++) if (kind[l] === UP) P[nP++] = l;
  const nP1 = moments ? nDown : n;
  for (let l = 0; l < n; l++) {
    if (kind[l] !== ON) continue;
    if (moments) linear[nLin++] = l;
    else P[nP++] = l;
  }
  if (moments) for (let u = nDown; u < nP; u++) linear[nLin++] = P[u];
  for (let u = 0; u < nP; u++) {
    const l = P[u];
    kind[l] = u;
    bP[u] = b[l];
    impP[u] = imp[l];
    cP[u] = c[l];
  }
  for (let i = 0; i < n; i++) for (let u = 0; u < nP; u++) Gp[i * nP + u] = G[i * n + P[u]];
  kw.nP1 = Math.min(nP1, nP);
  kw.nLin = nLin;
  return nP;
}

/**
 * Route 'hybrid', forward: the loss of the non-empty rows over the outputs P via G, row by row,
 * storing the nonzero entries of g for backwardHidden. Outputs u < nP1 record their
 * entries of g where the ReLU is on; outputs u ≥ nP1 are in the moments (linearOutputs) and record
 * corrections where the ReLU is off. Entries go to gPtr/gIdx/gVal, their sums per output to gbP.
 * Returns the (unscaled) loss terms of P and of the active settled-off outputs.
 */
export function forwardGram(kw: ToyKernelWorkspace, nP: number, nP1: number, relu: boolean, rows: number): number {
  const { Gp, bP, impP, cP, gbP, P, kind, imp, acc, val, pos, rowPtr, xIdx, xVal, gPtr, gIdx, gVal } = kw;
  const lin = !relu;
  let loss = 0;
  let q = 0;
  for (let u = 0; u < nP; u++) gbP[u] = 0;
  for (let r = 0; r < rows; r++) {
    const p0 = rowPtr[r];
    const p1 = rowPtr[r + 1];
    gPtr[r] = q;
    for (let p = p0; p < p1; p++) {
      const u = kind[xIdx[p]];
      if (u >= 0) pos[u] = -1;
    }
    const a = p1 - p0;
    if (nP > 0) {
      // a = b + Σ_active G[:, i] x_i over P: all but the last two columns into acc (a ≥ 3), then
      // the gate loops with the last one or two columns fused in.
      let o0 = xIdx[p0] * nP;
      let x0 = xVal[p0];
      let o1 = o0;
      let x1 = 0;
      let base = bP;
      if (a >= 2) {
        if (a >= 3) {
          for (let u = 0; u < nP; u++) acc[u] = bP[u] + Gp[o0 + u] * x0;
          for (let p = p0 + 1; p < p1 - 2; p++) {
            const o = xIdx[p] * nP;
            const xv = xVal[p];
            for (let u = 0; u < nP; u++) acc[u] += Gp[o + u] * xv;
          }
          base = acc;
          o0 = xIdx[p1 - 2] * nP;
          x0 = xVal[p1 - 2];
        }
        o1 = xIdx[p1 - 1] * nP;
        x1 = xVal[p1 - 1];
        for (let u = 0; u < nP1; u++) {
          const v = base[u] + Gp[o0 + u] * x0 + Gp[o1 + u] * x1;
          if (lin || !(v <= 0)) {
            loss += impP[u] * v * v;
            const g = cP[u] * v;
            gbP[u] += g;
            gIdx[q] = P[u];
            gVal[q] = g;
            val[u] = v;
            pos[u] = q++;
          }
        }
        for (let u = nP1; u < nP; u++) {
          const v = base[u] + Gp[o0 + u] * x0 + Gp[o1 + u] * x1;
          if (!(v > 0)) {
            loss -= impP[u] * v * v;
            const g = -cP[u] * v;
            gbP[u] += g;
            gIdx[q] = P[u];
            gVal[q] = g;
            val[u] = v;
            pos[u] = q++;
          }
        }
      } else {
        for (let u = 0; u < nP1; u++) {
          const v = bP[u] + Gp[o0 + u] * x0;
          if (lin || !(v <= 0)) {
            loss += impP[u] * v * v;
            const g = cP[u] * v;
            gbP[u] += g;
            gIdx[q] = P[u];
            gVal[q] = g;
            val[u] = v;
            pos[u] = q++;
          }
        }
        for (let u = nP1; u < nP; u++) {
          const v = bP[u] + Gp[o0 + u] * x0;
          if (!(v > 0)) {
            loss -= impP[u] * v * v;
            const g = -cP[u] * v;
            gbP[u] += g;
            gIdx[q] = P[u];
            gVal[q] = g;
            val[u] = v;
            pos[u] = q++;
          }
        }
      }
    }
    // The active outputs: the target is x_l, not 0.
    for (let p = p0; p < p1; p++) {
      const l = xIdx[p];
      const u = kind[l];
      const xv = xVal[p];
      if (u >= 0) {
        const k = pos[u];
        if (u < nP1) {
          if (k >= 0) {
            // on: I (v − x)² instead of I v², entry c (v − x) instead of c v
            const v = val[u];
            const e = v - xv;
            loss += impP[u] * (e * e - v * v);
            const g = cP[u] * e;
            gbP[u] += g - gVal[k];
            gVal[k] = g;
          } else loss += impP[u] * xv * xv;
        } else if (k >= 0) {
          // off, in the moments as I (v − x)² and c (v − x): undo those, add I x²
          const v = val[u];
          const e = v - xv;
          loss += impP[u] * (xv * xv - e * e + v * v);
          const g = -cP[u] * e;
          gbP[u] += g - gVal[k];
          gVal[k] = g;
        }
      } else if (u === OFF) loss += imp[l] * xv * xv;
    }
  }
  gPtr[rows] = q;
  return loss;
}

/**
 * Route 'gram': the forward pass fused with the accumulation of M and of the moments s and C, row
 * by row over the rows grouped by number of actives (so the per-row branches on a stay predictable).
 * Per row: v_u = b_l + Σ_active G[i, l] x_i for l = P[u]; the outputs with an entry are listed
 * without branches (count += +(v > 0)): u < nP1 where the ReLU is on, with g_u = c_l v_u, and the
 * outputs also in the moments (u ≥ nP1) where it is off, with the correction g_u = −c_l v_u. The active
 * outputs are then fixed up (target x_l, not 0), and M_P[i, u] += g_u x_i for the active i and the
 * listed u. Returns the (unscaled) loss terms of P and of the active settled-off outputs; the entries'
 * sums go to gb, M_P to M.
 */
export function sweepRows(kw: ToyKernelWorkspace, n: number, nP: number, nP1: number, relu: boolean, rows: number, moments: boolean): number {
  const { G, Gp, bP, impP, cP, gbP, P, kind, imp, acc, val, MP, M, gb, C, s, rowPtr, xIdx, xVal, order, pos: nz } = kw;
  const lin = !relu;
  const li = lin ? 1 : 0;
  let loss = 0;
  MP.fill(0, 0, n * nP);
  for (let u = 0; u < nP; u++) gbP[u] = 0;
  if (moments) {
    C.fill(0);
    s.fill(0);
  }
  for (let t = 0; t < rows; t++) {
    const p0 = rowPtr[order[t]];
    const a = rowPtr[order[t] + 1] - p0;
    const p1 = p0 + a;
    let k = 0;
    let k1 = 0;
    if (nP > 0) {
      // v_u into acc; the outputs with an entry listed in nz[0 .. k) without branches: those of
      // u < nP1 where the ReLU is on (all for the linear model), from k1 on those of u ≥ nP1 where it
      // is off; the columns of G fused into these loops for a ≤ 3.
      const o0 = xIdx[p0] * nP;
      const x0 = xVal[p0];
      if (a === 1) {
        for (let u = 0; u < nP1; u++) {
          const v = bP[u] + Gp[o0 + u] * x0;
          acc[u] = v;
          nz[k] = u;
          k += +!(v <= 0) | li;
        }
        k1 = k;
        for (let u = nP1; u < nP; u++) {
          const v = bP[u] + Gp[o0 + u] * x0;
          acc[u] = v;
          nz[k] = u;
          k += +!(v > 0);
        }
      } else if (a === 2) {
        const o1 = xIdx[p0 + 1] * nP;
        const x1 = xVal[p0 + 1];
        for (let u = 0; u < nP1; u++) {
          const v = bP[u] + Gp[o0 + u] * x0 + Gp[o1 + u] * x1;
          acc[u] = v;
          nz[k] = u;
          k += +!(v <= 0) | li;
        }
        k1 = k;
        for (let u = nP1; u < nP; u++) {
          const v = bP[u] + Gp[o0 + u] * x0 + Gp[o1 + u] * x1;
          acc[u] = v;
          nz[k] = u;
          k += +!(v > 0);
        }
      } else if (a === 3) {
        const o1 = xIdx[p0 + 1] * nP;
        const x1 = xVal[p0 + 1];
        const o2 = xIdx[p0 + 2] * nP;
        const x2 = xVal[p0 + 2];
        for (let u = 0; u < nP1; u++) {
          const v = bP[u] + Gp[o0 + u] * x0 + Gp[o1 + u] * x1 + Gp[o2 + u] * x2;
          acc[u] = v;
          nz[k] = u;
          k += +!(v <= 0) | li;
        }
        k1 = k;
        for (let u = nP1; u < nP; u++) {
          const v = bP[u] + Gp[o0 + u] * x0 + Gp[o1 + u] * x1 + Gp[o2 + u] * x2;
          acc[u] = v;
          nz[k] = u;
          k += +!(v > 0);
        }
      } else if (a > nP) {
        // Many actives: a dot product per output along a row of G (the same summation order).
        for (let u = 0; u < nP; u++) {
          const go = P[u] * n;
          let v = bP[u];
          for (let p = p0; p < p1; p++) v += G[go + xIdx[p]] * xVal[p];
          acc[u] = v;
        }
        for (let u = 0; u < nP1; u++) {
          const v = acc[u];
          nz[k] = u;
          k += +!(v <= 0) | li;
        }
        k1 = k;
        for (let u = nP1; u < nP; u++) {
          const v = acc[u];
          nz[k] = u;
          k += +!(v > 0);
        }
      } else {
        // The first a − 2 columns into acc, the last two fused with the gates.
        for (let u = 0; u < nP; u++) acc[u] = bP[u] + Gp[o0 + u] * x0;
        for (let p = p0 + 1; p < p1 - 2; p++) {
          const o = xIdx[p] * nP;
          const xv = xVal[p];
          for (let u = 0; u < nP; u++) acc[u] += Gp[o + u] * xv;
        }
        const o1 = xIdx[p1 - 2] * nP;
        const x1 = xVal[p1 - 2];
        const o2 = xIdx[p1 - 1] * nP;
        const x2 = xVal[p1 - 1];
        for (let u = 0; u < nP1; u++) {
          const v = acc[u] + Gp[o1 + u] * x1 + Gp[o2 + u] * x2;
          acc[u] = v;
          nz[k] = u;
          k += +!(v <= 0) | li;
        }
        k1 = k;
        for (let u = nP1; u < nP; u++) {
          const v = acc[u] + Gp[o1 + u] * x1 + Gp[o2 + u] * x2;
          acc[u] = v;
          nz[k] = u;
          k += +!(v > 0);
        }
      }
      // The listed entries: g = ±c v and loss ±I v² (targets taken as 0; fixed up below).
      let ls = 0;
      for (let j = 0; j < k1; j++) {
        const u = nz[j];
        const v = acc[u];
        ls += impP[u] * v * v;
        val[u] = cP[u] * v;
      }
      for (let j = k1; j < k; j++) {
        const u = nz[j];
        const v = acc[u];
        ls -= impP[u] * v * v;
        val[u] = -cP[u] * v;
      }
      loss += ls;
    }
    // The active outputs: target x_l, not 0 (and I x² for the settled-off ones).
    for (let p = p0; p < p1; p++) {
      const l = xIdx[p];
      const u = kind[l];
      const xv = xVal[p];
      if (u < 0) {
        if (u === OFF) loss += imp[l] * xv * xv;
        continue;
      }
      const v = acc[u];
      const e = v - xv;
      const on = lin || !(v <= 0);
      // What the lists and (u ≥ nP1) the moments counted, against the truth.
      let listed: boolean;
      let countedLoss: number;
      let countedG: number;
      if (u < nP1) {
        listed = on;
        countedLoss = listed ? v * v : 0;
        countedG = listed ? v : 0;
      } else {
        listed = !(v > 0);
        countedLoss = e * e - (listed ? v * v : 0);
        countedG = e - (listed ? v : 0);
      }
      loss += impP[u] * ((on ? e * e : xv * xv) - countedLoss);
      const dg = cP[u] * ((on ? e : 0) - countedG);
      if (listed) val[u] += dg;
      else if (dg !== 0) {
        val[u] = dg;
        nz[k++] = u;
      }
    }
    // gb_P += g, M_P[i, u] += g_u x_i over the active i and the nonzero g_u; s and C.
    if (k > 0) {
      for (let j = 0; j < k; j++) gbP[nz[j]] += val[nz[j]];
      if (a > k) {
        for (let j = 0; j < k; j++) {
          const u = nz[j];
          const g = val[u];
          for (let p = p0; p < p1; p++) MP[xIdx[p] * nP + u] += g * xVal[p];
        }
      } else {
        for (let p = p0; p < p1; p++) {
          const o = xIdx[p] * nP;
          const xv = xVal[p];
          for (let j = 0; j < k; j++) {
            const u = nz[j];
            MP[o + u] += val[u] * xv;
          }
        }
      }
    }
    if (moments) {
      const i0 = xIdx[p0];
      const x0 = xVal[p0];
      s[i0] += x0;
      C[i0 * n + i0] += x0 * x0;
      if (a === 2) {
        const i1 = xIdx[p0 + 1];
        const x1 = xVal[p0 + 1];
        s[i1] += x1;
        C[i0 * n + i1] += x0 * x1;
        C[i1 * n + i1] += x1 * x1;
      } else if (a > 2) {
        for (let q = p0 + 1; q < p1; q++) C[i0 * n + xIdx[q]] += x0 * xVal[q];
        for (let p = p0 + 1; p < p1; p++) {
          const xv = xVal[p];
          const o = xIdx[p] * n;
          s[xIdx[p]] += xv;
          for (let q = p; q < p1; q++) C[o + xIdx[q]] += xv * xVal[q];
        }
      }
    }
  }
  if (moments) for (let i = 0; i < n; i++) for (let k = i + 1; k < n; k++) C[k * n + i] = C[i * n + k];
  for (let u = 0; u < nP; u++) gb[P[u]] += gbP[u];
  for (let i = 0; i < n; i++) {
    const o = i * nP;
    const om = i * n;
    for (let u = 0; u < nP; u++) M[om + P[u]] += MP[o + u];
  }
  return loss;
}

/**
 * Route 'h' forward and backward fused, four rows at a time (register blocking: each weight loaded
 * once serves four samples): h = W x, a = b + Wᵀh (summed in the reference's order, so to the same
 * bits), g = c ⊙ ReLU'(a) ⊙ (a − x) (the ReLU without branches), then ∂W += h gᵀ + (W g) xᵀ into gWd
 * [hidden, feat] and gb += g. Returns the (unscaled) loss.
 */
export function sweepHidden(
  kw: ToyKernelWorkspace,
  x: FloatArray,
  offset: number,
  n: number,
  m: number,
  relu: boolean,
  rows: number,
  grads: boolean,
): number {
  const { Wd, Wt, gWd, b, imp, c, H4, G4, X4, V4, gh, gb, rowPtr, rowOf, xIdx, xVal } = kw;
  let loss = 0;
  for (let r0 = 0; r0 < rows; r0 += 4) {
    const nb = Math.min(4, rows - r0);
    // Unused lanes of a short last block compute on h = 0 and are masked out (k = 0).
    const k1 = nb > 1 ? 1 : 0;
    const k2 = nb > 2 ? 1 : 0;
    const k3 = nb > 3 ? 1 : 0;
    // Blocks with more than a quarter of their inputs active use the dense rows of x (X4) for
    // h = W x and ∂W += (∂L/∂h) xᵀ, four samples per weight; sparser ones the compressed rows.
    const dense = 4 * (rowPtr[r0 + nb] - rowPtr[r0]) > nb * n;
    if (dense) {
      for (let t = 0; t < 4; t++) {
        const xo = offset + rowOf[r0 + t] * n;
        if (t < nb) for (let i = 0; i < n; i++) X4[t * n + i] = x[xo + i];
        else for (let i = 0; i < n; i++) X4[t * n + i] = 0;
      }
      for (let j = 0; j < m; j++) {
        const o = j * n;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let i = 0; i < n; i++) {
          const w = Wd[o + i];
          s0 += w * X4[i];
          s1 += w * X4[n + i];
          s2 += w * X4[2 * n + i];
          s3 += w * X4[3 * n + i];
        }
        H4[j] = s0;
        H4[m + j] = s1;
        H4[2 * m + j] = s2;
        H4[3 * m + j] = s3;
      }
    } else for (let t = 0; t < 4; t++) {
      const hb = t * m;
      if (t >= nb) {
        for (let j = 0; j < m; j++) H4[hb + j] = 0;
        continue;
      }
      const p0 = rowPtr[r0 + t];
      const p1 = rowPtr[r0 + t + 1];
      for (let j = 0; j < m; j++) {
        const o = j * n;
        let s = 0;
        for (let p = p0; p < p1; p++) s += Wd[o + xIdx[p]] * xVal[p];
        H4[hb + j] = s;
      }
    }
    // a = b + Wᵀh and g, four samples per weight. Dense blocks take the targets x from X4 in the
    // same loop, without branches: with w = ReLU(a) and o = [a > 0], d = w − o x is a − x where the
    // ReLU is on and 0 where off, and the loss I (d² + (1 − o) x²). Sparse blocks take every target as
    // 0 and fix up the active outputs after.
    let ls = 0;
    for (let l = 0; l < n; l++) {
      const o = l * m;
      let s0 = b[l];
      let s1 = s0;
      let s2 = s0;
      let s3 = s0;
      for (let j = 0; j < m; j++) {
        const w = Wt[o + j];
        s0 += w * H4[j];
        s1 += w * H4[m + j];
        s2 += w * H4[2 * m + j];
        s3 += w * H4[3 * m + j];
      }
      const il = imp[l];
      const cl = c[l];
      if (dense) {
        const x0 = X4[l];
        const x1 = X4[n + l];
        const x2 = X4[2 * n + l];
        const x3 = X4[3 * n + l];
        let d0: number;
        let d1: number;
        let d2: number;
        let d3: number;
        if (relu) {
          const o0 = +(s0 > 0);
          const o1 = +(s1 > 0);
          const o2 = +(s2 > 0);
          const o3 = +(s3 > 0);
          d0 = Math.max(s0, 0) - o0 * x0;
          d1 = Math.max(s1, 0) - o1 * x1;
          d2 = Math.max(s2, 0) - o2 * x2;
          d3 = Math.max(s3, 0) - o3 * x3;
          ls += il * ((1 - o0) * x0 * x0 + (1 - o1) * x1 * x1 + (1 - o2) * x2 * x2 + (1 - o3) * x3 * x3);
        } else {
          d0 = s0 - x0;
          d1 = s1 - x1;
          d2 = s2 - x2;
          d3 = s3 - x3;
        }
        d1 *= k1;
        d2 *= k2;
        d3 *= k3;
        ls += il * (d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3);
        G4[l] = cl * d0;
        G4[n + l] = cl * d1;
        G4[2 * n + l] = cl * d2;
        G4[3 * n + l] = cl * d3;
        continue;
      }
      V4[l] = s0;
      V4[n + l] = s1;
      V4[2 * n + l] = s2;
      V4[3 * n + l] = s3;
      if (relu) {
        s0 = Math.max(s0, 0);
        s1 = Math.max(s1, 0);
        s2 = Math.max(s2, 0);
        s3 = Math.max(s3, 0);
      }
      s1 *= k1;
      s2 *= k2;
      s3 *= k3;
      ls += il * (s0 * s0 + s1 * s1 + s2 * s2 + s3 * s3);
      G4[l] = cl * s0;
      G4[n + l] = cl * s1;
      G4[2 * n + l] = cl * s2;
      G4[3 * n + l] = cl * s3;
    }
    // The active outputs of sparse blocks: target x_l, not 0.
    if (!dense) {
      for (let t = 0; t < nb; t++) {
        const p0 = rowPtr[r0 + t];
        const p1 = rowPtr[r0 + t + 1];
        for (let p = p0; p < p1; p++) {
          const l = xIdx[p];
          const xv = xVal[p];
          const v = V4[t * n + l];
          if (!relu || !(v <= 0)) {
            const e = v - xv;
            ls += imp[l] * (e * e - v * v);
            G4[t * n + l] = c[l] * e;
          } else ls += imp[l] * xv * xv;
        }
      }
    }
    loss += ls;
    if (!grads) continue;
    for (let l = 0; l < n; l++) gb[l] += G4[l] + G4[n + l] + G4[2 * n + l] + G4[3 * n + l];
    // ∂W += h gᵀ and ∂L/∂h = W g, four samples per weight.
    for (let j = 0; j < m; j++) {
      const o = j * n;
      const h0 = H4[j];
      const h1 = H4[m + j];
      const h2 = H4[2 * m + j];
      const h3 = H4[3 * m + j];
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let l = 0; l < n; l++) {
        const w = Wd[o + l];
        const g0 = G4[l];
        const g1 = G4[n + l];
        const g2 = G4[2 * n + l];
        const g3 = G4[3 * n + l];
        s0 += w * g0;
        s1 += w * g1;
        s2 += w * g2;
        s3 += w * g3;
        gWd[o + l] += h0 * g0 + h1 * g1 + h2 * g2 + h3 * g3;
      }
      gh[j] = s0;
      gh[m + j] = s1;
      gh[2 * m + j] = s2;
      gh[3 * m + j] = s3;
    }
    // ∂W += (∂L/∂h) xᵀ over the active inputs.
    if (dense) {
      for (let j = 0; j < m; j++) {
        const o = j * n;
        const g0 = gh[j];
        const g1 = gh[m + j];
        const g2 = gh[2 * m + j];
        const g3 = gh[3 * m + j];
        for (let i = 0; i < n; i++) gWd[o + i] += g0 * X4[i] + g1 * X4[n + i] + g2 * X4[2 * n + i] + g3 * X4[3 * n + i];
      }
    } else for (let t = 0; t < nb; t++) {
      const p0 = rowPtr[r0 + t];
      const p1 = rowPtr[r0 + t + 1];
      for (let j = 0; j < m; j++) {
        const g = gh[t * m + j];
        const o = j * n;
        for (let p = p0; p < p1; p++) gWd[o + xIdx[p]] += g * xVal[p];
      }
    }
  }
  return loss;
}

/** s = Σ_b x_b and C = Σ_b x_b x_bᵀ over the compressed rows (cost Q). */
export function secondMoments(kw: ToyKernelWorkspace, n: number, rows: number): void {
  const { C, s, rowPtr, xIdx, xVal } = kw;
  C.fill(0);
  s.fill(0);
  for (let r = 0; r < rows; r++) {
    const p1 = rowPtr[r + 1];
    for (let p = rowPtr[r]; p < p1; p++) {
      const i = xIdx[p];
      const xv = xVal[p];
      const o = i * n;
      s[i] += xv;
      for (let t = p; t < p1; t++) C[o + xIdx[t]] += xv * xVal[t];
    }
  }
  for (let i = 0; i < n; i++) for (let k = i + 1; k < n; k++) C[k * n + i] = C[i * n + k];
}

/**
 * The settled-on outputs by moments (see the header): adds their loss (returned, unscaled) and
 * ∂L/∂b into gb, and (when `grads`) their rows of M into kw.M (M[i·n + l]).
 */
export function linearOutputs(kw: ToyKernelWorkspace, n: number, m: number, nOn: number, batchSize: number, grads: boolean): number {
  const { G, C, s, b, imp, c, linear, gb, M, acc, Wt, WC } = kw;
  // (H C)_l = W_lᵀ (W C) − C_l: W C once (n²m), then m·n per output instead of n².
  WC.fill(0, 0, m * n);
  for (let k = 0; k < n; k++) {
    const ck = k * n;
    for (let j = 0; j < m; j++) {
      const w = Wt[k * m + j];
      if (w === 0) continue;
      const o = j * n;
      for (let i = 0; i < n; i++) WC[o + i] += w * C[ck + i];
    }
  }
  let loss = 0;
  for (let t = 0; t < nOn; t++) {
    const l = linear[t];
    const gl = l * n;
    // acc = (H C)_l,: with H_l = G_l − e_l; hs = H_l·s; quad = H_l C H_lᵀ.
    let hs = -s[l];
    for (let k = 0; k < n; k++) {
      acc[k] = -C[gl + k];
      hs += G[gl + k] * s[k];
    }
    for (let j = 0; j < m; j++) {
      const w = Wt[l * m + j];
      if (w === 0) continue;
      const o = j * n;
      for (let i = 0; i < n; i++) acc[i] += w * WC[o + i];
    }
    let quad = -acc[l];
    for (let i = 0; i < n; i++) quad += G[gl + i] * acc[i];
    const bl = b[l];
    loss += imp[l] * (batchSize * bl * bl + 2 * bl * hs + quad);
    gb[l] += c[l] * (batchSize * bl + hs);
    if (grads) {
      const cl = c[l];
      for (let i = 0; i < n; i++) M[i * n + l] += cl * (bl * s[i] + acc[i]);
    }
  }
  return loss;
}

/**
 * gWt += (M + Mᵀ) Wt, i.e. ∂L/∂W += W (M + Mᵀ) (M is overwritten by S = M + Mᵀ), two rows of gWt by
 * four rows of Wt at a time (six loads and two stores per eight multiply-adds). Cost n²m.
 */
function applyM(kw: ToyKernelWorkspace, n: number, m: number): void {
  const { M, Wt, gWt } = kw;
  for (let i = 0; i < n; i++) {
    M[i * n + i] *= 2;
    for (let l = i + 1; l < n; l++) {
      const s = M[i * n + l] + M[l * n + i];
      M[i * n + l] = s;
      M[l * n + i] = s;
    }
  }
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const oi = i * m;
    const si = i * n;
    let l = 0;
    for (; l + 3 < n; l += 4) {
      const a0 = M[si + l];
      const a1 = M[si + l + 1];
      const a2 = M[si + l + 2];
      const a3 = M[si + l + 3];
      const b0 = M[si + n + l];
      const b1 = M[si + n + l + 1];
      const b2 = M[si + n + l + 2];
      const b3 = M[si + n + l + 3];
      const ol = l * m;
      for (let j = 0; j < m; j++) {
        const w0 = Wt[ol + j];
        const w1 = Wt[ol + m + j];
        const w2 = Wt[ol + 2 * m + j];
        const w3 = Wt[ol + 3 * m + j];
        gWt[oi + j] += a0 * w0 + a1 * w1 + a2 * w2 + a3 * w3;
        gWt[oi + m + j] += b0 * w0 + b1 * w1 + b2 * w2 + b3 * w3;
      }
    }
    for (; l < n; l++) {
      const a = M[si + l];
      const bb = M[si + n + l];
      const ol = l * m;
      for (let j = 0; j < m; j++) {
        gWt[oi + j] += a * Wt[ol + j];
        gWt[oi + m + j] += bb * Wt[ol + j];
      }
    }
  }
  if (i < n) {
    const oi = i * m;
    for (let l = 0; l < n; l++) {
      const a = M[i * n + l];
      const ol = l * m;
      for (let j = 0; j < m; j++) gWt[oi + j] += a * Wt[ol + j];
    }
  }
}

/** Route 'hybrid', backward: per sample, ∂W += h gᵀ + (W g) xᵀ over the stored entries (transposed). */
function backwardHidden(kw: ToyKernelWorkspace, m: number, rows: number): void {
  const { Wt, gWt, h, gh, rowPtr, xIdx, xVal, gPtr, gIdx, gVal } = kw;
  for (let r = 0; r < rows; r++) {
    const q0 = gPtr[r];
    const q1 = gPtr[r + 1];
    if (q0 === q1) continue;
    const p0 = rowPtr[r];
    const p1 = rowPtr[r + 1];
    for (let j = 0; j < m; j++) {
      h[j] = 0;
      gh[j] = 0;
    }
    for (let p = p0; p < p1; p++) {
      const o = xIdx[p] * m;
      const xv = xVal[p];
      for (let j = 0; j < m; j++) h[j] += Wt[o + j] * xv;
    }
    for (let q = q0; q < q1; q++) {
      const l = gIdx[q];
      const g = gVal[q];
      const o = l * m;
      for (let j = 0; j < m; j++) {
        gh[j] += Wt[o + j] * g;
        gWt[o + j] += h[j] * g;
      }
    }
    for (let p = p0; p < p1; p++) {
      const o = xIdx[p] * m;
      const xv = xVal[p];
      for (let j = 0; j < m; j++) gWt[o + j] += gh[j] * xv;
    }
  }
}

/**
 * Estimated ns of route 'h' (sweepHidden): its blocked dense loops (a = Wᵀh + b, ∂W += h gᵀ, W g:
 * 3nm per row) at ~0.55 ns per multiply-add, h = W x and ∂W += (∂L/∂h) xᵀ either dense (2nm per row)
 * or gathered (2am per row, each twice the cost), and ~9 ns per row and output for the rest.
 */
export function timeH(n: number, m: number, rows: number, actives: number, dense: boolean): number {
  routeCosts(n, m, rows, actives, scratchCosts);
  return scratchCosts[dense ? COST_H_DENSE : COST_H_GATHER];
}

/**
 * Estimated ns of route 'gram' (sweepRows, applyM): ~2.5 ns per active input and output computed per sample (|P|),
 * ~2 per active input and entry of g, ~6 per row and output, ~0.5 per multiply-add of G = WᵀW
 * (n²m/2) and ∂W = W(M + Mᵀ) (n²m), plus the moments' cost. Entries per row: half of the outputs
 * recording where on, a quarter of those recording where off.
 */
export function timeGram(n: number, m: number, rows: number, actives: number, nP: number, nP1: number, momentsCost: number): number {
  const entries = 0.5 * nP1 + 0.25 * (nP - nP1);
  return 2.5 * actives * nP + 6 * rows * nP + momentsCost + 0.75 * n * n * m + 2 * actives * entries;
}

/** Estimated ns of route 'hybrid' (forwardGram, backwardHidden); the same terms as timeGram. */
export function timeHybrid(n: number, m: number, rows: number, actives: number, nP: number, nP1: number, momentsCost: number): number {
  const entries = 0.5 * nP1 + 0.25 * (nP - nP1);
  const backward = 3 * rows * entries + 1.2 * (2 * rows * m * entries + 4 * actives * m);
  return 2.5 * actives * nP + 6 * rows * nP + momentsCost + 0.25 * n * n * m + backward + (momentsCost > 0 ? 0.5 * n * n * m : 0);
}

/**
 * Estimated ns of route 'h32' (src/models/wasm/toyDense.ts), fitted by relative least squares (within
 * ±10%) to its times on the bench's trained W1–W3 instances and on n = 400, m = 40 (S = 0 … 0.95,
 * batch 1024; every route timed on the same batches). Gathering the active inputs: ~0.042 ns per
 * multiply-add of the three dense products (a = b + Wᵀh, W g, h gᵀ over rows padded to nP = 4⌈n/4⌉,
 * mP = 4⌈m/4⌉), ~0.18 per active input and hidden unit (h = W x, (W g) xᵀ), ~0.65 per row and output,
 * ~2 per active input, ~9 µs per call; over dense rows: ~0.034 per multiply-add of five products,
 * ~1.4 per row and output. Where g is sparse (few outputs on) the kernel skips W g and h gᵀ over its
 * zeros; the fit holds for the trained models' g.
 */
export function timeH32(n: number, m: number, rows: number, actives: number, gather: boolean): number {
  routeCosts(n, m, rows, actives, scratchCosts);
  return scratchCosts[gather ? COST_H32_GATHER : COST_H32_DENSE];
}

/**
 * Estimated ns of route 'gram32' (sweepGram32), fitted as timeH32 (within ±18%, the most on the
 * n = 20 instances of a few µs): ~0.16 per active input and output (a = b + Σ x_i G[i, :] and
 * M[i, :] += x_i g), ~0.41 per row and output (the ReLU, the loss, g), ~0.22 per n·m·nP (G = WᵀW and
 * ∂W = W (M + Mᵀ)), ~9.7 µs per call.
 */
export function timeGram32(n: number, m: number, rows: number, actives: number): number {
  routeCosts(n, m, rows, actives, scratchCosts);
  return scratchCosts[COST_GRAM32];
}

// Indices into routeCosts' output.
const COST_H_DENSE = 0;
const COST_H_GATHER = 1;
const COST_H32_GATHER = 2;
const COST_H32_DENSE = 3;
const COST_GRAM32 = 4;
const scratchCosts = new Float64Array(5);

/**
 * The estimates of timeH (dense, gathered), timeH32 (gathered, dense rows) and timeGram32, written
 * into cost[0 … 4]: the training loop reads them from there, since a double returned from a call
 * that is not inlined is boxed (garbage every step).
 */
function routeCosts(n: number, m: number, rows: number, actives: number, cost: Float64Array): void {
  const nP = (n + 3) & ~3;
  const mP = (m + 3) & ~3;
  cost[COST_H_DENSE] = 0.55 * (3 * rows * n * m + 2 * rows * n * m) + 9 * rows * n;
  cost[COST_H_GATHER] = 0.55 * (3 * rows * n * m + 4 * actives * m) + 9 * rows * n;
  cost[COST_H32_GATHER] = 0.042 * 3 * rows * nP * mP + 0.18 * actives * mP + 0.65 * rows * nP + 2 * actives + 9_400;
  cost[COST_H32_DENSE] = 0.034 * 5 * rows * nP * mP + 1.4 * rows * nP + 0.29 * actives + 200;
  cost[COST_GRAM32] = 0.16 * actives * nP + 0.41 * rows * nP + 0.22 * n * m * nP + 9_700;
}

/**
 * The cheapest of routes 'h', 'h32' and (`wasm32`) 'gram32' for float32 parameters where WebAssembly
 * runs (`wasm32`; else route 'h'): returns it, with the cheaper h route's estimated cost in
 * kw.costH[0] and whether 'h32' gathers in kw.gather32 (`gather` forces it).
 */
function chooseRoute(kw: ToyKernelWorkspace, n: number, m: number, rows: number, actives: number, wasm32: boolean, gather?: boolean): KernelRoute {
  const cost = kw.costs;
  routeCosts(n, m, rows, actives, cost);
  // Costs are compared where they lie in `cost`, never held in locals that merge with a constant:
  // such a merge can make V8 box the double (garbage every step).
  const h64 = 4 * actives > rows * n ? COST_H_DENSE : COST_H_GATHER;
  const gather32 = gather ?? cost[COST_H32_GATHER] < cost[COST_H32_DENSE];
  const h32 = gather32 ? COST_H32_GATHER : COST_H32_DENSE;
  const cheaperH = wasm32 && cost[h32] < cost[h64] ? h32 : h64;
  kw.costH[0] = cost[cheaperH];
  kw.gather32 = gather32;
  if (wasm32 && cost[COST_GRAM32] < cost[cheaperH]) return 'gram32';
  return cheaperH === h32 ? 'h32' : 'h';
}

/** kw.job for one instance of the float32 routes: its fields refilled, the object reused. */
function job32(kw: ToyKernelWorkspace, W: FloatArray, wBase: number, n: number, m: number, rows: number, relu: boolean, grads: boolean, resident: boolean): Job32 {
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

/**
 * toyModel.lossAndGradients along the routes above: x is [inst, batch, feat], importance
 * [inst, feat], lossOut [inst]; grads (when given) are overwritten. kw.reports tells what was done.
 */
export function lossAndGradientsFast(
  shape: ToyModelShape,
  params: ToyModelParams<FloatArray>,
  x: FloatArray,
  batchSize: number,
  importance: Float64Array,
  kw: ToyKernelWorkspace,
  lossOut: Float64Array,
  grads?: ToyModelGrads,
  options: KernelOptions = NO_OPTIONS,
): void {
  const n = shape.nFeatures;
  const m = shape.nHidden;
  const relu = shape.activation === 'relu';
  const scale = 1 / (batchSize * n);
  const W = params.W;
  const pb = params.b;
  ensureBatchCapacity(kw, batchSize, n);
  const { Wt, Wd, b, imp, c, gWt, gb, kind, xVal } = kw;
  const wasm32 = W instanceof Float32Array && denseKernelAvailable();
  const x32 = x instanceof Float32Array && denseKernelAvailable();
  for (let k = 0; k < shape.nInstances; k++) {
    const wBase = k * m * n;
    const fBase = k * n;
    const offset = k * batchSize * n;
    for (let l = 0; l < n; l++) {
      b[l] = pb[fBase + l];
      imp[l] = importance[fBase + l];
      c[l] = 2 * scale * imp[l];
    }
    // Float32 x (training) is compressed in WebAssembly when it loads: the same lists, faster, and
    // left in the module's memory for route 'h32'; the other routes get a copy (listsOut).
    // Where the last step took route 'h32' over dense rows, the batch is first only counted: that
    // route needs no lists when every row has an input, and the lists are made below if it turns out
    // otherwise. The counts equal the lists', so the route is the same either way.
    const { rowPtr } = kw;
    let rows: number;
    let actives: number;
    let counted = false;
    if (x32) {
      loadX32(x as Float32Array, offset, batchSize, n, m);
      counted = wasm32 && kw.reports[k].denseRows;
      rows = counted ? countLoaded32(batchSize, n) : compressLoaded32(batchSize, n);
      actives = counted ? countedActives() : compressedActives(rows);
    } else {
      rows = compressRows(x, offset, batchSize, n, kw);
      actives = rowPtr[rows];
    }
    let listsOut = !x32;

    // The route (the cost model in the header). Float32 parameters where WebAssembly runs (training):
    // the cheapest of 'h32', 'gram32' and 'h' by R and A (chooseRoute), never the float64 Gram routes
    // (slower than 'gram32' where G pays, and sorting the outputs costs every step). Float64 callers
    // keep the float64 routes: 'h' unless G's own cost leaves room for 'gram'; then G, the sorting of
    // the outputs and the moments decide between 'h', 'gram' and 'hybrid'.
    const chosen = chooseRoute(kw, n, m, rows, actives, wasm32, options.gather);
    const costH = kw.costH[0];
    const gather32 = kw.gather32;
    let route: KernelRoute = options.route ?? (wasm32 || 0.375 * n * n * m >= costH ? chosen : 'gram');
    if (counted && !(route === 'h32' && !gather32 && rows === batchSize)) compressLoaded32(batchSize, n); // the same rows, actives
    if (route !== 'h32' && route !== 'gram32') {
      // The float64 routes' copies of W (the float32 ones read W itself).
      for (let j = 0; j < m; j++) {
        for (let l = 0; l < n; l++) {
          const w = W[wBase + j * n + l];
          Wt[l * m + j] = w;
          Wd[j * n + l] = w;
        }
      }
    }
    let nP = n;
    let nP1 = n;
    let nLin = 0;
    let nOn = 0;
    let nOff = 0;
    let moments = false;
    if (route !== 'h32' && route !== 'gram32' && !listsOut) {
      copyCompressedLists(rows, kw.rowPtr, kw.rowOf, kw.xIdx, kw.xVal);
      listsOut = true;
    }
    if (route === 'gram' || route === 'hybrid') {
      ensureGramCapacity(kw, n);
      gram(Wt, n, m, kw.G);
      let xlo = 0;
      let xhi = 0;
      for (let p = 0; p < actives; p++) {
        const v = xVal[p];
        if (v < xlo) xlo = v;
        else if (v > xhi) xhi = v;
      }
      classifyOutputs(kw, n, m, relu, options.settle !== false, xlo, xhi);
      nOn = kw.nOn;
      nOff = kw.nOff;
      let quad = 0;
      for (let r = 0; r < rows; r++) {
        const a = rowPtr[r + 1] - rowPtr[r];
        quad += (a * (a + 1)) >> 1;
      }
      // Moments (~3 ns per term of Q, ~1 per multiply-add of W C and (H C)_L: n²m + |L|nm) against
      // sample by sample: a settled-on output leaves the per-sample loops (~4.5 ns per active input),
      // an UP output stays in them and only records fewer entries (~1 ns per active input).
      const nL = nOn + kw.nUp;
      moments = nL > 0 && (options.moments ?? 3 * quad + n * n * m + nL * n * m < actives * (4.5 * nOn + kw.nUp));
      nP = layoutOutputs(kw, n, moments);
      nP1 = kw.nP1;
      nLin = kw.nLin;
      if (options.route === undefined) {
        const momentsCost = moments ? 3 * quad + n * n * m + nLin * n * m : 0;
        const costG = timeGram(n, m, rows, actives, nP, nP1, momentsCost);
        const costHybrid = timeHybrid(n, m, rows, actives, nP, nP1, momentsCost);
        route = Math.min(costG, costHybrid) > costH ? 'h' : costHybrid < costG ? 'hybrid' : 'gram';
      }
    }
    if (route !== 'h32' && route !== 'gram32' && !listsOut) {
      copyCompressedLists(rows, kw.rowPtr, kw.rowOf, kw.xIdx, kw.xVal);
      listsOut = true;
    }
    if (route === 'h' || route === 'h32' || route === 'gram32') {
      nP = n;
      nP1 = n;
      nLin = 0;
      nOn = 0;
      nOff = 0;
      moments = false;
      for (let l = 0; l < n; l++) kind[l] = l;
    }

    // Forward (and the fused backward). The route does not depend on whether grads are wanted, so
    // neither does the loss, to the bit.
    gb.fill(0);
    if (route === 'gram' || route === 'hybrid') kw.M.fill(0);
    // Every route leaves its loss in kw.routeLoss[0]: a number returned by a call that is not inlined
    // is boxed, and merged with the others it would box the float32 routes' loss too (garbage per step).
    const routeLoss = kw.routeLoss;
    if (route === 'gram') {
      groupRows(kw, n, rows);
      routeLoss[0] = sweepRows(kw, n, nP, nP1, relu, rows, moments);
    } else if (route === 'h') {
      kw.gWd.fill(0);
      routeLoss[0] = sweepHidden(kw, x, offset, n, m, relu, rows, grads !== undefined);
    } else if (route === 'h32') {
      sweepHidden32(job32(kw, W, wBase, n, m, rows, relu, grads !== undefined, !listsOut), x, offset, gather32);
    } else if (route === 'gram32') {
      sweepGram32(job32(kw, W, wBase, n, m, rows, relu, grads !== undefined, !listsOut));
    } else {
      ensureEntryCapacity(kw, rows, nP);
      if (moments) secondMoments(kw, n, rows);
      routeLoss[0] = forwardGram(kw, nP, nP1, relu, rows);
      for (let u = 0; u < nP; u++) gb[kw.P[u]] += kw.gbP[u];
    }

    let loss = routeLoss[0];

    // The empty samples: a = b for each of them (only the outputs computed per sample that record
    // where on; the moments include the empty samples, and settled-off outputs contribute nothing).
    const empty = batchSize - rows;
    if (empty > 0) {
      let loss0 = 0;
      for (let l = 0; l < n; l++) {
        const u = kind[l];
        if (u < 0 || u >= nP1) continue;
        const v = b[l];
        if (relu && v <= 0) continue; // (NaN goes on, as in the reference)
        loss0 += imp[l] * v * v;
        gb[l] += empty * c[l] * v;
      }
      loss += empty * loss0;
    }
    if (moments) routeLoss[0] = loss + linearOutputs(kw, n, m, nLin, batchSize, grads !== undefined);
    else routeLoss[0] = loss;
    lossOut[k] = routeLoss[0] * scale;
    const report = kw.reports[k];
    report.route = route;
    report.moments = moments;
    report.perSample = nP;
    report.linear = nLin;
    report.on = nOn;
    report.off = nOff;
    report.denseRows = route === 'h32' && !gather32 && x32;
    if (!grads) continue;

    // Backward.
    const gW = grads.W;
    if (route === 'h' || route === 'h32' || route === 'gram32') {
      for (let e = 0; e < m * n; e++) gW[wBase + e] = kw.gWd[e];
    } else {
      gWt.fill(0);
      if (route === 'hybrid') backwardHidden(kw, m, rows);
      if (route === 'gram' || moments) applyM(kw, n, m);
      for (let j = 0; j < m; j++) for (let l = 0; l < n; l++) gW[wBase + j * n + l] = gWt[l * m + j];
    }
    for (let l = 0; l < n; l++) grads.b[fBase + l] = gb[l];
  }
}
