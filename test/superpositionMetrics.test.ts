import { describe, expect, it } from 'vitest';
import { gramMatrix, REPRESENTED_THRESHOLD, superpositionMetrics } from '../src/metrics/superposition.js';

const TOL = 1e-12;
function expectClose(actual: number, expected: number, tol = TOL): void {
  expect(Math.abs(actual - expected)).toBeLessThan(tol);
}
function expectAllClose(actual: readonly number[], expected: readonly number[], tol = TOL): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expectClose(actual[i], expected[i], tol);
}

/** Row-major m×n matrix (rows = hidden, columns = features) flattened as [hidden, feat]. */
function flat(rows: number[][]): number[] {
  return rows.flat();
}

describe('superpositionMetrics on hand-built W', () => {
  it('(a) m = 2, n = 2 identity: orthogonal, one dimension per feature', () => {
    const r = superpositionMetrics(flat([[1, 0], [0, 1]]), 0, 2, 2);
    expectAllClose(r.featureNorms, [1, 1]);
    expectAllClose(r.interference, [0, 0]);
    expectAllClose(r.dimensionality, [1, 1]);
    expect(r.represented).toBe(2);
    expectClose(r.dimensionsPerFeature, 1); // m/‖W‖_F² = 2/2
    expect(r.gram).toEqual([[1, 0], [0, 1]]);
  });

  it('(b) antipodal pair in m = 1: W = [[1, −1]]', () => {
    const r = superpositionMetrics([1, -1], 0, 1, 2);
    expectAllClose(r.featureNorms, [1, 1]);
    // interference_0 = (Ŵ_0·W_1)² = (1·(−1))² = 1
    expectAllClose(r.interference, [1, 1]);
    // D_0 = ‖W_0‖² / ((Ŵ_0·W_0)² + (Ŵ_0·W_1)²) = 1/(1 + 1)
    expectAllClose(r.dimensionality, [0.5, 0.5]);
    expect(r.represented).toBe(2);
    expectClose(r.dimensionsPerFeature, 0.5); // 1/2
    expect(r.gram).toEqual([[1, -1], [-1, 1]]);
  });

  it('(c) regular pentagon of unit vectors in 2-D: D_i = 2/5, dims/feature = 2/5', () => {
    // W_k = (cos 2πk/5, sin 2πk/5). Ŵ_i·W_j = cos(2π(j−i)/5), and
    // Σ_j cos²(2πj/5) = Σ_j (1 + cos(4πj/5))/2 = 5/2 + ½ Σ_j cos(4πj/5) = 5/2 (the fifth roots of unity sum to 0).
    let closedForm = 0;
    for (let j = 0; j < 5; j++) closedForm += Math.cos((2 * Math.PI * j) / 5) ** 2;
    expectClose(closedForm, 5 / 2);
    const angles = [0, 1, 2, 3, 4].map((k) => (2 * Math.PI * k) / 5);
    const W = flat([angles.map(Math.cos), angles.map(Math.sin)]);
    const r = superpositionMetrics(W, 0, 2, 5);
    expectAllClose(r.featureNorms, [1, 1, 1, 1, 1]);
    expectAllClose(r.interference, [1.5, 1.5, 1.5, 1.5, 1.5]); // 5/2 − 1
    expectAllClose(r.dimensionality, [0.4, 0.4, 0.4, 0.4, 0.4]); // 1/(5/2)
    expect(r.represented).toBe(5);
    expectClose(r.dimensionsPerFeature, 0.4); // 2/5
  });

  it('regular tetrahedron in 3-D: cos = −1/3 between any two, D_i = 1/(1 + 3·1/9) = 3/4', () => {
    const s = 1 / Math.sqrt(3);
    const cols = [
      [s, s, s],
      [s, -s, -s],
      [-s, s, -s],
      [-s, -s, s],
    ];
    // W is 3×4, row r = coordinate r of each column.
    const W = [0, 1, 2].flatMap((row) => cols.map((c) => c[row]));
    const r = superpositionMetrics(W, 0, 3, 4);
    expectAllClose(r.featureNorms, [1, 1, 1, 1]);
    expectAllClose(r.interference, [1 / 3, 1 / 3, 1 / 3, 1 / 3]); // 3 · (1/3)²
    expectAllClose(r.dimensionality, [0.75, 0.75, 0.75, 0.75]);
    expectClose(r.dimensionsPerFeature, 0.75); // 3/4
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expectClose(r.gram[i][j], i === j ? 1 : -1 / 3);
  });

  it('(d) a zero column: norm 0, interference 0, D 0, not represented; it adds nothing to others', () => {
    // W = [[2, 0, 0], [0, 0, 1]]: column 1 is zero, columns 0 and 2 orthogonal.
    const r = superpositionMetrics(flat([[2, 0, 0], [0, 0, 1]]), 0, 2, 3);
    expectAllClose(r.featureNorms, [2, 0, 1]);
    expectAllClose(r.interference, [0, 0, 0]);
    expectAllClose(r.dimensionality, [1, 0, 1]);
    expect(r.represented).toBe(2);
    expectClose(r.dimensionsPerFeature, 2 / 5); // ‖W‖_F² = 4 + 1
    expect(r.dimensionality.every(Number.isFinite)).toBe(true);
    expect(r.interference.every(Number.isFinite)).toBe(true);
  });

  it('all-zero W: nothing represented, dims/feature = m/0 = Infinity, no NaN', () => {
    const r = superpositionMetrics(new Float32Array(6), 0, 2, 3);
    expect(r.featureNorms).toEqual([0, 0, 0]);
    expect(r.interference).toEqual([0, 0, 0]);
    expect(r.dimensionality).toEqual([0, 0, 0]);
    expect(r.represented).toBe(0);
    expect(r.dimensionsPerFeature).toBe(Infinity);
  });

  it('non-unit, non-symmetric W: norms, interference, D computed by hand', () => {
    // W = [[1, 2, 0], [3, −1, 2]] → columns W_0 = (1, 3), W_1 = (2, −1), W_2 = (0, 2).
    // WᵀW = [[10, −1, 6], [−1, 5, −2], [6, −2, 4]].
    // interference_0 = ((−1)² + 6²)/10 = 3.7,  D_0 = 10/(10 + 3.7) = 10/13.7
    // interference_1 = ((−1)² + (−2)²)/5 = 1,  D_1 = 5/6
    // interference_2 = (6² + (−2)²)/4 = 10,     D_2 = 4/14 = 2/7
    // ‖W‖_F² = 1 + 4 + 0 + 9 + 1 + 4 = 19 → dims/feature = 2/19
    const r = superpositionMetrics(flat([[1, 2, 0], [3, -1, 2]]), 0, 2, 3);
    expect(r.gram).toEqual([
      [10, -1, 6],
      [-1, 5, -2],
      [6, -2, 4],
    ]);
    expectAllClose(r.featureNorms, [Math.sqrt(10), Math.sqrt(5), 2]);
    expectAllClose(r.interference, [3.7, 1, 10]);
    expectAllClose(r.dimensionality, [10 / 13.7, 5 / 6, 2 / 7]);
    expect(r.represented).toBe(3);
    expectClose(r.dimensionsPerFeature, 2 / 19);
  });

  it('represented uses the strict threshold ‖W_i‖ > 0.5', () => {
    expect(REPRESENTED_THRESHOLD).toBe(0.5);
    // Columns (0.5, 0), (0.5001, 0), (0, 0.4999), (0, 3): norms 0.5 (exactly), 0.5001, 0.4999, 3.
    const r = superpositionMetrics(flat([[0.5, 0.5001, 0, 0], [0, 0, 0.4999, 3]]), 0, 2, 4);
    expectAllClose(r.featureNorms, [0.5, 0.5001, 0.4999, 3]);
    expect(r.represented).toBe(2);
  });

  it('scale invariance of D and 1/s² scaling of dims/feature', () => {
    // D_i is invariant under W → sW; dims/feature scales by 1/s²; interference by s².
    const W = [0.3, -1.2, 0.7, 0.5, 0.9, -0.4, 1.1, 0.2];
    const a = superpositionMetrics(W, 0, 2, 4);
    const s = 3;
    const b = superpositionMetrics(W.map((w) => s * w), 0, 2, 4);
    expectAllClose(b.dimensionality, a.dimensionality);
    expectAllClose(b.interference, a.interference.map((v) => v * s * s), 1e-10);
    expectClose(b.dimensionsPerFeature, a.dimensionsPerFeature / (s * s));
  });
});

describe('gramMatrix', () => {
  it('equals WᵀW computed by hand for a 3×2 W', () => {
    // W = [[1, 2], [0, −1], [4, 3]] (m = 3, n = 2): columns (1, 0, 4), (2, −1, 3).
    // G00 = 1 + 0 + 16 = 17, G01 = 2 + 0 + 12 = 14, G11 = 4 + 1 + 9 = 14.
    expect(gramMatrix([1, 2, 0, -1, 4, 3], 0, 3, 2)).toEqual([
      [17, 14],
      [14, 14],
    ]);
  });

  it('matches a direct reference WᵀW on a random float32 W', () => {
    const m = 4;
    const n = 6;
    const W = new Float32Array(m * n);
    let seed = 12345;
    for (let e = 0; e < W.length; e++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      W[e] = seed / 2147483648 - 0.5;
    }
    const G = gramMatrix(W, 0, m, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let r = 0; r < m; r++) s += W[r * n + i] * W[r * n + j];
        expectClose(G[i][j], s);
        expect(G[i][j]).toBe(G[j][i]);
      }
    }
  });
});

describe('multiple instances in one W buffer [inst, hidden, feat]', () => {
  // m = 2, n = 3; three instances:
  //   0: W = [[1, 2, 0], [3, −1, 2]]  (hand-computed above)
  //   1: all zero
  //   2: three unit vectors at 120° ("Mercedes"): cos = −1/2 → interference 2·¼ = ½, D = 1/(1 + ½) = 2/3,
  //      dims/feature = 2/3
  const c = Math.cos((2 * Math.PI) / 3);
  const s = Math.sin((2 * Math.PI) / 3);
  const inst0 = [1, 2, 0, 3, -1, 2];
  const inst1 = [0, 0, 0, 0, 0, 0];
  const inst2 = [1, c, c, 0, s, -s];
  const W = Float64Array.from([...inst0, ...inst1, ...inst2]);

  it('instance 0', () => {
    const r = superpositionMetrics(W, 0, 2, 3);
    expectAllClose(r.interference, [3.7, 1, 10]);
    expectClose(r.dimensionsPerFeature, 2 / 19);
  });

  it('instance 1 (zero)', () => {
    const r = superpositionMetrics(W, 1, 2, 3);
    expect(r.featureNorms).toEqual([0, 0, 0]);
    expect(r.represented).toBe(0);
  });

  it('instance 2 (Mercedes)', () => {
    const r = superpositionMetrics(W, 2, 2, 3);
    expectAllClose(r.featureNorms, [1, 1, 1]);
    expectAllClose(r.interference, [0.5, 0.5, 0.5]);
    expectAllClose(r.dimensionality, [2 / 3, 2 / 3, 2 / 3]);
    expectClose(r.dimensionsPerFeature, 2 / 3);
    expect(r.represented).toBe(3);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expectClose(r.gram[i][j], i === j ? 1 : -0.5);
  });
});
