// The relu SAE's encoder in float64 WebAssembly SIMD (f64x2: two samples per instruction), for the
// training pass (src/models/sae/relu.ts through src/kernels/sae/reluEncoder.ts, which lays out the memory):
//
//   pre = W_enc (h − b_dec) + b_enc,  z = ReLU(pre),  per sample the latents with pre > 0 (increasing),  Σ z.
//
// Bit-identical to the JS encoder (src/models/sae/reluLists.ts, reluEncoder): every pre is
// b_l + Σ_{j<m} W_lj (h_j − b_dec,j), multiplied then added (no fused multiply-add) in increasing j,
// and Σ z is summed in the same order: per block of 8 samples latent by latent, then sample by sample
// (the order of the JS 8-sample kernel); past the last full block, sample by sample.
// Every argument named like a buffer is a byte offset into this module's memory, 16-byte aligned.
//   C     f64 [⌈B/8⌉, m, 8]  h − b_dec, by block of 8 samples: row j holds input j of the 8 samples
//                            (the padding samples of the last block are zeros, never read out)
//   W     f64 [d, m]         W_enc
//   b     f64 [d]            b_enc
//   Z     f64 [B, d]         z (written whole)
//   count i32 [B]            the length of each sample's list
//   index i32 [B, d]         the lists: sample s owns index[s·d .. s·d + count[s])
//   tmp   f64 [d, 8]         scratch: the pre of one block
//   out   f64 [1]            Σ z (a returned double would be boxed in JS)

/**
 * pre of latent l for the 8 samples of one block (cb: the block in C) into out [8]: b_l, then
 * + W_lj · c_j for j = 0 … m − 1, multiplied then added, as in JS.
 */
// @ts-ignore: decorator
@inline function preActivations(b: usize, W: usize, cb: usize, l: i32, m: i32, wBytes: usize, out: usize): void {
  let a0 = v128.load64_splat(b + (<usize>l << 3));
  let a1 = a0, a2 = a0, a3 = a0;
  let w = W + <usize>l * wBytes;
  let c = cb;
  for (let j = 0; j < m; j++) {
    const x = v128.load64_splat(w);
    a0 = f64x2.add(a0, f64x2.mul(x, v128.load(c)));
    a1 = f64x2.add(a1, f64x2.mul(x, v128.load(c, 16)));
    a2 = f64x2.add(a2, f64x2.mul(x, v128.load(c, 32)));
    a3 = f64x2.add(a3, f64x2.mul(x, v128.load(c, 48)));
    w += 8;
    c += 64;
  }
  v128.store(out, a0);
  v128.store(out, a1, 16);
  v128.store(out, a2, 32);
  v128.store(out, a3, 48);
}

/** The encoder for B samples with m inputs and d latents (see above). */
export function reluEncode(C: usize, W: usize, b: usize, Z: usize, count: usize, index: usize, tmp: usize, out: usize, B: i32, m: i32, d: i32): void {
  const zero = f64x2.splat(0);
  const rowBytes = <usize>d << 3; // bytes per row of Z
  const idxBytes = <usize>d << 2; // bytes per row of index
  const blockBytes = <usize>m << 6; // bytes per block of C
  const wBytes = <usize>m << 3; // bytes per row of W
  const blockEnd = B & ~7;
  let zSum: f64 = 0;
  for (let s0 = 0; s0 < blockEnd; s0 += 8) {
    const cb = C + (<usize>(s0 >> 3)) * blockBytes;
    const z0 = Z + <usize>s0 * rowBytes;
    const i0 = index + <usize>s0 * idxBytes;
    const n0 = count + (<usize>s0 << 2);
    memory.fill(z0, 0, 8 * rowBytes);
    v128.store(n0, i32x4.splat(0));
    v128.store(n0, i32x4.splat(0), 16);
    for (let l = 0; l < d; l++) {
      preActivations(b, W, cb, l, m, wBytes, tmp);
      let mask =
        i64x2.bitmask(f64x2.gt(v128.load(tmp), zero)) |
        (i64x2.bitmask(f64x2.gt(v128.load(tmp, 16), zero)) << 2) |
        (i64x2.bitmask(f64x2.gt(v128.load(tmp, 32), zero)) << 4) |
        (i64x2.bitmask(f64x2.gt(v128.load(tmp, 48), zero)) << 6);
      if (mask == 0) continue;
      const lz = <usize>l << 3;
      // The samples where latent l fired, in increasing order (as the JS kernel's bit masks).
      while (mask != 0) {
        const k = <usize>ctz(mask);
        mask &= mask - 1;
        const v = load<f64>(tmp + (k << 3));
        zSum += v;
        store<f64>(z0 + k * rowBytes + lz, v);
        const nk = n0 + (k << 2);
        const n = load<i32>(nk);
        store<i32>(i0 + k * idxBytes + (<usize>n << 2), l);
        store<i32>(nk, n + 1);
      }
    }
  }
  const valid = B - blockEnd;
  if (valid > 0) {
    // The last, partial block: pre of its 8 lanes into tmp [d, 8], then sample by sample.
    const cb = C + (<usize>(blockEnd >> 3)) * blockBytes;
    for (let l = 0; l < d; l++) preActivations(b, W, cb, l, m, wBytes, tmp + (<usize>l << 6));
    for (let k = 0; k < valid; k++) {
      const s = blockEnd + k;
      const zr = Z + <usize>s * rowBytes;
      const ir = index + <usize>s * idxBytes;
      let n = 0;
      for (let l = 0; l < d; l++) {
        const v = load<f64>(tmp + (<usize>l << 6) + (<usize>k << 3));
        if (v > 0) {
          zSum += v;
          store<f64>(zr + (<usize>l << 3), v);
          store<i32>(ir + (<usize>n << 2), l);
          n++;
        } else store<f64>(zr + (<usize>l << 3), 0);
      }
      store<i32>(count + (<usize>s << 2), n);
    }
  }
  store<f64>(out, zSum);
}

/** Where the caller's buffers may start (after the module's static data). */
export function heapBase(): usize {
  return __heap_base;
}
