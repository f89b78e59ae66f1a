// Small array helpers shared by the recovery metrics (matching.ts, activity.ts, reconstruction.ts).

/** Largest entry; 0 for an empty row (no latents: nothing recovered). A loop, not Math.max(...row),
 *  which overflows the call stack for dictionaries of ~100k latents. */
export function maxOrZero(row: readonly number[]): number {
  if (row.length === 0) return 0;
  let best = row[0];
  for (let l = 1; l < row.length; l++) if (row[l] > best) best = row[l];
  return best;
}

/** Σ values. Example: sum([1, 2, 3]) → 6. */
export function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < values.length; k++) s += values[k];
  return s;
}

/** Longer buffers are fine (a reused batch buffer with a short last batch); shorter are a bug. */
export function checkLength(name: string, a: ArrayLike<number>, needed: number): void {
  if (a.length < needed) throw new RangeError(`${name} has ${a.length} entries, needs ${needed}`);
}
