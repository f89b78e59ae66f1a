// Learning-rate schedules: a linear warm-up from 0, then constant, linear decay to 0, or
// half-cosine decay to 0 (Loshchilov & Hutter 2017, without restarts).

export type LrScheduleName = 'constant' | 'linear' | 'cosine';

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
  const { name, baseLr, totalSteps, warmupSteps } = schedule;
  if (step < warmupSteps) return (baseLr * (step + 1)) / warmupSteps;
  if (name === 'constant') return baseLr;
  const decaySteps = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, (step - warmupSteps) / decaySteps);
  if (name === 'linear') return baseLr * (1 - progress);
  return baseLr * 0.5 * (1 + Math.cos(Math.PI * progress));
}
