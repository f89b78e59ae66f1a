// Running moments merged one batch at a time, for the streaming activity and reconstruction
// metrics (pairActivity.ts, reconstruction.ts).

/**
 * Running count, mean and centred second moment of a variable, merged one batch at a time
 * (Chan, Golub & LeVeque 1979): each batch's moments are taken about the batch mean, then
 * combined, so no Σv² − (Σv)²/N cancellation and no dependence on how the data is batched.
 *   M2 = M2_a + M2_b + δ² n_a n_b / n,   δ = mean_b − mean_a.
 */
export function mergeMoments(
  n: number, mean: number, m2: number,
  nB: number, meanB: number, m2B: number,
): [mean: number, m2: number] {
  const total = n + nB;
  const delta = meanB - mean;
  return [mean + (delta * nB) / total, m2 + m2B + (delta * delta * n * nB) / total];
}
