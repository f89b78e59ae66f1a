// Worker threads share a grid's instances; every instance draws from its own streams, so the
// numbers must not depend on how many workers there are — byte for byte, also across resume.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveToyConfig } from '../src/config/toy.js';
import { ToyWorkerPool, instanceCosts, partitionInstances, partitionShares, rebalanceAfter } from '../src/train/toyWorkers.js';
import { setWorkerBundling, toyWorkerScript } from '../src/train/workerScript.js';
import { createToyTraining, trainToy } from '../src/train/trainToy.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const FILES = ['metrics.json', 'history.csv', 'weights.safetensors'];

function run(args: string[]): string {
  const out = path.join(tempDir('workers'), 'run');
  const r = runCli([...args, '--no-plots', '--quiet', '--out', out]);
  expect(r.status, r.stderr).toBe(0);
  return out;
}

function expectSameResults(a: string, b: string) {
  for (const file of FILES) expect(fs.readFileSync(path.join(a, file)), file).toEqual(fs.readFileSync(path.join(b, file)));
}

describe('worker threads', () => {
  it('partitions instances into contiguous, non-empty, covering ranges', () => {
    const config = resolveToyConfig({ sparsity: [0, 0.5, 0.9, 0.99, 0.999] });
    for (const workers of [1, 2, 3, 5, 8]) {
      const ranges = partitionInstances(config, workers);
      expect(ranges.length).toBe(Math.min(workers, 5));
      expect(ranges[0][0]).toBe(0);
      expect(ranges.at(-1)![1]).toBe(5);
      for (let r = 0; r < ranges.length; r++) {
        expect(ranges[r][1]).toBeGreaterThan(ranges[r][0]);
        if (r > 0) expect(ranges[r][0]).toBe(ranges[r - 1][1]);
      }
    }
  });

  it('shares: every instance once, one range or two (wrapping around the end), never worse than contiguous', () => {
    const grid = Array.from({ length: 20 }, (_, k) => 1 - 20 ** (-k / 19));
    for (const [n, m, sparsity] of [[100, 20, grid], [20, 5, grid], [20, 5, [0, 0.5, 0.9, 0.99, 0.999]], [40, 8, [0.9]]] as const) {
      const config = resolveToyConfig({ nFeatures: n, nHidden: m, sparsity: [...sparsity] });
      const costs = instanceCosts(config);
      const share = (ranges: [number, number][]) => ranges.reduce((sum, [a, b]) => sum + costs.slice(a, b).reduce((x, y) => x + y, 0), 0);
      for (const workers of [1, 2, 3]) {
        const shares = partitionShares(config, workers);
        expect(shares.length).toBe(Math.min(workers, sparsity.length));
        const seen = shares.flat().flatMap(([a, b]) => Array.from({ length: b - a }, (_, k) => a + k)).sort((x, y) => x - y);
        expect(seen).toEqual(Array.from({ length: sparsity.length }, (_, k) => k));
        for (const ranges of shares) {
          expect(ranges.length).toBeLessThanOrEqual(2);
          if (ranges.length === 2) expect([ranges[0][1], ranges[1][0]]).toEqual([sparsity.length, 0]);
        }
        const contiguous = Math.max(...partitionInstances(config, workers).map((r) => share([r])));
        expect(Math.max(...shares.map(share))).toBeLessThanOrEqual(contiguous);
      }
    }
    // The paper's grid at n = 100 (W3): dense instances first, so a share wraps to take sparse ones from the end.
    const w3 = partitionShares(resolveToyConfig({ nFeatures: 100, nHidden: 20, sparsity: grid }), 2);
    expect(w3.some((ranges) => ranges.length === 2)).toBe(true);
  });

  it('a share that wraps around the grid: 1 and 2 workers give byte-identical results', () => {
    const sparsity = ['0', '0.2', '0.4', '0.6', '0.8', '0.9', '0.95', '0.99'];
    const config = resolveToyConfig({ nFeatures: 40, nHidden: 8, sparsity: sparsity.map(Number) });
    expect(partitionShares(config, 2).some((ranges) => ranges.length === 2)).toBe(true);
    const args = ['--sparse-dim', '40', '--dense-dim', '8', '--sparsity', ...sparsity, '--steps', '1500', '--seed', '5'];
    expectSameResults(run([...args, '--workers', '1']), run([...args, '--workers', '2']));
  });

  it('a divergence in a share of two ranges: the same message and history as on one thread', () => {
    const args = ['--sparse-dim', '40', '--dense-dim', '8', '--sparsity', '0', '0.2', '0.4', '0.6', '0.8', '0.9', '0.95', '0.99', '--lr', '1e38', '--steps', '300', '--quiet', '--no-plots'];
    const results = ['1', '2'].map((workers) => {
      const out = path.join(tempDir('workers-nan'), 'run');
      const r = runCli([...args, '--workers', workers, '--out', out]);
      return { status: r.status, message: r.stderr.match(/diverged: [^;]*/)?.[0], history: fs.readFileSync(path.join(out, 'history.csv'), 'utf8') };
    });
    expect(results[0].status).toBe(1);
    expect(results[0].message).toBeDefined();
    expect(results[1]).toEqual(results[0]);
  });

  it('fresh batches: 1 and 3 workers give byte-identical results', () => {
    const args = ['--sparsity', '0', '0.5', '0.9', '0.99', '0.999', '--steps', '700', '--seed', '3'];
    expectSameResults(run([...args, '--workers', '1']), run([...args, '--workers', '3']));
  });

  it('epochs over a fixed dataset: 1 and 2 workers give byte-identical results', () => {
    const args = ['--sparsity', '0.8', '0.9', '0.95', '--num-epochs', '3', '--dataset-size', '5000'];
    expectSameResults(run([...args, '--workers', '1']), run([...args, '--workers', '2']));
  });

  it('correlated sets (--correlation), fresh batches and epochs: 1 and 2 workers give byte-identical results', () => {
    const steps = ['--sparse-dim', '6', '--dense-dim', '2', '--sparsity', '0.5', '0.8', '0.9', '--correlation', 'anticorrelated', '--correlation-set', '3', '--steps', '500'];
    expectSameResults(run([...steps, '--workers', '1']), run([...steps, '--workers', '2']));
    const epochs = ['--sparse-dim', '4', '--dense-dim', '2', '--sparsity', '0.8', '0.9', '--correlation', 'correlated', '--num-epochs', '3', '--dataset-size', '3000'];
    expectSameResults(run([...epochs, '--workers', '1']), run([...epochs, '--workers', '2']));
  });

  it('interrupted with 2 workers and resumed equals an uninterrupted single-thread run', async () => {
    const args = ['--sparsity', '0.7', '0.9', '0.99', '--steps', '20000', '--no-plots'];
    const out = path.join(tempDir('workers-resume'), 'run');
    const status = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'superposition.js'), ...args, '--workers', '2', '--out', out], { cwd: ROOT });
      let stderr = '';
      let sent = false; // one Ctrl-C: a second one (or one after exit began) would kill the process
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (!sent && /toy step \d+\//.test(stderr)) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.on('exit', resolve);
    });
    expect(status).toBe(130);
    const resumed = runCli(['--resume', out, '--workers', '2', '--no-plots', '--quiet']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expectSameResults(out, run([...args.filter((a) => a !== '--no-plots'), '--workers', '1']));
  });

  it("workers run one esbuild bundle of their sources; tsx's entry and one thread give the same bits", async () => {
    expect(toyWorkerScript().protocol).toBe('data:');
    const config = resolveToyConfig({ nFeatures: 12, nHidden: 3, sparsity: [0, 0.6, 0.9, 0.99], steps: 300, seed: 9 });
    const trained = async (bundle: boolean) => {
      setWorkerBundling(bundle);
      try {
        expect(toyWorkerScript().protocol).toBe(bundle ? 'data:' : 'file:');
        const training = createToyTraining(config);
        const pool = await ToyWorkerPool.create(training, 2);
        try {
          await pool.runUntil(config.totalSteps);
        } finally {
          await pool.close();
        }
        return Array.from(training.params.W);
      } finally {
        setWorkerBundling(true);
      }
    };
    const single = createToyTraining(config);
    trainToy(single);
    const reference = Array.from(single.params.W);
    expect(await trained(true)).toEqual(reference);
    expect(await trained(false)).toEqual(reference);
  });

  it('a new partition handed to running workers mid-training changes no bit (fresh batches, and mid-epoch)', async () => {
    const base = { nFeatures: 12, nHidden: 3, sparsity: [0, 0.6, 0.9, 0.95, 0.99], seed: 4 };
    for (const config of [resolveToyConfig({ ...base, steps: 400 }), resolveToyConfig({ ...base, numEpochs: 4, datasetSize: 3000 })]) {
      const total = config.totalSteps; // 400, or 4 epochs of 3 batches
      const single = createToyTraining(config);
      trainToy(single);
      const training = createToyTraining(config);
      const pool = await ToyWorkerPool.create(training, 2);
      try {
        await pool.runUntil(Math.round(total * 0.35));
        await pool.assign([[[4, 5], [0, 1]], [[1, 4]]]); // a wrapped share, then contiguous
        await pool.runUntil(Math.round(total * 0.6));
        await pool.assign([[[0, 3]], [[3, 5]]]);
        await pool.runUntil(total);
      } finally {
        await pool.close();
      }
      expect(Array.from(training.params.W)).toEqual(Array.from(single.params.W));
      expect(Array.from(training.params.b)).toEqual(Array.from(single.params.b));
      expect(training.history).toEqual(single.history);
      expect(Array.from(training.losses)).toEqual(Array.from(single.losses));
    }
  });

  it('re-partitions after the 4th chunk and every 8th', () => {
    expect([1, 2, 3, 4, 5, 8, 12, 16, 20, 24].map(rebalanceAfter)).toEqual([false, false, false, true, false, true, false, true, false, true]);
  });

  it('rejects a bad --workers', () => {
    const r = runCli(['--workers', '0', '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('superposition: error: --workers must be an integer in [1, 256] (got "0")');
  });
});
