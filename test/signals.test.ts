// Signals: a SIGTERM delivered twice at once (to the process group, as `timeout` and job
// schedulers send it) is one request: checkpoint and exit 130. Killed while plotting, a run is
// not "finished" (metrics.json is written last) and --resume completes it from the last step; a
// Ctrl-C while plotting stops after the current plot, leaving the same resumable folder.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const BIN = path.join(ROOT, 'bin', 'superposition.js');

describe('signals', () => {
  it('SIGTERM twice within a second (a process-group signal seen twice) saves a checkpoint and exits 130', async () => {
    const out = path.join(tempDir('sigterm'), 'run');
    const result = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, '--sparsity', '0.9', '--steps', '200000', '--workers', '1', '--no-plots', '--out', out], { cwd: ROOT });
      let stderr = '';
      let sent = false;
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (!sent && /toy step \d+\//.test(stderr)) {
          sent = true;
          child.kill('SIGTERM'); // directly…
          setTimeout(() => child.kill('SIGTERM'), 50); // …and forwarded by a wrapper a moment later
        }
      });
      child.on('exit', (status) => resolve({ status, stderr }));
    });
    expect(result.status).toBe(130);
    expect(result.stderr).toMatch(/interrupted at step \d+\/200000; checkpoint saved\. Resume with/);
    expect(fs.existsSync(path.join(out, 'checkpoint.json'))).toBe(true);
  });

  it('killed while plotting: --resume finishes the run (from the last step), with the numbers of an uninterrupted run', async () => {
    const base = tempDir('plot-kill');
    const out = path.join(base, 'run');
    const args = ['--sparsity', '0.8', '0.9', '--steps', '300', '--workers', '1', '--quiet'];
    await new Promise<void>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args, '--out', out], { cwd: ROOT });
      const timer = setInterval(() => {
        if (fs.existsSync(path.join(out, 'plots'))) child.kill('SIGKILL');
      }, 5);
      child.on('exit', () => {
        clearInterval(timer);
        resolve();
      });
    });
    expect(fs.existsSync(path.join(out, 'metrics.json'))).toBe(false);
    expect(fs.existsSync(path.join(out, 'checkpoint.json'))).toBe(true);
    const resumed = runCli(['--resume', out, '--quiet', '--workers', '1']);
    expect(resumed.status, resumed.stderr).toBe(0);
    const reference = runCli([...args, '--no-plots', '--out', path.join(base, 'reference')]);
    expect(reference.status, reference.stderr).toBe(0);
    for (const file of ['metrics.json', 'history.csv', 'weights.safetensors'])
      expect(fs.readFileSync(path.join(out, file)), file).toEqual(fs.readFileSync(path.join(base, 'reference', file)));
    expect(fs.readdirSync(path.join(out, 'plots')).length).toBeGreaterThan(8);
    expect(fs.readdirSync(out).filter((f) => f.startsWith('checkpoint') || f === '.lock')).toEqual([]);
  });

  it('Ctrl-C while plotting stops after the current plot: exit 130, not finished, and --resume draws the rest', async () => {
    const out = path.join(tempDir('plot-int'), 'run');
    // 20 instances: 24 plots, several seconds of plotting.
    const sparsity = Array.from({ length: 20 }, (_, k) => String(0.05 * k));
    const started = performance.now();
    let sentAt = 0;
    const result = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, '--sparsity', ...sparsity, '--steps', '100', '--workers', '1', '--quiet', '--out', out], { cwd: ROOT });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setInterval(() => {
        const plots = path.join(out, 'plots');
        if (fs.existsSync(plots) && fs.readdirSync(plots).length >= 2) {
          clearInterval(timer);
          sentAt = performance.now();
          child.kill('SIGINT');
        }
      }, 5);
      child.on('exit', (status) => {
        clearInterval(timer);
        resolve({ status, stderr });
      });
    });
    expect(sentAt).toBeGreaterThan(started);
    expect(result.status, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/interrupted at step 100\/100; checkpoint saved\. Resume with/);
    expect(fs.readdirSync(path.join(out, 'plots')).length).toBeLessThan(48); // stopped before the last plot
    expect(fs.existsSync(path.join(out, 'metrics.json'))).toBe(false);
    const resumed = runCli(['--resume', out, '--quiet', '--workers', '1']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(fs.readdirSync(path.join(out, 'plots')).length).toBe(48);
    expect(fs.existsSync(path.join(out, 'metrics.json'))).toBe(true);
  });

  it('sae on Ctrl-C: exit 130 with a message, the half-trained SAE folder removed, the toy run untouched', async () => {
    const run = path.join(tempDir('sae-int'), 'run');
    expect(runCli(['--sparsity', '0.9', '--steps', '50', '--workers', '1', '--no-plots', '--quiet', '--out', run]).status).toBe(0);
    const before = fs.readdirSync(run).sort();
    const result = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'sae', '--from', run, '--sae-steps', '10000000', '--no-plots'], { cwd: ROOT });
      let stderr = '';
      let sent = false;
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (!sent && /training SAEs on/.test(stderr)) {
          sent = true;
          setTimeout(() => child.kill('SIGINT'), 1500);
        }
      });
      child.on('exit', (status) => resolve({ status, stderr }));
    });
    expect(result.status).toBe(130);
    expect(result.stderr).toMatch(/SAE training interrupted at step \d+\/10000000; SAEs are not checkpointed, so .*sae was removed\. Train them again with: npx superposition sae --from /);
    expect(fs.readdirSync(run).sort()).toEqual(before);
  });
});
