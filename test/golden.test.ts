// Golden files: the exact bytes that fixed configs produce, recorded before a refactor and checked
// after it (a change of layout must not change a single number). Each case runs the real command and
// hashes the files that carry numbers (weights, metrics.json, history.csv, and the same under sae/);
// the kernel cases call the toy kernel with every route forced, on float64 and float32 problems.
//
// The configs cover every route the trainer takes (dense and sparse instances, small and large n),
// relu and linear, every SAE architecture with resampling and AuxK, steps and epochs modes, and 1 and
// 2 workers. Record anew (only when a change is meant to change numbers) with GOLDEN_UPDATE=1.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';
import { makeProblem32, runFast } from './helpers/toyProblem32.js';

const GOLDEN = path.join(path.dirname(new URL(import.meta.url).pathname), 'golden', 'hashes.json');
const update = process.env.GOLDEN_UPDATE === '1';
const expected: Record<string, Record<string, string>> = fs.existsSync(GOLDEN) ? JSON.parse(fs.readFileSync(GOLDEN, 'utf8')) : {};
const recorded: Record<string, Record<string, string>> = {};

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const RUN_FILES = ['weights.safetensors', 'metrics.json', 'history.csv'];

/** Hashes of the number-carrying files of a run folder (and of its sae/ folder when there is one). */
function folderHashes(dir: string): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const sub of ['', 'sae']) {
    for (const file of RUN_FILES) {
      const full = path.join(dir, sub, file);
      if (fs.existsSync(full)) hashes[path.join(sub, file)] = sha256(fs.readFileSync(full));
    }
  }
  return hashes;
}

function check(name: string, hashes: Record<string, string>) {
  recorded[name] = hashes;
  if (update) return;
  expect(expected[name], `no golden hashes for "${name}": record them with GOLDEN_UPDATE=1`).toBeDefined();
  expect(hashes).toEqual(expected[name]);
}

afterAll(() => {
  if (!update) return;
  const merged = { ...expected, ...recorded };
  const sorted = Object.fromEntries(Object.keys(merged).sort().map((k) => [k, merged[k]]));
  fs.mkdirSync(path.dirname(GOLDEN), { recursive: true });
  fs.writeFileSync(GOLDEN, `${JSON.stringify(sorted, null, 2)}\n`);
});

function cli(args: string[]): string {
  const out = path.join(tempDir('golden'), 'run');
  const r = runCli([...args, '--no-plots', '--quiet', '--out', out]);
  expect(r.status, r.stderr).toBe(0);
  return out;
}

// Dense to very sparse instances at the seed's shape: h32 over dense rows, h32 gathered, gram32.
const GRID = ['--sparsity', '0', '0.3', '0.7', '0.85', '0.9', '0.99'];

const TOY_CASES: Record<string, string[]> = {
  'toy relu n20 m5 grid, 1 worker': [...GRID, '--steps', '400', '--workers', '1'],
  'toy relu n20 m5 grid, 2 workers': [...GRID, '--steps', '400', '--workers', '2'],
  'toy linear n30 m8': ['--model', 'linear', '--sparse-dim', '30', '--dense-dim', '8', '--sparsity', '0', '0.5', '0.95', '--steps', '300', '--workers', '1'],
  'toy relu n100 m10 adamw cosine': [
    '--sparse-dim', '100', '--dense-dim', '10', '--sparsity', '0', '0.9', '0.99', '0.999', '--steps', '150', '--batch-size', '512',
    '--optimizer', 'adamw', '--lr-schedule', 'cosine', '--warmup-steps', '20', '--workers', '2',
  ],
  'toy n5 m2 importance 0.9, epochs, 2 workers': [
    '--sparse-dim', '5', '--dense-dim', '2', '--importance-decay', '0.9', '--sparsity', '0', '0.82', '0.9',
    '--num-epochs', '3', '--dataset-size', '5000', '--batch-size', '256', '--seed', '3', '--workers', '2',
  ],
  'toy epochs, 1 worker': ['--sparsity', '0.82', '0.85', '0.87', '--num-epochs', '2', '--dataset-size', '10240', '--workers', '1'],
};

describe('golden files: toy runs', () => {
  for (const [name, args] of Object.entries(TOY_CASES)) it(name, () => check(name, folderHashes(cli(args))));

  it('1 and 2 workers give the same bytes', () => {
    if (update) return;
    expect(expected['toy relu n20 m5 grid, 2 workers']).toEqual(expected['toy relu n20 m5 grid, 1 worker']);
  });
});

describe('golden files: SAEs', () => {
  const SAE = ['--sae-steps', '300', '--sae-eval-size', '5000'];
  const cases: Record<string, string[]> = {
    'sae every arch, 40 latents': ['--arch', 'relu', 'topk', 'batchtopk', 'jumprelu', 'gated', '--dict-size', '40', ...SAE],
    'sae relu anthropic resampling, lambda grid': ['--arch', 'relu', '--l1', '0.001', '0.01', '--resample', 'anthropic', '--resample-interval', '100', '--dead-window', '50', ...SAE],
    'sae topk auxk, mean b_dec, linear schedule': ['--arch', 'topk', 'batchtopk', '--k', '1', '3', '--aux-coefficient', '0.1', '--dead-window', '30', '--b-dec-init', 'mean', '--sae-lr-schedule', 'linear', ...SAE],
    'sae jumprelu gated simple resampling, 2 seeds': ['--arch', 'jumprelu', 'gated', '--resample', 'simple', '--resample-interval', '100', '--sae-seeds', '2', '--l1-warmup-steps', '50', ...SAE],
  };
  let toyRun = '';
  it('the toy run they read', () => {
    toyRun = cli(['--sparsity', '0.7', '0.9', '0.99', '--steps', '500', '--workers', '1']);
    check('sae source toy run', folderHashes(toyRun));
  });
  for (const [name, args] of Object.entries(cases)) {
    it(name, () => {
      const out = path.join(tempDir('golden-sae'), 'sae');
      const r = runCli(['sae', '--from', toyRun, ...args, '--no-plots', '--quiet', '--out', out]);
      expect(r.status, r.stderr).toBe(0);
      const hashes: Record<string, string> = {};
      for (const file of RUN_FILES) if (fs.existsSync(path.join(out, file))) hashes[file] = sha256(fs.readFileSync(path.join(out, file)));
      check(name, hashes);
    });
  }
  it('--sae inline with the toy run (2 workers)', () => {
    check('sae inline, 2 workers', folderHashes(cli(['--sparsity', '0.9', '--steps', '300', '--workers', '2', '--sae', '--arch', 'topk', 'relu', ...SAE])));
  });
});

describe('golden files: sweep', () => {
  it('a packed sweep: each run folder', () => {
    const out = path.join(tempDir('golden-sweep'), 'sweep');
    const r = runCli([
      'sweep', '--sparse-dim', '8', '--dense-dim', '3', '--steps', '200', '--sparsity', '0.8',
      '--set', 'seed=0,1', '--set', 'importanceDecay=0.7,0.9', '--set', 'arch=relu,topk', '--set', 'saeSteps=200',
      '--workers', '2', '--quiet', '--out', out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const hashes: Record<string, string> = {};
    for (const id of fs.readdirSync(path.join(out, 'runs')).sort())
      for (const [file, hash] of Object.entries(folderHashes(path.join(out, 'runs', id)))) hashes[`${id}/${file}`] = hash;
    hashes['summary.csv'] = sha256(fs.readFileSync(path.join(out, 'summary.csv')));
    check('sweep packed', hashes);
  });
});

describe('golden files: the toy kernel, every route forced', () => {
  // float32 problems take every route; float64 ones the float64 routes (h, gram, hybrid).
  const ROUTES = [undefined, 'h', 'gram', 'hybrid', 'h32', 'gram32'] as const;
  const SHAPES: Array<[number, number]> = [[20, 5], [37, 11], [5, 2]];
  for (const [n, m] of SHAPES) {
    for (const activation of ['relu', 'linear'] as const) {
      it(`n ${n}, m ${m}, ${activation}`, () => {
        const hashes: Record<string, string> = {};
        const pr32 = makeProblem32(n, m, 300, [0, 0.5, 0.9, 0.99, 1], activation, 11 * n + m);
        const pr64 = { ...pr32, params: { W: Float64Array.from(pr32.params.W), b: Float64Array.from(pr32.params.b) }, x: Float64Array.from(pr32.x) };
        for (const route of ROUTES) {
          for (const [precision, pr] of [['f32', pr32], ['f64', pr64]] as const) {
            if (precision === 'f64' && (route === 'h32' || route === 'gram32')) continue;
            for (const gather of route === 'h32' ? [true, false] : [undefined]) {
              // eslint-disable-next-line @typescript-eslint/no-explicit-any
              const got = runFast(pr as any, { route, gather });
              const key = `${precision} ${route ?? 'chosen'}${gather === undefined ? '' : gather ? ' gathered' : ' dense'}`;
              const bytes = new Uint8Array(got.loss.byteLength + got.grads.W.byteLength + got.grads.b.byteLength);
              bytes.set(new Uint8Array(got.loss.buffer), 0);
              bytes.set(new Uint8Array(got.grads.W.buffer), got.loss.byteLength);
              bytes.set(new Uint8Array(got.grads.b.buffer), got.loss.byteLength + got.grads.W.byteLength);
              hashes[key] = `${sha256(bytes)} ${got.reports.map((r) => r.route).join(',')}`;
            }
          }
        }
        // Route 'gram' with the batch moments forced off and on, and with no output settled.
        for (const [label, options] of [['moments off', { moments: false }], ['moments on', { moments: true }], ['unsettled', { settle: false }]] as const) {
          const got = runFast(pr64 as any, { route: 'gram', ...options }); // eslint-disable-line @typescript-eslint/no-explicit-any
          const bytes = new Uint8Array(got.loss.byteLength + got.grads.W.byteLength + got.grads.b.byteLength);
          bytes.set(new Uint8Array(got.loss.buffer), 0);
          bytes.set(new Uint8Array(got.grads.W.buffer), got.loss.byteLength);
          bytes.set(new Uint8Array(got.grads.b.buffer), got.loss.byteLength + got.grads.W.byteLength);
          hashes[`f64 gram ${label}`] = `${sha256(bytes)} ${got.reports.map((r) => r.moments).join(',')}`;
        }
        check(`kernel n${n} m${m} ${activation}`, hashes);
      });
    }
  }
});
