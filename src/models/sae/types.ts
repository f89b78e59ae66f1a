// The interface every SAE architecture implements, and the step object its passes take. Shapes
// follow docs/sae.md, § Architectures:
//   pre = W_enc (h − b_dec) + b_enc   (W_enc: d×m),   ĥ = W_dec z + b_dec   (W_dec: m×d),
// with z computed from pre by the architecture. One architecture object works on ONE instance:
// its parameters are views into the per-instance slices of a group's buffers.

import type { SaeArch } from '../../config/sae.js';

// The names live with the config schema (src/config/sae.ts), which validates them; the registry
// (index.ts) is typed by them, so an architecture named there and not built here fails to compile.
export type { SaeArch };

import type { SaeShape } from '../../kernels/sae/types.js';

export type { SaeShape };

/** Per-instance parameter tensors, by name (e.g. W_enc, b_enc, W_dec, b_dec), stored as float32. */
export type SaeParams = Record<string, Float32Array | Float64Array>;

/** Gradients with the same names as the parameters, float64. */
export type SaeGrads = Record<string, Float64Array>;

/** Hyperparameters of one instance; each architecture reads the ones it needs. */
export interface SaeHyper {
  /** Sparsity coefficient λ: L1 for relu and gated, L0 for jumprelu. */
  l1: number;
  /** Active latents per sample (topk) or on average (batchtopk). */
  k: number;
  /** topk's AuxK: latents used in the auxiliary reconstruction, and its weight α. */
  auxK: number;
  auxCoefficient: number;
  /** jumprelu: the kernel bandwidth ε of the straight-through estimator. */
  bandwidth: number;
  /** batchtopk: the decay of the exponential moving average of the inference threshold θ. */
  thresholdDecay: number;
  /** matryoshka: the nested prefix sizes g₁ < … < g_K = d (config/sae.ts, matryoshkaPrefixes). */
  prefixes?: Int32Array;
}

/** Mutable non-parameter state of one instance, kept by the training loop. */
export interface SaeState {
  /** Steps since each latent last fired (z > 0 on some sample); the loop updates it. // [latent] */
  stepsSinceFired: Float64Array;
  /** A latent is dead (for topk's AuxK) after this many steps without firing. */
  deadSteps: number;
  /** batchtopk's inference threshold θ (negative until the first training batch sets it). */
  threshold: number;
}

/** The loss of one batch, by term; total is what the gradients are of. */
export interface SaeLoss {
  reconstruction: number; // mean_batch ‖h − ĥ‖²
  sparsity: number; // the weighted sparsity penalty
  auxiliary: number; // AuxK (topk) or the gate's auxiliary reconstruction (gated); 0 otherwise
  total: number;
}

/** Buffers for one batch, preallocated for the largest batch; z and hHat are read by the loop. */
export interface SaeWorkspace {
  pre: Float64Array; // [batch, latent]
  z: Float64Array; // [batch, latent]
  hHat: Float64Array; // [batch, input]
  gradHHat: Float64Array; // [batch, input] ∂L/∂ĥ
  gradZ: Float64Array; // [batch, latent] ∂L/∂z
  gradPre: Float64Array; // [batch, latent] ∂L/∂pre
  /** Architecture-specific buffers. */
  extra: Record<string, Float64Array | Int32Array>;
}

/**
 * One batch through one SAE: everything a forward pass reads and writes. Built once per SAE and
 * reused (the training loop only changes batchSize when a batch is shorter), so a step allocates
 * nothing; the architectures read its fields and pass the arrays on to the kernels.
 */
export interface SaeBatch {
  shape: SaeShape;
  params: SaeParams;
  h: ArrayLike<number>; // [batch, input]
  batchSize: number;
  hyper: SaeHyper;
  state: SaeState;
  ws: SaeWorkspace;
}

/** A training step's context (in the spirit of SAELens's TrainStepInput): a batch and the gradients it fills. */
export interface SaeStep extends SaeBatch {
  grads: SaeGrads;
}

/** An SAE architecture: its parameters, their initialisation, its loss and gradient, and its encoder at inference. */
export interface SaeArchitecture {
  readonly name: SaeArch;
  /** Per-instance parameter shapes, including the shared W_enc [d, m], b_enc [d], W_dec [m, d], b_dec [m]. */
  parameterShapes(shape: SaeShape): Record<string, number[]>;
  /**
   * Initialise the architecture's own parameters after the shared init (W_dec unit columns,
   * W_enc = W_decᵀ, b_enc = 0, b_dec = median or mean of h).
   */
  initExtra(shape: SaeShape, params: SaeParams, hyper: SaeHyper): void;
  /** Scratch buffers for batches of up to maxBatch samples. */
  createWorkspace(shape: SaeShape, maxBatch: number): SaeWorkspace;
  /**
   * Loss on the batch step.h [batch, input] and its gradient (overwriting step.grads); fills ws.z
   * and ws.hHat. Training-time only state (batchtopk's θ) is updated here.
   */
  lossAndGradients(step: SaeStep): SaeLoss;
  /**
   * Optional: add to fired[l] the number of samples of the last lossAndGradients batch with z > 0 on
   * latent l, from the architecture's own lists (the training loop scans ws.z when it is absent).
   */
  countFiring?(batch: SaeBatch, fired: Float64Array): void;
  /** Inference: z [batch, latent] and ĥ [batch, input] into ws.z and ws.hHat. */
  encode(batch: SaeBatch): void;
}
