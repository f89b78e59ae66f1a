// Claim 5: correlated and anti-correlated feature pairs, n=4, m=2.

import { resolveToyConfig } from '../../config/toy.js';
import { createToyTraining, type StreamKey } from '../../train/trainToy.js';
import { lossAndGradients } from '../../models/toyModel.js';
import { adamStep } from '../../core/adam.js';
import { learningRate } from '../../core/schedule.js';
import * as plots from '../../report/reproducePlots.js';
import type { Budget } from './budget.js';
import { Rng } from '../../core/rng.js';
import { STREAM } from '../../train/trainToy.js';
import { PAPER, column, fmt, range, type ClaimResult, type SettingDiff, type Verdict } from './shared.js';
import {
  ANTIPODAL_COS,
  ORTHOGONAL_COS,
  PREFERENCE_RATIO,
  anticorrelatedHolds,
  arrangementRatio,
  correlatedHolds,
  judgeCondition,
  pairCos,
  pairLoss,
  samplePairs,
  solutionGeometry,
  type Correlation,
  type PairSolution,
} from './correlatedRules.js';

export const CLAIM5 = {
  id: '5-correlated-features',
  claim: 'Anti-correlated features (never active together) prefer antipodal directions; correlated features (always active together) prefer orthogonal directions.',
  source: `${PAPER}, section "The Geometry of Superposition: Correlated and Anticorrelated Features" (n=4, m=2 with two feature sets)`,
  rule:
    'n=4, m=2, uniform importance, S=0.9, sets (0,1) and (2,3), the paper\'s generators (correlated: a set is all active with probability 1−S; anti-correlated: a set is all zero with probability S, else exactly one of its features is active). ' +
    'Every (seed, condition) is trained from K restarts and judged on its lowest-loss restart (loss on 100,000 held-out samples of its condition), as the paper keeps the best of several fits. ' +
    `Over the represented pairs (both ‖Wᵢ‖ > 0.5) of the judged restarts: anti-correlated holds if ≥ 2/3 are antipodal (cos < ${ANTIPODAL_COS}); ` +
    `correlated holds if ≥ 2/3 are orthogonal (|cos| < ${ORTHOGONAL_COS}), none is antipodal, and — the test that tells correlated from independent pairs, whose arrangements tie — in ≥ 2/3 of the seeds (at least one) the judged solution's directions, relabelled so the sets are orthogonal, have a loss ≤ ${PREFERENCE_RATIO}× that of the same directions relabelled so the sets are antipodal (on correlated data). ` +
    'reproduced if both hold; partly if one; else not reproduced. (Independent pairs are trained alongside as a baseline, with the same numbers reported.)',
};

export const CLAIM5_SETTINGS: SettingDiff[] = [
  { aspect: 'restarts', paper: 'several fits per condition, the lowest-loss one shown', ours: 'K restarts per (seed, condition), the lowest-loss one judged', why: 'the same procedure; the other restarts sit in local minima (reported, not judged)' },
  { aspect: 'seeds', paper: 'one figure', ours: 'several seeds, each with its own K restarts', why: 'the spread over seeds decides whether the preference is robust' },
  { aspect: 'optimizer and steps', paper: "the notebook's AdamW (lr 1e-3, weight decay 0.01)", ours: 'Adam, no weight decay (lr and steps in config)', why: "the project's default optimizer for every claim; the claim is about the minimum, not the path" },
];

const KINDS: Correlation[] = ['independent', 'correlated', 'anticorrelated'];
const EVAL_ROWS = 100_000;

interface Restart {
  seed: number;
  kind: Correlation;
  restart: number;
  sol: PairSolution;
  loss: number;
  geometry: string;
  cosines: (number | null)[];
}

/** Train seeds × restarts × conditions as instances of one n=4, m=2 model, on the pair generators. */
function trainRestarts(b: Budget) {
  const { steps, batchSize, lr, seeds, sparsity, restarts } = b.correlated;
  const instances = range(seeds).flatMap((seed) => range(restarts).flatMap((restart) => KINDS.map((kind) => ({ seed, restart, kind }))));
  const config = resolveToyConfig({ nFeatures: 4, nHidden: 2, sparsity: instances.map(() => sparsity), importanceDecay: 1, steps, batchSize, lr, historyEvery: 1_000_000_000 });
  // Restart 0 keeps the streams of the one-restart version: index = restart · 3 + condition.
  const streamKeys: StreamKey[] = instances.map(({ seed, restart, kind }) => ({ seed, index: restart * KINDS.length + KINDS.indexOf(kind) }));
  const training = createToyTraining(config, { streamKeys, withDataset: false });
  const p = 1 - sparsity;
  for (let step = 0; step < steps; step++) {
    instances.forEach(({ kind }, k) => samplePairs(kind, p, training.dataRngs[k], training.x, k * batchSize * 4, batchSize));
    lossAndGradients(training.shape, training.params, training.x, batchSize, training.importance, training.workspace, training.losses, training.grads);
    const rate = learningRate(training.schedule, step);
    adamStep(training.params.W, training.grads.W, training.adam.W, rate, training.adamOptions);
    adamStep(training.params.b, training.grads.b, training.adam.b, rate, training.adamOptions);
  }
  const { W, b: bias } = training.params;
  return instances.map((inst, k) => ({
    ...inst,
    sol: { columns: range(4).map((i) => column(W, k, 2, 4, i) as [number, number]), bias: range(4).map((i) => bias[k * 4 + i]) },
  }));
}

/** Held-out data of one (seed, condition): the same rows for all its restarts. */
function evalSet(kind: Correlation, seed: number, p: number): Float32Array {
  const x = new Float32Array(EVAL_ROWS * 4);
  samplePairs(kind, p, Rng.stream(seed, 1000 + KINDS.indexOf(kind), STREAM.evaluation), x, 0, EVAL_ROWS);
  return x;
}

export function claimCorrelated(b: Budget): ClaimResult {
  const { steps, batchSize, lr, seeds, sparsity, restarts } = b.correlated;
  const trained = trainRestarts(b);
  const perSeed = KINDS.flatMap((kind) =>
    range(seeds).map((seed) => {
      const x = evalSet(kind, seed, 1 - sparsity);
      const runs: Restart[] = trained
        .filter((t) => t.kind === kind && t.seed === seed)
        .map((t) => ({ ...t, loss: pairLoss(t.sol, x, EVAL_ROWS), geometry: solutionGeometry(t.sol), cosines: [0, 2].map((i) => pairCos(t.sol.columns[i], t.sol.columns[i + 1])) }));
      const judged = runs.reduce((a, r) => (r.loss < a.loss ? r : a));
      const arrangement = arrangementRatio(judged.sol, x, EVAL_ROWS);
      const best = (f: (r: Restart) => boolean) => Math.min(...runs.filter(f).map((r) => r.loss));
      const [antiLoss, otherLoss] = [best((r) => r.geometry === 'antipodal'), best((r) => r.geometry !== 'antipodal')];
      return {
        kind,
        seed,
        judgedRestart: judged.restart,
        judgedGeometry: judged.geometry,
        cosines: judged.cosines,
        ratio: arrangement.ratio,
        arrangementLoss: { orthogonal: arrangement.orthogonal, antipodal: arrangement.antipodal },
        antipodalVsOther: Number.isFinite(antiLoss) && Number.isFinite(otherLoss) ? (antiLoss < otherLoss ? 'antipodal lower' : 'other lower') : Number.isFinite(antiLoss) ? 'only antipodal' : 'no antipodal',
        restarts: runs.map((r) => ({ restart: r.restart, loss: r.loss, geometry: r.geometry, cosines: r.cosines })),
        judgedSolution: judged.sol,
      };
    }),
  );
  const stats = KINDS.map((kind) => {
    const rows = perSeed.filter((r) => r.kind === kind);
    const both = rows.filter((r) => r.antipodalVsOther === 'antipodal lower' || r.antipodalVsOther === 'other lower');
    return {
      kind,
      ...judgeCondition(rows),
      judgedAntipodalSeeds: rows.filter((r) => r.judgedGeometry === 'antipodal').length,
      seedsWithBoth: both.length,
      antipodalLowerSeeds: both.filter((r) => r.antipodalVsOther === 'antipodal lower').length,
    };
  });
  const [indep, corr, anti] = stats;
  const antiOk = anticorrelatedHolds(anti);
  const corrOk = correlatedHolds(corr);
  const verdict: Verdict = antiOk && corrOk ? 'reproduced' : antiOk || corrOk ? 'partly' : 'not reproduced';
  const describe = (s: (typeof stats)[number]) =>
    `${s.kind}: of ${s.representedPairs}/${s.pairs} represented pairs ${s.antipodal} antipodal, ${s.orthogonal} orthogonal; ` +
    `orthogonal arrangement lower in ${s.orthogonalLower}/${s.comparedSeeds} seeds, antipodal lower in ${s.antipodalLower}/${s.comparedSeeds}; ` +
    `lowest-loss restart antipodal in ${s.judgedAntipodalSeeds}/${seeds} seeds, antipodal restart lower than the others in ${s.antipodalLowerSeeds}/${s.seedsWithBoth} seeds where restarts found both`;
  const ratios = (kind: Correlation) => perSeed.filter((r) => r.kind === kind && r.ratio !== null).map((r) => ((r.ratio as number) >= 1e4 ? (r.ratio as number).toExponential(1) : fmt(r.ratio as number, 2)));
  const arrows = perSeed.flatMap((r) => r.judgedSolution.columns.map(([x, y], feature) => ({ column: r.kind, row: `seed ${r.seed}`, feature, x, y })));
  return {
    ...CLAIM5,
    measured:
      `Lowest-loss of ${restarts} restarts per seed and condition (${seeds} seeds): ${stats.map(describe).join('; ')}. ` +
      `Loss ratio orthogonal/antipodal arrangement per seed: correlated ${ratios('correlated').join(', ') || 'none'}; independent ${ratios('independent').join(', ') || 'none'}; anti-correlated ${ratios('anticorrelated').join(', ') || 'none'}. ` +
      `Anti-correlated ${antiOk ? 'holds' : 'fails'}; correlated ${corrOk ? 'holds' : 'fails'}` +
      `${indep.orthogonal >= (2 / 3) * Math.max(1, indep.representedPairs) ? ' (independent pairs are mostly orthogonal too: the arrangement test is what separates them)' : ''}.`,
    verdict,
    config: {
      nFeatures: 4,
      nHidden: 2,
      importance: 'uniform',
      sparsity,
      pairs: [[0, 1], [2, 3]],
      conditions: KINDS,
      seeds: range(seeds),
      restarts,
      evalRows: EVAL_ROWS,
      steps,
      batchSize,
      lr,
      optimizer: 'adam',
      paperVsOurs: CLAIM5_SETTINGS,
    },
    numbers: { stats, perSeed: perSeed.map(({ judgedSolution, ...rest }) => rest) },
    figures: [
      {
        caption: `Feature directions Wᵢ of the lowest-loss of ${restarts} restarts, per condition (columns) and seed (rows); sets are features (0,1) and (2,3). Anti-correlated sets should point in opposite directions, correlated sets at right angles.`,
        spec: plots.arrowsSpec(arrows, KINDS, range(seeds).map((s) => `seed ${s}`), 'Correlated feature sets, n = 4, m = 2, S = ' + sparsity, 'columns: how the sets (0,1), (2,3) co-occur; rows: seed; the lowest-loss restart'),
      },
      {
        caption: `Held-out loss of every restart per condition and seed, coloured by the restart's geometry (both sets antipodal, both orthogonal, or other); the judged restart is the lowest per seed.`,
        spec: plots.restartLossSpec(perSeed.flatMap((r) => r.restarts.map((q) => ({ condition: r.kind, seed: r.seed, loss: q.loss, geometry: q.geometry }))), KINDS),
      },
    ],
  };
}
