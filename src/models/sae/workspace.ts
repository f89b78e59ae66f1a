// What every architecture's parameters and buffers start from: the shared tensors (W_enc, b_enc,
// W_dec, b_dec), the shared per-batch buffers, and clearing a step's gradients.

import type { SaeGrads, SaeShape, SaeWorkspace } from './types.js';

export function sharedParameterShapes(shape: SaeShape): Record<string, number[]> {
  const { nInput: m, dictSize: d } = shape;
  return { W_enc: [d, m], b_enc: [d], W_dec: [m, d], b_dec: [m] };
}

export function createSharedWorkspace(shape: SaeShape, maxBatch: number): SaeWorkspace {
  const { nInput: m, dictSize: d } = shape;
  return {
    pre: new Float64Array(maxBatch * d),
    z: new Float64Array(maxBatch * d),
    hHat: new Float64Array(maxBatch * m),
    gradHHat: new Float64Array(maxBatch * m),
    gradZ: new Float64Array(maxBatch * d),
    gradPre: new Float64Array(maxBatch * d),
    extra: {},
  };
}

/** Zero every gradient: the backward passes accumulate into them. */
export function clearGradients(grads: SaeGrads): void {
  for (const name in grads) grads[name].fill(0);
}
