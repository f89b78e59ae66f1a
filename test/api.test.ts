// The library API (src/index.ts, src/node.ts): the main entry is browser-safe (bundled for the
// browser, and its import graph walked); its one-call training gives the CLI's numbers byte for
// byte; the pentagon and an SAE through it; the async forms, and results files both ways.

import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  VERSION,
  readToyRunFiles,
  saeRunFiles,
  toyRunFiles,
  trainSaes,
  trainSaesAsync,
  trainToyModel,
  trainToyModelAsync,
  type ToyProgress,
} from '../src/index.js';
import * as nodeEntry from '../src/node.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

/** npm packages the main entry may reach: pure ES modules with no Node API (as test/codebase.test.ts's list). */
const BROWSER_SAFE_PACKAGES = ['linear-sum-assignment', 'zod'];

/** Every source file the main entry reaches through static imports, re-exports and import() of a literal, with what each imports. */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (graph.has(file)) continue;
    // Comments blanked first: a doc comment's @example imports the package by name.
    const code = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    const specs = [...code.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]);
    graph.set(file, specs);
    for (const spec of specs) if (spec.startsWith('.')) pending.push(path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'));
  }
  return graph;
}

describe('the main entry is browser-safe', () => {
  it('imports, through every file it reaches, no Node built-in and no package but the browser-safe ones', () => {
    const graph = importGraph(path.join(ROOT, 'src/index.ts'));
    expect(graph.size).toBeGreaterThan(50);
    const wrong = [...graph].flatMap(([file, specs]) =>
      specs.filter((s) => !s.startsWith('.') && !BROWSER_SAFE_PACKAGES.includes(s)).map((s) => `${path.relative(ROOT, file)} → ${s}`),
    );
    expect(wrong).toEqual([]);
    for (const file of graph.keys()) expect(fs.readFileSync(file, 'utf8'), path.relative(ROOT, file)).not.toMatch(/\bprocess\.|\bBuffer\b|require\(/);
  });

  it('bundles with esbuild for the browser, with no Node built-in among its inputs', async () => {
    const result = await build({
      entryPoints: [path.join(ROOT, 'src/index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => input.startsWith('node:') || /^(fs|path|os|worker_threads|child_process)$/.test(input))).toEqual([]);
    expect(result.outputFiles[0].text).toContain('trainToyModel');
  });
});

describe('the library gives the CLI numbers', () => {
  const dir = tempDir('api-cli');
  const run = path.join(dir, 'run');
  const cli = runCli(['--sparsity', '0.7', '0.9', '--steps', '400', '--eval-size', '5000', '--workers', '1', '--no-plots', '--quiet', '--out', run]);
  const model = trainToyModel({ sparsity: [0.7, 0.9], steps: 400, evalSize: 5000 });
  const sae = { arch: ['topk' as const, 'relu' as const], dictSize: [12], saeSteps: 300, saeEvalSize: 4000 };

  it('trainToyModel writes the files of `superposition --workers 1`, byte for byte', () => {
    expect(cli.status, cli.stderr).toBe(0);
    const files = toyRunFiles(model);
    expect(Buffer.from(files['weights.safetensors'] as Uint8Array).equals(fs.readFileSync(path.join(run, 'weights.safetensors')))).toBe(true);
    expect(files['metrics.json']).toBe(fs.readFileSync(path.join(run, 'metrics.json'), 'utf8'));
    expect(files['history.csv']).toBe(fs.readFileSync(path.join(run, 'history.csv'), 'utf8'));
    expect(nodeEntry.readRunConfig(run)).toEqual(model.config);
  });

  it('trainSaes gives the numbers and files of `superposition sae --from`', () => {
    const out = path.join(dir, 'sae');
    const result = runCli(['sae', '--from', run, '--out', out, '--arch', 'topk', 'relu', '--dict-size', '12', '--sae-steps', '300', '--sae-eval-size', '4000', '--no-plots', '--quiet']);
    expect(result.status, result.stderr).toBe(0);
    const trained = trainSaes(model, sae);
    const recorded = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8')) as { saes: { mmcs: number; mcc: number; l0: number }[] };
    expect(trained.saes.map((s) => s.metrics.mmcs)).toEqual(recorded.saes.map((s) => s.mmcs));
    const files = saeRunFiles(model, trained);
    expect(files['metrics.json']).toBe(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    expect(files['history.csv']).toBe(fs.readFileSync(path.join(out, 'history.csv'), 'utf8'));
    expect(Buffer.from(files['weights.safetensors'] as Uint8Array).equals(fs.readFileSync(path.join(out, 'weights.safetensors')))).toBe(true);
  });

  it('a results folder read back as files is the same model, and SAEs on it give the same numbers', () => {
    const read = readToyRunFiles({
      'config.json': fs.readFileSync(path.join(run, 'config.json')),
      'weights.safetensors': fs.readFileSync(path.join(run, 'weights.safetensors')),
    });
    expect(read.config).toEqual(model.config);
    expect(read.W).toEqual(model.W);
    expect(read.b).toEqual(model.b);
    const fromFiles = trainSaes(read, { ...sae, arch: ['relu'], saeSteps: 50 });
    const fromModel = trainSaes(model, { ...sae, arch: ['relu'], saeSteps: 50 });
    expect(fromFiles.saes.map((s) => s.metrics)).toEqual(fromModel.saes.map((s) => s.metrics));
  });
});

describe('the paper through the API', () => {
  // n = 5, m = 2, I = 0.9^i, S = 0.9: the best of 4 restarts by loss represents all 5 features
  // (test/paperResult.test.ts: about a third of restarts end in a 4-feature minimum).
  const model = trainToyModel({ nFeatures: 5, nHidden: 2, importanceDecay: 0.9, sparsity: [0.9, 0.9, 0.9, 0.9], evalSize: 20_000 });
  const instances = model.metrics.instances;
  const best = instances.reduce((b, m, k) => (m.finalLoss < instances[b].finalLoss ? k : b), 0);

  it('the pentagon: 5 features in 2 dimensions', () => {
    expect(instances[best].represented).toBe(5);
    for (const d of instances[best].dimensionality) expect(d).toBeCloseTo(0.4, 1);
  });

  it('an SAE on it recovers the 5 directions (MMCS ≥ 0.95)', () => {
    const { saes } = trainSaes(model, { arch: ['relu'], dictSize: [10] });
    expect(saes).toHaveLength(4);
    const { metrics } = saes.find((s) => s.spec.toyInstance === best)!;
    expect(metrics.represented).toBe(5);
    expect(metrics.recovered090).toBe(5);
    expect(metrics.mmcs).toBeGreaterThanOrEqual(0.95);
    expect(saes[best].weights.W_dec).toHaveLength(2 * 10);
  });
});

describe('async training, options and errors', () => {
  const input = { nFeatures: 6, nHidden: 3, sparsity: [0.8], steps: 300, evalSize: 2000 };

  it('trainToyModelAsync gives the numbers of trainToyModel and reports progress up to the last step', async () => {
    const seen: number[] = [];
    const model = await trainToyModelAsync(input, { sliceMs: 1, onProgress: (p: ToyProgress) => seen.push(p.step) });
    expect(model.W).toEqual(trainToyModel(input).W);
    expect(seen.at(-1)).toBe(300);
    expect(seen.length).toBeGreaterThan(1);
  });

  it('trainToyModel reports progress every progressEvery steps', () => {
    const seen: number[] = [];
    trainToyModel({ ...input, steps: 250 }, { progressEvery: 100, onProgress: (p) => seen.push(p.step) });
    expect(seen).toEqual([100, 200, 250]);
  });

  it('an aborted signal stops training: the promise rejects with its reason', async () => {
    const controller = new AbortController();
    const training = trainToyModelAsync({ ...input, steps: 1_000_000 }, { sliceMs: 5, signal: controller.signal, onProgress: () => controller.abort(new Error('stop')) });
    await expect(training).rejects.toThrow('stop');
    const model = trainToyModel(input);
    await expect(trainSaesAsync(model, { saeSteps: 10 }, { signal: AbortSignal.abort() })).rejects.toThrow();
  });

  it('trainSaesAsync gives the numbers of trainSaes', async () => {
    const model = trainToyModel(input);
    const config = { arch: ['batchtopk' as const], saeSteps: 200, saeEvalSize: 2000 };
    expect((await trainSaesAsync(model, config, { sliceMs: 1 })).saes.map((s) => s.metrics)).toEqual(trainSaes(model, config).saes.map((s) => s.metrics));
  });

  it('bad input: one-line ConfigError naming the field', () => {
    expect(() => trainToyModel({ nHidden: 0 })).toThrow(ConfigError);
    expect(() => trainToyModel({ nHidden: 0 })).toThrow(/^--dense-dim must be/);
  });

  it('VERSION is package.json’s version', () => {
    expect(VERSION).toBe((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('the Node entry re-exports the main entry and adds results folders, sweeps, plots and workers', () => {
    for (const name of ['trainToyModel', 'runToyExperiment', 'runSaeExperiment', 'loadToySource', 'loadConfigFile', 'expandSweep', 'runSweep', 'writeToyPlots', 'writeSaePlots', 'trainToyParallel'])
      expect(typeof (nodeEntry as Record<string, unknown>)[name], name).toBe('function');
  });
});
