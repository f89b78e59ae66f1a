// The browser explorer under test: `superposition serve` started as a child process, headless
// Chromium through playwright-core, and the page's interface as issue 18 fixes it — buttons named
// Train / Train SAE / Stop, data-testid="status" ending in "done", the summary tables, a URL
// query in the CLI's flag names. Also the session's problems (console errors, uncaught
// exceptions, failed requests, responses ≥ 400), main-thread long tasks, and comparisons of the
// page's cells with the CLI's metrics.json "to the digits shown".

import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { ToyMetrics } from '../../src/train/toyMetrics.js';
import { SAE_FLAGS, TOY_FLAGS } from '../../src/cli/flagTable.generated.js';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';
import { ROOT, runCli, tempDir } from './cli.js';
import { startServe, type ServeProcess } from './serve.js';

/** A serve process and a browser, closed together. */
export interface Explorer {
  serve: ServeProcess;
  browser: Browser;
  close(): Promise<void>;
}

export async function launchExplorer(serveArgs: readonly string[] = []): Promise<Explorer> {
  const { chromium } = await import('playwright-core');
  const serve = await startServe(serveArgs);
  const browser = await chromium.launch({ executablePath: CHROMIUM!, args: CHROMIUM_ARGS });
  return {
    serve,
    browser,
    async close() {
      await browser.close();
      const stopped = await serve.stop();
      if (stopped.status !== 0) throw new Error(`serve exited ${stopped.status}: ${stopped.stderr}`);
    },
  };
}

/** A page with its session's problems collected as they happen. */
export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors, uncaught exceptions, failed requests and HTTP responses ≥ 400, in order. */
  problems: string[];
}

/** Records every main-thread long task (a task the browser times at ≥ 50 ms) from the first script on. */
export const LONG_TASK_OBSERVER = `
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });
`;

export async function openPage(browser: Browser, url: string, viewport = { width: 1280, height: 800 }): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  await context.addInitScript(LONG_TASK_OBSERVER);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${String(error)}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, context, problems };
}

/** The status element's text. */
export function statusText(page: Page): Promise<string> {
  return page.getByTestId('status').innerText();
}

/** In the page (a string: these tests type-check without the DOM's types): the status ends in "done". */
export const STATUS_DONE = `/done\\s*$/.test(document.querySelector('[data-testid="status"]')?.textContent ?? '')`;

/** Wait until the status ends in "done" (a training finished); returns its text. */
export async function waitDone(page: Page, timeout = 60_000): Promise<string> {
  await page.waitForFunction(STATUS_DONE, null, { timeout, polling: 50 });
  return statusText(page);
}

/** A table as text: the header row's cells and every other row's. */
export interface TextTable {
  header: string[];
  rows: string[][];
}

export async function readTable(page: Page, testId: string): Promise<TextTable> {
  const cells: string[][] = [];
  for (const row of await page.getByTestId(testId).locator('tr').all()) cells.push((await row.locator('th, td').allTextContents()).map((cell) => cell.trim()));
  return { header: cells[0], rows: cells.slice(1) };
}

/** The cells of one column, by its header. */
export function column(table: TextTable, name: string): string[] {
  const at = table.header.indexOf(name);
  if (at < 0) throw new Error(`no column "${name}" in [${table.header.join(', ')}]`);
  return table.rows.map((row) => row[at]);
}

/** Query keys the page uses for itself, not flags of the CLI. */
const PAGE_KEYS = new Set(['run', 'sae', 'from', 'preset']);

/** The toy command's and the sae command's arguments that a page URL stands for (lists comma-separated). */
export function urlToCliArgs(url: string): { toy: string[]; sae: string[] } {
  const toy: string[] = [];
  const sae: string[] = [];
  for (const [key, value] of new URL(url).searchParams) {
    if (PAGE_KEYS.has(key)) continue;
    const flag = `--${key}`;
    const target = TOY_FLAGS.some((f) => f.name === flag) ? toy : SAE_FLAGS.some((f) => f.name === flag) ? sae : undefined;
    if (target === undefined) throw new Error(`the URL's "${key}" is not a flag of the CLI`);
    target.push(flag, ...value.split(','));
  }
  return { toy, sae };
}

/**
 * Does a cell show `value` to its own digits? "4.086e-4" is compared at 4 significant digits,
 * "0.579" at 3 decimals, "0.9" at 1; the cell must be exactly what the value rounds to.
 *
 * @example shownAs('4.086e-4', 4.08612e-4) // → true
 * @example shownAs('0.579', 0.5796)        // → false (0.580)
 */
export function shownAs(cell: string, value: number): boolean {
  const exponential = /^-?\d(?:\.(\d+))?e[+-]?\d+$/i.exec(cell);
  if (exponential) return Number(value.toExponential(exponential[1]?.length ?? 0)) === Number(cell);
  const fixed = /^-?\d+(?:\.(\d+))?$/.exec(cell);
  if (fixed) return Number(value.toFixed(fixed[1]?.length ?? 0)) === Number(cell);
  return false;
}

/** The page's final toy summary equals a CLI run's metrics.json, cell by cell, to the digits shown. */
export function expectToySummary(table: TextTable, metrics: ToyMetrics, nFeatures: number): void {
  expect(table.header).toEqual(['sparsity', 'loss', 'represented', 'dims/feature']);
  expect(table.rows).toHaveLength(metrics.instances.length);
  metrics.instances.forEach((m, i) => {
    const [sparsity, loss, represented, dims] = table.rows[i];
    expect(Number(sparsity), `row ${i} sparsity`).toBe(m.sparsity);
    expect(loss.replace(/e.*$/, '').replace(/\D/g, '').length, `row ${i}: loss shown to ≥ 3 digits`).toBeGreaterThanOrEqual(3);
    expect(shownAs(loss, m.finalLoss), `row ${i} loss ${loss} vs ${m.finalLoss}`).toBe(true);
    expect(represented, `row ${i} represented`).toBe(`${m.represented}/${nFeatures}`);
    expect(shownAs(dims, m.dimensionsPerFeature), `row ${i} dims/feature ${dims} vs ${m.dimensionsPerFeature}`).toBe(true);
  });
}

/** The Train button (exactly that name: there is also Train SAE). */
export const trainButton = (page: Page) => page.getByRole('button', { name: 'Train', exact: true });

/** Train with the CLI (one worker, no plots) into a new folder; returns the folder. */
export function cliRun(args: readonly string[]): string {
  const out = path.join(tempDir('explorer-cli'), 'run');
  const result = runCli([...args, '--workers', '1', '--no-plots', '--quiet', '--out', out]);
  if (result.status !== 0) throw new Error(`superposition ${args.join(' ')}: exit ${result.status}: ${result.stderr}`);
  return out;
}

/** SAEs with the CLI on a toy run; returns the SAE folder. */
export function cliSae(runDir: string, args: readonly string[]): string {
  const out = path.join(runDir, 'sae');
  const result = runCli(['sae', '--from', runDir, ...args, '--no-plots', '--quiet', '--out', out]);
  if (result.status !== 0) throw new Error(`superposition sae ${args.join(' ')}: exit ${result.status}: ${result.stderr}`);
  return out;
}

export function readJson<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** The long tasks (ms) the page recorded that started at or after `since` (performance.now() in the page). */
export async function longTasksSince(page: Page, since: number): Promise<number[]> {
  const tasks = (await page.evaluate('window.__longTasks')) as { start: number; duration: number }[];
  return tasks.filter((task) => task.start >= since).map((task) => task.duration);
}

/** Screenshots of the tests go here (gitignored), to be looked at or kept by CI as artefacts. */
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');
