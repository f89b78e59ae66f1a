// Where a toy-training worker thread gets its code. A worker runs one ES module bundle of
// toyWorker.ts and everything it imports, not the module tree: loading one file is faster, and the
// alternative under tsx (toyWorker.mjs, which registers tsx's loader) compiles every module again
// in every worker and runs the loader's hooks on a thread of their own: ~20 MB more per worker,
// which put a two-worker W3 run over the 200 MB the performance issue allows.
//   Compiled (dist/, the package): the bundle made at build time by scripts/build.mjs,
//     dist/train/toyWorker.bundle.js; esbuild is a dev dependency and is not needed at run time.
//     This module runs from dist/train/ (the library) or from a chunk of the command's bundle in
//     dist/cli/: the paths below go through ../train/ so that they hold from either folder.
//   Sources (vitest, tsx, the bench): esbuild bundles the sources once per process into a data:
//     URL, so that an edit is seen without a build.
// Same sources, same compiler: the same numbers either way. Without bundling (tests, or a dist/
// built by tsc alone) a worker loads toyWorker.js (compiled) or toyWorker.mjs (tsx).

import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

interface EsbuildLike {
  buildSync(options: Record<string, unknown>): { outputFiles?: { text: string }[] };
}

/** Whether this module runs as TypeScript source (tsx, vitest) rather than compiled JavaScript. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');

let bundled: URL | null | undefined;
let bundling = true;

/** Tests: whether workers run the bundle (default) or the unbundled entry. */
export function setWorkerBundling(enabled: boolean): void {
  bundling = enabled;
}

/** The worker's module: the bundle of toyWorker.ts (a file when compiled, a data: URL from sources), or the unbundled entry. */
export function toyWorkerScript(): URL {
  if (bundling && bundled === undefined) bundled = FROM_SOURCES ? bundleSources() : prebuiltBundle();
  return (bundling && bundled) || new URL(FROM_SOURCES ? './toyWorker.mjs' : '../train/toyWorker.js', import.meta.url);
}

function prebuiltBundle(): URL | null {
  const url = new URL('../train/toyWorker.bundle.js', import.meta.url);
  return fs.existsSync(fileURLToPath(url)) ? url : null;
}

function bundleSources(): URL | null {
  let esbuild: EsbuildLike;
  try {
    esbuild = createRequire(import.meta.url)('esbuild') as EsbuildLike;
  } catch {
    return null;
  }
  const result = esbuild.buildSync({
    entryPoints: [fileURLToPath(new URL('./toyWorker.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles?.[0]?.text;
  return code ? new URL(`data:text/javascript,${encodeURIComponent(code)}`) : null;
}
