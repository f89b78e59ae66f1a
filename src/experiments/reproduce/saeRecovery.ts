// A grid of SAEs on toy instances, trained to the end and scored: one row per SAE with its
// recovery of the toy model's represented features (claim 7 and the recovery map beside it).

import { expandSaeGrid, type SaeConfig } from '../../config/sae.js';
import { createSaeTraining, saeTrainStep, type ToySource } from '../../train/trainSae.js';
import { evaluateSaeInstance } from '../../train/evaluateSae.js';

/** One SAE's recovery over the toy model's represented features. */
export interface SaeRecoveryRow {
  arch: string;
  dictSize: number;
  sparsity: number;
  seed: number;
  mmcs: number;
  mcc: number;
  /** Fraction of represented features with a latent at cosine ≥ 0.9. */
  recovered090: number;
  represented: number;
  l0: number;
}

export function trainAndScoreSaes(config: SaeConfig, toy: ToySource, sparsity: readonly number[]): SaeRecoveryRow[] {
  const training = createSaeTraining(config, toy, expandSaeGrid(config, sparsity, toy.nFeatures));
  while (training.step < config.saeSteps) saeTrainStep(training);
  return training.groups.flatMap((group) =>
    group.instances.map((instance): SaeRecoveryRow => {
      const e = evaluateSaeInstance(training, group, instance);
      const nRep = e.representedFeatures.length;
      return {
        arch: instance.spec.arch,
        dictSize: instance.spec.dictSize,
        sparsity: instance.spec.sparsity,
        seed: instance.spec.seed,
        mmcs: e.represented.mmcs,
        mcc: e.represented.mcc,
        recovered090: nRep === 0 ? 0 : e.represented.recovered090 / nRep,
        represented: nRep,
        l0: e.activity.l0,
      };
    }),
  );
}
