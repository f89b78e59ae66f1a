// The error and loss terms of four outputs, shared by route 'h32' (toyDense.ts) and route 'gram32'
// (gram32.ts): with the ReLU, a ≤ 0 gives output 0, no gradient and the loss I x²; NaN counts as
// on, as in the reference, so that a NaN parameter gives a NaN loss (the divergence guard relies on it).

/** g / c = ReLU'(a) (a − x) for four outputs (without the ReLU: a − x). */
// @ts-ignore: decorator
@inline export function residual(a: v128, x: v128, relu: bool): v128 {
  const d = f32x4.sub(a, x);
  return relu ? v128.andnot(d, f32x4.le(a, f32x4.splat(0))) : d;
}

/** x² where the ReLU is off (the output is 0, the target x); the rest of the loss is d². */
// @ts-ignore: decorator
@inline export function offLoss(a: v128, x: v128, relu: bool): v128 {
  return relu ? v128.and(f32x4.mul(x, x), f32x4.le(a, f32x4.splat(0))) : f32x4.splat(0);
}
