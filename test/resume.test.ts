// Ctrl-C stops a run after the current step with a checkpoint; --resume finishes it with exactly
// the numbers of an uninterrupted run. Both epoch mode and fresh-batch mode.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

/** Start a run, send SIGINT once the first progress line appears, resolve with the exit code. */
function interruptAfterFirstProgress(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'superposition.js'), ...args], { cwd: ROOT });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!sent && /toy step \d+\//.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('exit', (status) => resolve({ status, stderr }));
  });
}

const cases: [string, string[]][] = [
  ['fresh batches', ['--sparsity', '0.9', '0.99', '--steps', '20000']],
  ['epochs over a fixed dataset', ['--sparsity', '0.8', '0.9', '--num-epochs', '200', '--dataset-size', '30000']],
];

describe('interrupt and resume', () => {
  for (const [name, args] of cases) {
    it(`${name}: resumed run equals an uninterrupted one, byte for byte`, async () => {
      const base = tempDir('resume');
      const interruptedDir = path.join(base, 'interrupted');
      const referenceDir = path.join(base, 'reference');
      const stopped = await interruptAfterFirstProgress([...args, '--no-plots', '--out', interruptedDir]);
      expect(stopped.status, stopped.stderr).toBe(130);
      expect(stopped.stderr).toMatch(/interrupted at step \d+\/\d+; checkpoint saved\. Resume with: npx superposition --resume /);
      const files = fs.readdirSync(interruptedDir);
      expect(files).toContain('checkpoint.json');
      expect(files.filter((f) => /^checkpoint-\d+\.safetensors$/.test(f))).toHaveLength(1);
      expect(files).not.toContain('metrics.json');

      const resumed = runCli(['--resume', interruptedDir, '--no-plots', '--quiet']);
      expect(resumed.status, resumed.stderr).toBe(0);
      expect(fs.readdirSync(interruptedDir).sort()).toEqual(['config.json', 'history.csv', 'metrics.json', 'weights.safetensors']);

      const reference = runCli([...args, '--no-plots', '--quiet', '--out', referenceDir]);
      expect(reference.status, reference.stderr).toBe(0);
      for (const file of ['metrics.json', 'history.csv', 'weights.safetensors'])
        expect(fs.readFileSync(path.join(interruptedDir, file)), file).toEqual(fs.readFileSync(path.join(referenceDir, file)));

      const again = runCli(['--resume', interruptedDir, '--quiet']);
      expect(again.status).toBe(2);
      expect(again.stderr).toMatch(/already finished/);
    });
  }

  it('rejects --resume of a folder without config.json, and config flags with --resume', () => {
    const empty = tempDir('resume-empty');
    const r1 = runCli(['--resume', empty]);
    expect(r1.status).toBe(2);
    expect(r1.stderr).toMatch(/no config\.json there/);
    const r2 = runCli(['--resume', empty, '--lr', '0.1']);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/drop --lr/);
  });
});
