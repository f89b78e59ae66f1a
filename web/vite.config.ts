// Builds the browser explorer (web/) into a static site in dist-web/: relative asset URLs (base
// './') so it works under any path of any static host, everything bundled (no CDN), the training
// in an ES-module Web Worker. The library comes in through its public entry only: the alias maps
// 'superposition-lab' to the sources of src/index.ts.

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: './',
  resolve: { alias: { 'superposition-lab': here('../src/index.ts') } },
  worker: { format: 'es' },
  build: {
    outDir: here('../dist-web'),
    emptyOutDir: true,
    target: 'es2022',
    // The WebAssembly kernels travel as base64 inside the worker's chunk: no inlining limit to tune.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
    reportCompressedSize: true,
  },
});
