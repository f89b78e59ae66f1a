// Where a toy-training worker thread gets its code. The TypeScript sources of the worker are
// bundled once per process by esbuild (the compiler tsx itself runs on) into one ES module, which
// each worker loads from a data: URL as plain JavaScript. The alternative, a worker that registers
// tsx's loader (toyWorker.mjs), compiles every module again in every worker and runs the loader's
// hooks on a thread of their own: ~20 MB more per worker, which put a two-worker W3 run over the
// 200 MB the performance issue allows. Same sources, same compiler: the same numbers either way.
// toyWorker.mjs remains the fallback where esbuild cannot run.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

interface EsbuildLike {
  buildSync(options: Record<string, unknown>): { outputFiles?: { text: string }[] };
}

let bundled: URL | null | undefined;
let bundling = true;

/** Tests: whether workers run the esbuild bundle (default) or the tsx entry. */
export function setWorkerBundling(enabled: boolean): void {
  bundling = enabled;
}

/** The worker's module: a bundle of toyWorker.ts as a data: URL, or toyWorker.mjs (tsx) without esbuild. */
export function toyWorkerScript(): URL {
  if (bundling && bundled === undefined) bundled = bundle();
  return (bundling && bundled) || new URL('./toyWorker.mjs', import.meta.url);
}

function bundle(): URL | null {
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
