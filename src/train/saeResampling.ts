// Dead-latent resampling (docs/sae.md, § Training details): when it is due, and how a latent that
// has not fired for deadWindow steps is re-initialised.

import type { Rng } from '../core/rng.js';
import type { SaeConfig } from '../config/sae.js';
import { sampleHidden } from './saeData.js';
import type { SaeGroup, SaeInstance, SaeTraining } from './saeGroups.js';

/** Resampling runs every resampleInterval steps, and not in the last 20% of training (a resampled latent needs steps left to train). */
export function resamplingDue(config: SaeConfig, done: number): boolean {
  return config.resample !== 'none' && done % config.resampleInterval === 0 && done < 0.8 * config.saeSteps;
}

/**
 * Re-initialise latents that have not fired for deadWindow steps.
 * simple: a random unit direction. anthropic (Bricken et al. 2023, "Neuron resampling"): the
 * direction of an input drawn with probability ∝ (its reconstruction loss)², encoder row scaled
 * to 0.2 × the mean norm of the alive encoder rows. Either way b_enc = 0, architecture-specific
 * per-latent parameters go back to their initial values, and the latent's Adam moments are reset.
 */
export function resampleDead(training: SaeTraining, group: SaeGroup, instance: SaeInstance): number {
  const { config } = training;
  const { nInput: m, dictSize: d } = group.shape;
  const since = instance.state.stepsSinceFired;
  const dead: number[] = [];
  for (let l = 0; l < d; l++) if (since[l] >= config.deadWindow) dead.push(l);
  if (dead.length === 0) return 0;
  const { params } = instance;
  const rng = instance.resampleRng;
  let aliveNorm = 0;
  let alive = 0;
  for (let l = 0; l < d; l++) {
    if (since[l] >= config.deadWindow) continue;
    let normSquared = 0;
    for (let j = 0; j < m; j++) normSquared += params.W_enc[l * m + j] ** 2;
    aliveNorm += Math.sqrt(normSquared);
    alive++;
  }
  const encoderScale = alive > 0 && config.resample === 'anthropic' ? (0.2 * aliveNorm) / alive : 1;
  const directions = config.resample === 'anthropic' ? lossWeightedInputs(training, group, instance, dead.length, rng) : null;
  const direction = new Float64Array(m);
  dead.forEach((l, index) => {
    if (directions) direction.set(directions.subarray(index * m, (index + 1) * m));
    else for (let j = 0; j < m; j++) direction[j] = rng.normal();
    let norm = Math.hypot(...direction);
    if (norm === 0) {
      direction[0] = 1;
      norm = 1;
    }
    for (let j = 0; j < m; j++) {
      params.W_dec[j * d + l] = direction[j] / norm;
      params.W_enc[l * m + j] = (encoderScale * direction[j]) / norm;
    }
    if (params.b_enc) params.b_enc[l] = 0;
    const k = group.instances.indexOf(instance);
    for (const [name, initial] of Object.entries(group.initialExtras)) params[name][l] = initial[k * d + l];
    resetMoments(group, k, l);
    since[l] = 0;
  });
  return dead.length;
}

/** Zero the Adam moments of latent l of instance k in every tensor that has a latent axis. */
function resetMoments(group: SaeGroup, k: number, l: number): void {
  const { nInput: m, dictSize: d } = group.shape;
  const shapes = group.arch.parameterShapes(group.shape);
  for (const [name, dims] of Object.entries(shapes)) {
    const size = dims.reduce((a, b) => a * b, 1);
    const base = k * size;
    const { m: first, v: second } = group.adam[name];
    const zero = (index: number) => {
      first[index] = 0;
      second[index] = 0;
    };
    // b_dec [m] has no latent axis; without this check it would match the [d] case below when m = d.
    if (name === 'b_dec') continue;
    if (name === 'W_dec') for (let j = 0; j < m; j++) zero(base + j * d + l);
    else if (dims.length === 2 && dims[0] === d) for (let j = 0; j < dims[1]; j++) zero(base + l * dims[1] + j);
    else if (dims.length === 1 && dims[0] === d) zero(base + l);
  }
}

/** `count` inputs h drawn from a fresh batch with probability ∝ ‖h − ĥ‖⁴; [count, hidden]. */
function lossWeightedInputs(training: SaeTraining, group: SaeGroup, instance: SaeInstance, count: number, rng: Rng): Float64Array {
  const { x, h, config } = training;
  const B = config.saeBatchSize;
  const m = group.shape.nInput;
  sampleHidden(instance, rng, x, h, B, training.toy);
  instance.step.batchSize = B;
  group.arch.encode(instance.step);
  const weights = new Float64Array(B);
  let total = 0;
  for (let s = 0; s < B; s++) {
    let error = 0;
    for (let j = 0; j < m; j++) error += (h[s * m + j] - group.ws.hHat[s * m + j]) ** 2;
    weights[s] = error * error;
    total += weights[s];
  }
  const chosen = new Float64Array(count * m);
  for (let c = 0; c < count; c++) {
    let s = 0;
    if (total > 0) {
      let u = rng.uniform() * total;
      while (s < B - 1 && u >= weights[s]) u -= weights[s++];
    } else s = rng.integer(B);
    for (let j = 0; j < m; j++) chosen[c * m + j] = h[s * m + j];
  }
  return chosen;
}
