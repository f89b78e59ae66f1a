// Route 'h32' of the toy kernel, backward (src/kernels/toy/h32.ts): after `outputs` (h32.ts),
// ∂b += Σ g, ∂L/∂h = W g, ∂W += h gᵀ + (W g) xᵀ for a block of samples, densely or over the nonzero
// entries of g alone (`backward` decides per block), the block's float32 sums moved to float64.

import { hidden, hiddenSparse } from './h32';

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
