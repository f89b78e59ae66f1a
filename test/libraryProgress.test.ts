// What the library's async training reports while it runs, for a UI or a Web Worker (the browser
// explorer): the loop's own time, the history so far, and each SAE's decoder, L0 and dead latents;
// and the summary rows the CLI and the explorer both format their tables from.

import { describe, expect, it } from 'vitest';
import {
  MemoryLimitError,
  checkMemory,
  resolveToyConfig,
  saeSummaryRows,
  selectColumns,
  toyMemoryParts,
  toySummaryRows,
  trainSaesAsync,
  trainToyModel,
  trainToyModelAsync,
  type SaeProgress,
  type ToyProgress,
} from '../src/index.js';

const PENTAGON = { nFeatures: 5, nHidden: 2, importanceDecay: 0.9, sparsity: [0.8, 0.9], steps: 600 };

describe('toy progress', () => {
  it('reports the milliseconds spent in steps (growing, within the wall time) and the history rows so far', async () => {
    const seen: { step: number; trainingMs: number; rows: number }[] = [];
    const start = performance.now();
    const model = await trainToyModelAsync(PENTAGON, {
      sliceMs: 5,
      onProgress: (p: ToyProgress) => seen.push({ step: p.step, trainingMs: p.trainingMs, rows: p.history.length }),
    });
    const wall = performance.now() - start;
    expect(seen.length).toBeGreaterThan(1);
    for (let k = 1; k < seen.length; k++) expect(seen[k].trainingMs).toBeGreaterThan(seen[k - 1].trainingMs);
    expect(seen[0].trainingMs).toBeGreaterThan(0);
    expect(seen[seen.length - 1].trainingMs).toBeLessThanOrEqual(wall);
    // History rows: 2 instances at steps 0, 100, …, 500 and the last step (600): 7 × 2.
    expect(seen[seen.length - 1].rows).toBe(14);
    expect(model.history).toHaveLength(14);
    // Every report's rows are those of the steps done so far (a row is written at steps 0, 100, …).
    for (const { step, rows } of seen) expect(rows).toBe(2 * (Math.min(Math.floor((step - 1) / 100), 5) + 1) + (step === 600 ? 2 : 0));
  });

  it('the synchronous call reports trainingMs 0 and the same history array', () => {
    const reports: ToyProgress[] = [];
    const model = trainToyModel(PENTAGON, { progressEvery: 300, onProgress: (p) => reports.push({ ...p }) });
    expect(reports.map((p) => p.trainingMs)).toEqual([0, 0]);
    expect(reports[1].history).toBe(model.history);
  });
});

describe('SAE progress', () => {
  it("hands each SAE's decoder (the final W_dec at the end), its last batch's L0 and its dead latents as history.csv records them", async () => {
    const model = trainToyModel(PENTAGON);
    let last: SaeProgress | undefined;
    let decoders: Float32Array[] = [];
    const trained = await trainSaesAsync(model, { arch: ['relu', 'topk'], saeSteps: 250, deadWindow: 20 }, {
      sliceMs: 5,
      onProgress: (p) => {
        last = p;
        decoders = p.decoders.map((d) => Float32Array.from(d));
      },
    });
    expect(last!.step).toBe(250);
    expect(decoders).toHaveLength(4); // 2 toy instances × 2 architectures
    trained.saes.forEach((sae, s) => expect(decoders[s]).toEqual(sae.weights.W_dec));
    const finalRows = trained.history.filter((row) => row.step === 249).sort((a, b) => a.sae - b.sae);
    expect(last!.l0).toEqual(finalRows.map((row) => row.l0));
    expect(last!.dead).toEqual(finalRows.map((row) => row.dead));
    expect(last!.trainingMs).toBeGreaterThan(0);
  });
});

describe('summary rows', () => {
  it("formats a toy instance as the CLI's table does (by hand: 4.0861e-4 → 4.086e-4, 0.5789 → 0.579)", () => {
    const table = toySummaryRows({ instances: [{ sparsity: 0.9, finalLoss: 4.0861e-4, represented: 9, dimensionsPerFeature: 0.5789 }] }, 20);
    expect(table).toEqual({ header: ['sparsity', 'loss', 'represented', 'dims/feature'], rows: [['0.9', '4.086e-4', '9/20', '0.579']] });
  });

  it('formats an SAE, and selectColumns picks columns by name in the order asked (an unknown name throws)', () => {
    const spec = { index: 3, toyInstance: 1, sparsity: 0.99, arch: 'topk' as const, dictSize: 40, l1: null, k: 2, seed: 0 };
    const evaluation = { representedFeatures: [0, 1, 2], represented: { recovered090: 2, mmcs: 0.91249, mcc: 0.8, }, activity: { l0: 1.996, deadLatents: 7 } };
    const table = saeSummaryRows([{ spec, evaluation }]);
    expect(table.rows[0]).toEqual(['3', '0.99', 'topk', '40', 'k=2', '0', '3', '2', '0.912', '0.800', '2.00', '7']);
    expect(selectColumns(table, ['MCC', 'sparsity'])).toEqual({ header: ['MCC', 'sparsity'], rows: [['0.800', '0.99']] });
    expect(() => selectColumns(table, ['nope'])).toThrow(/no column "nope"/);
  });
});

describe('the memory estimate against given limits', () => {
  it("names whose heap it is when the heap is short (a browser page's), Node's by default", () => {
    const parts = toyMemoryParts(resolveToyConfig({ nFeatures: 5, nHidden: 2, steps: 1e6 }), 1, false);
    expect(() => checkMemory(parts, { memory: 1e12, heap: 1e6, memorySource: 'test', heapSource: "the page's" })).toThrow(/more than the page's 1\.0 MB — reduce --steps/);
    expect(() => checkMemory(parts, { memory: 1e12, heap: 1e6, memorySource: 'test' })).toThrow(MemoryLimitError);
    expect(() => checkMemory(parts, { memory: 1e12, heap: 1e6, memorySource: 'test' })).toThrow(/more than Node's 1\.0 MB/);
  });
});
