// `npm run build`: the package's dist/ from src/, and the explorer's dist-web/, in six steps, each
// timed on stderr.
//   1. the WebAssembly kernels (scripts/build-wasm.mjs; skipped when up to date);
//   2. the CLI's flag table, src/cli/flagTable.generated.ts: every flag's syntax, help text,
//      choices, default and allowed values as fieldFlags derives them from the zod schemas, so that
//      `superposition --help` and --version need not load zod (~50 ms, as long as Node's own start;
//      a test checks the table against the schemas);
//   3. tsc -p tsconfig.build.json: ES modules, .d.ts and source maps, into dist.next/;
//   4. the worker threads' bundle, dist.next/train/toyWorker.bundle.js (src/train/workerScript.ts
//      says why a worker runs one bundle), with the options workerScript.ts bundles the sources
//      with;
//   5. the command's bundle, dist.next/cli/ (in place of tsc's output for src/cli): esbuild from
//      src/cli/main.ts, ES modules with code splitting, so that what main.ts and commands.ts import
//      with import() (commands, plots, sweeps, the queue, serve, SAEs) stays a chunk of its own that
//      loads only when a command needs it; zod and commander (small, pure JavaScript, on every run's
//      path) are bundled in, every other dependency (native, large, or loaded lazily anyway) is
//      imported from node_modules. One file per chunk instead of ~160 modules: Node's ES module
//      loader resolves, reads and compiles each module on its own, ~100 ms for the tree of a run.
//      Then dist.next/ replaces dist/, so that a deleted source leaves no module behind.
//   6. the explorer's static site, dist-web/, by `npm run build:web` (vite; the page's own script),
//      so that `npx superposition serve` works straight after `npm ci`.
// Steps 2–5 are skipped while dist/ is newer than every file it is made from (~0.1 s instead of ~1.5),
// step 6 while dist-web/index.html is newer than web/, src/ and package.json.
// Run by prepare (npm ci, a git install), pretest, prestart and prebench. A tarball install runs
// none of it: dist/ and dist-web/ are inside the tarball.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const NEXT = `${DIST}.next`;
const STAMP = path.join(DIST, 'cli', 'main.js'); // the build's last output
const FLAG_TABLE = path.join(ROOT, 'src', 'cli', 'flagTable.generated.ts');
const SITE = path.join(ROOT, 'dist-web');
/** What the site is made from: the page (web/) and the library it bundles (src/). */
const SITE_INPUTS = ['web', 'src', 'package.json'];
const require = createRequire(import.meta.url);
/** The dependencies bundled into the command's bundle: pure JavaScript, small, and loaded by every run. */
const CLI_BUNDLED = ['commander', 'zod'];

/** Run one step, print its time; a failed step stops the build with its exit code. */
async function step(name, run) {
  const started = performance.now();
  const status = await run();
  if (status !== 0) {
    console.error(`build: ${name} failed`);
    process.exit(status ?? 1);
  }
  process.stderr.write(`build: ${name} ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
}

function node(script, args = []) {
  return spawnSync(process.execPath, [script, ...args], { cwd: ROOT, stdio: 'inherit' }).status;
}

/** The newest modification time among the given files and folders (recursively) of the repository. */
function newestOf(inputs) {
  let newest = 0;
  const visit = (file) => {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) for (const name of fs.readdirSync(file)) visit(path.join(file, name));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const input of inputs) if (fs.existsSync(path.join(ROOT, input))) visit(path.join(ROOT, input));
  return newest;
}

/** The newest modification time among the files dist/ is made from. */
function newestInput() {
  return newestOf(['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs']);
}

await step('wasm', () => node(path.join(ROOT, 'scripts', 'build-wasm.mjs')));

// Up to date: nothing to do (the test runner calls the build before every run, as does pretest).
if (fs.existsSync(STAMP) && fs.existsSync(FLAG_TABLE) && fs.statSync(STAMP).mtimeMs > newestInput()) process.stderr.write('build: dist/ is up to date\n');
else await buildDist();

await buildSite();

async function buildDist() {

await step('flag table', () => {
  // The config modules are bundled in memory (with zod) and imported from a data: URL: no loader needed.
  const { outputFiles } = require('esbuild').buildSync({
    stdin: {
      contents: `export { flagFields } from './src/config/flags.ts'; export { toyFieldFlags } from './src/config/toy.ts'; export { saeFieldFlags } from './src/config/sae.ts';`,
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    logLevel: 'warning',
  });
  return import(`data:text/javascript,${encodeURIComponent(outputFiles[0].text)}`).then(({ flagFields, toyFieldFlags, saeFieldFlags }) => {
    const table = (flags) => JSON.stringify(flagFields(flags()), null, 2);
    const text =
      `// Generated by scripts/build.mjs from the zod schemas (src/config/toy.ts, sae.ts) through flagFields;\n` +
      `// do not edit (npm run build rebuilds it; test/flagTable.test.ts checks it against the schemas).\n\n` +
      `import type { CliFlag } from '../config/flags.js';\n\n` +
      `export const TOY_FLAGS: CliFlag[] = ${table(toyFieldFlags)};\n\n` +
      `export const SAE_FLAGS: CliFlag[] = ${table(saeFieldFlags)};\n`;
    const file = path.join(ROOT, 'src', 'cli', 'flagTable.generated.ts');
    // Written only when it changes, so that tools watching src/ see no edit on every build.
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) fs.writeFileSync(file, text);
    return 0;
  });
});

await step('tsc', () => {
  fs.rmSync(NEXT, { recursive: true, force: true });
  const manifest = require.resolve('typescript/package.json');
  return node(path.join(path.dirname(manifest), require(manifest).bin.tsc), ['-p', 'tsconfig.build.json', '--outDir', NEXT]);
});

await step('worker bundle', () => {
  require('esbuild').buildSync({
    entryPoints: [path.join(ROOT, 'src', 'train', 'toyWorker.ts')],
    outfile: path.join(NEXT, 'train', 'toyWorker.bundle.js'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  return 0;
});

await step('cli bundle', () => {
  bundleCli(path.join(NEXT, 'cli'));
  // The new dist/ replaces the old in two renames: a command started meanwhile finds one whole.
  const old = `${DIST}.old`;
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(DIST)) fs.renameSync(DIST, old);
  fs.renameSync(NEXT, DIST);
  fs.rmSync(old, { recursive: true, force: true });
  return 0;
});
}

/**
 * The command's bundle in `outdir` (replacing tsc's modules of src/cli there): main.js, which
 * bin/superposition.js imports, and its chunks beside it. The chunks sit in the same folder as
 * main.js, one level below dist/ like tsc's modules, so that paths made from import.meta.url
 * (serve's ../../dist-web/, the worker bundle's ../train/toyWorker.bundle.js) hold in both.
 */
function bundleCli(outdir) {
  const { dependencies } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  fs.rmSync(outdir, { recursive: true, force: true });
  require('esbuild').buildSync({
    entryPoints: [path.join(ROOT, 'src', 'cli', 'main.ts')],
    outdir,
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: Object.keys(dependencies).filter((name) => !CLI_BUNDLED.includes(name)),
    // commander is CommonJS: its require() of Node's modules needs a require in an ES module.
    banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module';\nconst require = __bundleCreateRequire(import.meta.url);" },
    sourcemap: 'linked',
    sourcesContent: false, // the maps point at src/, which the package holds
    logLevel: 'warning',
  });
}

/** The explorer's static site, dist-web/, by the page's own script (npm run build:web: vite), when its inputs changed. */
async function buildSite() {
  if (!fs.existsSync(path.join(ROOT, 'web'))) return; // no page sources: nothing to build
  const stamp = path.join(SITE, 'index.html'); // vite writes it last-but-not-least; it is what serve looks for
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs > newestOf(SITE_INPUTS)) {
    process.stderr.write('build: dist-web/ is up to date\n');
    return;
  }
  await step('site (vite)', () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    return spawnSync(npm, ['run', '--silent', 'build:web'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, npm_config_update_notifier: 'false' } }).status;
  });
}
