// The feature sampler of src/data/features.ts (sampleColumns) in WebAssembly, draw for draw: the same
// xoshiro128** stream, the same skip tables, the same formula where a table cell falls back, so the
// same x to the bit (test/samplingExact.test.ts). AssemblyScript; built by scripts/build-wasm.mjs
// into src/data/wasm/sampler.generated.ts and driven by src/data/features.ts, which lays out the
// memory. Why: V8 compiles this loop of 32-bit integer steps tighter from WebAssembly than from
// JavaScript (about 2 ns per active entry against 3.8; ~1 ns per draw).
//
// The fallback formula calls the host's Math.log (imported): a log of our own could round
// differently in the last bit, and the skip is the floor of a ratio of logs.

// @ts-ignore: decorator
@external("env", "log")
declare function hostLog(x: f64): f64;

const TWO_POW_MINUS_32: f64 = 1.0 / 4294967296.0;
const SHIFT: u32 = 20; // 32 − the table's 12 cell bits

/**
 * One instance's block x [B, n] (f32, zeroed here) from the stream whose four state words are at
 * `state` (read, advanced, written back). Feature i: its skip table at the byte offset tables[i]
 * (i32 [4096]; 0: p ≤ 0, the feature is never active) and logFailure[i] = log(1 − p) (f64; 0 for
 * p ≥ 1: every row active, one draw per value and none for skips).
 */
export function sampleBlock(state: usize, tables: usize, logFailures: usize, x: usize, B: i32, n: i32): void {
  memory.fill(x, 0, <usize>B * <usize>n * 4);
  drawColumns(state, tables, logFailures, B, n, x, 0, 0, 0, 0, false);
}

/**
 * The same draws as sampleBlock, kept as the lists of the block's active inputs instead of a dense
 * block, in the order the toy kernel's compression of the dense block gives them (wasm/toy/compress.ts):
 * row t = 0 … rows − 1 is sample rowOf[t], its inputs xIdx/xVal[rowPtr[t] .. rowPtr[t+1]) in
 * increasing feature order; empty samples get no row. The draws come column by column, so they are
 * first kept per column (entryRow, entryVal [B·n]) and then sorted by row, a counting sort that keeps
 * each row's features in column order (rowNext [B] is its scratch). Stores rows at counts[0] and the
 * active inputs at counts[1]. Why: at W1's sparsity a dense block is 20,480 floats of which ~2,000
 * are active; the lists skip zeroing, copying and scanning the rest.
 */
export function sampleLists(
  state: usize, tables: usize, logFailures: usize, B: i32, n: i32, entryRow: usize, entryVal: usize,
  colEnd: usize, rowNext: usize, rowPtr: usize, rowOf: usize, xIdx: usize, xVal: usize, counts: usize,
): void {
  memory.fill(rowNext, 0, <usize>B << 2);
  const entries = drawColumns(state, tables, logFailures, B, n, 0, entryRow, entryVal, colEnd, rowNext, true);
  // Each non-empty row's start; rowNext becomes the row's write cursor. Branch-free, as the
  // compression: the row is written always and kept when it has inputs.
  let rows = 0;
  let start = 0;
  store<i32>(rowPtr, 0);
  for (let r = 0; r < B; r++) {
    const at = rowNext + (<usize>r << 2);
    const inputs = load<i32>(at);
    store<i32>(at, start);
    start += inputs;
    store<i32>(rowOf + (<usize>rows << 2), r);
    store<i32>(rowPtr + (<usize>(rows + 1) << 2), start);
    rows += i32(inputs != 0);
  }
  let e = 0;
  for (let i = 0; i < n; i++) {
    const end = load<i32>(colEnd + (<usize>i << 2));
    for (; e < end; e++) {
      const at = rowNext + (<usize>load<i32>(entryRow + (<usize>e << 2)) << 2);
      const p = <usize>load<i32>(at);
      store<i32>(at, <i32>p + 1);
      store<i32>(xIdx + (p << 2), i);
      store<f32>(xVal + (p << 2), load<f32>(entryVal + (<usize>e << 2)));
    }
  }
  store<i32>(counts, rows, 0);
  store<i32>(counts, entries, 4);
}

/**
 * The draws of one block, column by column: into the dense block x [B, n] (zeroed by the caller),
 * or with `lists` as entries (row, value) in draw order with each column's end in colEnd [n] and
 * each row's entries counted in rowCount [B] (zeroed by the caller).
 * Returns the entries. One loop for both (inlined with a constant `lists`), so the two cannot draw
 * differently.
 */
// @ts-ignore: decorator
@inline function drawColumns(
  state: usize, tables: usize, logFailures: usize, B: i32, n: i32, x: usize,
  entryRow: usize, entryVal: usize, colEnd: usize, rowCount: usize, lists: bool,
): i32 {
  let s0 = load<i32>(state, 0);
  let s1 = load<i32>(state, 4);
  let s2 = load<i32>(state, 8);
  let s3 = load<i32>(state, 12);
  const stride = <usize>n << 2;
  let entries = 0;
  for (let i = 0; i < n; i++) {
    const table = <usize>load<i32>(tables + (<usize>i << 2));
    if (table == 0) {
      if (lists) store<i32>(colEnd + (<usize>i << 2), entries);
      continue;
    }
    const logFailure = load<f64>(logFailures + (<usize>i << 3));
    const column = x + (<usize>i << 2);
    if (logFailure == 0) {
      // Every row active: one draw per value, no skips (its own loop: no test per value).
      for (let row = 0; row < B; row++) {
        const v = rotl<i32>(s1 * 5, 7) * 9;
        const t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = rotl<i32>(s3, 11);
        const value = <f32>((<f64>(<u32>v) + 1) * TWO_POW_MINUS_32);
        if (lists) keepEntry(entryRow, entryVal, rowCount, entries++, row, value); else store<f32>(column + <usize>row * stride, value);
      }
      if (lists) store<i32>(colEnd + (<usize>i << 2), entries);
      continue;
    }
    let row = -1;
    for (;;) {
      // Inactive rows before the next active one: the table, or floor(log U / log(1 − p)).
      const k = rotl<i32>(s1 * 5, 7) * 9;
      let t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl<i32>(s3, 11);
      let skip = load<i32>(table + (<usize>(<u32>k >> SHIFT) << 2));
      if (skip < 0) {
        const r = Math.floor(hostLog((<f64>(<u32>k) + 1) * TWO_POW_MINUS_32) / logFailure);
        skip = r < <f64>B ? <i32>r : B; // a skip past the batch ends the column (as in JS)
      }
      row += 1 + skip;
      if (row >= B) break;
      // The value: U = (k + 1)/2³² of the next draw, rounded to f32 as a Float32Array store does.
      const v = rotl<i32>(s1 * 5, 7) * 9;
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl<i32>(s3, 11);
      const value = <f32>((<f64>(<u32>v) + 1) * TWO_POW_MINUS_32);
      if (lists) keepEntry(entryRow, entryVal, rowCount, entries++, row, value); else store<f32>(column + <usize>row * stride, value);
    }
    if (lists) store<i32>(colEnd + (<usize>i << 2), entries);
  }
  store<i32>(state, s0, 0);
  store<i32>(state, s1, 4);
  store<i32>(state, s2, 8);
  store<i32>(state, s3, 12);
  return entries;
}

/** Entry e of the draws by column: its row and value, and one more entry in its row's count. */
// @ts-ignore: decorator
@inline function keepEntry(entryRow: usize, entryVal: usize, rowCount: usize, e: i32, row: i32, value: f32): void {
  store<i32>(entryRow + (<usize>e << 2), row);
  store<f32>(entryVal + (<usize>e << 2), value);
  const at = rowCount + (<usize>row << 2);
  store<i32>(at, load<i32>(at) + 1);
}

/** Where the memory free for the caller's buffers starts (after this module's static data). */
export function heapBase(): usize {
  return __heap_base;
}
