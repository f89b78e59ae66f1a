// Progress of a long run: a bar with ETA on a terminal, a plain line every ~10% (or 30 s)
// otherwise (logs, CI), nothing under --quiet. Written to stderr so stdout stays the summary.

import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';
import type { ProgressReporter } from '../experiments/runToy.js';

/** cli-progress (a CommonJS package) is required only when a bar is drawn: 10 ms of start-up otherwise. */
const loadCliProgress = () => createRequire(import.meta.url)('cli-progress') as typeof CliProgress;

export type ProgressMode = 'bar' | 'lines' | 'none';

export function progressMode(quiet: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressMode {
  if (quiet) return 'none';
  return stream.isTTY ? 'bar' : 'lines';
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

export function createProgress(mode: ProgressMode, label: string, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (mode === 'none') return { start() {}, update() {}, stop() {} };
  if (mode === 'bar') {
    const cliProgress = loadCliProgress();
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} {bar} {percentage}% | step {value}/{total} | loss {loss} | {stepsPerSecond} steps/s | ETA {eta_formatted}`,
        stream,
        etaBuffer: 200,
        fps: 10,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    let startTime = 0;
    return {
      start(total) {
        startTime = performance.now();
        bar.start(total, 0, { loss: '-', stepsPerSecond: '-' });
      },
      update(step, loss) {
        const rate = step / ((performance.now() - startTime) / 1000);
        bar.update(step, { loss: loss.toExponential(3), stepsPerSecond: Math.round(rate) });
      },
      stop() {
        bar.stop();
      },
    };
  }
  let total = 0;
  let startTime = 0;
  let lastPrinted = 0;
  let nextStep = 0;
  return {
    start(totalSteps) {
      total = totalSteps;
      startTime = lastPrinted = performance.now();
      nextStep = Math.max(1, Math.ceil(total / 10));
    },
    update(step, loss) {
      const now = performance.now();
      if (step < nextStep && step !== total && now - lastPrinted < 30_000) return;
      lastPrinted = now;
      while (nextStep <= step) nextStep += Math.max(1, Math.ceil(total / 10));
      const elapsed = (now - startTime) / 1000;
      const eta = (elapsed / step) * (total - step);
      const percent = Math.floor((100 * step) / total);
      stream.write(
        `${label} step ${step}/${total} (${percent}%) loss ${loss.toExponential(3)} ${Math.round(step / elapsed)} steps/s eta ${formatSeconds(eta)}\n`,
      );
    },
    stop() {},
  };
}
