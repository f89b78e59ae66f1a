// Claim 10's rule (pure): does the Matryoshka SAE absorb less than BatchTopK at equal L0? Inputs
// are per SAE seed, paired: SAEs of the same seed see the same batches and start from the same
// decoder (their streams are keyed by seed, not architecture), so a seed's two numbers compare
// like with like.

import { mean, sd, type Verdict } from './shared.js';

/** One architecture's measurements, one entry per SAE seed (absorption null: no parent was matched). */
export interface ArchRun {
  absorption: (number | null)[];
  l0: number[];
}

/** batchtopk's mean absorption must reach this for there to be absorption to reduce. */
export const ABSORPTION_PREMISE = 0.05;
/** L0s are equal when their means differ by at most this share of batchtopk's. */
export const EQUAL_L0_SHARE = 0.15;

export interface AbsorptionJudgement {
  verdict: Verdict;
  /** Seeds where both SAEs have an absorption value. */
  pairs: number;
  /** Of those, seeds where matryoshka's absorption is the lower. */
  matryoshkaLower: number;
  batchtopk: { mean: number; sd: number; l0: number };
  matryoshka: { mean: number; sd: number; l0: number };
  premise: boolean;
  lower: boolean;
  clear: boolean;
  equalL0: boolean;
}

/**
 * premise: batchtopk's mean absorption ≥ 0.05 (else there is nothing to reduce: not reproduced).
 * lower: matryoshka's mean is below batchtopk's and it is lower in more than half of the paired seeds.
 * clear: the gap between the means exceeds both SDs over seeds.
 * equalL0: mean L0s within 15% of batchtopk's.
 * reproduced: premise, lower, clear and equal L0; partly: premise and lower; else not reproduced.
 * Fewer than two paired seeds: not reproduced (nothing to judge).
 *
 * @example
 * judgeAbsorption({ absorption: [0.4, 0.5, 0.45], l0: [2, 2, 2] }, { absorption: [0.1, 0.05, 0.1], l0: [2.1, 2, 2] }).verdict; // 'reproduced'
 */
export function judgeAbsorption(batchtopk: ArchRun, matryoshka: ArchRun): AbsorptionJudgement {
  const paired: [number, number][] = [];
  batchtopk.absorption.forEach((b, s) => {
    const m = matryoshka.absorption[s];
    if (b !== null && m !== null && m !== undefined) paired.push([b, m]);
  });
  const b = paired.map(([v]) => v);
  const m = paired.map(([, v]) => v);
  const stats = (values: number[], l0: number[]) => ({ mean: mean(values), sd: sd(values), l0: mean(l0) });
  const bs = stats(b, batchtopk.l0);
  const ms = stats(m, matryoshka.l0);
  const matryoshkaLower = paired.filter(([x, y]) => y < x).length;
  const enough = paired.length >= 2;
  const premise = enough && bs.mean >= ABSORPTION_PREMISE;
  const lower = enough && ms.mean < bs.mean && matryoshkaLower > paired.length / 2;
  const clear = enough && bs.mean - ms.mean > Math.max(bs.sd, ms.sd);
  const equalL0 = Math.abs(ms.l0 - bs.l0) <= EQUAL_L0_SHARE * bs.l0;
  const verdict: Verdict = premise && lower && clear && equalL0 ? 'reproduced' : premise && lower ? 'partly' : 'not reproduced';
  return { verdict, pairs: paired.length, matryoshkaLower, batchtopk: bs, matryoshka: ms, premise, lower, clear, equalL0 };
}
