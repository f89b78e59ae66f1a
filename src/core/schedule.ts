// Learning-rate schedules: a linear warm-up from 0, then constant, linear decay to 0, or
// half-cosine decay to 0 (Loshchilov & Hutter 2017, without restarts).

/** The decay after warm-up. */
export type LrScheduleName = 'constant' | 'linear' | 'cosine';

/** A learning-rate schedule: base rate, linear warm-up, then constant, linear or cosine decay. */
export interface LrSchedule {
  name: LrScheduleName;
  baseLr: number;
  totalSteps: number;
  warmupSteps: number;
}

/**
 * Learning rate for the 0-based step `step` (the step about to be taken).
 * Example: {name: 'linear', baseLr: 1, totalSteps: 10, warmupSteps: 0} gives 1 at step 0, 0.5 at step 5.
 */
export function learningRate(schedule: LrSchedule, step: number): number {
  learningRateInto(schedule, step, scratch);
  return scratch[0];
}

const scratch = new Float64Array(1);

/**
 * learningRate written into out[0]: the training loops' form, since a double returned from a call
 * that is not inlined is boxed (garbage every step).
 */
export function learningRateInto(schedule: LrSchedule, step: number, out: Float64Array): void {
  const { name, baseLr, totalSteps, warmupSteps } = schedule;
  if (step < warmupSteps) out[0] = (baseLr * (step + 1)) / warmupSteps;
  else if (name === 'constant') out[0] = baseLr;
  else {
    const decaySteps = Math.max(1, totalSteps - warmupSteps);
    const progress = Math.min(1, (step - warmupSteps) / decaySteps);
    out[0] = name === 'linear' ? baseLr * (1 - progress) : baseLr * 0.5 * (1 + Math.cos(Math.PI * progress));
  }
}
