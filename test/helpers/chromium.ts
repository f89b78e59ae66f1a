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

/**
 * Headless, no sandbox (containers), no network but this machine: a page can fetch nothing else.
 * Without the browser's own omnibox popups: headless Chromium 156 builds them as WebUI pages
 * (chrome://omnibox-popup.top-chrome, its "AI mode" variant) in a renderer of their own with new
 * pages, ~2 s of two threads' work that on a two-core machine halved the explorer's first second
 * of training (bench:web measured W1 at 0.59× Node with them). Both features are needed: with the
 * first alone the popup still came in one trace of three. The page under test is unaffected.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1',
];
