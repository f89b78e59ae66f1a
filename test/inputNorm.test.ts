// Unit-norm samples (Henighan et al. 2023's data): normalizeRows by hand, the inputNorm field's
// validation, and that the fixed dataset, fresh batches and the evaluation set all follow it
// while a config without it keeps its old resolved form.

import { describe, expect, it } from 'vitest';
import { normalizeRows, normalizeRowsWithImage } from '../src/data/normalize.js';
import { sampleHidden, toyDistribution } from '../src/train/saeData.js';
import { toySource } from '../src/train/library.js';
import { Rng } from '../src/core/rng.js';
import { resolveToyConfig } from '../src/config/toy.js';
import { ConfigError } from '../src/config/errors.js';
import { expandSweep, parseSet } from '../src/experiments/sweep/grid.js';
import { STREAM, createToyTraining, drawSamples, evaluateLoss, instanceRngs, trainStep } from '../src/train/trainToy.js';

const rowNorms = (x: Float32Array, rows: number, n: number) =>
  Array.from({ length: rows }, (_, r) => Math.hypot(...Array.from(x.subarray(r * n, (r + 1) * n))));

describe('normalizeRows', () => {
  it('rescales (3, 4) to (0.6, 0.8) and leaves a zero row zero', () => {
    const x = Float32Array.from([3, 4, 0, 0, 0, 2]);
    normalizeRows(x, 3, 2);
    expect(Array.from(x)).toEqual([Math.fround(0.6), Math.fround(0.8), 0, 0, 0, 1]);
  });

  it('touches only the rows it is given', () => {
    const x = Float64Array.from([1, 1, 5, 5]);
    normalizeRows(x, 1, 2);
    expect(x[0]).toBeCloseTo(Math.SQRT1_2, 15);
    expect(Array.from(x.subarray(2))).toEqual([5, 5]);
  });
});

describe('inputNorm config field', () => {
  it('is absent from a config that does not set it (sweep run ids unchanged) and accepted as none or unit', () => {
    expect('inputNorm' in resolveToyConfig({})).toBe(false);
    expect(resolveToyConfig({ inputNorm: 'unit' }).inputNorm).toBe('unit');
    expect(resolveToyConfig({ inputNorm: 'none' }).inputNorm).toBe('none');
  });

  it('is reachable from config files and sweep --set, one run per value, a bad value named in one line', () => {
    const runs = expandSweep({ nFeatures: 10, nHidden: 2, sparsity: [0.9] }, [parseSet('inputNorm=none,unit')]);
    expect(runs.map((r) => r.config.inputNorm)).toEqual(['none', 'unit']);
    expect(new Set(runs.map((r) => r.id)).size).toBe(2);
    expect(() => expandSweep({}, [parseSet('inputNorm=unit,l1')])).toThrow(/run inputNorm=l1: --input-norm must be none or unit/);
  });

  it('rejects other values in one line naming the flag and the choices', () => {
    expect(() => resolveToyConfig({ inputNorm: 'l2' })).toThrow(ConfigError);
    expect(() => resolveToyConfig({ inputNorm: 'l2' })).toThrow(/--input-norm must be none or unit \(got "l2"\)/);
  });
});

describe('unit-norm data in training', () => {
  const base = { nFeatures: 30, nHidden: 2, sparsity: [0.9, 0.7], batchSize: 64, evalSize: 100 };

  it('the fixed dataset of epoch mode has rows of norm 1 (or 0), the same draws rescaled', () => {
    const plain = createToyTraining(resolveToyConfig({ ...base, numEpochs: 1, datasetSize: 50 }));
    const unit = createToyTraining(resolveToyConfig({ ...base, numEpochs: 1, datasetSize: 50, inputNorm: 'unit' }));
    const norms = rowNorms(unit.dataset!, 100, 30);
    for (const v of norms) expect(v === 0 || Math.abs(v - 1) < 1e-6).toBe(true);
    expect(norms.filter((v) => v === 0).length).toBeLessThan(5);
    const plainNorms = rowNorms(plain.dataset!, 100, 30);
    for (let r = 0; r < 100; r++) {
      for (let i = 0; i < 30; i++) {
        const expected = plainNorms[r] === 0 ? 0 : plain.dataset![r * 30 + i] / plainNorms[r];
        expect(unit.dataset![r * 30 + i]).toBeCloseTo(expected, 6);
      }
    }
  });

  it('fresh batches are rescaled too, and the evaluation set follows the same distribution', () => {
    const config = resolveToyConfig({ ...base, steps: 3, inputNorm: 'unit' });
    const training = createToyTraining(config);
    trainStep(training);
    for (const v of rowNorms(training.x, 128, 30)) expect(v === 0 || Math.abs(v - 1) < 1e-6).toBe(true);
    // The evaluation loss is the loss on unit-norm draws of the evaluation stream.
    const x = new Float32Array(2 * 100 * 30);
    drawSamples(config, training.dist, instanceRngs(training.streamKeys, STREAM.evaluation), x, 100);
    for (const v of rowNorms(x, 200, 30)) expect(v === 0 || Math.abs(v - 1) < 1e-6).toBe(true);
    const plainLoss = evaluateLoss(createToyTraining(resolveToyConfig({ ...base, steps: 3 })));
    const unitLoss = evaluateLoss(createToyTraining(config));
    // Same init, same draws: only the rescaling differs, so the losses must differ.
    expect(unitLoss[0]).not.toBeCloseTo(plainLoss[0], 6);
  });
});

describe('SAEs on a unit-norm toy model', () => {
  it('normalizeRowsWithImage divides x and h = W x by the same norm', () => {
    const x = Float32Array.from([3, 4, 0, 0]);
    const h = Float64Array.from([10, -5, 7, 7]);
    normalizeRowsWithImage(x, h, 2, 2, 2);
    expect(Array.from(x)).toEqual([Math.fround(0.6), Math.fround(0.8), 0, 0]);
    expect(Array.from(h)).toEqual([2, -1, 7, 7]);
  });

  it('sampleHidden reads unit-norm samples and their h = W x when the toy config says so, raw ones otherwise', () => {
    const n = 12;
    const m = 3;
    const rng = new Rng(5);
    const W = Float32Array.from({ length: m * n }, () => rng.normal());
    const draw = (inputNorm?: 'unit') => {
      const toy = toySource(resolveToyConfig({ nFeatures: n, nHidden: m, sparsity: [0.7], ...(inputNorm ? { inputNorm } : {}) }), W);
      const x = new Float32Array(40 * n);
      const h = new Float64Array(40 * m);
      sampleHidden({ toyW: W, dist: toyDistribution(toy, 0) }, new Rng(9), x, h, 40, toy);
      return { x, h };
    };
    const unit = draw('unit');
    const raw = draw();
    const norms = rowNorms(unit.x, 40, n);
    expect(norms.filter((v) => Math.abs(v - 1) < 1e-6).length).toBeGreaterThan(35);
    for (const v of norms) expect(v === 0 || Math.abs(v - 1) < 1e-6).toBe(true);
    expect(rowNorms(raw.x, 40, n).some((v) => Math.abs(v - 1) > 0.1)).toBe(true);
    for (let t = 0; t < 40; t++)
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += W[j * n + i] * unit.x[t * n + i];
        expect(unit.h[t * m + j]).toBeCloseTo(s, 5);
      }
  });
});
