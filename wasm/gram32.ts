// Route 'gram32' of the toy kernel (src/models/toyGram.ts): the model through its Gram matrix,
// x' = ReLU(G x + b) with G = WᵀW, in float32 WebAssembly SIMD (f32x4) over the outputs, one sample
// at a time and only over its active inputs:
//
//   G = WᵀW,  a = b + Σ_{i active} x_i G[i, :],  g = c ⊙ ReLU'(a) ⊙ (a − x),
//   M[i, :] += x_i g  (i active)  so that M = Σ_samples x gᵀ = ∂L/∂Gᵀ,  ∂W = W (M + Mᵀ),  ∂b += g.
//
// Per sample it costs ~2·(active inputs)·n multiply-adds against route 'h32''s ~3·n·m, so it wins on
// sparse data (W1: about 2 active inputs of 20); G and ∂W add n²m each per step.
// Buffers as in toyDense.ts: byte offsets, 16-byte aligned, rows padded with zeros to nP = 4⌈n/4⌉
// (the padding of G, b, c, I is zero, so padding outputs compute g = 0). Sums over the batch (M, ∂b,
// the loss) are float32 within a block of samples and float64 across blocks (gramFlush).

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
      // e = x' − x; where the ReLU is off e = −x, whose square is the loss term, and g = 0.
      const e = f32x4.sub(relu ? f32x4.max(a, f32x4.splat(0)) : a, x);
      const g = f32x4.mul(v128.load(c + o), relu ? v128.andnot(e, f32x4.le(a, f32x4.splat(0))) : e);
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
 * gramSweep for nP ≤ 32 (n ≤ 32: the seed's n = 20), with a and g of the row in registers rather
 * than in A: the same arithmetic in the same order, so the same bits. One loop per width nP/4
 * (sweepNarrow inlined with a constant NV), so that the unused vectors compile away.
 */
export function gramSweepNarrow(
  rowPtr: usize, xIdx: usize, xVal: usize, G: usize, b: usize, imp: usize, c: usize,
  A: usize, Xr: usize, M: usize, gbAcc: usize, r0: i32, count: i32, nP: i32, relu: bool, loss64: usize,
): void {
  switch (nP >> 2) {
    case 1: sweepNarrow(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, r0, count, relu, loss64, 1); break;
    case 2: sweepNarrow(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, r0, count, relu, loss64, 2); break;
    case 3: sweepNarrow(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, r0, count, relu, loss64, 3); break;
    case 4: sweepNarrow(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, r0, count, relu, loss64, 4); break;
    case 5: sweepNarrow(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, r0, count, relu, loss64, 5); break;
    case 6: sweepNarrow(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, r0, count, relu, loss64, 6); break;
    case 7: sweepNarrow(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, r0, count, relu, loss64, 7); break;
    case 8: sweepNarrow(rowPtr, xIdx, xVal, G, b, imp, c, Xr, M, gbAcc, r0, count, relu, loss64, 8); break;
    default: gramSweep(rowPtr, xIdx, xVal, G, b, imp, c, A, Xr, M, gbAcc, r0, count, nP, relu, loss64);
  }
}

// @ts-ignore: decorator
@inline function sweepNarrow(
  rowPtr: usize, xIdx: usize, xVal: usize, G: usize, b: usize, imp: usize, c: usize,
  Xr: usize, M: usize, gbAcc: usize, r0: i32, count: i32, relu: bool, loss64: usize, NV: i32,
): void {
  const xs = <usize>NV << 4;
  const zero = f32x4.splat(0);
  let loss = f64x2.splat(0);
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
    for (let p = p0; p < p1; p++) {
      const i = <usize>load<i32>(xIdx + (<usize>p << 2));
      const xv = load<f32>(xVal + (<usize>p << 2));
      store<f32>(Xr + (i << 2), xv);
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
    }
    // g = c ⊙ ReLU'(a) ⊙ e with e = x' − x (as in gramSweep), kept in registers for M below.
    let le = zero;
    let g0 = zero;
    if (NV > 0) {
      const e = f32x4.sub(relu ? f32x4.max(a0, zero) : a0, v128.load(Xr, 0));
      g0 = f32x4.mul(v128.load(c, 0), relu ? v128.andnot(e, f32x4.le(a0, zero)) : e);
      v128.store(gbAcc, f32x4.add(v128.load(gbAcc, 0), g0), 0);
      le = f32x4.add(le, f32x4.mul(v128.load(imp, 0), f32x4.mul(e, e)));
    }
    let g1 = zero;
    if (NV > 1) {
      const e = f32x4.sub(relu ? f32x4.max(a1, zero) : a1, v128.load(Xr, 16));
      g1 = f32x4.mul(v128.load(c, 16), relu ? v128.andnot(e, f32x4.le(a1, zero)) : e);
      v128.store(gbAcc, f32x4.add(v128.load(gbAcc, 16), g1), 16);
      le = f32x4.add(le, f32x4.mul(v128.load(imp, 16), f32x4.mul(e, e)));
    }
    let g2 = zero;
    if (NV > 2) {
      const e = f32x4.sub(relu ? f32x4.max(a2, zero) : a2, v128.load(Xr, 32));
      g2 = f32x4.mul(v128.load(c, 32), relu ? v128.andnot(e, f32x4.le(a2, zero)) : e);
      v128.store(gbAcc, f32x4.add(v128.load(gbAcc, 32), g2), 32);
      le = f32x4.add(le, f32x4.mul(v128.load(imp, 32), f32x4.mul(e, e)));
    }
    let g3 = zero;
    if (NV > 3) {
      const e = f32x4.sub(relu ? f32x4.max(a3, zero) : a3, v128.load(Xr, 48));
      g3 = f32x4.mul(v128.load(c, 48), relu ? v128.andnot(e, f32x4.le(a3, zero)) : e);
      v128.store(gbAcc, f32x4.add(v128.load(gbAcc, 48), g3), 48);
      le = f32x4.add(le, f32x4.mul(v128.load(imp, 48), f32x4.mul(e, e)));
    }
    let g4 = zero;
    if (NV > 4) {
      const e = f32x4.sub(relu ? f32x4.max(a4, zero) : a4, v128.load(Xr, 64));
      g4 = f32x4.mul(v128.load(c, 64), relu ? v128.andnot(e, f32x4.le(a4, zero)) : e);
      v128.store(gbAcc, f32x4.add(v128.load(gbAcc, 64), g4), 64);
      le = f32x4.add(le, f32x4.mul(v128.load(imp, 64), f32x4.mul(e, e)));
    }
    let g5 = zero;
    if (NV > 5) {
      const e = f32x4.sub(relu ? f32x4.max(a5, zero) : a5, v128.load(Xr, 80));
      g5 = f32x4.mul(v128.load(c, 80), relu ? v128.andnot(e, f32x4.le(a5, zero)) : e);
      v128.store(gbAcc, f32x4.add(v128.load(gbAcc, 80), g5), 80);
      le = f32x4.add(le, f32x4.mul(v128.load(imp, 80), f32x4.mul(e, e)));
    }
    let g6 = zero;
    if (NV > 6) {
      const e = f32x4.sub(relu ? f32x4.max(a6, zero) : a6, v128.load(Xr, 96));
      g6 = f32x4.mul(v128.load(c, 96), relu ? v128.andnot(e, f32x4.le(a6, zero)) : e);
      v128.store(gbAcc, f32x4.add(v128.load(gbAcc, 96), g6), 96);
      le = f32x4.add(le, f32x4.mul(v128.load(imp, 96), f32x4.mul(e, e)));
    }
    let g7 = zero;
    if (NV > 7) {
      const e = f32x4.sub(relu ? f32x4.max(a7, zero) : a7, v128.load(Xr, 112));
      g7 = f32x4.mul(v128.load(c, 112), relu ? v128.andnot(e, f32x4.le(a7, zero)) : e);
      v128.store(gbAcc, f32x4.add(v128.load(gbAcc, 112), g7), 112);
      le = f32x4.add(le, f32x4.mul(v128.load(imp, 112), f32x4.mul(e, e)));
    }
    loss = f64x2.add(loss, f64x2.add(f64x2.promote_low_f32x4(le), f64x2.promote_low_f32x4(i32x4.shuffle(le, le, 2, 3, 0, 1))));
    for (let p = p0; p < p1; p++) {
      const i = <usize>load<i32>(xIdx + (<usize>p << 2));
      store<f32>(Xr + (i << 2), 0);
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
    }
  }
  store<f64>(loss64, load<f64>(loss64) + (f64x2.extract_lane(loss, 0) + f64x2.extract_lane(loss, 1)));
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
