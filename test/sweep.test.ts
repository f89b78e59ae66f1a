// Sweeps: grid expansion and validation, packed runs equal to standalone runs, and a store that
// survives SIGKILL: --resume finishes with every run present exactly once and no corrupted file.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/errors.js';
import { loadExperimentFile } from '../src/experiments/configFile.js';
import { expandSweep, packRuns, parseSet } from '../src/experiments/sweep/grid.js';
import { decodeSafetensors } from '../src/core/safetensors.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

describe('sweep grid', () => {
  it('expands --set fields as a product, validates every run, and packs runs sharing a shape', () => {
    const runs = expandSweep({ steps: 100 }, [parseSet('sparsity=0.5,0.9'), parseSet('seed=0,1,2'), parseSet('nHidden=2,5')]);
    expect(runs).toHaveLength(12);
    expect(new Set(runs.map((r) => r.id)).size).toBe(12);
    expect(runs[0].config.sparsity).toEqual([0.5]);
    expect(runs.every((r) => r.config.steps === 100)).toBe(true);
    const packs = packRuns(runs);
    expect(packs).toHaveLength(2); // by nHidden; sparsity and seed pack together
    expect(packs.map((p) => p.length)).toEqual([6, 6]);
  });

  it('puts SAE fields into each run\'s SAE grid instead of multiplying runs', () => {
    const runs = expandSweep({ sae: { arch: ['relu'] } }, [parseSet('sparsity=0.9,0.99'), parseSet('l1=0.01,0.03')]);
    expect(runs).toHaveLength(2);
    expect(runs[0].sae?.l1).toEqual([0.01, 0.03]);
  });

  it('rejects bad sets and bad values with the field named, before anything runs', () => {
    expect(() => parseSet('sparsity')).toThrow(/--set must look like field=v1,v2/);
    expect(() => parseSet('bogus=1,2')).toThrow(/--set bogus: unknown field/);
    expect(() => parseSet('importance=1,2')).toThrow(/vectors cannot be swept/);
    expect(() => expandSweep({}, [parseSet('sparsity=0.5,1.5')])).toThrow(/run sparsity=1.5: --sparsity must be .*\[0, 1\)/);
    expect(() => expandSweep({ nFeatures: 0 }, [])).toThrow(ConfigError);
    expect(() => expandSweep({ bogus: 1 }, [])).toThrow(/unknown config field "bogus"/);
    expect(() => expandSweep({ sae: { l1: [-1] } }, [])).toThrow(/^sae\.l1\[0\] \(--l1\) must be numbers in \[0, 1e6\] \(got -1\)$/);
    expect(() => expandSweep({ sparsity: [0.5, 2] }, [])).toThrow(/^sparsity\[1\] \(--sparsity\) must be .*\(got 2\)$/);
    expect(() => expandSweep({ sae: { colour: 1 } }, [])).toThrow(/^sae: unknown config field "colour"$/);
  });
});

describe('superposition sweep', () => {
  it('a packed run writes the same files as the same run alone', () => {
    const base = tempDir('sweep-same');
    const sweep = runCli(['sweep', '--set', 'sparsity=0.6,0.9', '--set', 'seed=4,5', '--steps', '300', '--workers', '2', '--quiet', '--out', path.join(base, 'sweep')]);
    expect(sweep.status, sweep.stderr).toBe(0);
    const records = fs.readFileSync(path.join(base, 'sweep', 'runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records).toHaveLength(4);
    const record = records.find((r) => r.setting.sparsity === 0.9 && r.setting.seed === 5);
    const alone = runCli(['--sparsity', '0.9', '--seed', '5', '--steps', '300', '--no-plots', '--quiet', '--out', path.join(base, 'alone')]);
    expect(alone.status, alone.stderr).toBe(0);
    for (const file of ['metrics.json', 'history.csv', 'weights.safetensors'])
      expect(fs.readFileSync(path.join(base, 'sweep', record.dir, file)), file).toEqual(fs.readFileSync(path.join(base, 'alone', file)));
  });

  it('rejects a bad config file or --set with one line and exit 2, writing nothing', () => {
    const base = tempDir('sweep-bad');
    const file = path.join(base, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ nHidden: -3 }));
    const cases: [string[], RegExp][] = [
      [[file], /nHidden \(--dense-dim\) must be an integer in \[1, 100000\] \(got -3\)/],
      [['--set', 'lr=0.1,abc'], /run lr=abc: --lr must be a finite number > 0/],
      [[path.join(base, 'missing.json')], /does not exist/],
      [['--set', 'colour=red'], /--set colour: unknown field/],
    ];
    for (const [args, message] of cases) {
      const out = path.join(base, 'out');
      const r = runCli(['sweep', ...args, '--quiet', '--out', out]);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(fs.existsSync(out)).toBe(false);
    }
  });

  it('killed with SIGKILL midway, --resume finishes it: every run exactly once, no corrupted file', async () => {
    const out = path.join(tempDir('sweep-kill'), 'sweep');
    // Different nHidden values make separate packs, so runs finish one pack at a time.
    const args = ['sweep', '--set', 'nHidden=2,3,4,5', '--set', 'sparsity=0.9', '--steps', '4000', '--workers', '1', '--out', out];
    await new Promise<void>((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'superposition.js'), ...args], { cwd: ROOT });
      const timer = setInterval(() => {
        const jsonl = path.join(out, 'runs.jsonl');
        if (fs.existsSync(jsonl) && fs.readFileSync(jsonl, 'utf8').trim().split('\n').length >= 1) child.kill('SIGKILL');
      }, 20);
      child.on('exit', () => {
        clearInterval(timer);
        resolve();
      });
    });
    const before = fs.readFileSync(path.join(out, 'runs.jsonl'), 'utf8').trim().split('\n');
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.length).toBeLessThan(4);
    const resumed = runCli(['sweep', '--resume', out, '--quiet']);
    expect(resumed.status, resumed.stderr).toBe(0);
    const records = fs.readFileSync(path.join(out, 'runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records).toHaveLength(4);
    expect(new Set(records.map((r) => r.id)).size).toBe(4);
    expect(records.map((r) => r.setting.nHidden).sort()).toEqual([2, 3, 4, 5]);
    for (const record of records) {
      const dir = path.join(out, record.dir);
      JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8'));
      JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      const { tensors } = decodeSafetensors(fs.readFileSync(path.join(dir, 'weights.safetensors')));
      expect(tensors.W.shape).toEqual([1, record.setting.nHidden, 20]);
    }
    const leftovers = fs.readdirSync(out, { recursive: true }).filter((f) => String(f).endsWith('.tmp'));
    expect(leftovers).toEqual([]);
    expect(fs.readdirSync(path.join(out, 'runs')).sort()).toEqual(records.map((r) => r.id).sort());
  });

  it('Ctrl-C stops after the current step and says how to resume', async () => {
    const out = path.join(tempDir('sweep-int'), 'sweep');
    const result = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'superposition.js'), 'sweep', '--set', 'sparsity=0.8,0.9', '--steps', '20000', '--workers', '1', '--out', out], { cwd: ROOT });
      let stderr = '';
      let sent = false;
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (!sent && /sweep step \d+\//.test(stderr)) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.on('exit', (status) => resolve({ status, stderr }));
    });
    expect(result.status).toBe(130);
    expect(result.stderr).toMatch(/interrupted at step \d+\/20000; .*Resume with: npx superposition sweep --resume /);
  });
});

describe('shipped config files', () => {
  it('every file in config/ (JSON or YAML) is a valid experiment', () => {
    const dir = path.join(ROOT, 'config');
    const files = fs.readdirSync(dir).filter((f) => /\.(json|ya?ml)$/.test(f));
    expect(files.filter((f) => f.endsWith('.json')).length).toBeGreaterThanOrEqual(5);
    expect(files.filter((f) => !f.endsWith('.json')).length).toBeGreaterThanOrEqual(1);
    for (const file of files) {
      const runs = expandSweep(loadExperimentFile(path.join(dir, file)), []);
      expect(runs.length, file).toBe(1);
    }
  });
});
