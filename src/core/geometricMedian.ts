// The geometric median argmin_y Σ_s ‖p_s − y‖ of points in R^m, by Weiszfeld's algorithm
// (Weiszfeld 1937) with the Vardi–Zhang (2000) safeguard: points at the current estimate are
// left out of the weights, so the iteration never divides by zero. Sparse data puts many points
// exactly at the origin, where the plain iteration would stall.

/**
 * points: [count, dim] row-major. Returns the median (float64). Stops when a step moves less than
 * `tolerance` times the scale of the data, or after maxIterations.
 * Example: the median of (0,0), (1,0), (0,1), (10,10) is about (0.3, 0.3) — the mean is (2.75, 2.75).
 */
export function geometricMedian(
  points: ArrayLike<number>,
  count: number,
  dim: number,
  maxIterations = 200,
  tolerance = 1e-9,
): Float64Array {
  const y = new Float64Array(dim);
  const next = new Float64Array(dim);
  if (count === 0) return y;
  // Start from the mean: a point inside the convex hull, where Weiszfeld converges from.
  let scale = 0;
  for (let s = 0; s < count; s++) for (let j = 0; j < dim; j++) y[j] += points[s * dim + j] / count;
  for (let s = 0; s < count; s++) for (let j = 0; j < dim; j++) scale = Math.max(scale, Math.abs(points[s * dim + j]));
  if (scale === 0) return y;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    next.fill(0);
    let weightSum = 0;
    for (let s = 0; s < count; s++) {
      let distanceSquared = 0;
      for (let j = 0; j < dim; j++) {
        const diff = points[s * dim + j] - y[j];
        distanceSquared += diff * diff;
      }
      const distance = Math.sqrt(distanceSquared);
      if (distance <= 1e-12 * scale) continue;
      const w = 1 / distance;
      weightSum += w;
      for (let j = 0; j < dim; j++) next[j] += w * points[s * dim + j];
    }
    if (weightSum === 0) return y;
    let moved = 0;
    for (let j = 0; j < dim; j++) {
      const value = next[j] / weightSum;
      moved = Math.max(moved, Math.abs(value - y[j]));
      y[j] = value;
    }
    if (moved < tolerance * scale) break;
  }
  return y;
}
