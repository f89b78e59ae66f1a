#!/usr/bin/env -S node --max-semi-space-size=2 --expose-gc
// The `superposition` command: runs the TypeScript sources through tsx's loader (no build step).
// Node runs it with a young generation of 2 MB semi-spaces instead of 16: the training loops
// allocate nothing, so a large nursery only holds start-up garbage, ~30 MB of RSS (a two-worker
// W3 run peaks at 160 MiB instead of ~190; no step is slower). --expose-gc lets the plots collect
// the tens of MB of garbage each one leaves (src/report/render.ts). `npm start` passes the same flags.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
