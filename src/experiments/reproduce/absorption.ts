// Claim 10: on hierarchical features, the Matryoshka SAE absorbs parents into children less than
// BatchTopK at the same L0. One toy model with 5 parents × 3 mutually exclusive children, then
// batchtopk and matryoshka SAEs over several SAE seeds; the rule is in absorptionRules.ts.

import { resolveSaeConfig, expandSaeGrid, matryoshkaPrefixes } from '../../config/sae.js';
import { resolveToyConfig } from '../../config/toy.js';
import { toySource } from '../../train/library.js';
import { createSaeTraining, saeTrainStep } from '../../train/trainSae.js';
import { evaluateSaeInstance } from '../../train/evaluateSae.js';
import { createToyTraining, trainToy } from '../../train/trainToy.js';
import { toyMetrics } from '../../train/toyMetrics.js';
import { absorptionSpec } from '../../report/absorptionPlot.js';
import type { Budget } from './budget.js';
import { judgeAbsorption } from './absorptionRules.js';
import { fmt, range, type ClaimResult, type SettingDiff } from './shared.js';

export const CLAIM10 = {
  id: '10-absorption',
  claim: 'On hierarchical features (a parent active whenever one of its children is), a Matryoshka BatchTopK SAE absorbs parent features into child latents less than a BatchTopK SAE at equal L0.',
  source: 'Bussmann et al. 2025, "Learning Multi-Level Features with Matryoshka Sparse Autoencoders" (and Nabeshima 2024); absorption as in Chanin et al. 2024, "A is for Absorption"',
  rule: "absorption of an SAE = mean over parents of the fraction of parent-active samples where the parent's matched latent (Hungarian matching) is silent while a child's matched latent fires. Premise: batchtopk's mean ≥ 0.05. Reproduced if matryoshka's mean is lower, lower in more than half of the paired SAE seeds, by more than both SDs over seeds, with mean L0s within 15%; partly if lower (mean and most seeds) but not clearly or not at equal L0; else not reproduced.",
};

/** The toy: n = 20 features, m = 10; groups of a parent and 3 children, 5 groups, children mutually exclusive. */
const GROUPS = 5;
const CHILDREN = 3;
const N = GROUPS * (1 + CHILDREN);
const M = 10;
/** A parent fires with 0.25; a child, given its parent, with 0.4 before exclusion. */
const P_PARENT = 0.25;
const P_CHILD = 0.4;
/** E[active features] = 5 · 0.25 · (1 + (1 − 0.6³)) = 2.23: k = 2 for both SAEs. */
const K = 2;

export const CLAIM10_SETTINGS: SettingDiff[] = [
  {
    aspect: 'data',
    paper: "Bussmann et al.'s toy: a tree of features, children of a parent mutually exclusive, read directly by the SAE",
    ours: `a toy model's hidden layer h = Wx (n=${N}, m=${M}, uniform importance) trained on ${GROUPS} parents × ${CHILDREN} exclusive children (p parent ${P_PARENT}, child given parent ${P_CHILD})`,
    why: "the project's ground truth is a trained toy model; the features stay known through W",
  },
  { aspect: 'dictionary', paper: 'as many latents as features, nested groups', ours: `d = ${N}, prefixes the default ⌊d/4⌋, ⌊d/2⌋, d = ${matryoshkaPrefixes(undefined, N).join(', ')}`, why: 'the default, not tuned to the 5 parents' },
  { aspect: 'prefix loss', paper: 'reconstruction losses of the nested prefixes combined', ours: 'the mean over prefixes (docs/sae.md)', why: 'keeps the loss on the scale of one reconstruction so batchtopk’s learning rate carries over' },
  { aspect: 'absorption metric', paper: 'Chanin et al.: probe-based on language models', ours: 'on ground truth, with the Hungarian matching of latents to true features', why: 'the true features and their activity are known' },
];

export function claimAbsorption(b: Budget): ClaimResult {
  const { toySteps, toyBatchSize, toyLr, steps, batchSize, seeds } = b.absorption;
  const featureProbability = [range(N).map((i) => (i % (1 + CHILDREN) === 0 ? P_PARENT : P_CHILD))];
  const toyConfig = resolveToyConfig({
    nFeatures: N,
    nHidden: M,
    featureProbability,
    importanceDecay: 1,
    steps: toySteps,
    batchSize: toyBatchSize,
    lr: toyLr,
    evalSize: b.evalSize,
    hierarchy: GROUPS,
    hierarchyChildren: CHILDREN,
    hierarchyMode: 'exclusive',
    historyEvery: 1_000_000_000,
  });
  const toy = createToyTraining(toyConfig);
  trainToy(toy);
  const represented = toyMetrics(toy).instances[0].represented;
  const config = resolveSaeConfig({ arch: ['batchtopk', 'matryoshka'], dictSize: [N], k: [K], saeSeeds: seeds, saeSteps: steps, saeBatchSize: batchSize, saeEvalSize: b.evalSize });
  const training = createSaeTraining(config, toySource(toyConfig, toy.params.W), expandSaeGrid(config, toyConfig.sparsity, N));
  while (training.step < config.saeSteps) saeTrainStep(training);
  const rows = training.groups.flatMap((group) =>
    group.instances.map((instance) => {
      const e = evaluateSaeInstance(training, group, instance);
      return { arch: instance.spec.arch, seed: instance.spec.seed, absorption: e.absorption?.mean ?? null, l0: e.activity.l0, trueL0: e.activity.trueL0, mcc: e.represented.mcc, perParent: e.absorption?.perParent ?? [] };
    }),
  );
  const of = (arch: string) => {
    const mine = rows.filter((r) => r.arch === arch).sort((x, y) => x.seed - y.seed);
    return { absorption: mine.map((r) => r.absorption), l0: mine.map((r) => r.l0) };
  };
  const j = judgeAbsorption(of('batchtopk'), of('matryoshka'));
  const side = (name: string, s: { mean: number; sd: number; l0: number }) => `${name} ${fmt(s.mean)} ± ${fmt(s.sd, 2)} (L0 ${fmt(s.l0)})`;
  return {
    ...CLAIM10,
    measured:
      `absorption ${side('batchtopk', j.batchtopk)} vs ${side('matryoshka', j.matryoshka)}; matryoshka lower in ${j.matryoshkaLower}/${j.pairs} seeds` +
      ` (${seeds} SAE seeds, k = ${K}, true L0 ${fmt(rows[0]?.trueL0 ?? NaN)}; toy represents ${represented}/${N} features)` +
      (j.premise ? '' : '; batchtopk absorbs too little to test'),
    verdict: j.verdict,
    config: {
      toy: { nFeatures: N, nHidden: M, hierarchy: GROUPS, hierarchyChildren: CHILDREN, hierarchyMode: 'exclusive', featureProbability: featureProbability[0], importance: 'uniform', steps: toySteps, batchSize: toyBatchSize, lr: toyLr, seed: 0 },
      sae: { arch: ['batchtopk', 'matryoshka'], dictSize: N, k: K, prefixes: matryoshkaPrefixes(undefined, N), saeSteps: steps, saeBatchSize: batchSize },
      saeSeeds: range(seeds),
      paperVsOurs: CLAIM10_SETTINGS,
    },
    numbers: { judgement: j, represented, perSae: rows },
    figures: [
      {
        caption: `Absorption per architecture (dots: SAE seeds; bar: mean) and the L0 each reached (the data's true L0 dashed): ${GROUPS} parents × ${CHILDREN} exclusive children on a toy model with n = ${N}, m = ${M}; k = ${K}, d = ${N}.`,
        spec: absorptionSpec(rows.map(({ arch, seed, absorption, l0 }) => ({ arch, seed, absorption, l0 })), rows[0]?.trueL0 ?? NaN),
      },
    ],
  };
}
