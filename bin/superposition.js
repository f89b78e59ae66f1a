#!/usr/bin/env -S node --max-semi-space-size=2 --expose-gc
// The `superposition` command: runs the command's bundle, dist/cli/main.js and the chunks it
// imports (`npm run build` makes it with esbuild from src/cli/main.ts; npm ci and a git install
// run the build through prepare, and a tarball holds it already).
// Node runs it with a young generation of 2 MB semi-spaces instead of 16: the training loops
// allocate nothing, so a large nursery only holds start-up garbage, ~30 MB of RSS (a two-worker
// W3 run peaks at 160 MiB instead of ~190; no step is slower). --expose-gc lets the plots collect
// the tens of MB of garbage each one leaves (src/report/render.ts). `npm start` passes the same
// flags. Neither costs start-up time (measured: `node -e 0` with and without them, within 2%).
import { main } from '../dist/cli/main.js';

// A reader that closes the pipe early (`superposition --help | head -3`) ends what is printed, not
// the command: a run goes on writing its results folder, which is what it is for.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}

process.exitCode = await main(process.argv.slice(2));
