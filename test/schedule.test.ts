import { describe, expect, it } from 'vitest';
import { learningRate, learningRateInto, type LrSchedule } from '../src/core/schedule.js';

const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-12);

describe('constant schedule', () => {
  it('without warm-up: baseLr at every step', () => {
    const s: LrSchedule = { name: 'constant', baseLr: 0.003, totalSteps: 100, warmupSteps: 0 };
    for (const step of [0, 1, 50, 99, 100, 1000]) expect(learningRate(s, step)).toBe(0.003);
  });

  it('with warm-up: (step+1)/warmup · lr, then constant', () => {
    const s: LrSchedule = { name: 'constant', baseLr: 0.1, totalSteps: 100, warmupSteps: 4 };
    // steps 0..3 → 0.1·1/4, 0.1·2/4, 0.1·3/4, 0.1·4/4
    close(learningRate(s, 0), 0.025);
    close(learningRate(s, 1), 0.05);
    close(learningRate(s, 2), 0.075);
    close(learningRate(s, 3), 0.1);
    close(learningRate(s, 4), 0.1);
    close(learningRate(s, 99), 0.1);
  });
});

describe('linear schedule', () => {
  it('without warm-up: the documented example (1 at step 0, 0.5 at step 5, 0 at step 10)', () => {
    const s: LrSchedule = { name: 'linear', baseLr: 1, totalSteps: 10, warmupSteps: 0 };
    close(learningRate(s, 0), 1);
    close(learningRate(s, 1), 0.9);
    close(learningRate(s, 5), 0.5);
    close(learningRate(s, 9), 0.1);
    close(learningRate(s, 10), 0);
    close(learningRate(s, 25), 0); // clamped past the end
  });

  it('with warm-up: ramp, then linear decay over the remaining steps', () => {
    // baseLr 2, total 110, warm-up 10: decay over 100 steps, lr = 2·(1 − (step−10)/100).
    const s: LrSchedule = { name: 'linear', baseLr: 2, totalSteps: 110, warmupSteps: 10 };
    close(learningRate(s, 0), 0.2); // 2·1/10
    close(learningRate(s, 4), 1.0); // 2·5/10
    close(learningRate(s, 9), 2.0); // 2·10/10
    close(learningRate(s, 10), 2.0); // progress 0
    close(learningRate(s, 35), 1.5); // progress 1/4
    close(learningRate(s, 60), 1.0); // progress 1/2
    close(learningRate(s, 109), 0.02); // progress 99/100
    close(learningRate(s, 110), 0);
    close(learningRate(s, 500), 0);
  });

  it('is monotonically non-increasing after warm-up', () => {
    const s: LrSchedule = { name: 'linear', baseLr: 1, totalSteps: 50, warmupSteps: 5 };
    for (let step = 5; step < 60; step++) expect(learningRate(s, step + 1)).toBeLessThanOrEqual(learningRate(s, step));
  });
});

describe('cosine schedule', () => {
  it('without warm-up: lr at start, lr/2 halfway, 0 at the end', () => {
    const s: LrSchedule = { name: 'cosine', baseLr: 0.4, totalSteps: 100, warmupSteps: 0 };
    close(learningRate(s, 0), 0.4);
    close(learningRate(s, 50), 0.2); // cos(π/2) = 0 → lr/2
    // progress 1/4: 0.4·½(1 + cos(π/4)) = 0.2·(1 + √2/2) = 0.34142135623730950
    close(learningRate(s, 25), 0.3414213562373095);
    // progress 3/4: 0.2·(1 − √2/2) = 0.058578643762690495
    close(learningRate(s, 75), 0.058578643762690495);
    close(learningRate(s, 100), 0);
    close(learningRate(s, 150), 0);
  });

  it('hits cos(π/3) exactly: total 3 steps, lr 1 → 1, 0.75, 0.25, 0', () => {
    const s: LrSchedule = { name: 'cosine', baseLr: 1, totalSteps: 3, warmupSteps: 0 };
    close(learningRate(s, 0), 1);
    close(learningRate(s, 1), 0.75); // ½(1 + cos(π/3)) = ½·1.5
    close(learningRate(s, 2), 0.25); // ½(1 + cos(2π/3)) = ½·0.5
    close(learningRate(s, 3), 0);
  });

  it('with warm-up: ramp, then cosine over the remaining steps', () => {
    // baseLr 1, total 1020, warm-up 20: decay over 1000 steps.
    const s: LrSchedule = { name: 'cosine', baseLr: 1, totalSteps: 1020, warmupSteps: 20 };
    close(learningRate(s, 0), 0.05); // 1/20
    close(learningRate(s, 9), 0.5); // 10/20
    close(learningRate(s, 19), 1);
    close(learningRate(s, 20), 1);
    close(learningRate(s, 520), 0.5); // halfway of decay
    close(learningRate(s, 270), 0.5 * (1 + Math.SQRT1_2)); // quarter of decay
    close(learningRate(s, 1020), 0);
  });
});

describe('edge cases', () => {
  it('warm-up as long as training does not divide by zero', () => {
    for (const name of ['linear', 'cosine', 'constant'] as const) {
      const s: LrSchedule = { name, baseLr: 1, totalSteps: 10, warmupSteps: 10 };
      close(learningRate(s, 0), 0.1);
      close(learningRate(s, 9), 1);
      const after = learningRate(s, 10);
      expect(Number.isFinite(after)).toBe(true);
    }
  });

  it('every value lies in [0, baseLr]', () => {
    for (const name of ['linear', 'cosine', 'constant'] as const) {
      for (const warmupSteps of [0, 3, 17]) {
        const s: LrSchedule = { name, baseLr: 0.7, totalSteps: 40, warmupSteps };
        for (let step = 0; step < 60; step++) {
          const lr = learningRate(s, step);
          expect(lr).toBeGreaterThanOrEqual(0);
          expect(lr).toBeLessThanOrEqual(0.7 + 1e-15);
        }
      }
    }
  });
});

describe('learningRateInto (the training loops\' form)', () => {
  it('writes learningRate at every step', () => {
    for (const name of ['constant', 'linear', 'cosine'] as const) {
      for (const warmupSteps of [0, 3]) {
        const s: LrSchedule = { name, baseLr: 0.02, totalSteps: 12, warmupSteps };
        const out = new Float64Array(1);
        for (let step = 0; step < 15; step++) {
          learningRateInto(s, step, out);
          expect(out[0]).toBe(learningRate(s, step));
        }
      }
    }
  });
});
