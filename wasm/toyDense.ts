// Route 'h32' of the toy kernel (src/models/toyGram.ts): route 'h' in float32, four lanes at a time
// (WebAssembly SIMD, f32x4), on a block of R samples at a time. AssemblyScript; built by
// scripts/build-wasm.mjs into src/models/wasm/toyDense.generated.ts and driven block by block by
// src/models/wasm/toyDense.ts, which lays out the memory:
//
//   h = W x,  a = b + Wᵀh,  g = c ⊙ ReLU'(a) ⊙ (a − x),  ∂W += h gᵀ + (W g) xᵀ,  ∂b += g.
//
// The backward of a block (`backward`) is dense (W g and h gᵀ over all R·nP entries of g) or, when
// few outputs have their ReLU on (g mostly zero: sparse data, negative biases), over the nonzero
// entries of g alone, compacted by row (for W g) and by column (for h gᵀ); the caller's limit on
// their count decides, per block.
// Every argument named like a buffer is a byte offset into this module's memory, 16-byte aligned.
// Rows of f32 buffers are padded with zeros to nP = 4⌈n/4⌉ features or mP = 4⌈m/4⌉ hidden units, so
// every loop runs whole vectors and the padding computes zeros (zero weights, zero inputs, c = 0).
// R is a multiple of 4; rows of the block past the `valid` ones are zero in X and masked out of g.
// Sums over the batch (∂W, ∂b, the loss) leave float32 after each block: each block's f32 partial sums
// are added into float64 accumulators, so rounding grows with the block, not with the batch.
// Route 'gram32' lives in gram32.ts and is exported from here: one module, one memory.

import { outputError, reluGate } from './lossTerms';
export { gramMatrix, gramSweep, gramSweepRegisters, gramFlush, gramGradient } from './gram32';

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

/** Adds the f32 partial sums `v` (four columns) into the float64 row at p. */
// @ts-ignore: decorator
@inline function addTo64(p: usize, v: v128): void {
  v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v)));
  v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
}

/**
 * ∂W += Hᵀ G (+ GHᵀ X when `withX`) over the R rows of the block: gW64 [mP, nP] float64 from H, GH
 * [R, mP] and G, X [R, nP], four hidden units by eight outputs at a time, the block's f32 sums then
 * added into gW64. The two products run one after the other into the same accumulators (as one
 * product over 2R rows: [H; GH]ᵀ [G; X]), which keeps 11 vectors live rather than 14 (x64 has 16).
 */
export function accumulateW(H: usize, GH: usize, G: usize, X: usize, gW64: usize, R: i32, m: i32, nP: i32, mP: i32, withX: bool): void {
  const xs = <usize>nP << 2;
  const hs = <usize>mP << 2;
  const rs = <usize>nP << 3; // bytes per row of gW64
  const passes = withX ? 2 : 1;
  for (let j = 0; j < m; j += 4) {
    const oj = <usize>j << 2;
    for (let l = 0; l < nP; l += 8) {
      const ol = <usize>l << 2;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), b0 = f32x4.splat(0), b1 = f32x4.splat(0);
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), d0 = f32x4.splat(0), d1 = f32x4.splat(0);
      for (let pass = 0; pass < passes; pass++) {
        // pass 0: h gᵀ; pass 1: (W g) xᵀ
        let gp = (pass ? X : G) + ol;
        let hp = (pass ? GH : H) + oj;
        for (let r = 0; r < R; r++) {
          const g0 = v128.load(gp);
          const g1 = v128.load(gp, 16);
          let s = v128.load32_splat(hp);
          a0 = f32x4.add(a0, f32x4.mul(s, g0));
          a1 = f32x4.add(a1, f32x4.mul(s, g1));
          s = v128.load32_splat(hp, 4);
          b0 = f32x4.add(b0, f32x4.mul(s, g0));
          b1 = f32x4.add(b1, f32x4.mul(s, g1));
          s = v128.load32_splat(hp, 8);
          c0 = f32x4.add(c0, f32x4.mul(s, g0));
          c1 = f32x4.add(c1, f32x4.mul(s, g1));
          s = v128.load32_splat(hp, 12);
          d0 = f32x4.add(d0, f32x4.mul(s, g0));
          d1 = f32x4.add(d1, f32x4.mul(s, g1));
          gp += xs;
          hp += hs;
        }
      }
      const o = gW64 + <usize>j * rs + (<usize>l << 3);
      addTo64(o, a0);
      addTo64(o + rs, b0);
      addTo64(o + 2 * rs, c0);
      addTo64(o + 3 * rs, d0);
      if (l + 8 <= nP) {
        // (a second vector only if the row has one: nP ≡ 4 mod 8 ends on a single one)
        addTo64(o + 32, a1);
        addTo64(o + rs + 32, b1);
        addTo64(o + 2 * rs + 32, c1);
        addTo64(o + 3 * rs + 32, d1);
      }
    }
  }
}

/**
 * ∂Wᵀ += X GH over the sparse x of the block's rows r0 .. r0 + valid: row i of gWt gets x_i ∂L/∂h at
 * each active input i (a row of GH [R, mP] per sample), summed in float32 in gWt32 [n, mP] and moved
 * into gWt64 (float64) after TERMS terms (terms [n] i32 counts them) and by flushWt at the end.
 */
export function accumulateWtSparse(rowPtr: usize, xIdx: usize, xVal: usize, GH: usize, gWt32: usize, gWt64: usize, terms: usize, r0: i32, valid: i32, mP: i32): void {
  const hs = <usize>mP << 2;
  for (let r = 0; r < valid; r++) {
    const p0 = load<i32>(rowPtr + (<usize>(r0 + r) << 2));
    const p1 = load<i32>(rowPtr + (<usize>(r0 + r + 1) << 2));
    const q = GH + <usize>r * hs;
    for (let p = p0; p < p1; p++) {
      const i = <usize>load<i32>(xIdx + (<usize>p << 2));
      const o = gWt32 + i * hs;
      const s = v128.load32_splat(xVal + (<usize>p << 2));
      for (let j: usize = 0; j < hs; j += 16) v128.store(o + j, f32x4.add(v128.load(o + j), f32x4.mul(s, v128.load(q + j))));
      const t = terms + (i << 2);
      const count = load<i32>(t) + 1;
      if (count == TERMS) {
        flushRow(o, gWt64 + i * (hs << 1), hs);
        store<i32>(t, 0);
      } else store<i32>(t, count);
    }
  }
}

/** Float32 partial sums of gWt per entry before they move to float64 (route 'h32''s blocks sum as many). */
const TERMS = 256;

/** Adds the float32 row at o (bytes bytes) into the float64 row at o64, and zeroes it. */
// @ts-ignore: decorator
@inline function flushRow(o: usize, o64: usize, bytes: usize): void {
  for (let j: usize = 0; j < bytes; j += 16) {
    addTo64(o64 + (j << 1), v128.load(o + j));
    v128.store(o + j, f32x4.splat(0));
  }
}

/** The rows of gWt32 [n, mP] with terms left (terms > 0) into gWt64, zeroed with their counts. */
export function flushWt(gWt32: usize, gWt64: usize, terms: usize, n: i32, mP: i32): void {
  const hs = <usize>mP << 2;
  for (let i = 0; i < n; i++) {
    const t = terms + (<usize>i << 2);
    if (load<i32>(t) == 0) continue;
    flushRow(gWt32 + <usize>i * hs, gWt64 + <usize>i * (hs << 1), hs);
    store<i32>(t, 0);
  }
}

/** ∂b += Σ_rows g: the column sums of G [R, nP] added into gb64 [nP] float64. */
export function columnSums(G: usize, gb64: usize, R: i32, nP: i32): void {
  const xs = <usize>nP << 2;
  for (let l = 0; l < nP; l += 4) {
    let s = f32x4.splat(0);
    let p = G + (<usize>l << 2);
    for (let r = 0; r < R; r++) {
      s = f32x4.add(s, v128.load(p));
      p += xs;
    }
    addTo64(gb64 + (<usize>l << 3), s);
  }
}

/**
 * The number of nonzero entries of G [R, nP] (NaN counts: it is not zero), or some number above
 * `limit` once the count passes it (checked every 64 vectors): dense g stops early.
 */
export function countNonzero(G: usize, R: i32, nP: i32, limit: i32): i32 {
  const end = G + (<usize>(R * nP) << 2);
  let acc = i32x4.splat(0);
  let p = G;
  while (p < end) {
    const stop = min(end, p + 1024);
    for (; p < stop; p += 16) acc = i32x4.sub(acc, f32x4.ne(v128.load(p), f32x4.splat(0)));
    const count = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
    if (count > limit) return count;
  }
  return i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
}

/**
 * The nonzero entries of G [R, nP] in its first n columns as compressed rows (gPtr i32 [R + 1], gIdx
 * i32, gVal f32), and the same entries by column (colPtr i32 [nP]: the end of column l's entries;
 * cRow i32, cVal f32), rows ascending within a column. The padding columns are skipped (NaN there
 * when h is NaN: c = 0 times NaN).
 */
export function compactRows(G: usize, R: i32, n: i32, nP: i32, gPtr: usize, gIdx: usize, gVal: usize, colPtr: usize, cRow: usize, cVal: usize): void {
  const xs = <usize>nP << 2;
  let count = 0;
  store<i32>(gPtr, 0);
  for (let r = 0; r < R; r++) {
    const row = G + <usize>r * xs;
    for (let l = 0; l < nP; l += 4) {
      const p = row + (<usize>l << 2);
      if (!v128.any_true(f32x4.ne(v128.load(p), f32x4.splat(0)))) continue;
      for (let k = 0; k < 4; k++) {
        // Branch-free: written at the cursor always, kept (the cursor moved) only if nonzero.
        const g = load<f32>(p + (<usize>k << 2));
        store<i32>(gIdx + (<usize>count << 2), l + k);
        store<f32>(gVal + (<usize>count << 2), g);
        count += i32(g != 0) & i32(l + k < n);
      }
    }
    store<i32>(gPtr + (<usize>(r + 1) << 2), count);
  }
  // By column: counts, their running sums (the starts), then each entry placed at its column's cursor,
  // which leaves colPtr[l] at the end of column l.
  memory.fill(colPtr, 0, <usize>nP << 2);
  for (let p = 0; p < count; p++) {
    const q = colPtr + (<usize>load<i32>(gIdx + (<usize>p << 2)) << 2);
    store<i32>(q, load<i32>(q) + 1);
  }
  let start = 0;
  for (let l = 0; l < nP; l++) {
    const q = colPtr + (<usize>l << 2);
    const k = load<i32>(q);
    store<i32>(q, start);
    start += k;
  }
  for (let r = 0; r < R; r++) {
    const p1 = load<i32>(gPtr + (<usize>(r + 1) << 2));
    for (let p = load<i32>(gPtr + (<usize>r << 2)); p < p1; p++) {
      const q = colPtr + (<usize>load<i32>(gIdx + (<usize>p << 2)) << 2);
      const at = load<i32>(q);
      store<i32>(cRow + (<usize>at << 2), r);
      store<f32>(cVal + (<usize>at << 2), load<f32>(gVal + (<usize>p << 2)));
      store<i32>(q, at + 1);
    }
  }
}

/**
 * ∂Wᵀ += G H over the nonzero g of the block by column (colPtr, cRow, cVal from compactRows): row l of
 * gWt64 [n, mP] float64 gets Σ_r g_rl h_r, summed in float32 over the block (16 hidden units at a
 * time) and added once per column with an entry.
 */
export function accumulateColumns(colPtr: usize, cRow: usize, cVal: usize, H: usize, gWt64: usize, n: i32, mP: i32): void {
  const hs = <usize>mP << 2;
  const rs = <usize>mP << 3;
  let p0 = 0;
  for (let l = 0; l < n; l++) {
    const p1 = load<i32>(colPtr + (<usize>l << 2));
    if (p1 == p0) continue;
    const o = gWt64 + <usize>l * rs;
    let j = 0;
    for (; j + 16 <= mP; j += 16) {
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      const hj = H + (<usize>j << 2);
      for (let p = p0; p < p1; p++) {
        const h = hj + <usize>load<i32>(cRow + (<usize>p << 2)) * hs;
        const s = v128.load32_splat(cVal + (<usize>p << 2));
        a0 = f32x4.add(a0, f32x4.mul(s, v128.load(h)));
        a1 = f32x4.add(a1, f32x4.mul(s, v128.load(h, 16)));
        a2 = f32x4.add(a2, f32x4.mul(s, v128.load(h, 32)));
        a3 = f32x4.add(a3, f32x4.mul(s, v128.load(h, 48)));
      }
      const q = o + (<usize>j << 3);
      addTo64(q, a0);
      addTo64(q + 32, a1);
      addTo64(q + 64, a2);
      addTo64(q + 96, a3);
    }
    for (; j < mP; j += 4) {
      let a0 = f32x4.splat(0);
      const hj = H + (<usize>j << 2);
      for (let p = p0; p < p1; p++) {
        const h = hj + <usize>load<i32>(cRow + (<usize>p << 2)) * hs;
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(cVal + (<usize>p << 2)), v128.load(h)));
      }
      addTo64(o + (<usize>j << 3), a0);
    }
    p0 = p1;
  }
}

/**
 * The backward pass of one block after `outputs`: ∂b += Σ g, ∂L/∂h = W g into GH, ∂W += h gᵀ + (W g) xᵀ.
 * When the block's g has at most `limit` nonzero entries (counted here: the choice is a function of
 * the parameters and the batch only), over those entries alone — GH_r = Σ_l g_rl Wt[l, :] and
 * gWt64[l, :] += Σ_r g_rl h_r, from g compacted by row into gPtr/gIdx/gVal and by column into
 * colPtr/cRow/cVal (room for R·nP entries each) — else
 * densely (`hidden`, `accumulateW`). The (W g) xᵀ term gathers the active inputs (`gather`, rows
 * r0 .. r0 + valid of rowPtr/xIdx/xVal) or runs over the block's dense rows X. Returns 1 if sparse.
 */
export function backward(
  H: usize, GH: usize, G: usize, X: usize, Wt: usize, gW64: usize, gWt64: usize, gWt32: usize, terms: usize, gb64: usize,
  rowPtr: usize, xIdx: usize, xVal: usize, gPtr: usize, gIdx: usize, gVal: usize, colPtr: usize, cRow: usize, cVal: usize,
  r0: i32, R: i32, valid: i32, n: i32, m: i32, nP: i32, mP: i32, gather: bool, limit: i32,
): i32 {
  const nonzero = countNonzero(G, R, nP, limit);
  if (nonzero > limit) {
    columnSums(G, gb64, R, nP);
    hidden(G, Wt, GH, R, n, nP, mP); // ∂L/∂h = W g
    accumulateW(H, GH, G, X, gW64, R, m, nP, mP, !gather);
    if (gather) accumulateWtSparse(rowPtr, xIdx, xVal, GH, gWt32, gWt64, terms, r0, valid, mP);
    return 0;
  }
  if (nonzero == 0) return 1; // no gradient from this block at all
  columnSums(G, gb64, R, nP);
  compactRows(G, valid, n, nP, gPtr, gIdx, gVal, colPtr, cRow, cVal); // rows past `valid` are zero
  hiddenSparse(gPtr, gIdx, gVal, Wt, GH, 0, R, valid, mP); // GH_r = Σ g_rl W[:, l]
  accumulateColumns(colPtr, cRow, cVal, H, gWt64, n, mP); // (h gᵀ)ᵀ
  if (gather) accumulateWtSparse(rowPtr, xIdx, xVal, GH, gWt32, gWt64, terms, r0, valid, mP);
  else accumulateW(GH, GH, X, X, gW64, R, m, nP, mP, false); // (W g) xᵀ over dense rows
  return 1;
}

/** Where the memory free for the caller's buffers starts (after this module's static data). */
export function heapBase(): usize {
  return __heap_base;
}

// Byte shuffles that move the lanes whose mask bit is set to the front, in order (one per 4-bit mask).
const COMPACT: usize = memory.data<u8>([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, // 0000
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, // 0001: lane 0
  4, 5, 6, 7, 0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, // 0010: lane 1
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, // 0011: 0 1
  8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, // 0100: 2
  0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15, // 0101: 0 2
  4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 12, 13, 14, 15, // 0110: 1 2
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, // 0111: 0 1 2
  12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, // 1000: 3
  0, 1, 2, 3, 12, 13, 14, 15, 4, 5, 6, 7, 8, 9, 10, 11, // 1001: 0 3
  4, 5, 6, 7, 12, 13, 14, 15, 0, 1, 2, 3, 8, 9, 10, 11, // 1010: 1 3
  0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 8, 9, 10, 11, // 1011: 0 1 3
  8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, // 1100: 2 3
  0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 4, 5, 6, 7, // 1101: 0 2 3
  4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, // 1110: 1 2 3
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, // 1111
], 16);

/**
 * Compress B rows of x (X: [B, n] float32, unpadded, as the caller's batch) to their nonzero inputs:
 * row t (t = 0 … rows − 1) is sample rowOf[t], its inputs xIdx/xVal[rowPtr[t] .. rowPtr[t+1]), in
 * increasing feature order; empty samples get no row. Stores rows at `count` (a returned number can
 * cost the JavaScript caller an allocation per call). Four inputs per instruction and
 * no data-dependent branch (a random 10% of inputs active would mispredict most of them): the four
 * candidates are shuffled so the nonzero ones come first, all four stored, the count advanced by
 * their number. −0 counts as zero and NaN as nonzero, as `v !== 0` in JavaScript. X, xIdx and xVal
 * need 16 bytes of slack past their end (the last vector of a row may read past it; stores may write
 * up to three lanes past the last input).
 */
export function compressRows(X: usize, B: i32, n: i32, rowPtr: usize, rowOf: usize, xIdx: usize, xVal: usize, count: usize): void {
  const zero = f32x4.splat(0);
  const full = n & ~3; // inputs in whole vectors
  const tailMask = (1 << (n & 3)) - 1; // the lanes of the last, partial vector inside the row
  const four = i32x4.splat(4);
  let rows = 0;
  let cnt = 0;
  store<i32>(rowPtr, 0);
  for (let r = 0; r < B; r++) {
    const row = X + ((<usize>r * <usize>n) << 2);
    const start = cnt;
    let features = i32x4(0, 1, 2, 3); // the feature index of each lane, advanced by four per vector
    for (let l = 0; l < full; l += 4) {
      const v = v128.load(row + (<usize>l << 2));
      const mask = i32x4.bitmask(f32x4.ne(v, zero));
      const order = v128.load(COMPACT + (<usize>mask << 4));
      v128.store(xIdx + (<usize>cnt << 2), i8x16.swizzle(features, order));
      v128.store(xVal + (<usize>cnt << 2), i8x16.swizzle(v, order));
      cnt += popcnt(mask);
      features = i32x4.add(features, four);
    }
    if (tailMask != 0) {
      const v = v128.load(row + (<usize>full << 2));
      const mask = i32x4.bitmask(f32x4.ne(v, zero)) & tailMask;
      const order = v128.load(COMPACT + (<usize>mask << 4));
      v128.store(xIdx + (<usize>cnt << 2), i8x16.swizzle(features, order));
      v128.store(xVal + (<usize>cnt << 2), i8x16.swizzle(v, order));
      cnt += popcnt(mask);
    }
    // Branch-free: the row is written always and kept when it has inputs.
    store<i32>(rowOf + (<usize>rows << 2), r);
    store<i32>(rowPtr + (<usize>(rows + 1) << 2), cnt);
    rows += i32(cnt != start);
  }
  store<i32>(count, rows);
}

/**
 * What compressRows finds, without the lists: the rows of X [B, n] with a nonzero input (at `count`)
 * and the nonzero inputs (at `actives`), counted as compressRows counts them (−0 zero, NaN nonzero).
 * Writes rowOf = 0 … B − 1, which is compressRows' rowOf when every row has an input: then route
 * 'h32' over dense rows (padRows) needs nothing else.
 */
export function countRows(X: usize, B: i32, n: i32, rowOf: usize, count: usize, actives: usize): void {
  const zero = f32x4.splat(0);
  const full = n & ~3;
  const tailMask = (1 << (n & 3)) - 1;
  let rows = 0;
  let total = 0;
  for (let r = 0; r < B; r++) {
    const row = X + ((<usize>r * <usize>n) << 2);
    let cnt = 0;
    for (let l = 0; l < full; l += 4) cnt += popcnt(i32x4.bitmask(f32x4.ne(v128.load(row + (<usize>l << 2)), zero)));
    if (tailMask != 0) cnt += popcnt(i32x4.bitmask(f32x4.ne(v128.load(row + (<usize>full << 2)), zero)) & tailMask);
    store<i32>(rowOf + (<usize>r << 2), r);
    rows += i32(cnt != 0);
    total += cnt;
  }
  store<i32>(count, rows);
  store<i32>(actives, total);
}

/**
 * X [rows, nP] ← the non-empty samples of Xraw [B, n] (rowOf from compressRows), one row copy each;
 * X's padding columns are not written (zero from the layout).
 */
export function padRows(Xraw: usize, rowOf: usize, X: usize, rows: i32, n: i32, nP: i32): void {
  const bytes = <usize>n << 2;
  const xs = <usize>nP << 2;
  for (let r = 0; r < rows; r++) {
    const sample = <usize>load<i32>(rowOf + (<usize>r << 2));
    const from = Xraw + sample * bytes;
    const to = X + <usize>r * xs;
    // Whole vectors: the last may carry up to three values of the next sample into the padding,
    // which padRows then clears (a memory.copy per row costs a runtime call in V8).
    for (let o: usize = 0; o < bytes; o += 16) v128.store(to + o, v128.load(from + o));
    for (let o = bytes; o < xs; o += 4) store<f32>(to + o, 0);
  }
}
