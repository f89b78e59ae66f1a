// `superposition sae` and `--sae`: bad flags are one line and exit 2 with nothing written; a run
// writes the whole sae/ folder.

import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';

let run = '';

beforeAll(() => {
  run = path.join(tempDir('sae-cli'), 'run');
  const r = runCli(['--sparse-dim', '5', '--dense-dim', '2', '--sparsity', '0.9', '0.99', '--steps', '300', '--no-plots', '--quiet', '--out', run]);
  expect(r.status, r.stderr).toBe(0);
});

describe('superposition sae: bad flags', () => {
  const cases: [() => string[], RegExp][] = [
    [() => ['sae', '--from', run, '--arch', 'topk', '--k', '50', '--dict-size', '40'], /--k must be at most --dict-size/],
    [() => ['sae', '--from', run, '--arch', 'topk', '--k', '6'], /--k must be at most the dictionary size \(got k = 6 > 5\)/],
    [() => ['sae', '--from', run, '--l1', '-0.1'], /--l1 must be numbers in \[0, 1e6\] \(got -0.1\)/],
    [() => ['sae', '--from', run, '--arch', 'sparsemax'], /--arch.*argument 'sparsemax' is invalid.*relu, topk, batchtopk, jumprelu, gated, matryoshka/],
    [() => ['sae', '--from', run, '--arch', 'matryoshka', '--prefixes', '3', '2'], /--prefixes must increase strictly \(got 3 then 2\)/],
    [() => ['sae', '--from', run, '--arch', 'matryoshka', '--prefixes', '2', '5'], /--prefixes must each be below the dictionary size \(got 5 ≥ dict size 5\)/],
    [() => ['sae', '--from', run, '--arch', 'matryoshka', '--prefixes', '4', '--dict-size', '8', '4'], /--prefixes must each be below the dictionary size \(got 4 ≥ dict size 4\)/],
    [() => ['sae', '--from', run, '--prefixes', '0'], /--prefixes must be 1 to 64 integers, each in \[1, 100000\] \(increasing, each below the smallest --dict-size\) \(got 0\)/],
    [() => ['--hierarchy', '2', '--hierarchy-children', '3', '--steps', '10', '--sparse-dim', '5'], /--hierarchy: 2 parents with their children need 8 features, more than --sparse-dim 5/],
    [() => ['--hierarchy-mode', 'exclusive', '--steps', '10'], /--hierarchy-mode needs --hierarchy/],
    [() => ['--hierarchy', '1', '--hierarchy-mode', 'nested', '--steps', '10', '--sparse-dim', '5'], /--hierarchy-mode.*nested/],
    [() => ['sae', '--from', run, '--dict-size', '0'], /--dict-size must be integers in \[1, 100000\]/],
    [() => ['sae', '--from', run, '--sae-steps', 'many'], /--sae-steps must be an integer in \[1, 1e9\] \(got "many"\)/],
    [() => ['sae', '--from', path.dirname(run)], /no config\.json there/],
    [() => ['sae'], /sae needs --from/],
    [() => ['sae', '--from', run, '--bogus'], /unknown option '--bogus'/],
    [() => ['--l1', '0.1', '--steps', '10'], /--l1 is an SAE flag: add --sae/],
    [() => ['--sae', '--k', '0', '--steps', '10'], /--k must be integers in \[1, 100000\] \(and at most --dict-size\)/],
  ];
  for (const [args, message] of cases) {
    it(`rejects ${message.source.slice(0, 50)}`, () => {
      const before = fs.readdirSync(run).sort();
      const out = path.join(tempDir('sae-bad'), 'out');
      const r = runCli([...args(), '--quiet', '--out', out]);
      expect(r.status).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(fs.existsSync(out)).toBe(false);
      expect(fs.readdirSync(run).sort()).toEqual(before);
    });
  }

  it('rejects --from a folder whose weights are missing', () => {
    const broken = path.join(tempDir('sae-noweights'), 'run');
    fs.mkdirSync(broken);
    fs.copyFileSync(path.join(run, 'config.json'), path.join(broken, 'config.json'));
    const r = runCli(['sae', '--from', broken, '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^superposition: error: --from .*: no weights\.safetensors there/);
    expect(fs.readdirSync(broken)).toEqual(['config.json']);
  });
});

describe('superposition sae: a run', () => {
  it('writes sae/ with metrics for every SAE of the grid and a summary table', () => {
    const r = runCli(['sae', '--from', run, '--arch', 'relu', '--l1', '0.01', '0.1', '--dict-size', '8', '--sae-seeds', '2', '--sae-steps', '300', '--sae-eval-size', '5000', '--no-plots', '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const dir = path.join(run, 'sae');
    expect(fs.readdirSync(dir).sort()).toEqual(['config.json', 'history.csv', 'metrics.json', 'weights.safetensors']);
    const { saes } = JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8'));
    expect(saes).toHaveLength(2 * 2 * 2); // toy instances × l1 values × seeds
    const keys = ['toyInstance', 'sparsity', 'arch', 'dictSize', 'l1', 'k', 'seed', 'mmcs', 'mmcsAll', 'recovered090', 'recovered099', 'mcc', 'l0', 'trueL0', 'deadLatents', 'denseLatents', 'fve', 'shrinkage'];
    for (const sae of saes) {
      for (const key of keys) expect(sae, key).toHaveProperty(key);
      expect(sae.arch).toBe('relu');
      expect(sae.dictSize).toBe(8);
      expect(sae.k).toBeNull();
      expect(sae.mmcs).toBeGreaterThan(0);
      expect(sae.mmcs).toBeLessThanOrEqual(1);
    }
    expect(saes.map((s: { l1: number }) => s.l1)).toEqual([0.01, 0.01, 0.1, 0.1, 0.01, 0.01, 0.1, 0.1]);
    expect(r.stdout).toMatch(/represented\s+recovered@0\.9\s+MMCS\s+MCC\s+L0\s+dead/);
    // A second run goes to sae-2 and leaves the first untouched; an explicit taken --out is refused.
    const firstMetrics = fs.readFileSync(path.join(dir, 'metrics.json'));
    const again = runCli(['sae', '--from', run, '--sae-steps', '50', '--sae-eval-size', '1000', '--no-plots', '--quiet']);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain(`SAE results: ${path.join(run, 'sae-2')}`);
    expect(fs.readFileSync(path.join(dir, 'metrics.json'))).toEqual(firstMetrics);
    const taken = runCli(['sae', '--from', run, '--out', dir, '--quiet']);
    expect(taken.status).toBe(2);
    expect(taken.stderr).toMatch(/already exists/);
  });
});

describe('superposition --sae (toy model, then SAEs, one command)', () => {
  it('writes the toy results and sae/ with every plot, arrows included for m = 2', () => {
    const out = path.join(tempDir('sae-e2e'), 'run');
    const r = runCli(['--sparse-dim', '5', '--dense-dim', '2', '--sparsity', '0.7', '0.9', '0.99', '--steps', '200', '--sae', '--arch', 'relu', 'topk', '--l1', '0.01', '0.03', '--sae-steps', '200', '--sae-eval-size', '4000', '--quiet', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const plots = fs.readdirSync(path.join(out, 'sae', 'plots'));
    for (const name of ['cosines', 'recovery_vs_sparsity', 'recovery_vs_l1', 'firing_frequency', 'arrows']) {
      expect(plots).toContain(`${name}.svg`);
      expect(plots).toContain(`${name}.png`);
    }
    const { saes } = JSON.parse(fs.readFileSync(path.join(out, 'sae', 'metrics.json'), 'utf8'));
    // 3 toy instances × (relu × 2 λ + topk × 1 default k)
    expect(saes).toHaveLength(9);
    const topk = saes.filter((s: { arch: string }) => s.arch === 'topk');
    expect(topk.map((s: { k: number }) => s.k)).toEqual([2, 1, 1]); // round(n(1 − S)), at least 1
    expect(topk.every((s: { l1: number | null }) => s.l1 === null)).toBe(true);
  });
});
