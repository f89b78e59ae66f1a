// The toy kernel's WebAssembly module (entry of scripts/build-wasm.mjs, built into
// src/kernels/toy/wasm/toyKernels.generated.ts; driven by src/kernels/toy/wasm/): one module and one
// memory for the float32 routes and the compression of x —
//   route 'h32' (h32.ts forward, h32Backward.ts backward): route 'h' in float32 SIMD (f32x4), a block
//   of R samples at a time: h = W x,  a = b + Wᵀh,  g = c ⊙ ReLU'(a) ⊙ (a − x),  ∂W += h gᵀ + (W g) xᵀ,
//   ∂b += g. The backward of a block (`backward`) is dense (W g and h gᵀ over all R·nP entries of g)
//   or, when few outputs have their ReLU on (g mostly zero: sparse data, negative biases), over the
//   nonzero entries of g alone, compacted by row (for W g) and by column (for h gᵀ); the caller's
//   limit on their count decides, per block;
//   route 'gram32' (gram32.ts): the model through G = WᵀW over the active inputs;
//   compress.ts: x to its active inputs (and heapBase); lossTerms.ts: the error and gradient both
//   routes share.
// The exports are listed in the order the single file they came from had them (the binary's export
// section keeps that order; the function bodies are the same instructions).
// Every argument named like a buffer is a byte offset into this module's memory, 16-byte aligned.
// Rows of f32 buffers are padded with zeros to nP = 4⌈n/4⌉ features or mP = 4⌈m/4⌉ hidden units, so
// every loop runs whole vectors and the padding computes zeros (zero weights, zero inputs, c = 0).
// R is a multiple of 4; rows of the block past the `valid` ones are zero in X and masked out of g.
// Sums over the batch (∂W, ∂b, the loss) leave float32 after each block: each block's f32 partial sums
// are added into float64 accumulators, so rounding grows with the block, not with the batch.

export { hidden, hiddenSparse, scatterRows, outputs } from './h32';
export { accumulateW, accumulateWtSparse, flushWt, columnSums, countNonzero, compactRows, accumulateColumns, backward } from './h32Backward';
export { heapBase, compressRows, countRows, padRows } from './compress';
export { gramMatrix, gramSweep, gramSweepRegisters, gramSweepBatch, gramFlush, gramGradient } from './gram32';
export { gramChunk1, gramChunk2, gramChunk3, gramChunk4, gramChunk5, gramChunk6, gramChunk7, gramChunk8, gramChunk9 } from './gram32';
