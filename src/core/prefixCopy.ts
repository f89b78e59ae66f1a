// target.set(source.subarray(from, from + length), to) without the subarray: a view made per call is
// garbage per training step, so the views are made once per length rounded up to CHUNK elements and
// kept. The copy may run up to CHUNK − 1 elements past `length` (never past `room`): the caller's
// region must tolerate them (they are past the part it reads).

const CHUNK = 256;

/** The views of one source region (one per rounded length); empty until first used. */
export type PrefixViews = (Int32Array | Float32Array | undefined)[];

/**
 * Copies source[from .. from + length) to target[to ..], and possibly more of the source, up to
 * `room` elements in all (room ≥ length: the space at `to` in target, and what source holds from
 * `from`). `views` is the cache of this (source, from); views of an old buffer (a memory that grew)
 * are made again.
 */
export function copyPrefix<A extends Int32Array | Float32Array>(source: A, from: number, length: number, room: number, target: A, to: number, views: PrefixViews): void {
  const chunks = Math.ceil(length / CHUNK);
  const size = Math.min(chunks * CHUNK, room);
  let view = views[chunks] as A | undefined;
  if (view === undefined || view.buffer !== source.buffer || view.length !== size || view.byteOffset !== source.byteOffset + from * 4) {
    view = source.subarray(from, from + size) as A;
    views[chunks] = view;
  }
  target.set(view, to);
}
