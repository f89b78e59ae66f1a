// The types the toy model and its kernels share: the model's shape, parameters and gradients, and
// the kernel's routes, the choices a caller may force and what it reports per instance.

/** The toy model's output: x' = ReLU(Wᵀh + b) ('relu') or Wᵀh + b ('linear'). */
export type Activation = 'relu' | 'linear';
/** Parameters and batches are Float32Array or Float64Array. */
export type FloatArray = Float32Array | Float64Array;

/** A toy model's size: instances, features n, hidden dimensions m, activation. */
export interface ToyModelShape {
  nInstances: number;
  nFeatures: number; // n
  nHidden: number; // m
  activation: Activation;
}

/** A toy model's parameters, every instance in one buffer per tensor. */
export interface ToyModelParams<A extends FloatArray = Float32Array> {
  W: A; // [inst, hidden, feat]
  b: A; // [inst, feat]
}

/** Gradients of the loss with respect to W and b (float64). */
export interface ToyModelGrads {
  W: Float64Array; // [inst, hidden, feat]
  b: Float64Array; // [inst, feat]
}

/**
 * 'h' and 'gram' (forward and backward each), 'hybrid' (forward 'gram', backward 'h'), 'h32' (route 'h'
 * in float32 WebAssembly SIMD: wasm/toy/h32.ts), 'gram32' (G = WᵀW over the active inputs, float32
 * WebAssembly SIMD: wasm/toy/gram32.ts).
 */
export type KernelRoute = 'h' | 'gram' | 'hybrid' | 'h32' | 'gram32';

/** Force choices (tests, benchmarks); anything left out is chosen by the cost model. */
export interface KernelOptions {
  route?: KernelRoute;
  /** Route 'gram' only: treat settled-on outputs by batch moments (true) or sample by sample (false). */
  moments?: boolean;
  /** Route 'gram' only: false computes every output sample by sample (no settled outputs at all). */
  settle?: boolean;
  /** Route 'h32' only: h = W x and (W g) xᵀ over the active inputs (true) or over dense rows of x (false). */
  gather?: boolean;
}

/** What the last call did, per instance. */
export interface KernelReport {
  route: KernelRoute;
  moments: boolean;
  /** Outputs computed per sample, in the moments, settled on, settled off (route 'h': n, 0, 0, 0). */
  perSample: number;
  linear: number;
  on: number;
  off: number;
  /** Route 'h32' over dense rows of float32 x: the next call counts the batch before making lists. */
  denseRows: boolean;
}
