// Where the toy module's buffers lie in its memory for one shape (n features, m hidden, up to a
// number of rows): byte offsets, each buffer 16-byte aligned and followed by some slack; and the block
// sizes the float32 routes use.

/** Bytes after every buffer: the last tile of a row may load one vector past it (never stored). */
const SLACK = 32;

/** Samples per float32 sum of ∂b in route 'gram32' (as route 'h32''s blocks: at most 256). */
export const GRAM_SUB = 256;

/** Where the buffers of one shape live: absolute byte offsets into the memory. */
export interface Layout {
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

/**
 * Samples per block, R, a multiple of 4 in [16, 256]: X and G of a block [R, nP] about 128 KiB each
 * (in L2 with W), and ∂W's float64 accumulator read and written once per block.
 */
export function blockRows(n: number): number {
  const nP = (n + 3) & ~3;
  return Math.min(256, Math.max(16, (Math.round(32768 / nP) + 3) & ~3));
}

/**
 * The offsets of every buffer for n features, m hidden and up to `rows` rows (at least `keptRowCap`:
 * a layout for the same shape keeps its room), from `heapBase` on. Called only for a new layout: its
 * closure gives the function a context allocated on every call.
 */
export function planLayout(heapBase: number, n: number, m: number, rows: number, keptRowCap: number): Layout {
  const nP = (n + 3) & ~3;
  const mP = (m + 3) & ~3;
  const R = blockRows(n);
  const rowCap = Math.max(rows, keptRowCap);
  const activeCap = rowCap * n;
  let top = heapBase;
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
  return layout;
}
