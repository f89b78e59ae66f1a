// The recovery map beside claim 7: the per-cell summary over seeds (by hand), and in the quick run
// every architecture × dictionary size × sparsity cell present with its spread.

import { describe, expect, it } from 'vitest';
import { summarise, type RecoveryMapRow } from '../src/experiments/reproduce/recoveryMap.js';

const row = (arch: string, dictSize: number, sparsity: number, seed: number, mcc: number, recovered090: number): RecoveryMapRow => ({ arch, dictSize, sparsity, seed, mmcs: mcc, mcc, recovered090, represented: 5, l0: 1 });

describe('recovery map summary', () => {
  const rows = [row('relu', 10, 0.9, 0, 0.5, 0.2), row('relu', 10, 0.9, 1, 0.7, 0.6), row('relu', 10, 0.9, 2, 0.9, 0.4), row('topk', 10, 0.9, 0, 0.8, 1), row('relu', 20, 0.9, 0, 0.6, 0)];

  it('one point per metric × (arch, dictionary size, sparsity), with mean, min, max and the seed count', () => {
    const points = summarise(rows);
    expect(points).toHaveLength(2 * 3);
    const relu10 = points.find((p) => p.metric === 'MCC' && p.arch === 'relu' && p.dictSize === 10)!;
    expect(relu10.mean).toBeCloseTo(0.7, 12);
    expect([relu10.min, relu10.max, relu10.seeds]).toEqual([0.5, 0.9, 3]);
    const rec = points.find((p) => p.metric === 'recovered@0.9' && p.arch === 'relu' && p.dictSize === 10)!;
    expect(rec.mean).toBeCloseTo(0.4, 12);
    expect([rec.min, rec.max]).toEqual([0.2, 0.6]);
    const single = points.find((p) => p.metric === 'MCC' && p.arch === 'relu' && p.dictSize === 20)!;
    expect([single.mean, single.min, single.max, single.seeds]).toEqual([0.6, 0.6, 0.6, 1]);
  });
});
