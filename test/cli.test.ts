// Bad input: one line on stderr naming the flag and the allowed range, exit code 2, nothing written.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const badInputs: [string[], RegExp][] = [
  [['--sparsity', '1'], /--sparsity must be .*\[0, 1\).*got 1/],
  [['--sparsity', '-0.1'], /--sparsity must be .*\[0, 1\)/],
  [['--sparsity', '0.5', 'x'], /--sparsity must be .*got "x"/],
  [['--sparse-dim', '0'], /--sparse-dim must be an integer in \[1, 100000\]/],
  [['--dense-dim', '2.5'], /--dense-dim must be an integer/],
  [['--lr', 'abc'], /--lr must be a finite number > 0 \(got "abc"\)/],
  [['--lr', '-1'], /--lr must be a finite number > 0/],
  [['--steps', '0'], /--steps must be an integer in \[1, 1e9\]/],
  [['--batch-size', '1e9'], /--batch-size must be an integer in \[1, 1e6\]/],
  [['--importance-decay', '0'], /--importance-decay must be a number in \(0, 1\]/],
  [['--model', 'tanh'], /--model.*relu, linear/],
  [['--optimizer', 'sgd'], /--optimizer.*adam, adamw/],
  [['--lr-schedule', 'step'], /--lr-schedule.*constant, linear, cosine/],
  [['--input-norm', 'l1'], /--input-norm.*none, unit/],
  [['--seed', '-1'], /--seed must be an integer in \[0, 4294967295\]/],
  [['--bogus'], /unknown option '--bogus'/],
  [['stray'], /too many arguments/],
  [['--importance', '1', '0.5'], /--importance must have 20 values/],
  [['--steps', '10', '--num-epochs', '2'], /--steps and --num-epochs exclude each other/],
  [['--name', 'a/b'], /--name must be a plain folder name/],
  [['--correlation', 'pairs'], /--correlation.*independent, correlated, anticorrelated/],
  [['--correlation', 'correlated', '--sparse-dim', '5'], /--sparse-dim must be a multiple of --correlation-set 2: the features fall into sets of 2 \(got 5\)/],
  [['--correlation', 'anticorrelated', '--correlation-set', '3'], /--sparse-dim must be a multiple of --correlation-set 3: .*\(got 20\)/],
  [['--correlation', 'anticorrelated', '--correlation-set', '1'], /--correlation-set must be an integer in \[2, 100000\] \(got 1\)/],
  [['--correlation-set', '2'], /--correlation-set needs --correlation correlated or anticorrelated/],
  [['--correlation', 'correlated', '--model', 'abs'], /--correlation is for --model relu or linear/],
  [['--correlation', 'correlated', '--hierarchy', '2'], /--correlation cannot be combined with --hierarchy/],
];

describe('superposition: bad flags', () => {
  for (const [args, message] of badInputs) {
    it(`rejects ${args.join(' ')}`, () => {
      const cwd = tempDir('cli-bad');
      const out = path.join(cwd, 'out');
      const result = runCli([...args, '--out', out, '--quiet'], cwd);
      expect(result.status).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(fs.existsSync(out)).toBe(false);
      expect(fs.readdirSync(cwd)).toEqual([]);
    });
  }

  it('refuses to overwrite an existing results folder and leaves it intact', () => {
    const out = tempDir('cli-existing');
    fs.writeFileSync(path.join(out, 'metrics.json'), '{"keep": true}');
    const result = runCli(['--steps', '5', '--out', out, '--quiet']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/already exists/);
    expect(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8')).toBe('{"keep": true}');
  });

  it('warns (but runs) when dense ≥ sparse', () => {
    const out = path.join(tempDir('cli-warn'), 'run');
    const result = runCli(['--sparse-dim', '4', '--dense-dim', '4', '--sparsity', '0.5', '--steps', '20', '--no-plots', '--quiet', '--out', out]);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/warning: --dense-dim 4 ≥ --sparse-dim 4/);
    expect(fs.existsSync(path.join(out, 'metrics.json'))).toBe(true);
  });

  it('--help lists every flag with its default and exits 0', () => {
    const result = runCli(['--help']);
    expect(result.status).toBe(0);
    for (const flag of ['--sparsity', '--sparse-dim', '--dense-dim', '--importance-decay', '--num-epochs', '--dataset-size', '--steps', '--batch-size', '--lr', '--optimizer', '--weight-decay', '--lr-schedule', '--seed', '--model', '--out', '--no-plots', '--quiet'])
      expect(result.stdout).toContain(flag);
    expect(result.stdout).toMatch(/--sparse-dim <n>.*\(default: 20\)/);
  });

  it('a reader that closes the pipe early ends the output, not the command: no EPIPE trace, exit 0, a run still writes its folder', () => {
    const bin = path.join(ROOT, 'bin', 'superposition.js');
    const help = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" --help | head -1`], { encoding: 'utf8' });
    // The command's own status, through a pipe whose reader left after one line.
    const status = spawnSync('bash', ['-c', `"${process.execPath}" "${bin}" --help | head -1 >/dev/null; exit "\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    expect(help.stdout).toMatch(/^Usage: superposition/);
    expect(help.stderr).toBe('');
    expect(status.status, status.stderr).toBe(0);
    const out = path.join(tempDir('cli-epipe'), 'run');
    const run = spawnSync('bash', ['-c', `"${process.execPath}" "${bin}" --sparsity 0.9 --steps 300 --no-plots --out "${out}" | head -0; exit "\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/EPIPE/);
    expect(fs.existsSync(path.join(out, 'metrics.json'))).toBe(true);
  });
});

describe('superposition --correlation', () => {
  it('config.json records the sets; the default leaves config.json without them; an SAE trains on the model', () => {
    const cwd = tempDir('cli-correlation');
    const out = path.join(cwd, 'run');
    const args = ['--sparse-dim', '6', '--dense-dim', '2', '--importance-decay', '1', '--sparsity', '0.9', '--steps', '300', '--no-plots', '--quiet'];
    const result = runCli([...args, '--correlation', 'anticorrelated', '--correlation-set', '3', '--sae', '--sae-steps', '200', '--out', out]);
    expect(result.status, result.stderr).toBe(0);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    expect([config.correlation, config.correlationSet]).toEqual(['anticorrelated', 3]);
    expect(result.stdout).toMatch(/MMCS/);
    const plain = path.join(cwd, 'plain');
    expect(runCli([...args, '--out', plain]).status).toBe(0);
    const keys = Object.keys(JSON.parse(fs.readFileSync(path.join(plain, 'config.json'), 'utf8')));
    expect(keys.filter((key) => key.startsWith('correlation'))).toEqual([]);
  });
});

describe('superposition: divergence', () => {
  it('stops on a NaN loss, names the instance and step, keeps config.json and history.csv', () => {
    const out = path.join(tempDir('cli-nan'), 'run');
    const result = runCli(['--lr', '1e38', '--sparsity', '0.5', '0.9', '--steps', '300', '--quiet', '--out', out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/diverged: loss became (NaN|Infinity) at step \d+ in instance \d \(sparsity 0\.\d\)/);
    expect(fs.readdirSync(out).sort()).toEqual(['config.json', 'history.csv']);
    expect(fs.readFileSync(path.join(out, 'history.csv'), 'utf8')).toMatch(/^step,instance,sparsity,loss\n0,0,0.5,/);
  });
});
