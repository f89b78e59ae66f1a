// The seed's three example commands, run as a user would (fewer steps), write the whole results
// folder; the safetensors file is parsed byte by byte here, independently of our decoder.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';

function readSafetensorsHeader(file: string) {
  const bytes = fs.readFileSync(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  return { bytes, headerLength, header };
}

function expectResultsFolder(out: string, nInstances: number, nHidden: number, nFeatures: number, totalSteps: number) {
  for (const file of ['config.json', 'metrics.json', 'history.csv', 'weights.safetensors'])
    expect(fs.existsSync(path.join(out, file)), file).toBe(true);
  const plots = fs.readdirSync(path.join(out, 'plots'));
  const gramNames = Array.from({ length: nInstances }, (_, k) => `gram_${String(k).padStart(2, '0')}`);
  for (const name of ['data_distribution', 'feature_norms', 'loss_curves', 'summary', ...gramNames]) {
    expect(plots).toContain(`${name}.svg`);
    expect(plots).toContain(`${name}.png`);
  }

  const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  expect(config.seed).toBe(0);
  expect(config.version).toMatch(/^\d+\.\d+\.\d+/);
  expect(config.nFeatures).toBe(nFeatures);
  expect(config.nHidden).toBe(nHidden);

  const metrics = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
  expect(metrics.instances).toHaveLength(nInstances);
  for (const m of metrics.instances) {
    for (const key of ['sparsity', 'finalLoss', 'represented', 'dimensionsPerFeature']) expect(typeof m[key]).toBe('number');
    for (const key of ['featureNorms', 'interference', 'dimensionality', 'bias']) expect(m[key]).toHaveLength(nFeatures);
    expect(m.represented).toBe(m.featureNorms.filter((v: number) => v > 0.5).length);
  }

  const history = fs.readFileSync(path.join(out, 'history.csv'), 'utf8').trim().split('\n');
  expect(history[0]).toBe('step,instance,sparsity,loss');
  const steps = [...new Set(history.slice(1).map((line) => Number(line.split(',')[0])))];
  const expectedSteps = [];
  for (let s = 0; s < totalSteps; s += 100) expectedSteps.push(s);
  if (expectedSteps.at(-1) !== totalSteps - 1) expectedSteps.push(totalSteps - 1);
  expect(steps).toEqual(expectedSteps);
  expect(history.length - 1).toBe(expectedSteps.length * nInstances);

  const { bytes, headerLength, header } = readSafetensorsHeader(path.join(out, 'weights.safetensors'));
  expect((8 + headerLength) % 8).toBe(0);
  const wBytes = nInstances * nHidden * nFeatures * 4;
  const bBytes = nInstances * nFeatures * 4;
  expect(header.W).toEqual({ dtype: 'F32', shape: [nInstances, nHidden, nFeatures], data_offsets: [0, wBytes] });
  expect(header.b).toEqual({ dtype: 'F32', shape: [nInstances, nFeatures], data_offsets: [wBytes, wBytes + bBytes] });
  expect(bytes.length).toBe(8 + headerLength + wBytes + bBytes);
  // The stored bias equals metrics.json's bias (float32 round trip).
  for (let k = 0; k < nInstances; k++)
    for (let i = 0; i < nFeatures; i++)
      expect(bytes.readFloatLE(8 + headerLength + wBytes + 4 * (k * nFeatures + i))).toBe(metrics.instances[k].bias[i]);
}

describe('the seed\'s example commands, end to end', () => {
  it('--sparsity 0.82 0.85 0.87 --num-epochs 5 (fixed dataset)', () => {
    const out = path.join(tempDir('e2e-epochs'), 'run');
    const r = runCli(['--sparsity', '0.82', '0.85', '0.87', '--num-epochs', '5', '--dataset-size', '20480', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expectResultsFolder(out, 3, 5, 20, 100);
    expect(r.stdout).toMatch(/sparsity\s+loss\s+represented\s+dims\/feature/);
    expect(r.stdout).toMatch(/0\.85\s+\S+\s+\d+\/20/);
    expect(r.stderr).toMatch(/step 100\/100 \(100%\)/); // plain progress lines off a terminal
  });

  it('--sparse-dim 30 --dense-dim 8', () => {
    const out = path.join(tempDir('e2e-dims'), 'run');
    const r = runCli(['--sparse-dim', '30', '--dense-dim', '8', '--steps', '250', '--out', out, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expectResultsFolder(out, 9, 8, 30, 250);
  });

  it('the default experiment, into results/<name>', () => {
    const cwd = tempDir('e2e-default');
    const r = runCli(['--steps', '150', '--name', 'default', '--quiet'], cwd);
    expect(r.status, r.stderr).toBe(0);
    expectResultsFolder(path.join(cwd, 'results', 'default'), 9, 5, 20, 150);
  });
});

describe('determinism', () => {
  const run = (seed: number) => {
    const out = path.join(tempDir('e2e-seed'), 'run');
    const r = runCli(['--sparsity', '0.5', '0.9', '--steps', '300', '--seed', String(seed), '--no-plots', '--quiet', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    return out;
  };

  it('same seed and config → byte-identical metrics.json and weights; another seed → other weights', () => {
    const a = run(7);
    const b = run(7);
    const c = run(8);
    expect(fs.readFileSync(path.join(a, 'metrics.json'))).toEqual(fs.readFileSync(path.join(b, 'metrics.json')));
    expect(fs.readFileSync(path.join(a, 'weights.safetensors'))).toEqual(fs.readFileSync(path.join(b, 'weights.safetensors')));
    expect(fs.readFileSync(path.join(a, 'weights.safetensors'))).not.toEqual(fs.readFileSync(path.join(c, 'weights.safetensors')));
    expect(fs.existsSync(path.join(a, 'plots'))).toBe(false); // --no-plots
  });
});

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!hasNumpy)('safetensors read from Python', () => {
  it('numpy reads W and b with the right shapes, matching metrics.json', () => {
    const out = path.join(tempDir('e2e-python'), 'run');
    const r = runCli(['--sparsity', '0.9', '0.99', '--steps', '50', '--no-plots', '--quiet', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    // The safetensors layout read with the standard library and numpy only (the format's spec).
    const script = `
import json, struct, sys, numpy as np
raw = open(sys.argv[1] + '/weights.safetensors', 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
def tensor(name):
    begin, end = header[name]['data_offsets']
    return np.frombuffer(raw[8 + n + begin: 8 + n + end], dtype='<f4').reshape(header[name]['shape'])
W, b = tensor('W'), tensor('b')
norms = np.linalg.norm(W, axis=1)
metrics = json.load(open(sys.argv[1] + '/metrics.json'))
print(json.dumps({'W': list(W.shape), 'b': list(b.shape),
  'normError': float(max(abs(norms[k] - np.array(m['featureNorms'])).max() for k, m in enumerate(metrics['instances'])))}))
`;
    const py = spawnSync('python3', ['-c', script, out], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    const result = JSON.parse(py.stdout);
    expect(result.W).toEqual([2, 5, 20]);
    expect(result.b).toEqual([2, 20]);
    expect(result.normError).toBeLessThan(1e-5);
  });
});
