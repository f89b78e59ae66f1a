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
