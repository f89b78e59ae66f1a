// The package as a user gets it: `npm pack` of the built dist/, the tarball
// installed into an empty folder (its dependencies from the npm registry), then there the CLI
// through npx, `serve` serving the explorer, the README's library example as written, and a TypeScript consumer of both entries
// type-checked against the installed declarations. Also what the tarball holds, and its size.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers/cli.js';
import { startServe } from './helpers/serve.js';

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string; size: number }[];
}

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 300_000, env: { ...process.env, npm_config_update_notifier: 'false' } });
}

function expectOk(result: SpawnSyncReturns<string>): void {
  expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
}

/** The first ```js block under "## Use as a library" in README.md, or undefined. */
function readmeLibraryExample(readme: string): string | undefined {
  const section = readme.split(/^## /m).find((part) => part.startsWith('Use as a library'));
  return section?.match(/```js\n([\s\S]*?)```/)?.[1];
}

const CONSUMER_TS = `import { decodeSafetensors, resolveToyConfig, trainToyModel, type TensorMap, type ToyConfig, type TrainedToyModel } from 'superposition-lab';
import { runToyExperiment, trainSaes, type ToyRunResult, type TrainedSaes } from 'superposition-lab/node';

const config: ToyConfig = resolveToyConfig({ sparsity: [0.9], steps: 10 });
const model: TrainedToyModel = trainToyModel(config);
const weights: Float32Array = model.W;
const represented: number = model.metrics.instances[0].represented;
const saes: TrainedSaes = trainSaes(model, { arch: ['relu'], dictSize: [10] });
const tensors: TensorMap = decodeSafetensors(new Uint8Array(0)).tensors;
const run: (c: ToyConfig) => Promise<ToyRunResult> = (c) => runToyExperiment(c, { outDir: 'out', plots: false });
export { weights, represented, saes, tensors, run };
`;

describe('the packed package, installed into an empty folder', () => {
  let packDir: string;
  let installDir: string;
  let pack: PackResult;

  beforeAll(() => {
    packDir = tempDir('pack');
    installDir = tempDir('install');
    // --ignore-scripts: prepare would rebuild dist/ while other test files run the command from it;
    // the global setup (test/helpers/buildDist.ts) has just built it.
    const packed = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], ROOT);
    expectOk(packed);
    pack = (JSON.parse(packed.stdout) as PackResult[])[0];
    fs.writeFileSync(path.join(installDir, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module' })}\n`);
    expectOk(run('npm', ['install', path.join(packDir, pack.filename), '--no-audit', '--no-fund', '--prefer-offline'], installDir));
  }, 600_000);

  afterAll(() => {
    for (const dir of [packDir, installDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('holds the built package and no tests, benches, docs images or WebAssembly sources', () => {
    const files = pack.files.map((f) => f.path);
    console.log(`tarball: ${pack.filename}, ${(pack.size / 1024).toFixed(0)} kB packed, ${(pack.unpackedSize / 1024).toFixed(0)} kB unpacked, ${pack.entryCount} files`);
    for (const file of ['bin/superposition.js', 'dist/index.js', 'dist/index.d.ts', 'dist/node.js', 'dist/node.d.ts', 'dist/cli/main.js',
      'dist/cli/main.js.map', 'dist/train/toyWorker.bundle.js', 'dist/kernels/toy/wasm/toyKernels.generated.js',
      'dist/kernels/sae/wasm/saeRelu.generated.js', 'dist/data/wasm/sampler.generated.js', 'dist-web/index.html', 'package.json', 'README.md'])
      expect(files, file).toContain(file);
    // dist/cli/ is the command's bundle (main.js and its chunks), not tsc's modules of src/cli.
    expect(files.filter((f) => f.startsWith('dist/cli/') && !/^dist\/cli\/(main|[A-Za-z]+-[A-Z0-9]{8})\.js(\.map)?$/.test(f))).toEqual([]);
    // Its chunks find the worker threads' bundle through ../train/ (else workers would silently run the unbundled modules).
    const cliDir = path.join(installDir, 'node_modules/superposition-lab/dist/cli');
    const workerPaths = fs.readdirSync(cliDir).filter((f) => f.endsWith('.js')).flatMap((f) => [...fs.readFileSync(path.join(cliDir, f), 'utf8').matchAll(/"([^"]*toyWorker\.bundle\.js)"/g)].map((m) => m[1]));
    expect(workerPaths.length).toBeGreaterThan(0);
    for (const workerPath of workerPaths) expect(fs.existsSync(path.resolve(cliDir, workerPath)), workerPath).toBe(true);
    expect(files.filter((f) => f.startsWith('dist-web/assets/') && f.endsWith('.js')).length, 'the explorer\'s scripts').toBeGreaterThan(0);
    // Images belong to the docs and the site; only the site's own travel with the package.
    expect(files.filter((f) => /^(test|bench|docs|web|wasm|scripts|config|results|test-artifacts)\//.test(f) || (/\.(png|svg)$/.test(f) && !f.startsWith('dist-web/')))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.generated.ts'))).toEqual([]);
    const manifest = JSON.parse(fs.readFileSync(path.join(installDir, 'node_modules/superposition-lab/package.json'), 'utf8'));
    expect(manifest.scripts.prepare).toBeDefined(); // not run for a tarball: dist/ is inside
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
    expect(Object.keys(manifest.dependencies)).not.toContain('esbuild');
    // commander is inside the command's bundle: not a dependency, and never imported from node_modules
    // (vega's own dependencies may hoist an older commander there, which must not stand in for it).
    expect(Object.keys(manifest.dependencies)).not.toContain('commander');
    const cliSources = fs.readdirSync(cliDir).filter((f) => f.endsWith('.js')).map((f) => fs.readFileSync(path.join(cliDir, f), 'utf8'));
    expect(cliSources.filter((text) => /(from\s*|require\(|import\()\s*["']commander["']/.test(text))).toEqual([]);
  });

  it('npx superposition trains (two worker threads: the bundle finds the workers\' bundle) and writes its results folder', () => {
    const result = run('npx', ['superposition', '--sparsity', '0.9', '0.99', '--steps', '2000', '--workers', '2', '--out', 'r'], installDir);
    expectOk(result);
    expect(result.stdout).toMatch(/represented/);
    const out = path.join(installDir, 'r');
    for (const file of ['config.json', 'metrics.json', 'history.csv', 'weights.safetensors', 'plots/feature_norms.png'])
      expect(fs.existsSync(path.join(out, file)), file).toBe(true);
    const metrics = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    expect(metrics.instances).toHaveLength(2);
    expect(fs.readFileSync(path.join(out, 'history.csv'), 'utf8').trim().split('\n').length).toBeGreaterThan(2);
  });

  it('the installed package\'s serve command serves the explorer: its page and the script the page loads', async () => {
    const bin = path.join(installDir, 'node_modules', 'superposition-lab', 'bin', 'superposition.js');
    const serve = await startServe([], { bin, cwd: installDir });
    try {
      const page = await fetch(serve.origin);
      expect(page.status).toBe(200);
      const html = await page.text();
      const script = /<script[^>]+src="\.?\/?([^"]+\.js)"/.exec(html)?.[1];
      expect(script, `a module script in ${html.slice(0, 300)}`).toBeDefined();
      const asset = await fetch(new URL(script!, serve.origin));
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect((await asset.text()).length).toBeGreaterThan(1000);
    } finally {
      expect((await serve.stop()).status).toBe(0);
    }
  });

  it("the README's library example runs as written", () => {
    const example = readmeLibraryExample(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    expect(example, 'README.md: a ```js block under "## Use as a library"').toBeDefined();
    fs.writeFileSync(path.join(installDir, 'example.mjs'), example!);
    const result = run(process.execPath, ['example.mjs'], installDir);
    expectOk(result);
    expect(result.stdout).toMatch(/represented/i);
    expect(result.stdout).toMatch(/MMCS/);
  });

  it('a TypeScript consumer of both entries type-checks (moduleResolution nodenext)', () => {
    fs.writeFileSync(path.join(installDir, 'consumer.ts'), CONSUMER_TS);
    const tsconfig = {
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [path.join(ROOT, 'node_modules/@types')],
      },
      files: ['consumer.ts'],
    };
    fs.writeFileSync(path.join(installDir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
    const tscManifest = path.join(ROOT, 'node_modules/typescript/package.json');
    const tsc = path.join(path.dirname(tscManifest), JSON.parse(fs.readFileSync(tscManifest, 'utf8')).bin.tsc);
    expectOk(run(process.execPath, [tsc, '-p', 'tsconfig.json'], installDir));
  });
});
