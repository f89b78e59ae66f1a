/** max |a − b| / max |b| (norm-wise relative error; 0 when both vanish): how the kernel tests compare to the reference. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let e = 0; e < b.length; e++) {
    diff = Math.max(diff, Math.abs(a[e] - b[e]));
    scale = Math.max(scale, Math.abs(b[e]));
  }
  return scale === 0 ? diff : diff / scale;
}
