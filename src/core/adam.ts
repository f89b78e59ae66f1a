// Adam (Kingma & Ba 2015, Algorithm 1) and AdamW (Loshchilov & Hutter 2019), with the same
// update order as PyTorch's torch.optim.Adam / AdamW so that numbers can be compared:
//   adam:  g ← g + λθ (L2 penalty folded into the gradient)
//   adamw: θ ← θ − lr·λ·θ (decoupled decay, applied before the Adam step)
//   m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
//   θ ← θ − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)

/** adam (torch.optim.Adam) or adamw (torch.optim.AdamW). */
export type OptimizerName = 'adam' | 'adamw';

/** Adam's hyperparameters (PyTorch's meaning: adam folds weight decay into the gradient, adamw decays decoupled). */
export interface AdamOptions {
  optimizer: OptimizerName;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

export const DEFAULT_ADAM: AdamOptions = {
  optimizer: 'adam',
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0,
};

type FloatArray = Float32Array | Float64Array;

/** Moment buffers for one parameter tensor, kept in float64 whatever the parameter's type. */
export interface AdamState {
  m: Float64Array;
  v: Float64Array;
  /** Number of steps taken so far. */
  t: number;
}

export function createAdamState(size: number): AdamState {
  return { m: new Float64Array(size), v: new Float64Array(size), t: 0 };
}

const RATE = new Float64Array(1);

/**
 * One optimizer step on `param` in place, given its gradient. Several tensors stepped in the same
 * training step each have their own state; the step counter advances once per call.
 */
export function adamStep(param: FloatArray, grad: FloatArray, state: AdamState, lr: number, options: AdamOptions): void {
  RATE[0] = lr;
  adamStepAt(param, grad, state, RATE, options);
}

/**
 * adamStep with the learning rate in lr[0], for the training loops: a double passed to a function
 * that is not inlined is boxed, a heap allocation on every step.
 */
export function adamStepAt(param: FloatArray, grad: FloatArray, state: AdamState, rate: Float64Array, options: AdamOptions): void {
  const lr = rate[0];
  const { beta1, beta2, epsilon, weightDecay } = options;
  const decoupled = options.optimizer === 'adamw';
  state.t += 1;
  const correction1 = 1 - Math.pow(beta1, state.t);
  const correction2 = 1 - Math.pow(beta2, state.t);
  const stepSize = lr / correction1;
  const invSqrtCorrection2 = 1 / Math.sqrt(correction2);
  const decayFactor = decoupled ? 1 - lr * weightDecay : 1;
  const l2 = decoupled ? 0 : weightDecay;
  const { m, v } = state;
  for (let i = 0; i < param.length; i++) {
    const theta = param[i];
    const g = grad[i] + l2 * theta;
    const mi = beta1 * m[i] + (1 - beta1) * g;
    const vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = theta * decayFactor - (stepSize * mi) / (Math.sqrt(vi) * invSqrtCorrection2 + epsilon);
  }
}
