// Route 'gram32' of the toy kernel (src/kernels/toy/gram32.ts): the model through its Gram matrix,
// x' = ReLU(G x + b) with G = WᵀW, in float32 WebAssembly SIMD (f32x4) over the outputs, one sample
// at a time and only over its active inputs:
//
//   G = WᵀW,  a = b + Σ_{i active} x_i G[i, :],  g = c ⊙ ReLU'(a) ⊙ (a − x),
//   M[i, :] += x_i g  (i active)  so that M = Σ_samples x gᵀ = ∂L/∂Gᵀ,  ∂W = W (M + Mᵀ),  ∂b += g.
//
// Per sample it costs ~2·(active inputs)·n multiply-adds against route 'h32''s ~3·n·m, so it wins on
// sparse data (W1: about 2 active inputs of 20); G and ∂W add n²m each per step.
// Buffers as in index.ts: byte offsets, 16-byte aligned, rows padded with zeros to nP = 4⌈n/4⌉
// (the padding of G, b, c, I is zero, so padding outputs compute g = 0). Sums over the batch (M, ∂b,
// the loss) are float32 within a block of samples and float64 across blocks (gramFlush).

import { outputError, reluGate } from './lossTerms';

/** G [n, nP] = WᵀW from W [mP, nP] (its padding rows and columns zero, so G's are too). */
export function gramMatrix(W: usize, G: usize, n: i32, m: i32, nP: i32): void {
  const xs = <usize>nP << 2;
  for (let i = 0; i < n; i++) {
    // Row i of G is Σ_j W[j, i] W[j, :]: W[j, i] is the splat (column i of W).
    productRow(W + (<usize>i << 2), xs, W, xs, G + <usize>i * xs, xs, m, false);
  }
}

/**
 * out[0 .. xs) = Σ_k a[k] · B[k, :] for k < K, where a[k] is the float32 at aBase + k·aStride and row k
 * of B starts at bBase + k·bStride (float32, xs bytes, a multiple of 16); out is float32 or, with
 * `wide`, float64 (2·xs bytes). Four vectors of the row at a time, so that each splat serves four.
 */
// @ts-ignore: decorator
@inline function productRow(aBase: usize, aStride: usize, bBase: usize, bStride: usize, out: usize, xs: usize, K: i32, wide: bool): void {
  let o: usize = 0;
  for (; o + 64 <= xs; o += 64) {
    let acc0 = f32x4.splat(0), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    let ap = aBase;
    let bp = bBase + o;
    for (let k = 0; k < K; k++) {
      const s = v128.load32_splat(ap);
      acc0 = f32x4.add(acc0, f32x4.mul(s, v128.load(bp)));
      acc1 = f32x4.add(acc1, f32x4.mul(s, v128.load(bp, 16)));
      acc2 = f32x4.add(acc2, f32x4.mul(s, v128.load(bp, 32)));
      acc3 = f32x4.add(acc3, f32x4.mul(s, v128.load(bp, 48)));
      ap += aStride;
      bp += bStride;
    }
    storeRow(out, o, acc0, wide);
    storeRow(out, o + 16, acc1, wide);
    storeRow(out, o + 32, acc2, wide);
    storeRow(out, o + 48, acc3, wide);
  }
  for (; o < xs; o += 16) {
    let acc = f32x4.splat(0);
    let ap = aBase;
    let bp = bBase + o;
    for (let k = 0; k < K; k++) {
      acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(ap), v128.load(bp)));
      ap += aStride;
      bp += bStride;
    }
    storeRow(out, o, acc, wide);
  }
}

/** Stores four float32 sums at byte o of a float32 row, or promoted at byte 2·o of a float64 row. */
// @ts-ignore: decorator
@inline function storeRow(out: usize, o: usize, v: v128, wide: bool): void {
  if (wide) {
    v128.store(out + (o << 1), f64x2.promote_low_f32x4(v));
    v128.store(out + (o << 1), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), 16);
  } else v128.store(out + o, v);
}

/**
 * The forward and backward of `count` compressed rows from r0 (rowPtr, xIdx, xVal as compressRows
 * leaves them): a and then g in A [nP], x of the row scattered into Xr [nP] (all zero between rows),
 * g added into M [n, nP] at the row's active inputs and into gbAcc [nP] (both float32, emptied by
 * gramFlush), the loss Σ I (x' − x)² added into the float64 at loss64 (summed in float64 per row).
 */
export function gramSweep(
  rowPtr: usize, xIdx: usize, xVal: usize, G: usize, b: usize, imp: usize, c: usize,
  A: usize, Xr: usize, M: usize, gbAcc: usize, r0: i32, count: i32, nP: i32, relu: bool, loss64: usize,
): void {
  const xs = <usize>nP << 2;
  let loss = f64x2.splat(0);
  for (let r = r0; r < r0 + count; r++) {
    const p0 = load<i32>(rowPtr + (<usize>r << 2));
    const p1 = load<i32>(rowPtr + (<usize>(r + 1) << 2));
    for (let o: usize = 0; o < xs; o += 16) v128.store(A + o, v128.load(b + o));
    for (let p = p0; p < p1; p++) {
      const i = <usize>load<i32>(xIdx + (<usize>p << 2));
      const xv = load<f32>(xVal + (<usize>p << 2));
      store<f32>(Xr + (i << 2), xv);
      const v = f32x4.splat(xv);
      const gi = G + i * xs;
      for (let o: usize = 0; o < xs; o += 16) v128.store(A + o, f32x4.add(v128.load(A + o), f32x4.mul(v, v128.load(gi + o))));
    }
    let le = f32x4.splat(0);
    for (let o: usize = 0; o < xs; o += 16) {
      const a = v128.load(A + o);
      const x = v128.load(Xr + o);
      const e = outputError(a, x, relu);
      const g = f32x4.mul(v128.load(c + o), reluGate(e, a, relu));
      v128.store(A + o, g);
      v128.store(gbAcc + o, f32x4.add(v128.load(gbAcc + o), g));
      le = f32x4.add(le, f32x4.mul(v128.load(imp + o), f32x4.mul(e, e)));
    }
    loss = f64x2.add(loss, f64x2.add(f64x2.promote_low_f32x4(le), f64x2.promote_low_f32x4(i32x4.shuffle(le, le, 2, 3, 0, 1))));
    for (let p = p0; p < p1; p++) {
      const i = <usize>load<i32>(xIdx + (<usize>p << 2));
      store<f32>(Xr + (i << 2), 0);
      const v = v128.load32_splat(xVal + (<usize>p << 2));
      const mi = M + i * xs;
      for (let o: usize = 0; o < xs; o += 16) v128.store(mi + o, f32x4.add(v128.load(mi + o), f32x4.mul(v, v128.load(A + o))));
    }
  }
  store<f64>(loss64, load<f64>(loss64) + (f64x2.extract_lane(loss, 0) + f64x2.extract_lane(loss, 1)));
}

/**
 * The whole batch of `rows` compressed rows, GRAM_SUB (`sub`) rows per sweep: gramSweepRegisters,
 * or with `registers` false the general gramSweep (same bits), each followed by gramFlush, which
 * moves ∂b's float32 sum to float64 every sweep and M's at the end of each block of R rows. One
 * call per batch rather than two per sweep: calls from JavaScript into WebAssembly cost most while
 * the caller is not yet optimized, the first few hundred steps of a run.
 */
export function gramSweepBatch(
  rowPtr: usize, xIdx: usize, xVal: usize, G: usize, b: usize, imp: usize, c: usize, A: usize,
  Xr: usize, M: usize, gbAcc: usize, rowLoss: usize, M64: usize, gb64: usize,
  rows: i32, sub: i32, R: i32, n: i32, nP: i32, relu: bool, registers: bool, loss64: usize,
): void {
  for (let r0 = 0; r0 < rows; r0 += sub) {
    const count = min(sub, rows - r0);
    if (registers) gramSweepRegisters(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, rowLoss, r0, count, nP, relu, loss64);
    else gramSweep(rowPtr, xIdx, xVal, G, b, imp, c, A, Xr, M, gbAcc, r0, count, nP, relu, loss64);
    const endOfBlock = (r0 + count) % R == 0 || r0 + count == rows;
    gramFlush(M, M64, gbAcc, gb64, endOfBlock ? n : 0, nP);
  }
}

/**
 * gramSweep with a and g of the row in registers rather than in A, up to nine vectors (36 outputs)
 * at a time: the outputs are cut into chunks of at most nine vectors, as even as they come (n =
 * 100: 9, 8, 8 rather than 8, 8, 8, 1; each chunk costs a pass over the rows' lists), and each
 * chunk sweeps all the rows (a, g, and M's columns of the chunk: G's and M's columns of a chunk
 * stay in L1). Every sum runs in the same order as in gramSweep, so the same bits: a row's loss
 * terms continue from chunk to chunk in rowLoss [count] (f32x4 per row) and reach the float64 loss,
 * row by row, after the last chunk. Each chunk width has a function of its own (gramChunk1 …
 * gramChunk9, sweepChunk inlined with a constant NV, so that the unused vectors compile away).
 * Why not one function: the engine optimizes a hot function as a whole, and all nine widths in one
 * body took V8 ~54 ms to optimize, all the while the row loop ran unoptimized, ~3× slower (W1's first
 * ~500 steps); a width alone takes a few ms. They are exported so that the optimizer of this build
 * (Binaryen) keeps them functions of their own instead of inlining each into its only caller.
 */
export function gramSweepRegisters(
  rowPtr: usize, xIdx: usize, xVal: usize, G: usize, b: usize, imp: usize, c: usize,
  Xr: usize, M: usize, gbAcc: usize, rowLoss: usize, r0: i32, count: i32, nP: i32, relu: bool, loss64: usize,
): void {
  const xs = <usize>nP << 2;
  // Chunks of at most nine vectors, as even as they come: fewer chunks, none left nearly empty.
  const vectors = nP >> 2;
  const chunks = (vectors + 8) / 9;
  let v0 = 0;
  for (let k = 0; k < chunks; k++) {
    const v1 = ((k + 1) * vectors) / chunks;
    const o = <usize>v0 << 4;
    const first = k == 0;
    const last = k == chunks - 1;
    switch (v1 - v0) {
      case 1: gramChunk1(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, rowLoss, r0, count, xs, o, first, last, relu, loss64); break;
      case 2: gramChunk2(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, rowLoss, r0, count, xs, o, first, last, relu, loss64); break;
      case 3: gramChunk3(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, rowLoss, r0, count, xs, o, first, last, relu, loss64); break;
      case 4: gramChunk4(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, rowLoss, r0, count, xs, o, first, last, relu, loss64); break;
      case 5: gramChunk5(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, rowLoss, r0, count, xs, o, first, last, relu, loss64); break;
      case 6: gramChunk6(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, rowLoss, r0, count, xs, o, first, last, relu, loss64); break;
      case 7: gramChunk7(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, rowLoss, r0, count, xs, o, first, last, relu, loss64); break;
      case 8: gramChunk8(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, rowLoss, r0, count, xs, o, first, last, relu, loss64); break;
      default: gramChunk9(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, rowLoss, r0, count, xs, o, first, last, relu, loss64);
    }
    v0 = v1;
  }
}

// The chunk of each width, at byte o of the outputs (xs bytes per row of G and M), over all rows;
// first / last: the chunk begins / ends the outputs (a single chunk is both).
export function gramChunk1(rowPtr: usize, xIdx: usize, xVal: usize, G: usize, b: usize, imp: usize, c: usize, Xr: usize, M: usize, gbAcc: usize, rowLoss: usize, r0: i32, count: i32, xs: usize, o: usize, first: bool, last: bool, relu: bool, loss64: usize): void {
  sweepChunk(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, rowLoss, r0, count, xs, o, first, last, relu, loss64, 1);
}
export function gramChunk2(rowPtr: usize, xIdx: usize, xVal: usize, G: usize, b: usize, imp: usize, c: usize, Xr: usize, M: usize, gbAcc: usize, rowLoss: usize, r0: i32, count: i32, xs: usize, o: usize, first: bool, last: bool, relu: bool, loss64: usize): void {
  sweepChunk(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, rowLoss, r0, count, xs, o, first, last, relu, loss64, 2);
}
export function gramChunk3(rowPtr: usize, xIdx: usize, xVal: usize, G: usize, b: usize, imp: usize, c: usize, Xr: usize, M: usize, gbAcc: usize, rowLoss: usize, r0: i32, count: i32, xs: usize, o: usize, first: bool, last: bool, relu: bool, loss64: usize): void {
  sweepChunk(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, rowLoss, r0, count, xs, o, first, last, relu, loss64, 3);
}
export function gramChunk4(rowPtr: usize, xIdx: usize, xVal: usize, G: usize, b: usize, imp: usize, c: usize, Xr: usize, M: usize, gbAcc: usize, rowLoss: usize, r0: i32, count: i32, xs: usize, o: usize, first: bool, last: bool, relu: bool, loss64: usize): void {
  sweepChunk(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, rowLoss, r0, count, xs, o, first, last, relu, loss64, 4);
}
export function gramChunk5(rowPtr: usize, xIdx: usize, xVal: usize, G: usize, b: usize, imp: usize, c: usize, Xr: usize, M: usize, gbAcc: usize, rowLoss: usize, r0: i32, count: i32, xs: usize, o: usize, first: bool, last: bool, relu: bool, loss64: usize): void {
  sweepChunk(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, rowLoss, r0, count, xs, o, first, last, relu, loss64, 5);
}
export function gramChunk6(rowPtr: usize, xIdx: usize, xVal: usize, G: usize, b: usize, imp: usize, c: usize, Xr: usize, M: usize, gbAcc: usize, rowLoss: usize, r0: i32, count: i32, xs: usize, o: usize, first: bool, last: bool, relu: bool, loss64: usize): void {
  sweepChunk(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, rowLoss, r0, count, xs, o, first, last, relu, loss64, 6);
}
export function gramChunk7(rowPtr: usize, xIdx: usize, xVal: usize, G: usize, b: usize, imp: usize, c: usize, Xr: usize, M: usize, gbAcc: usize, rowLoss: usize, r0: i32, count: i32, xs: usize, o: usize, first: bool, last: bool, relu: bool, loss64: usize): void {
  sweepChunk(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, rowLoss, r0, count, xs, o, first, last, relu, loss64, 7);
}
export function gramChunk8(rowPtr: usize, xIdx: usize, xVal: usize, G: usize, b: usize, imp: usize, c: usize, Xr: usize, M: usize, gbAcc: usize, rowLoss: usize, r0: i32, count: i32, xs: usize, o: usize, first: bool, last: bool, relu: bool, loss64: usize): void {
  sweepChunk(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, rowLoss, r0, count, xs, o, first, last, relu, loss64, 8);
}
export function gramChunk9(rowPtr: usize, xIdx: usize, xVal: usize, G: usize, b: usize, imp: usize, c: usize, Xr: usize, M: usize, gbAcc: usize, rowLoss: usize, r0: i32, count: i32, xs: usize, o: usize, first: bool, last: bool, relu: bool, loss64: usize): void {
  sweepChunk(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, rowLoss, r0, count, xs, o, first, last, relu, loss64, 9);
}

/** One chunk of NV vectors at byte o of the outputs (xs bytes per row of G and M), over all rows. */
// @ts-ignore: decorator
@inline function sweepChunk(
  rowPtr: usize, xIdx: usize, xVal: usize, Gm: usize, bm: usize, impm: usize, cm: usize,
  Xrm: usize, Mm: usize, gbm: usize, rowLoss: usize, r0: i32, count: i32, xs: usize, o: usize,
  first: bool, last: bool, relu: bool, loss64: usize, NV: i32,
): void {
  const G = Gm + o;
  const b = bm + o;
  const imp = impm + o;
  const c = cm + o;
  const Xc = Xrm + o; // the chunk's part of the dense x row
  const M = Mm + o;
  const gbAcc = gbm + o;
  const zero = f32x4.splat(0);
  let loss = f64x2.splat(0);
  let lp = rowLoss;
  for (let r = r0; r < r0 + count; r++) {
    const p0 = load<i32>(rowPtr + (<usize>r << 2));
    const p1 = load<i32>(rowPtr + (<usize>(r + 1) << 2));
    let a0 = NV > 0 ? v128.load(b, 0) : zero;
    let a1 = NV > 1 ? v128.load(b, 16) : zero;
    let a2 = NV > 2 ? v128.load(b, 32) : zero;
    let a3 = NV > 3 ? v128.load(b, 48) : zero;
    let a4 = NV > 4 ? v128.load(b, 64) : zero;
    let a5 = NV > 5 ? v128.load(b, 80) : zero;
    let a6 = NV > 6 ? v128.load(b, 96) : zero;
    let a7 = NV > 7 ? v128.load(b, 112) : zero;
    let a8 = NV > 8 ? v128.load(b, 128) : zero;
    for (let p = p0; p < p1; p++) {
      const i = <usize>load<i32>(xIdx + (<usize>p << 2));
      const xv = load<f32>(xVal + (<usize>p << 2));
      store<f32>(Xrm + (i << 2), xv);
      const v = f32x4.splat(xv);
      const gi = G + i * xs;
      if (NV > 0) a0 = f32x4.add(a0, f32x4.mul(v, v128.load(gi, 0)));
      if (NV > 1) a1 = f32x4.add(a1, f32x4.mul(v, v128.load(gi, 16)));
      if (NV > 2) a2 = f32x4.add(a2, f32x4.mul(v, v128.load(gi, 32)));
      if (NV > 3) a3 = f32x4.add(a3, f32x4.mul(v, v128.load(gi, 48)));
      if (NV > 4) a4 = f32x4.add(a4, f32x4.mul(v, v128.load(gi, 64)));
      if (NV > 5) a5 = f32x4.add(a5, f32x4.mul(v, v128.load(gi, 80)));
      if (NV > 6) a6 = f32x4.add(a6, f32x4.mul(v, v128.load(gi, 96)));
      if (NV > 7) a7 = f32x4.add(a7, f32x4.mul(v, v128.load(gi, 112)));
      if (NV > 8) a8 = f32x4.add(a8, f32x4.mul(v, v128.load(gi, 128)));
    }
    // g = c ⊙ ReLU'(a) ⊙ e with e = x' − x (as in gramSweep), kept in registers for M below.
    let le = first ? zero : v128.load(lp);
    const e0 = NV > 0 ? residualAt(a0, Xc, 0, relu) : zero;
    const g0 = NV > 0 ? gradientAt(a0, e0, c, gbAcc, 0, relu) : zero;
    if (NV > 0) le = f32x4.add(le, f32x4.mul(v128.load(imp, 0), f32x4.mul(e0, e0)));
    const e1 = NV > 1 ? residualAt(a1, Xc, 16, relu) : zero;
    const g1 = NV > 1 ? gradientAt(a1, e1, c, gbAcc, 16, relu) : zero;
    if (NV > 1) le = f32x4.add(le, f32x4.mul(v128.load(imp, 16), f32x4.mul(e1, e1)));
    const e2 = NV > 2 ? residualAt(a2, Xc, 32, relu) : zero;
    const g2 = NV > 2 ? gradientAt(a2, e2, c, gbAcc, 32, relu) : zero;
    if (NV > 2) le = f32x4.add(le, f32x4.mul(v128.load(imp, 32), f32x4.mul(e2, e2)));
    const e3 = NV > 3 ? residualAt(a3, Xc, 48, relu) : zero;
    const g3 = NV > 3 ? gradientAt(a3, e3, c, gbAcc, 48, relu) : zero;
    if (NV > 3) le = f32x4.add(le, f32x4.mul(v128.load(imp, 48), f32x4.mul(e3, e3)));
    const e4 = NV > 4 ? residualAt(a4, Xc, 64, relu) : zero;
    const g4 = NV > 4 ? gradientAt(a4, e4, c, gbAcc, 64, relu) : zero;
    if (NV > 4) le = f32x4.add(le, f32x4.mul(v128.load(imp, 64), f32x4.mul(e4, e4)));
    const e5 = NV > 5 ? residualAt(a5, Xc, 80, relu) : zero;
    const g5 = NV > 5 ? gradientAt(a5, e5, c, gbAcc, 80, relu) : zero;
    if (NV > 5) le = f32x4.add(le, f32x4.mul(v128.load(imp, 80), f32x4.mul(e5, e5)));
    const e6 = NV > 6 ? residualAt(a6, Xc, 96, relu) : zero;
    const g6 = NV > 6 ? gradientAt(a6, e6, c, gbAcc, 96, relu) : zero;
    if (NV > 6) le = f32x4.add(le, f32x4.mul(v128.load(imp, 96), f32x4.mul(e6, e6)));
    const e7 = NV > 7 ? residualAt(a7, Xc, 112, relu) : zero;
    const g7 = NV > 7 ? gradientAt(a7, e7, c, gbAcc, 112, relu) : zero;
    if (NV > 7) le = f32x4.add(le, f32x4.mul(v128.load(imp, 112), f32x4.mul(e7, e7)));
    const e8 = NV > 8 ? residualAt(a8, Xc, 128, relu) : zero;
    const g8 = NV > 8 ? gradientAt(a8, e8, c, gbAcc, 128, relu) : zero;
    if (NV > 8) le = f32x4.add(le, f32x4.mul(v128.load(imp, 128), f32x4.mul(e8, e8)));
    if (last) loss = f64x2.add(loss, f64x2.add(f64x2.promote_low_f32x4(le), f64x2.promote_low_f32x4(i32x4.shuffle(le, le, 2, 3, 0, 1))));
    else v128.store(lp, le);
    lp += 16;
    for (let p = p0; p < p1; p++) {
      const i = <usize>load<i32>(xIdx + (<usize>p << 2));
      store<f32>(Xrm + (i << 2), 0);
      const v = v128.load32_splat(xVal + (<usize>p << 2));
      const mi = M + i * xs;
      if (NV > 0) v128.store(mi, f32x4.add(v128.load(mi, 0), f32x4.mul(v, g0)), 0);
      if (NV > 1) v128.store(mi, f32x4.add(v128.load(mi, 16), f32x4.mul(v, g1)), 16);
      if (NV > 2) v128.store(mi, f32x4.add(v128.load(mi, 32), f32x4.mul(v, g2)), 32);
      if (NV > 3) v128.store(mi, f32x4.add(v128.load(mi, 48), f32x4.mul(v, g3)), 48);
      if (NV > 4) v128.store(mi, f32x4.add(v128.load(mi, 64), f32x4.mul(v, g4)), 64);
      if (NV > 5) v128.store(mi, f32x4.add(v128.load(mi, 80), f32x4.mul(v, g5)), 80);
      if (NV > 6) v128.store(mi, f32x4.add(v128.load(mi, 96), f32x4.mul(v, g6)), 96);
      if (NV > 7) v128.store(mi, f32x4.add(v128.load(mi, 112), f32x4.mul(v, g7)), 112);
      if (NV > 8) v128.store(mi, f32x4.add(v128.load(mi, 128), f32x4.mul(v, g8)), 128);
    }
  }
  if (last) store<f64>(loss64, load<f64>(loss64) + (f64x2.extract_lane(loss, 0) + f64x2.extract_lane(loss, 1)));
}

/** e = x' − x of four outputs at byte k of the chunk. */
// @ts-ignore: decorator
@inline function residualAt(a: v128, Xc: usize, k: usize, relu: bool): v128 {
  return outputError(a, v128.load(Xc + k), relu);
}

/** g = c ⊙ ReLU'(a) ⊙ e of four outputs at byte k of the chunk, also added into gbAcc. */
// @ts-ignore: decorator
@inline function gradientAt(a: v128, e: v128, c: usize, gbAcc: usize, k: usize, relu: bool): v128 {
  const g = f32x4.mul(v128.load(c + k), reluGate(e, a, relu));
  v128.store(gbAcc + k, f32x4.add(v128.load(gbAcc + k), g));
  return g;
}

/** Adds the float32 block sums M [n, nP] and gbAcc [nP] into M64 and gb64 (float64), and zeroes them. */
export function gramFlush(M: usize, M64: usize, gbAcc: usize, gb64: usize, n: i32, nP: i32): void {
  addAndClear(M, M64, n * nP);
  addAndClear(gbAcc, gb64, nP);
}

// @ts-ignore: decorator
@inline function addAndClear(src: usize, dst64: usize, count: i32): void {
  const zero = f32x4.splat(0);
  for (let e: usize = 0; e < <usize>count; e += 4) {
    const v = v128.load(src + (e << 2));
    v128.store(src + (e << 2), zero);
    const d = dst64 + (e << 3);
    v128.store(d, f64x2.add(v128.load(d), f64x2.promote_low_f32x4(v)));
    v128.store(d, f64x2.add(v128.load(d, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
  }
}

/**
 * ∂W [m, nP] float64 = W (M + Mᵀ), from W [mP, nP] and M64 [n, nP]: S = M + Mᵀ rounded to float32
 * into S [n, nP] (padding columns zero), then each row of ∂W summed over i in float32.
 */
export function gramGradient(W: usize, M64: usize, S: usize, gW64: usize, n: i32, m: i32, nP: i32): void {
  const xs = <usize>nP << 2;
  const ds = <usize>nP << 3;
  for (let i = 0; i < n; i++) {
    const si = S + <usize>i * xs;
    for (let l = 0; l < nP; l++) {
      const sum = l < n ? load<f64>(M64 + <usize>i * ds + (<usize>l << 3)) + load<f64>(M64 + <usize>l * ds + (<usize>i << 3)) : 0;
      store<f32>(si + (<usize>l << 2), <f32>sum);
    }
  }
  // Row j of ∂W is Σ_i W[j, i] S[i, :].
  for (let j = 0; j < m; j++) productRow(W + <usize>j * xs, 4, S, xs, gW64 + <usize>j * ds, xs, n, true);
}
