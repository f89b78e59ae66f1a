// `superposition reproduce`: a fixed set of experiments, one per published claim, each with the
// rule that decides its verdict written next to it (one file per claim in reproduce/). Seeds (and
// sparsities, importances) of one experiment are packed as instances of one model, so each
// experiment is one training run, spread over the worker pool.

import { VERSION } from '../version.js';
import { budget } from './reproduce/budget.js';
import { CLAIM1, claimPentagon } from './reproduce/pentagon.js';
import { CLAIM2, claimGeometry, trainN20 } from './reproduce/n20.js';
import { CLAIM6, claimCritical } from './reproduce/critical.js';
import { CLAIM3, claimUniform } from './reproduce/uniform.js';
import { CLAIM4, claimPhase } from './reproduce/phase.js';
import { CLAIM7, claimSae } from './reproduce/sae.js';
import { CLAIM5, claimCorrelated } from './reproduce/correlated.js';
import { CLAIM8, claimAbs } from './reproduce/abs.js';
import { CLAIM9, claimDoubleDescent } from './reproduce/doubleDescent.js';
import { CLAIM10, claimAbsorption } from './reproduce/absorption.js';
import type { ClaimResult } from './reproduce/shared.js';

export type { ClaimResult, Figure, SettingDiff, Verdict } from './reproduce/shared.js';
export { angularGaps, mean, sd } from './reproduce/shared.js';
export { nonDecreasingWithin } from './reproduce/n20.js';
export { criticalVerdict, judgeRegime, localMaxima, peakCause } from './reproduce/critical.js';
export { classifyPhase } from './reproduce/phase.js';
export { anticorrelatedHolds, arrangementRatio, correlatedHolds, judgeCondition, pairLoss, relabel, samplePairs, solutionGeometry } from './reproduce/correlatedRules.js';
export { classifyStorage, doubleDescentVerdict, interiorPeak, majorityRegime, storageSwitch } from './reproduce/doubleDescentRules.js';
export { judgeAbsorption } from './reproduce/absorptionRules.js';
export { absVerdict, denseComputationHolds, inMostSeeds, neuronTypesHold, sparseComputationHolds } from './reproduce/absRules.js';
export { betweenPlateaus, dimensionalityPeaks, inverseDensityGrid, plateauWidth, uniformVerdict, windowHalfWidth } from './reproduce/uniformRules.js';

export interface ReproduceOptions {
  quick: boolean;
  /** Worker threads for the toy-model trainings (results do not depend on it). */
  workers?: number;
  /** Progress lines (one per experiment). */
  log?: (line: string) => void;
  /**
   * Internal (tests, development): run only these claims, by number ('1'…'10') or id; the others
   * are reported as not run. Default: all.
   */
  only?: readonly string[];
}

export interface ReproduceResult {
  version: string;
  quick: boolean;
  startedAt: string;
  runtimeSeconds: number;
  /** CPU time of the whole run, all threads (what the run costs, whatever else the machine does). */
  cpuSeconds: number;
  claims: ClaimResult[];
}

export async function runReproduce(options: ReproduceOptions): Promise<ReproduceResult> {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const startedAt = new Date().toISOString();
  const b = budget(options.quick);
  const workers = options.workers ?? 1;
  const log = options.log ?? (() => {});
  const timed = async <T>(name: string, f: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const value = await f();
    log(`${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return value;
  };
  const wanted = (id: string) => options.only === undefined || options.only.some((o) => o === id || o === id.split('-')[0]);
  const skip = (c: { id: string; claim: string; source: string; rule: string }): ClaimResult => ({ ...c, measured: '', verdict: 'not run', reason: 'not selected in this run', figures: [] });
  const c1 = wanted(CLAIM1.id) ? await timed('claim 1 (pentagon, n=5 m=2)', () => claimPentagon(b, workers)) : skip(CLAIM1);
  const needN20 = [CLAIM6.id, CLAIM2.id, CLAIM7.id].some(wanted);
  const n20 = needN20 ? await timed('n=20 m=5 models (claims 2, 6, 7)', () => trainN20(b, workers)) : undefined;
  const c6 = wanted(CLAIM6.id) && n20 ? await timed('claim 6 (critical region)', () => claimCritical(b, n20, workers, log)) : skip(CLAIM6);
  const c2 = wanted(CLAIM2.id) && n20 ? claimGeometry(b, n20) : skip(CLAIM2);
  const c3 = wanted(CLAIM3.id) ? await timed('claim 3 (uniform importance, n=200 m=20)', () => claimUniform(b, workers, log)) : skip(CLAIM3);
  const c4 = wanted(CLAIM4.id) ? await timed('claim 4 (phase diagram, n=2 m=1)', () => claimPhase(b, workers)) : skip(CLAIM4);
  const c7 = wanted(CLAIM7.id) && n20 ? await timed('claim 7 (SAE recovery)', () => claimSae(b, n20)) : skip(CLAIM7);
  const c5 = wanted(CLAIM5.id) ? await timed('claim 5 (correlated pairs, n=4 m=2)', () => claimCorrelated(b)) : skip(CLAIM5);
  const c8 = wanted(CLAIM8.id) ? await timed('claim 8 (computation in superposition, abs model)', () => claimAbs(b)) : skip(CLAIM8);
  const c9 = wanted(CLAIM9.id) ? await timed('claim 9 (double descent, n=150 m=2)', () => claimDoubleDescent(b, workers, log)) : skip(CLAIM9);
  const c10 = wanted(CLAIM10.id) ? await timed('claim 10 (absorption, matryoshka vs batchtopk)', () => claimAbsorption(b)) : skip(CLAIM10);
  const claims: ClaimResult[] = [c1, c2, c3, c4, c5, c6, c7, c8, c9, c10];
  const cpu = process.cpuUsage(cpuStarted);
  return { version: VERSION, quick: options.quick, startedAt, runtimeSeconds: (performance.now() - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, claims };
}

/** verdicts.json: per claim everything but the figure specs. */
export function verdictsJson(result: ReproduceResult): unknown {
  return {
    version: result.version,
    quick: result.quick,
    startedAt: result.startedAt,
    runtimeSeconds: Number(result.runtimeSeconds.toFixed(1)),
    cpuSeconds: Number(result.cpuSeconds.toFixed(1)),
    claims: result.claims.map(({ figures, ...rest }) => ({ ...rest, figures: figures.map((f) => f.caption) })),
  };
}
