// Every SAE architecture at its default settings recovers the features of the seed's sparse model:
// n = 20, m = 5, S = 0.9 (10,000 toy steps, seed 0), 40 latents, MMCS ≥ 0.95 — run as a user would,
// through the command, with no flag but the dictionary size.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';

describe('SAE architectures at their defaults (n=20, m=5, S=0.9, 40 latents)', () => {
  it('reach MMCS ≥ 0.95, each of the six', () => {
    const run = path.join(tempDir('sae-defaults'), 'run');
    const toy = runCli(['--sparsity', '0.9', '--steps', '10000', '--seed', '0', '--workers', '1', '--no-plots', '--quiet', '--out', run]);
    expect(toy.status, toy.stderr).toBe(0);
    const out = path.join(path.dirname(run), 'sae');
    const sae = runCli(['sae', '--from', run, '--arch', 'relu', 'topk', 'batchtopk', 'jumprelu', 'gated', 'matryoshka', '--dict-size', '40', '--no-plots', '--quiet', '--out', out]);
    expect(sae.status, sae.stderr).toBe(0);
    const { saes } = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8')) as { saes: { arch: string; mmcs: number; l1: number | null }[] };
    expect(saes.map((s) => s.arch)).toEqual(['relu', 'topk', 'batchtopk', 'jumprelu', 'gated', 'matryoshka']);
    for (const s of saes) expect(s.mmcs, `${s.arch} MMCS`).toBeGreaterThanOrEqual(0.95);
    // The λ each used is recorded with it: 0.03, and 0.3 for the gated SAE.
    expect(saes.map((s) => s.l1)).toEqual([0.03, null, null, 0.03, 0.3, null]);
  });
});
