// Throughput as the median of repeats after a warm-up, with the steps per repeat calibrated from
// the warm-up so that each repeat lasts about `targetSeconds` whatever the implementation's speed.

export interface Timing {
  stepsPerSecond: number; // median over repeats
  msPerStep: number;
  repeats: number;
  stepsPerRepeat: number;
  warmupSteps: number;
  /** steps/s of every repeat, in order. */
  rates: number[];
  /**
   * CPU time of the process ÷ wall time over the repeats: ≈ 1 for single-threaded code that had a
   * core to itself; less means other processes took the CPU (the numbers are then pessimistic).
   */
  cpuPerWall: number;
}

export interface TimingOptions {
  targetSeconds: number; // per repeat
  repeats: number;
  warmupSeconds: number;
}

export const DEFAULT_TIMING: TimingOptions = {
  targetSeconds: Number(process.env.BENCH_REPEAT_SECONDS ?? 0.6),
  repeats: Number(process.env.BENCH_REPEATS ?? 5),
  warmupSeconds: 0.5,
};

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `run(k)` performs k optimizer steps (synchronously or not). */
export async function measure(run: (steps: number) => void | Promise<void>, options: TimingOptions = DEFAULT_TIMING): Promise<Timing> {
  // Warm-up: at least 3 steps and warmupSeconds, growing the chunk so timer overhead stays small.
  let warmupSteps = 0;
  let chunk = 1;
  const warmStart = performance.now();
  let elapsed = 0;
  let lastChunkSeconds = 0;
  let lastChunk = 1;
  while (warmupSteps < 3 || elapsed < options.warmupSeconds * 1000) {
    const t0 = performance.now();
    await run(chunk);
    lastChunkSeconds = (performance.now() - t0) / 1000;
    lastChunk = chunk;
    warmupSteps += chunk;
    elapsed = performance.now() - warmStart;
    // Slow steps: two chunks (the first may include compilation or start-up) are enough warm-up.
    if (lastChunkSeconds > 1 && warmupSteps > chunk) break;
    if (lastChunkSeconds < 0.1) chunk *= 2;
  }
  // The last warm-up chunk is the best estimate of the settled rate.
  const rate = lastChunk / Math.max(lastChunkSeconds, 1e-6);
  const stepsPerRepeat = Math.max(1, Math.ceil(rate * options.targetSeconds));
  // Very slow steps (≥ 2 s): fewer repeats, to keep the whole bench within a few minutes.
  const repeats = stepsPerRepeat === 1 && 1 / rate > 2 ? Math.min(3, options.repeats) : options.repeats;
  const rates: number[] = [];
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await run(stepsPerRepeat);
    rates.push(stepsPerRepeat / ((performance.now() - t0) / 1000));
  }
  const cpu = process.cpuUsage(cpuStart);
  const cpuPerWall = (cpu.user + cpu.system) / 1000 / (performance.now() - wallStart);
  const stepsPerSecond = median(rates);
  return { stepsPerSecond, msPerStep: 1000 / stepsPerSecond, repeats, stepsPerRepeat, warmupSteps, rates, cpuPerWall };
}
