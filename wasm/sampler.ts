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
  let s0 = load<i32>(state, 0);
  let s1 = load<i32>(state, 4);
  let s2 = load<i32>(state, 8);
  let s3 = load<i32>(state, 12);
  const stride = <usize>n << 2;
  for (let i = 0; i < n; i++) {
    const table = <usize>load<i32>(tables + (<usize>i << 2));
    if (table == 0) continue;
    const logFailure = load<f64>(logFailures + (<usize>i << 3));
    const column = x + (<usize>i << 2);
    if (logFailure == 0) {
      // Every row active: one draw per value, no skips (its own loop: no test per value).
      const end = column + <usize>B * stride;
      for (let e = column; e < end; e += stride) {
        const v = rotl<i32>(s1 * 5, 7) * 9;
        const t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = rotl<i32>(s3, 11);
        store<f32>(e, <f32>((<f64>(<u32>v) + 1) * TWO_POW_MINUS_32));
      }
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
      store<f32>(column + <usize>row * stride, <f32>((<f64>(<u32>v) + 1) * TWO_POW_MINUS_32));
    }
  }
  store<i32>(state, s0, 0);
  store<i32>(state, s1, 4);
  store<i32>(state, s2, 8);
  store<i32>(state, s3, 12);
}

/** Where the memory free for the caller's buffers starts (after this module's static data). */
export function heapBase(): usize {
  return __heap_base;
}
