// The page's side of the training worker: one module worker, its API wrapped by comlink, the
// snapshot callbacks passed as proxies. The newest snapshot is kept and handed to `draw` at most
// every ~200 ms, in an animation frame, so however fast snapshots come the page redraws at a
// bounded rate and never on the training's schedule.

import * as Comlink from 'comlink';
import type { TrainerApi } from './messages.js';

const REDRAW_MS = 200;

let remote: Comlink.Remote<TrainerApi> | undefined;

export function trainer(): Comlink.Remote<TrainerApi> {
  remote ??= Comlink.wrap<TrainerApi>(new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }));
  return remote;
}

/** A snapshot callback for the worker that draws the latest snapshot at most every REDRAW_MS, in a frame. */
export function throttledDraw<S>(draw: (snapshot: S) => void): { callback: ((snapshot: S) => void) & Comlink.ProxyMarked; flush(): void } {
  let latest: S | undefined;
  let lastDraw = 0;
  let scheduled = false;
  const run = () => {
    scheduled = false;
    lastDraw = performance.now();
    if (latest !== undefined) draw(latest);
    latest = undefined;
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    const wait = Math.max(0, lastDraw + REDRAW_MS - performance.now());
    setTimeout(() => requestAnimationFrame(run), wait);
  };
  const callback = Comlink.proxy((snapshot: S) => {
    latest = snapshot;
    schedule();
  });
  // After training ends: draw what is still waiting now, not a frame later.
  const flush = () => {
    if (latest !== undefined) run();
  };
  return { callback, flush };
}

/** Resolves in a later task: what follows runs after the browser has had its turn (input, paint). */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
