// Route 'gram32' of the toy kernel: G = WᵀW, a = b + Σ_(i active) x_i G[i, :] for every output,
// M += x gᵀ over the active i, ∂W = W (M + Mᵀ), in float32 WebAssembly SIMD (wasm/toy/gram32.ts,
// driven by wasm/gram32.ts), sums over the batch in float64: for sparse data (the seed's S = 0.9
// run). Float32 parameters only, as 'h32'.        ≈ (2A·n + n²m·2) / 4, plus R·n for the ReLU

import type { FloatArray } from './types.js';
import { sweepGram32 } from './wasm/gram32.js';
import { job32, type ToyKernelWorkspace } from './workspace.js';

/** Route 'gram32' for one instance: ∂W into kw.gWd, ∂b into kw.gb, the loss into kw.routeLoss[0]. */
export function runGram32(kw: ToyKernelWorkspace, W: FloatArray, wBase: number, n: number, m: number, relu: boolean, rows: number, grads: boolean): void {
  sweepGram32(job32(kw, W, wBase, n, m, rows, relu, grads, kw.resident));
}
