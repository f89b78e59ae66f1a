// Claim 10's rule (src/experiments/reproduce/absorptionRules.ts) on synthetic per-seed numbers.

import { describe, expect, it } from 'vitest';
import { judgeAbsorption } from '../src/experiments/reproduce.js';

const l0 = (v: number, n = 4) => new Array<number>(n).fill(v);

describe('judgeAbsorption', () => {
  it('reproduced: clearly lower in most seeds at equal L0', () => {
    const j = judgeAbsorption({ absorption: [0.4, 0.5, 0.45, 0.42], l0: l0(2) }, { absorption: [0.1, 0.05, 0.12, 0.08], l0: l0(2.2) });
    expect(j).toMatchObject({ verdict: 'reproduced', pairs: 4, matryoshkaLower: 4, premise: true, lower: true, clear: true, equalL0: true });
    expect(j.batchtopk.mean).toBeCloseTo(0.4425, 12);
    expect(j.matryoshka.l0).toBeCloseTo(2.2, 12);
  });

  it('partly: lower but within the spread, or at an L0 more than 15% away', () => {
    expect(judgeAbsorption({ absorption: [0.3, 0.1, 0.5, 0.2], l0: l0(2) }, { absorption: [0.25, 0.05, 0.45, 0.3], l0: l0(2) }).verdict).toBe('partly');
    const far = judgeAbsorption({ absorption: [0.4, 0.5, 0.45, 0.42], l0: l0(2) }, { absorption: [0.1, 0.05, 0.12, 0.08], l0: l0(2.31) });
    expect(far).toMatchObject({ verdict: 'partly', equalL0: false, clear: true });
    // 15% exactly still counts as equal.
    expect(judgeAbsorption({ absorption: [0.4, 0.5], l0: l0(2, 2) }, { absorption: [0.1, 0.05], l0: l0(2.3, 2) }).equalL0).toBe(true);
  });

  it('not reproduced: higher, lower in only half the seeds, no absorption to reduce, or too few pairs', () => {
    expect(judgeAbsorption({ absorption: [0.1, 0.2, 0.1], l0: l0(2, 3) }, { absorption: [0.3, 0.3, 0.3], l0: l0(2, 3) }).verdict).toBe('not reproduced');
    // Mean lower, but lower in 2 of 4 seeds only.
    const half = judgeAbsorption({ absorption: [0.9, 0.9, 0.1, 0.1], l0: l0(2) }, { absorption: [0.1, 0.1, 0.2, 0.2], l0: l0(2) });
    expect(half).toMatchObject({ verdict: 'not reproduced', matryoshkaLower: 2, lower: false });
    const none = judgeAbsorption({ absorption: [0.04, 0.03, 0.04], l0: l0(2, 3) }, { absorption: [0, 0, 0], l0: l0(2, 3) });
    expect(none).toMatchObject({ verdict: 'not reproduced', premise: false, lower: true });
    // Seeds without a matched parent drop out of the pairs; one pair is not enough.
    const few = judgeAbsorption({ absorption: [0.5, null, 0.5], l0: l0(2, 3) }, { absorption: [0.1, 0.1, null], l0: l0(2, 3) });
    expect(few).toMatchObject({ verdict: 'not reproduced', pairs: 1 });
  });
});
