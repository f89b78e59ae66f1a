// The reproduce report in a real browser (headless Chromium via playwright-core): no console
// errors, every figure drawn with a nonzero size, and a screenshot. The page is built here with
// the report's own HTML builder and one small rendered figure (so reproduce does not run twice);
// REPRODUCE_REPORT=<file> checks an existing report.html instead.
// No chromium on PATH: skipped with a warning — except on CI (CI=true), where that fails.

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { TopLevelSpec } from 'vega-lite';
import { renderSpec } from '../src/report/render.js';
import { reportHtml } from '../src/report/reportHtml.js';
import { CHROMIUM, CHROMIUM_ARGS, SKIP_BROWSER, warnIfSkipped } from './helpers/chromium.js';
import { tempDir } from './helpers/cli.js';

warnIfSkipped('reportBrowser.test');

async function syntheticReport(dir: string): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'synthetic loss curve',
    width: 240,
    height: 140,
    data: { values: [0, 0.5, 0.8, 0.9, 0.99].map((sparsity, i) => ({ sparsity, loss: 1 / (i + 1) })) },
    mark: { type: 'line', point: true },
    encoding: { x: { field: 'sparsity', type: 'quantitative' }, y: { field: 'loss', type: 'quantitative' } },
  };
  const { svg } = await renderSpec(spec);
  const html = reportHtml({
    title: 'synthetic report',
    version: 'test',
    quick: true,
    startedAt: new Date().toISOString(),
    runtimeSeconds: 1,
    claims: [
      { id: 'x-synthetic', claim: 'a claim <with> markup & "quotes"', source: 'a test', measured: '1 ± 0', rule: 'always', verdict: 'partly', figures: [{ caption: 'one figure', svg }] },
      { id: 'y-not-run', claim: 'not run', source: 'a test', measured: '—', rule: 'none', verdict: 'not run', reason: 'not implemented', figures: [] },
    ],
  });
  const file = path.join(dir, 'report.html');
  fs.writeFileSync(file, html);
  return file;
}

describe('reproduce report in headless Chromium', () => {
  it.skipIf(SKIP_BROWSER)('renders every figure without console errors, and screenshots', async () => {
    expect(CHROMIUM, 'CI=true but no chromium on PATH').not.toBeNull();
    const { chromium } = await import('playwright-core');
    const dir = tempDir('report-browser');
    const file = process.env.REPRODUCE_REPORT ?? (await syntheticReport(dir));
    const browser = await chromium.launch({ executablePath: CHROMIUM!, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(String(error)));
      const requests: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith('file:')) requests.push(request.url());
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      const figures = await page.locator('figure > svg').evaluateAll((svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          return { width: box.width, height: box.height };
        }),
      );
      expect(figures.length).toBeGreaterThan(0);
      for (const box of figures) {
        expect(box.width).toBeGreaterThan(0);
        expect(box.height).toBeGreaterThan(0);
      }
      expect(await page.locator('table.verdicts tbody tr').count()).toBeGreaterThan(0);
      const shot = path.join(dir, 'report.png');
      await page.screenshot({ path: process.env.REPRODUCE_SCREENSHOT ?? shot, fullPage: true });
      const bytes = fs.readFileSync(process.env.REPRODUCE_SCREENSHOT ?? shot);
      expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(errors).toEqual([]);
      expect(requests, 'the page must not fetch anything').toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
