// A batch that comes as lists (core/batchLists.ts: the sampler drew it so) into the toy module's
// memory, where compressRows32 would have left the lists of the dense batch: the same rows, inputs and
// values, so every route that reads the lists runs as it would have.

import type { BatchLists } from '../../../core/batchLists.js';
import { copyPrefix, type PrefixViews } from '../../../core/prefixCopy.js';
import { getState, layoutFor } from './module.js';

/** copyPrefix's views, per instance and array (rowPtr, rowOf, xIdx, xVal). */
const views: PrefixViews[][] = [];

/** Instance k's lists into the module's memory (the layout for n, m and batchSize); returns its rows. */
export function loadLists32(lists: BatchLists, k: number, batchSize: number, n: number, m: number): number {
  const s = getState();
  if (!s) throw new Error('loadLists32 needs WebAssembly SIMD with synchronous compilation');
  const L = layoutFor(s, n, m, batchSize);
  const mine = views[k] ?? (views[k] = [[], [], [], []]);
  const rows = lists.rows[k];
  const actives = lists.actives[k];
  const slack = 8; // elements of the layout's slack after each buffer
  copyPrefix(lists.i32, lists.rowPtrAt[k], rows + 1, Math.min(lists.rowRoom, L.rowCap + 1 + slack), s.i32, L.rowPtr >> 2, mine[0]);
  copyPrefix(lists.i32, lists.rowOfAt[k], rows, Math.min(lists.rowRoom, L.rowCap + slack), s.i32, L.rowOf >> 2, mine[1]);
  copyPrefix(lists.i32, lists.xIdxAt[k], actives, Math.min(lists.entryRoom, L.activeCap + slack), s.i32, L.xIdx >> 2, mine[2]);
  copyPrefix(lists.f32, lists.xValAt[k], actives, Math.min(lists.entryRoom, L.activeCap + slack), s.f32, L.xVal >> 2, mine[3]);
  return rows;
}
