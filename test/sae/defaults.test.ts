// Every SAE architecture at its default settings recovers the features of the seed's sparse model:
// n = 20, m = 5, S = 0.9 (10,000 toy steps, seed 0), 40 latents, MMCS ≥ 0.95 — run as a user would,
// through the command, with no flag but the dictionary size. Two SAE runs on one toy run, so
// neither comes near the timeout on a loaded machine (10,000 SAE steps each).

import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';

type Entry = { arch: string; mmcs: number; l1: number | null; k: number | null };

describe('SAE architectures at their defaults (n=20, m=5, S=0.9, 40 latents)', () => {
  let run = '';
  beforeAll(() => {
    run = path.join(tempDir('sae-defaults'), 'run');
    const toy = runCli(['--sparsity', '0.9', '--steps', '10000', '--seed', '0', '--workers', '1', '--no-plots', '--quiet', '--out', run]);
    expect(toy.status, toy.stderr).toBe(0);
  });

  const saes = (archs: string[], name: string): Entry[] => {
    const out = path.join(path.dirname(run), name);
    const sae = runCli(['sae', '--from', run, '--arch', ...archs, '--dict-size', '40', '--no-plots', '--quiet', '--out', out]);
    expect(sae.status, sae.stderr).toBe(0);
    return (JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8')) as { saes: Entry[] }).saes;
  };

  it('reach MMCS ≥ 0.95, each of the first five', () => {
    const result = saes(['relu', 'topk', 'batchtopk', 'jumprelu', 'gated'], 'sae');
    expect(result.map((s) => s.arch)).toEqual(['relu', 'topk', 'batchtopk', 'jumprelu', 'gated']);
    for (const s of result) expect(s.mmcs, `${s.arch} MMCS`).toBeGreaterThanOrEqual(0.95);
    // The λ each used is recorded with it: 0.03, and 0.3 for the gated SAE.
    expect(result.map((s) => s.l1)).toEqual([0.03, null, null, 0.03, 0.3]);
  }, 600_000);

  it('reach MMCS ≥ 0.95: matryoshka (prefixes 10, 20, 40; k = 2)', () => {
    const [s] = saes(['matryoshka'], 'sae-matryoshka');
    expect(s).toMatchObject({ arch: 'matryoshka', l1: null, k: 2 });
    expect(s.mmcs, 'matryoshka MMCS').toBeGreaterThanOrEqual(0.95);
  }, 600_000);
});
