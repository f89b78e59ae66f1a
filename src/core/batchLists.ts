// A batch of every instance as the lists of its active inputs, as the sampler can draw it
// (src/data/wasmSampler.ts, sampleListsInWasm) and the toy kernel can take it (src/kernels/toy/wasm/lists.ts) instead
// of a dense [inst, batch, feat] block: at W1's sparsity 10% of a dense block is active, and the lists
// skip zeroing, copying and scanning the rest. The lists are those the kernel's own compression of
// the dense block makes, entry for entry (test/batchLists.test.ts).

/**
 * Instance k's lists: row t = 0 … rows[k] − 1 is sample rowOf[t], its inputs xIdx/xVal[rowPtr[t] ..
 * rowPtr[t + 1]) in increasing feature order; samples with no active input get no row. The arrays
 * live in the memory of the module that drew them (views i32 and f32, replaced when it grows), at
 * the element offsets given per instance; valid until the next batch is drawn.
 */
export interface BatchLists {
  nInstances: number;
  batchSize: number;
  nFeatures: number;
  i32: Int32Array;
  f32: Float32Array;
  rowPtrAt: Int32Array; // [inst] offset into i32 of rowPtr [batch + 1]
  rowOfAt: Int32Array; // [inst] offset into i32 of rowOf [batch]
  xIdxAt: Int32Array; // [inst] offset into i32 of xIdx [batch · feat]
  xValAt: Int32Array; // [inst] offset into f32 of xVal [batch · feat]
  rows: Int32Array; // [inst]
  actives: Int32Array; // [inst]
  /** [inst] 1 where the instance was drawn as lists; 0: it was drawn into x as usual. */
  listed: Uint8Array;
  /** Elements each instance's rowPtr and rowOf (rowRoom) and xIdx and xVal (entryRoom) hold, past their lists too. */
  rowRoom: number;
  entryRoom: number;
}

/** x [inst, batch, feat] ← instance k's lists at `offset` (its slice zeroed first): the dense batch they came from. */
export function scatterLists(lists: BatchLists, k: number, x: Float32Array, offset: number): void {
  const n = lists.nFeatures;
  const { i32, f32 } = lists;
  x.fill(0, offset, offset + lists.batchSize * n);
  const rowPtr = lists.rowPtrAt[k];
  const rowOf = lists.rowOfAt[k];
  const xIdx = lists.xIdxAt[k];
  const xVal = lists.xValAt[k];
  for (let t = 0; t < lists.rows[k]; t++) {
    const row = offset + i32[rowOf + t] * n;
    for (let p = i32[rowPtr + t]; p < i32[rowPtr + t + 1]; p++) x[row + i32[xIdx + p]] = f32[xVal + p];
  }
}
