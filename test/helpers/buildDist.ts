// Vitest's global setup: `npm run build` before any test file runs, so that the tests that spawn
// the command (bin/superposition.js runs dist/) see the sources as they are, also when vitest is
// started directly rather than by `npm test` (whose pretest builds too). The build does nothing
// when dist/ is newer than its sources.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './cli.js';

export default function buildDist(): void {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed: the tests that run the command need dist/');
}
