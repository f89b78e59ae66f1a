// The dissertation's question on cases with known answers.
// 1. Easy case (n=5, m=2, S=0.975, I=0.9^i, dictionary 10): the features are nearly never active
//    together, so an SAE should find them; best of 4 SAE seeds recovers ≥ 4 of the 5 at cos ≥ 0.9.
// 2. n=20, m=5, I=0.7^i: at S=0 the model stores 5 features orthogonally and the data fill the
//    hidden space densely — no preferred basis for an SAE to find — while at S=0.9 the sparse,
//    superposed features are recovered. Recovery at 0.9 must be clearly higher.

import { describe, expect, it } from 'vitest';
import { resolveToyConfig, type ToyConfigInput } from '../../src/config/toy.js';
import { expandSaeGrid, resolveSaeConfig, type SaeConfigInput } from '../../src/config/sae.js';
import { createToyTraining, trainToy } from '../../src/train/trainToy.js';
import { createSaeTraining, saeTrainStep, type ToySource } from '../../src/train/trainSae.js';
import { evaluateSaeInstance, type SaeEvaluation } from '../../src/train/evaluateSae.js';
import type { SaeSpec } from '../../src/config/sae.js';

function trainedToy(input: ToyConfigInput): ToySource {
  const config = resolveToyConfig(input);
  const training = createToyTraining(config);
  trainToy(training);
  return { nFeatures: config.nFeatures, nHidden: config.nHidden, W: training.params.W, featureProbability: training.dist.featureProbability, seed: config.seed };
}

function trainSaes(toy: ToySource, sparsity: number[], input: SaeConfigInput): { spec: SaeSpec; evaluation: SaeEvaluation }[] {
  const config = resolveSaeConfig(input);
  const training = createSaeTraining(config, toy, expandSaeGrid(config, sparsity, toy.nFeatures));
  while (training.step < config.saeSteps) saeTrainStep(training);
  return training.groups.flatMap((group) =>
    group.instances.map((instance) => ({ spec: instance.spec, evaluation: evaluateSaeInstance(training, group, instance) })),
  );
}

describe('SAE recovery on an easy case: n=5, m=2, S=0.975, d=10', () => {
  const toy = trainedToy({ nFeatures: 5, nHidden: 2, sparsity: [0.975], importanceDecay: 0.9, steps: 5000 });
  for (const arch of ['relu', 'topk'] as const) {
    it(`${arch}: the best of 4 seeds recovers at least 4 of the 5 true features at cos ≥ 0.9`, () => {
      const results = trainSaes(toy, [0.975], { arch: [arch], dictSize: [10], saeSeeds: 4, saeSteps: 3000, saeEvalSize: 20_000 });
      expect(results).toHaveLength(4);
      const best = Math.max(...results.map((r) => r.evaluation.all.recovered090));
      expect(best).toBeGreaterThanOrEqual(4);
    });
  }
});

describe('SAE recovery against sparsity: n=20, m=5, I=0.7^i, relu d=20 (fixed seeds)', () => {
  it('is clearly higher at S=0.9 than at S=0 (dense data give no preferred basis)', () => {
    const toy = trainedToy({ nFeatures: 20, nHidden: 5, sparsity: [0, 0.9], steps: 6000 });
    const results = trainSaes(toy, [0, 0.9], { arch: ['relu'], saeSeeds: 2, saeSteps: 4000, saeEvalSize: 20_000 });
    const mean = (s: number, pick: (e: SaeEvaluation) => number) => {
      const values = results.filter((r) => r.spec.sparsity === s).map((r) => pick(r.evaluation));
      return values.reduce((a, b) => a + b, 0) / values.length;
    };
    const dense = { mmcs: mean(0, (e) => e.represented.mmcs), recovered: mean(0, (e) => e.represented.recovered090 / e.representedFeatures.length) };
    const sparse = { mmcs: mean(0.9, (e) => e.represented.mmcs), recovered: mean(0.9, (e) => e.represented.recovered090 / e.representedFeatures.length) };
    console.log(`recovery, S=0: MMCS ${dense.mmcs.toFixed(3)}, recovered@0.9 ${(100 * dense.recovered).toFixed(0)}%; ` +
      `S=0.9: MMCS ${sparse.mmcs.toFixed(3)}, recovered@0.9 ${(100 * sparse.recovered).toFixed(0)}%`);
    expect(sparse.mmcs).toBeGreaterThan(0.95);
    expect(sparse.mmcs - dense.mmcs).toBeGreaterThan(0.1);
    expect(sparse.recovered - dense.recovered).toBeGreaterThan(0.3);
  });
});
