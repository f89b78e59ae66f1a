// Training SAEs on the toy model's hidden layer: one optimizer step of every SAE. Each SAE sees
// fresh activations h = W x with x drawn from its toy instance's own feature distribution
// (saeData.ts); SAEs of one architecture and dictionary size train as one group (saeGroups.ts);
// dead latents are resampled on a schedule (saeResampling.ts).

import { adamStepAt } from '../core/adam.js';
import { learningRateInto } from '../core/schedule.js';
import { countPositive } from '../kernels/sae/activeLatents.js';
import { normaliseDecoderColumns, removeParallelGradient } from '../kernels/sae/decoderNorm.js';
import { sampleHidden } from './saeData.js';
import type { SaeGroup, SaeInstance, SaeTraining } from './saeGroups.js';
import { resampleDead, resamplingDue } from './saeResampling.js';
import { SaeDivergenceError } from './saeDivergence.js';

// Building a run is saeGroups.ts's; it is handed on here so that callers that build and drive a
// training (runSae, reproduce, bench) import one module.
export { createSaeTraining, type SaeHistoryRow, type SaeTraining } from './saeGroups.js';
export type { ToySource } from './saeData.js';

export { SaeDivergenceError };

/** One step of one SAE: batch, loss, gradient (decoder-norm projected), firing statistics. */
function instanceStep(training: SaeTraining, group: SaeGroup, instance: SaeInstance): void {
  const { config, x, h, step } = training;
  const B = config.saeBatchSize;
  const { shape, arch } = group;
  const d = shape.dictSize;
  if (config.l1WarmupSteps > 0 && instance.spec.l1 !== null)
    instance.hyper.l1 = instance.spec.l1 * Math.min(1, (step + 1) / config.l1WarmupSteps);
  sampleHidden(instance, instance.dataRng, x, h, B, training.toy);
  const saeStep = instance.step;
  saeStep.batchSize = B;
  const loss = arch.lossAndGradients(saeStep);
  if (!Number.isFinite(loss.total)) throw new SaeDivergenceError(instance.spec.index, step);
  removeParallelGradient(shape, instance.params.W_dec, instance.grads.W_dec);
  // Firing counts per latent: from the architecture's active lists, or a scan of z.
  const fired = group.firedCount;
  fired.fill(0);
  if (arch.countFiring) arch.countFiring(saeStep, fired);
  else countPositive(shape, group.ws.z, B, fired);
  let active = 0;
  const since = instance.state.stepsSinceFired;
  for (let l = 0; l < d; l++) {
    active += fired[l];
    since[l] = fired[l] > 0 ? 0 : since[l] + 1;
  }
  const last = instance.lastLoss;
  last.loss = loss.total;
  last.reconstruction = loss.reconstruction;
  last.sparsityPenalty = loss.sparsity;
  last.auxiliary = loss.auxiliary;
  last.l0 = active / B;
}

export function deadCount(instance: SaeInstance, window: number): number {
  let dead = 0;
  const since = instance.state.stepsSinceFired;
  for (let l = 0; l < since.length; l++) if (since[l] >= window) dead++;
  return dead;
}

/** A history row per SAE with its last batch's loss terms, L0 and dead latents. */
function recordHistory(training: SaeTraining, step: number): void {
  for (const group of training.groups) {
    for (const instance of group.instances) {
      const { spec, lastLoss } = instance;
      training.history.push({
        step,
        sae: spec.index,
        toyInstance: spec.toyInstance,
        arch: spec.arch,
        dictSize: spec.dictSize,
        loss: lastLoss.loss,
        reconstruction: lastLoss.reconstruction,
        sparsityPenalty: lastLoss.sparsityPenalty,
        auxiliary: lastLoss.auxiliary,
        l0: lastLoss.l0,
        dead: deadCount(instance, training.config.deadWindow),
      });
    }
  }
}

/** One optimizer step of every SAE. */
export function saeTrainStep(training: SaeTraining): void {
  const { config } = training;
  const step = training.step;
  const rate = training.rate;
  learningRateInto(training.schedule, step, rate);
  for (const group of training.groups) {
    for (const instance of group.instances) instanceStep(training, group, instance);
    for (const name in group.params) adamStepAt(group.params[name], group.grads[name], group.adam[name], rate, training.adamOptions);
    for (const instance of group.instances) normaliseDecoderColumns(group.shape, instance.params.W_dec);
  }
  const done = step + 1;
  if (resamplingDue(config, done)) {
    for (const group of training.groups) for (const instance of group.instances) resampleDead(training, group, instance);
  }
  if (step % 100 === 0 || done === config.saeSteps) recordHistory(training, step);
  training.step = done;
}
