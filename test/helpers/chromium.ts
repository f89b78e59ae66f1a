// Debian's chromium for the browser tests (playwright-core drives it; no browser download): where
// it is, the flags it runs with, and whether a test without it skips (with a visible warning) or,
// on CI (CI=true, where .ci/run installs it), fails.

import { execFileSync } from 'node:child_process';

/** The chromium on PATH, or null. */
export function findChromium(): string | null {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (found) return found;
    } catch {
      // not on PATH
    }
  }
  return null;
}

export const CHROMIUM = findChromium();
export const ON_CI = process.env.CI === 'true';
/** Skip a browser test: no chromium, and not on CI (where its absence is a failure). */
export const SKIP_BROWSER = !CHROMIUM && !ON_CI;

/** Warn once per test file that its browser tests are skipped. */
export function warnIfSkipped(file: string): void {
  if (SKIP_BROWSER) console.warn(`${file}: no chromium on PATH — browser test SKIPPED (apt-get install chromium)`);
}

/** Headless, no sandbox (containers), no network but this machine: a page can fetch nothing else. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1',
];
