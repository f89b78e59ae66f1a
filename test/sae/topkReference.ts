// Independent reference code for the TopK-family tests (topk and batchtopk): pre-activations,
// selections with margins, the AuxK term, and the architecture with AuxK's target frozen.

import type { SaeArchitecture, SaeHyper, SaeParams, SaeShape, SaeState } from '../../src/models/sae/types.js';
import { freshState, zeroGrads } from './gradcheck.js';

/** pre = W_enc (h − b_dec) + b_enc, [batch][latent]. */
export function referencePre(shape: SaeShape, params: SaeParams, h: ArrayLike<number>, batchSize: number): number[][] {
  const { nInput: m, dictSize: d } = shape;
  const rows: number[][] = [];
  for (let s = 0; s < batchSize; s++) {
    const row: number[] = [];
    for (let l = 0; l < d; l++) {
      let a = params.b_enc[l];
      for (let j = 0; j < m; j++) a += params.W_enc[l * m + j] * (h[s * m + j] - params.b_dec[j]);
      row.push(a);
    }
    rows.push(row);
  }
  return rows;
}

/** The first `keep` positive entries of `candidates` by (value desc, index asc). */
export function largestPositive(values: number[], candidates: number[], keep: number): number[] {
  return candidates
    .filter((l) => values[l] > 0)
    .sort((a, b) => values[b] - values[a] || a - b)
    .slice(0, Math.max(0, keep));
}

/** Smallest distance of a value from 0, or between the keep-th and (keep+1)-th largest positives. */
export function selectionMargin(values: number[], keep: number): number {
  let margin = Math.min(...values.map(Math.abs));
  const positive = values.filter((v) => v > 0).sort((a, b) => b - a);
  if (keep > 0 && positive.length > keep) margin = Math.min(margin, positive[keep - 1] - positive[keep]);
  return margin;
}

export function deadLatents(state: SaeState): number[] {
  return Array.from(state.stepsSinceFired.keys()).filter((l) => state.stepsSinceFired[l] >= state.deadSteps);
}

/** mean_batch ‖e − W_dec z_aux‖² with e given, z_aux the k_aux largest positive dead pre-activations. */
export function referenceAux(shape: SaeShape, params: SaeParams, pre: number[][], e: ArrayLike<number>, dead: number[], auxK: number): number {
  const { nInput: m, dictSize: d } = shape;
  if (dead.length === 0) return 0;
  const kAux = Math.min(auxK, dead.length);
  let total = 0;
  pre.forEach((row, s) => {
    const chosen = largestPositive(row, dead, kAux);
    for (let j = 0; j < m; j++) {
      let r = e[s * m + j];
      for (const l of chosen) r -= params.W_dec[j * d + l] * row[l];
      total += r * r;
    }
  });
  return total / pre.length;
}

export function stateWithDead(shape: SaeShape, dead: readonly number[]): SaeState {
  const state = freshState(shape, 10);
  for (const l of dead) state.stepsSinceFired[l] = 10;
  return state;
}

/**
 * The architecture with its auxiliary term's target e frozen at its value for `params`: the
 * function whose gradient the implementation computes (e is a stop-gradient constant), so finite
 * differences of its total can be compared with the implementation's analytic gradient.
 */
export function withFrozenResidual(
  arch: SaeArchitecture,
  shape: SaeShape,
  params: SaeParams,
  h: Float64Array,
  batchSize: number,
  hyper: SaeHyper,
  state: SaeState,
): SaeArchitecture {
  const ws = arch.createWorkspace(shape, batchSize);
  arch.lossAndGradients({ shape, params, h, batchSize, hyper, state, ws, grads: zeroGrads(params) });
  const e = h.map((v, i) => v - ws.hHat[i]);
  const dead = deadLatents(state);
  return {
    ...arch,
    lossAndGradients(step) {
      const loss = arch.lossAndGradients(step);
      const { params: p, h: hh, batchSize: b, hyper: hy } = step;
      const auxiliary = hy.auxCoefficient * referenceAux(shape, p, referencePre(shape, p, hh, b), e, dead, hy.auxK);
      return { ...loss, auxiliary, total: loss.reconstruction + auxiliary };
    },
  };
}
