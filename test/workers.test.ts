// Worker threads share a grid's instances; every instance draws from its own streams, so the
// numbers must not depend on how many workers there are — byte for byte, also across resume.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveToyConfig } from '../src/experiments/config.js';
import { partitionInstances } from '../src/train/toyWorkers.js';
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

  it('fresh batches: 1 and 3 workers give byte-identical results', () => {
    const args = ['--sparsity', '0', '0.5', '0.9', '0.99', '0.999', '--steps', '700', '--seed', '3'];
    expectSameResults(run([...args, '--workers', '1']), run([...args, '--workers', '3']));
  });

  it('epochs over a fixed dataset: 1 and 2 workers give byte-identical results', () => {
    const args = ['--sparsity', '0.8', '0.9', '0.95', '--num-epochs', '3', '--dataset-size', '5000'];
    expectSameResults(run([...args, '--workers', '1']), run([...args, '--workers', '2']));
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

  it('rejects a bad --workers', () => {
    const r = runCli(['--workers', '0', '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('superposition: error: --workers must be an integer in [1, 256] (got "0")');
  });
});
