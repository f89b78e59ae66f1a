// Features computed and neuron types of the absolute-value model, on hand-built weights whose
// answers are worked out by hand in the comments.
import { describe, expect, it } from 'vitest';
import { computedFeatures, instanceWeights, relativeErrors, sideErrors, type AbsWeights } from '../src/metrics/absComputed.js';
import { asymmetricMotif, classifyNeurons, neuronCounts, neuronType } from '../src/metrics/absNeurons.js';

/** Weights from rows of W1 (one per neuron) and columns of W2 (one per neuron). */
function weights(rows: number[][], outColumns: number[][], b1?: number[], b2?: number[]): AbsWeights {
  const m = rows.length;
  const n = rows[0].length;
  const W2 = new Array(n * m).fill(0);
  outColumns.forEach((col, j) => col.forEach((v, i) => (W2[i * m + j] = v)));
  return { nFeatures: n, nHidden: m, W1: rows.flat(), b1: b1 ?? new Array(m).fill(0), W2, b2: b2 ?? new Array(n).fill(0) };
}

// |x_i| = ReLU(x_i) + ReLU(−x_i) for two features on four neurons.
const exact = weights(
  [[1, 0], [-1, 0], [0, 1], [0, -1]],
  [[1, 0], [1, 0], [0, 1], [0, 1]],
);
// Grid t = k/20, k = −20…20: Σ t² = 2·Σ_{k≤20} k²/400 = 2·2870/400 = 14.35.
const SUM_T2 = 14.35;

describe('features computed', () => {
  it('exact |x| gives R = 0; a rescaled pair (W1 × 2, W2 × ½) too', () => {
    expect(relativeErrors(exact)).toEqual([0, 0]);
    const rescaled = weights([[2, 0], [-2, 0], [0, 1], [0, -1]], [[0.5, 0], [0.5, 0], [0, 1], [0, 1]]);
    expect(computedFeatures(rescaled)).toEqual([true, true]);
  });

  it('one side only (ReLU(x)) gives R = ½; the constant ½ gives 3.6/14.35; nothing gives 1', () => {
    // Feature 0 keeps only its positive neuron; by symmetry of the grid half of Σ t² is missed.
    const oneSided = weights([[1, 0], [0, 1], [0, -1]], [[1, 0], [0, 1], [0, 1]]);
    expect(relativeErrors(oneSided)[0]).toBeCloseTo(0.5, 12);
    // Per side: exact on t > 0, the zero output on t < 0.
    expect(sideErrors(oneSided)[0]).toEqual([1, 0]);
    expect(sideErrors(oneSided)[1]).toEqual([0, 0]);
    // Feature 1 has no neuron: constant output b2 = ½. Σ (½ − |t|)² = ¼ + 2·Σ_{j=−10}^{9} j²/400 = ¼ + 1340/400 = 3.6.
    const constant = weights([[1, 0], [-1, 0]], [[1, 0], [1, 0]], undefined, [0, 0.5]);
    expect(relativeErrors(constant)[1]).toBeCloseTo(3.6 / SUM_T2, 12);
    expect(computedFeatures(constant)).toEqual([true, false]);
    expect(relativeErrors(weights([[0, 0]], [[0, 0]]))).toEqual([1, 1]);
  });

  it('a small output offset stays computed: b2 = 0.05 gives 41·0.05²/14.35', () => {
    const shifted = { ...exact, b2: [0.05, 0.05] };
    relativeErrors(shifted).forEach((r) => expect(r).toBeCloseTo((41 * 0.0025) / SUM_T2, 12));
    expect(computedFeatures(shifted)).toEqual([true, true]);
  });

  it('instanceWeights slices instance k out of packed [inst, …] tensors', () => {
    const W1 = Float32Array.from([...new Array(8).fill(9), ...(exact.W1 as number[])]);
    const W2 = Float32Array.from([...new Array(8).fill(9), ...(exact.W2 as number[])]);
    const w = instanceWeights({ W1, b1: new Float32Array(8), W2, b2: new Float32Array(4) }, 1, 2, 4);
    expect(relativeErrors(w)).toEqual([0, 0]);
  });
});

describe('neuron types', () => {
  // Features 0, 1, 2 on five neurons:
  //   0: W1 [2, −½, 0], out to 0: ½, to 1: 2     — asymmetric superposition of features 0 and 1 (secondary ¼ ≥ 0.1);
  //   1: W1 [1, 0, 0],  out to 1: −4            — inhibits feature 1 when feature 0 > 0: |1·(−4)| = 4 ≥ ½·|2·2| = 2;
  //   2: W1 [0, 0, 1],  out to 2: 1             — monosemantic;
  //   3: W1 [0, 1, −1], out to 1 and 2: 1       — symmetric superposition (share ½), no motif;
  //   4: zeros                                  — unused.
  const model = weights(
    [[2, -0.5, 0], [1, 0, 0], [0, 0, 1], [0, 1, -1], [0, 0, 0]],
    [[0.5, 2, 0], [0, -4, 0], [0, 0, 1], [0, 1, 1], [0, 0, 0]],
  );

  it('classifies each neuron and finds the motif with its inhibiting neuron', () => {
    const reports = classifyNeurons(model);
    expect(reports.map((r) => r.type)).toEqual(['polysemantic', 'monosemantic', 'monosemantic', 'polysemantic', 'unused']);
    expect(reports[0].motif).toEqual([0, 1, 1]);
    expect(reports[3].motif).toBeUndefined();
    expect(reports[0].share).toBeCloseTo(4 / 4.25, 12);
    expect(neuronCounts(reports)).toEqual({ unused: 1, monosemantic: 2, polysemantic: 2, asymmetricMotif: 1 });
  });

  it('no motif when the inhibition is too weak, the outputs are not reciprocal, or the weights are symmetric', () => {
    const weak = weights([[2, -0.5, 0], [1, 0, 0]], [[0.5, 2, 0], [0, -1.9, 0]]); // 1.9 < ½·4
    expect(asymmetricMotif(weak, 0)).toBeUndefined();
    const notReciprocal = weights([[2, -0.5, 0], [1, 0, 0]], [[2, 0.5, 0], [0, -4, 0]]);
    expect(asymmetricMotif(notReciprocal, 0)).toBeUndefined();
    const tiny = weights([[2, -0.15, 0], [1, 0, 0]], [[0.5, 2, 0], [0, -4, 0]]); // b below a tenth of a
    expect(asymmetricMotif(tiny, 0)).toBeUndefined();
    const sameSign = weights([[2, 0.5, 0], [1, 0, 0]], [[0.5, 2, 0], [0, -4, 0]]);
    expect(asymmetricMotif(sameSign, 0)).toBeUndefined();
    const inhibitorOtherSide = weights([[2, -0.5, 0], [-1, 0, 0]], [[0.5, 2, 0], [0, -4, 0]]);
    expect(asymmetricMotif(inhibitorOtherSide, 0)).toBeUndefined();
  });

  it('the secondary-weight boundary (a tenth of the primary), and a neuron that can never fire is unused', () => {
    expect(neuronType(weights([[1, 0.09, -0.05]], [[1, 0, 0]]), 0).type).toBe('monosemantic');
    expect(neuronType(weights([[1, 0.05, -0.11]], [[1, 0, 0]]), 0)).toMatchObject({ type: 'polysemantic', primary: 0, secondary: 0.11 });
    // b1 + Σ|W1| = −1 + 0.5 ≤ 0.
    expect(neuronType(weights([[0.5, 0, 0]], [[1, 0, 0]], [-1]), 0).type).toBe('unused');
    // Input weight 1 but output weights ≤ 0.005: the path carries < 0.01.
    expect(neuronType(weights([[1, 0, 0]], [[0.005, 0, 0]]), 0).type).toBe('unused');
  });
});
