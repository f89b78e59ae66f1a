// Route 'h32' of the toy kernel: route 'h' in float32 WebAssembly SIMD, four lanes per instruction
// (wasm/toy/h32.ts, driven by wasm/h32.ts): blocks of samples, h = W x and (W g) xᵀ over dense rows
// of x or gathered over the active inputs; sums over the batch in float64. Only for float32
// parameters (training), whose precision it keeps; float64 callers (gradient checks, the 1e-12
// agreement tests) never get it. Blocks whose g is sparse (at most mP/(mP + 150) nonzero) run W g and
// h gᵀ over the nonzero g only.      ≈ 5 (dense) or 3 (gathered) · R·nm / 4, less where g is sparse
// It reads W itself (no float64 copies) and, when `kw.resident`, the lists compressRows32 left in
// the module's memory.

import type { FloatArray } from './types.js';
import { sweepHidden32 } from './wasm/h32.js';
import { job32, type ToyKernelWorkspace } from './workspace.js';

/** Route 'h32' for one instance: ∂W into kw.gWd, ∂b into kw.gb, the loss into kw.routeLoss[0]. */
export function runH32(kw: ToyKernelWorkspace, W: FloatArray, wBase: number, x: FloatArray, offset: number, n: number, m: number, relu: boolean, rows: number, grads: boolean): void {
  sweepHidden32(job32(kw, W, wBase, n, m, rows, relu, grads, kw.resident), x, offset, kw.gather32);
}
