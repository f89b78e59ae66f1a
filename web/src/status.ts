// The status line (data-testid="status"): what the page is doing, and after a training its steps
// and the training loop's own rate, measured in the worker — "10,000 steps · 26,512 steps/s · done".
// The rate is also in the element's data-steps-per-second attribute, unrounded, for benchmarks.

const element = () => document.getElementById('status')!;

/** "26,512". */
export function grouped(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function stepsPerSecond(steps: number, trainingMs: number): number {
  return trainingMs > 0 ? steps / (trainingMs / 1000) : 0;
}

export function setStatus(text: string, rate?: number): void {
  element().textContent = text;
  if (rate === undefined) element().removeAttribute('data-steps-per-second');
  else element().dataset.stepsPerSecond = String(rate);
}

/** While training: "training · 3,000 / 10,000 steps · 25,000 steps/s". */
export function showProgress(what: string, step: number, total: number, trainingMs: number): void {
  const rate = stepsPerSecond(step, trainingMs);
  setStatus(`${what} · ${grouped(step)} / ${grouped(total)} steps · ${grouped(rate)} steps/s`);
}

/** After training: "[prefix ]10,000 steps · 26,512 steps/s · done". */
export function showDone(prefix: string, steps: number, trainingMs: number): void {
  const rate = stepsPerSecond(steps, trainingMs);
  setStatus(`${prefix}${grouped(steps)} steps · ${grouped(rate)} steps/s · done`, rate);
}
