// The compression of x to its active inputs, in WebAssembly (src/kernels/toy/wasm/compress.ts drives
// it): the same lists, in the same order, as the JavaScript scan of src/kernels/toy/rows.ts, four
// inputs tested per instruction; and the dense rows route 'h32' reads, padded. Also where the memory
// free for the caller's buffers starts, after the static data (COMPACT, below).

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
