// Sizes the schema accepts but memory cannot hold are refused up front, with the estimate in the
// one-line message and no folder made; sizes that fit still run.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveSaeConfig } from '../src/config/sae.js';
import { resolveToyConfig } from '../src/config/toy.js';
import { checkMemory, formatBytes, saeMemoryParts, toyMemoryParts, type MemoryLimits } from '../src/experiments/memory.js';
import { tempDir } from './helpers/cli.js';
import { isOneLine, runMain } from './helpers/inProcess.js';

const GB = 1e9;
const limits = (memory: number): MemoryLimits => ({ memory, heap: 3 * GB, memorySource: 'test' });
const total = (parts: ReturnType<typeof toyMemoryParts>) => parts.filter((p) => p.budget === 'memory').reduce((s, p) => s + p.size, 0);

describe('the estimate', () => {
  it('n = m = 100,000 (nine instances): terabytes, refused', () => {
    const parts = toyMemoryParts(resolveToyConfig({ nFeatures: 100_000, nHidden: 100_000 }), 2, true);
    expect(total(parts)).toBeGreaterThan(1e12);
    expect(() => checkMemory(parts, limits(64 * GB))).toThrow(/^this run needs about 6\.\d TB of memory \(W, b, their gradients and Adam moments: 5\.0 TB\), more than 64 GB \(test\) — reduce --sparse-dim, --dense-dim/);
  });

  it('a 10⁸-sample dataset (epoch mode, n = 20, nine instances): 76 GB, and one array beyond 2^32 numbers even on a big machine', () => {
    const parts = toyMemoryParts(resolveToyConfig({ numEpochs: 1, datasetSize: 1e8 }), 2, false);
    expect(total(parts) / GB).toBeCloseTo(75.6, 0);
    expect(() => checkMemory(parts, limits(20 * GB))).toThrow(/needs about 76 GB of memory \(the fixed dataset of epoch mode: 76 GB\).*reduce --dataset-size/);
    expect(() => checkMemory(parts, limits(1e15))).toThrow(/the fixed dataset of epoch mode \(about 76 GB\) needs an array of 1\.80e\+10 numbers, more than the 2\^32/);
  });

  it('a 10⁶ batch with n = 20 is not too big: about 2.4 GB estimated (1.6 GB measured peak RSS with 2 workers), so it runs where 4 GB are free', () => {
    const parts = toyMemoryParts(resolveToyConfig({ batchSize: 1e6 }), 2, false);
    expect(total(parts) / GB).toBeGreaterThan(1.6);
    expect(total(parts) / GB).toBeLessThan(3);
    expect(() => checkMemory(parts, limits(4 * GB))).not.toThrow();
    expect(() => checkMemory(parts, limits(1 * GB))).toThrow(/needs about 2\.\d GB of memory \(the batches x \[instances, batch, features\]: 1\.4 GB\).*reduce --batch-size/);
  });

  it('10⁶ features × 10⁴ hidden is beyond the schema (n ≤ 100,000); n = 100,000 × m = 10⁴ is refused with its estimate', () => {
    const parts = toyMemoryParts(resolveToyConfig({ nFeatures: 100_000, nHidden: 10_000, sparsity: [0.9] }), 1, false);
    expect(() => checkMemory(parts, limits(64 * GB))).toThrow(/needs about \d+ GB of memory/);
  });

  it('a Gram matrix per instance that no file can be written from is refused before training, not after', () => {
    const parts = toyMemoryParts(resolveToyConfig({ nFeatures: 4096 }), 1, false);
    expect(() => checkMemory(parts, limits(64 * GB))).toThrow(/metrics\.json \(a Gram matrix WᵀW per instance\) would be about 4\.5 GB of text/);
  });

  it('SAE grids: 100,000 latents on a 10⁶ batch is refused; the default grid is small', () => {
    const toy = { nFeatures: 20, nHidden: 5, sparsity: [0.9] };
    expect(() => checkMemory(saeMemoryParts(toy, resolveSaeConfig({})), limits(1 * GB))).not.toThrow();
    expect(() => checkMemory(saeMemoryParts(toy, resolveSaeConfig({ dictSize: [100_000], saeBatchSize: 1_000_000 })), limits(64 * GB), 'the SAE grid')).toThrow(/^the SAE grid needs about [\d.]+ TB of memory \(SAE batches and workspaces/);
  });

  it('formats sizes', () => {
    expect([formatBytes(512), formatBytes(1.5e6), formatBytes(7.56e10), formatBytes(6.3e12)]).toEqual(['512 bytes', '1.5 MB', '76 GB', '6.3 TB']);
  });
});

describe('the CLI refuses before any folder is made', () => {
  afterEach(() => {
    delete process.env.SUPERPOSITION_MEMORY_LIMIT;
  });
  const cases: [string, string[], RegExp][] = [
    ['n = m = 100,000', ['--sparse-dim', '100000', '--dense-dim', '100000'], /error: this run needs about \d\.\d TB of memory/],
    ['a 10⁸-sample dataset', ['--num-epochs', '1', '--dataset-size', '1e8'], /error: this run (needs about 76 GB of memory|is too large: the fixed dataset)/],
    ['a sweep with n = m = 100,000', ['sweep', '--sparse-dim', '100000', '--dense-dim', '100000', '--set', 'seed=0,1'], /error: run \w+ \(trained with 1 other runs as one model\) needs about [\d.]+ TB of memory/],
    ['an SAE grid too large', ['--sae', '--dict-size', '100000', '--sae-batch-size', '1000000'], /error: the SAE grid needs about [\d.]+ TB of memory/],
  ];
  for (const [name, args, message] of cases) {
    it(`${name}: one line with the estimate, exit 2, no folder`, async () => {
      const base = tempDir('memory-cli');
      const out = path.join(base, 'out');
      const r = await runMain([...args, '--quiet', '--out', out]);
      expect(r.status).toBe(2);
      expect(isOneLine(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toMatch(message);
      expect(fs.readdirSync(base)).toEqual([]);
    });
  }

  it('SUPERPOSITION_MEMORY_LIMIT sets the limit: a 10⁶ batch is refused under 300M and runs under 8G', async () => {
    const base = tempDir('memory-limit');
    process.env.SUPERPOSITION_MEMORY_LIMIT = '300M';
    const refused = await runMain(['--batch-size', '1e6', '--sparsity', '0.9', '0.99', '--steps', '1', '--workers', '1', '--quiet', '--no-plots', '--out', path.join(base, 'a')]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/needs about \d+ MB of memory .*more than 315 MB \(SUPERPOSITION_MEMORY_LIMIT\)/);
    expect(fs.readdirSync(base)).toEqual([]);
    process.env.SUPERPOSITION_MEMORY_LIMIT = '8G';
    const runs = await runMain(['--batch-size', '1e6', '--sparsity', '0.9', '--steps', '1', '--eval-size', '1000', '--workers', '1', '--quiet', '--no-plots', '--out', path.join(base, 'b')]);
    expect(runs.status, runs.stderr).toBe(0);
  }, 60_000);
});
