// The error and gradient of four outputs, shared by route 'h32' (h32.ts) and route 'gram32'
// (gram32.ts): with the ReLU, a ≤ 0 gives output 0, no gradient and the loss I x²; NaN counts as
// on, as in the reference, so that a NaN parameter gives a NaN loss (the divergence guard relies on it).

/**
 * e = x' − x: with the ReLU pmax(a, 0) − x, which is −x where it is off, so that e² is the loss term
 * either way. pmax (a < 0 ? 0 : a) is one instruction where max, for its NaN and −0 rules, is several;
 * it keeps a NaN a, and gives −0 for a = −0, where e is then −x all the same.
 */
// @ts-ignore: decorator
@inline export function outputError(a: v128, x: v128, relu: bool): v128 {
  return f32x4.sub(relu ? f32x4.pmax(a, f32x4.splat(0)) : a, x);
}

/** ReLU'(a) e: zero where the ReLU is off (a ≤ 0; NaN is on). */
// @ts-ignore: decorator
@inline export function reluGate(e: v128, a: v128, relu: bool): v128 {
  return relu ? v128.andnot(e, f32x4.le(a, f32x4.splat(0))) : e;
}
