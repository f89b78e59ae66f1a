// Route 'h32' of the toy kernel, forward (src/kernels/toy/h32.ts): route 'h' in float32, four lanes
// at a time (WebAssembly SIMD, f32x4), on a block of R samples at a time — h = W x (dense rows or the
// gathered active inputs) and a = b + Wᵀh, g = c ⊙ ReLU'(a) ⊙ (a − x) with the block's loss. The
// backward of the block is in h32Backward.ts; the buffers' conventions are in index.ts.

import { outputError, reluGate } from './lossTerms';

/** H = X Wt: H [R, mP] from X [R, nP] (or G: ∂L/∂h = W g) and Wt [n, mP]; four rows by eight hidden units. */
export function hidden(X: usize, Wt: usize, H: usize, R: i32, n: i32, nP: i32, mP: i32): void {
  const xs = <usize>nP << 2; // bytes per row of X
  const ws = <usize>mP << 2; // bytes per row of Wt and of H
  for (let r = 0; r < R; r += 4) {
    const x0 = X + <usize>r * xs;
    const x1 = x0 + xs;
    const x2 = x1 + xs;
    const x3 = x2 + xs;
    const h0 = H + <usize>r * ws;
    let j = 0;
    // Eight accumulators (four rows × two vectors), two weight vectors and a splat: 11 registers.
    for (; j + 8 <= mP; j += 8) {
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), b0 = f32x4.splat(0), b1 = f32x4.splat(0);
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), d0 = f32x4.splat(0), d1 = f32x4.splat(0);
      let w = Wt + (<usize>j << 2);
      for (let i = 0; i < n; i++) {
        const w0 = v128.load(w);
        const w1 = v128.load(w, 16);
        const o = <usize>i << 2;
        let s = v128.load32_splat(x0 + o);
        a0 = f32x4.add(a0, f32x4.mul(s, w0));
        a1 = f32x4.add(a1, f32x4.mul(s, w1));
        s = v128.load32_splat(x1 + o);
        b0 = f32x4.add(b0, f32x4.mul(s, w0));
        b1 = f32x4.add(b1, f32x4.mul(s, w1));
        s = v128.load32_splat(x2 + o);
        c0 = f32x4.add(c0, f32x4.mul(s, w0));
        c1 = f32x4.add(c1, f32x4.mul(s, w1));
        s = v128.load32_splat(x3 + o);
        d0 = f32x4.add(d0, f32x4.mul(s, w0));
        d1 = f32x4.add(d1, f32x4.mul(s, w1));
        w += ws;
      }
      const h = h0 + (<usize>j << 2);
      v128.store(h, a0);
      v128.store(h, a1, 16);
      v128.store(h + ws, b0);
      v128.store(h + ws, b1, 16);
      v128.store(h + 2 * ws, c0);
      v128.store(h + 2 * ws, c1, 16);
      v128.store(h + 3 * ws, d0);
      v128.store(h + 3 * ws, d1, 16);
    }
    if (j < mP) {
      // The last four hidden units (mP ≡ 4 mod 8).
      let a0 = f32x4.splat(0), b0 = f32x4.splat(0), c0 = f32x4.splat(0), d0 = f32x4.splat(0);
      let w = Wt + (<usize>j << 2);
      for (let i = 0; i < n; i++) {
        const w0 = v128.load(w);
        const o = <usize>i << 2;
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(x0 + o), w0));
        b0 = f32x4.add(b0, f32x4.mul(v128.load32_splat(x1 + o), w0));
        c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(x2 + o), w0));
        d0 = f32x4.add(d0, f32x4.mul(v128.load32_splat(x3 + o), w0));
        w += ws;
      }
      const h = h0 + (<usize>j << 2);
      v128.store(h, a0);
      v128.store(h + ws, b0);
      v128.store(h + 2 * ws, c0);
      v128.store(h + 3 * ws, d0);
    }
  }
}

/**
 * H = X Wt for sparse x, from its compressed rows (rowPtr i32 [rows + 1], xIdx i32, xVal f32): rows
 * r0 .. r0 + valid of the batch into the block's H [R, mP]; the padding rows get zeros.
 */
export function hiddenSparse(rowPtr: usize, xIdx: usize, xVal: usize, Wt: usize, H: usize, r0: i32, R: i32, valid: i32, mP: i32): void {
  const ws = <usize>mP << 2;
  memory.fill(H, 0, <usize>R * ws);
  for (let r = 0; r < valid; r++) {
    const p0 = load<i32>(rowPtr + (<usize>(r0 + r) << 2));
    const p1 = load<i32>(rowPtr + (<usize>(r0 + r + 1) << 2));
    const h = H + <usize>r * ws;
    let j = 0;
    for (; j + 16 <= mP; j += 16) {
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      const wj = Wt + (<usize>j << 2);
      for (let p = p0; p < p1; p++) {
        const w = wj + <usize>load<i32>(xIdx + (<usize>p << 2)) * ws;
        const s = v128.load32_splat(xVal + (<usize>p << 2));
        a0 = f32x4.add(a0, f32x4.mul(s, v128.load(w)));
        a1 = f32x4.add(a1, f32x4.mul(s, v128.load(w, 16)));
        a2 = f32x4.add(a2, f32x4.mul(s, v128.load(w, 32)));
        a3 = f32x4.add(a3, f32x4.mul(s, v128.load(w, 48)));
      }
      const o = h + (<usize>j << 2);
      v128.store(o, a0);
      v128.store(o, a1, 16);
      v128.store(o, a2, 32);
      v128.store(o, a3, 48);
    }
    for (; j < mP; j += 4) {
      let a0 = f32x4.splat(0);
      const wj = Wt + (<usize>j << 2);
      for (let p = p0; p < p1; p++) {
        const w = wj + <usize>load<i32>(xIdx + (<usize>p << 2)) * ws;
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(xVal + (<usize>p << 2)), v128.load(w)));
      }
      v128.store(h + (<usize>j << 2), a0);
    }
  }
}

/** The dense rows of the block, X [R, nP], from the compressed rows r0 .. r0 + valid (zeros elsewhere). */
export function scatterRows(rowPtr: usize, xIdx: usize, xVal: usize, X: usize, r0: i32, R: i32, valid: i32, nP: i32): void {
  const xs = <usize>nP << 2;
  memory.fill(X, 0, <usize>R * xs);
  for (let r = 0; r < valid; r++) {
    const p0 = load<i32>(rowPtr + (<usize>(r0 + r) << 2));
    const p1 = load<i32>(rowPtr + (<usize>(r0 + r + 1) << 2));
    const row = X + <usize>r * xs;
    for (let p = p0; p < p1; p++) {
      store<f32>(row + (<usize>load<i32>(xIdx + (<usize>p << 2)) << 2), load<f32>(xVal + (<usize>p << 2)));
    }
  }
}

/** Rows t < valid pass (all bits set), the padding rows are masked out (zero). */
// @ts-ignore: decorator
@inline function rowMask(t: i32, valid: i32): v128 {
  return i32x4.splat(t < valid ? -1 : 0);
}

/**
 * a = b + H W (H [R, mP], W [mP, nP]), then g = c ⊙ ReLU'(a) ⊙ (a − x) into G [R, nP] (zero in the
 * rows past `valid`), and the loss Σ I (x' − x)² of the block added into the float64 at `loss` (summed
 * in float64 per tile; written to memory rather than returned, which would box a number per call in
 * JS). Four rows by eight outputs at a time.
 */
export function outputs(H: usize, W: usize, b: usize, imp: usize, c: usize, X: usize, G: usize, R: i32, valid: i32, m: i32, nP: i32, mP: i32, relu: bool, loss64: usize): void {
  const xs = <usize>nP << 2; // bytes per row of X, G and W
  const hs = <usize>mP << 2; // bytes per row of H
  let loss = f64x2.splat(0);
  for (let r = 0; r < R; r += 4) {
    const k0 = rowMask(r, valid);
    const k1 = rowMask(r + 1, valid);
    const k2 = rowMask(r + 2, valid);
    const k3 = rowMask(r + 3, valid);
    const h0 = H + <usize>r * hs;
    const x0 = X + <usize>r * xs;
    const g0 = G + <usize>r * xs;
    for (let l = 0; l < nP; l += 8) {
      // The last tile may have one vector only (nP ≡ 4 mod 8): its second vector reads past the
      // row into the next one (or the buffer's slack) and is never stored.
      const two = l + 8 <= nP;
      const ol = <usize>l << 2;
      let a0 = v128.load(b + ol), a1 = v128.load(b + ol, 16);
      let b0 = a0, b1 = a1, c0 = a0, c1 = a1, d0 = a0, d1 = a1;
      let w = W + ol;
      for (let j = 0; j < m; j++) {
        const w0 = v128.load(w);
        const w1 = v128.load(w, 16);
        const o = <usize>j << 2;
        let s = v128.load32_splat(h0 + o);
        a0 = f32x4.add(a0, f32x4.mul(s, w0));
        a1 = f32x4.add(a1, f32x4.mul(s, w1));
        s = v128.load32_splat(h0 + hs + o);
        b0 = f32x4.add(b0, f32x4.mul(s, w0));
        b1 = f32x4.add(b1, f32x4.mul(s, w1));
        s = v128.load32_splat(h0 + 2 * hs + o);
        c0 = f32x4.add(c0, f32x4.mul(s, w0));
        c1 = f32x4.add(c1, f32x4.mul(s, w1));
        s = v128.load32_splat(h0 + 3 * hs + o);
        d0 = f32x4.add(d0, f32x4.mul(s, w0));
        d1 = f32x4.add(d1, f32x4.mul(s, w1));
        w += xs;
      }
      const i0 = v128.load(imp + ol);
      const e0 = v128.load(c + ol);
      let le = tile(a0, x0 + ol, g0 + ol, k0, i0, e0, relu);
      le = f32x4.add(le, tile(b0, x0 + xs + ol, g0 + xs + ol, k1, i0, e0, relu));
      le = f32x4.add(le, tile(c0, x0 + 2 * xs + ol, g0 + 2 * xs + ol, k2, i0, e0, relu));
      le = f32x4.add(le, tile(d0, x0 + 3 * xs + ol, g0 + 3 * xs + ol, k3, i0, e0, relu));
      if (two) {
        const i1 = v128.load(imp + ol, 16);
        const e1 = v128.load(c + ol, 16);
        const q = ol + 16;
        le = f32x4.add(le, tile(a1, x0 + q, g0 + q, k0, i1, e1, relu));
        le = f32x4.add(le, tile(b1, x0 + xs + q, g0 + xs + q, k1, i1, e1, relu));
        le = f32x4.add(le, tile(c1, x0 + 2 * xs + q, g0 + 2 * xs + q, k2, i1, e1, relu));
        le = f32x4.add(le, tile(d1, x0 + 3 * xs + q, g0 + 3 * xs + q, k3, i1, e1, relu));
      }
      loss = f64x2.add(loss, f64x2.add(f64x2.promote_low_f32x4(le), f64x2.promote_low_f32x4(i32x4.shuffle(le, le, 2, 3, 0, 1))));
    }
  }
  store<f64>(loss64, load<f64>(loss64) + (f64x2.extract_lane(loss, 0) + f64x2.extract_lane(loss, 1)));
}

/** Four outputs of one row: stores g = c d (masked), returns the loss terms I (d² + off-loss) (masked). */
// @ts-ignore: decorator
@inline function tile(a: v128, xp: usize, gp: usize, mask: v128, im: v128, cc: v128, relu: bool): v128 {
  const e = v128.and(outputError(a, v128.load(xp), relu), mask);
  v128.store(gp, f32x4.mul(cc, reluGate(e, a, relu)));
  return f32x4.mul(im, f32x4.mul(e, e));
}
