// `npm run bench:web`: the explorer's training speed in headless Chromium against the CLI's
// one-thread loop in Node, on W1 (n=20 m=5 S=0.9) and W2 (the 20-instance grid), 10,000 steps each.
// The page is the built dist-web/ served by `superposition serve` (a child process on port 0) and
// opened with the workload's URL and run=1; its rate is the status element's data-steps-per-second
// (steps / milliseconds the worker spent in steps). Node's is the same definition, measured in a
// fresh process per round (bench/webNode.ts), so both start cold. Rounds interleave page and Node,
// W1 and W2, so that a busy moment of the machine falls on both; the table shows medians, and as
// page/Node the median of the rounds' own ratios (a drift of the machine's speed moves both figures of a pair alike).
//   npm run bench:web [-- --rounds N]     (default 5)

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/helpers/chromium.js';
import { LONG_TASK_OBSERVER } from '../test/helpers/explorer.js';
import { startServe } from '../test/helpers/serve.js';
import { BENCH_DIR, formatTable } from './rows.js';
import { median } from './timing.js';
import { WEB_WORKLOADS, type WebWorkload } from './webWorkloads.js';

const PAGE_TIMEOUT_MS = 600_000;
/**
 * In the page: resolves when the status ends in "done" (issue 18's interface). A mutation observer,
 * not polling: the driver's polls would be work of the browser's and the page's while it trains.
 */
const STATUS_DONE = `new Promise((resolve) => {
  const status = document.querySelector('[data-testid="status"]');
  const check = () => /done\\s*$/.test(status.textContent ?? '') && (observer.disconnect(), resolve(true));
  const observer = new MutationObserver(check);
  observer.observe(status, { childList: true, characterData: true, subtree: true });
  check();
})`;

/**
 * One training in a fresh page (a new worker, cold); returns the page's steps/s, whether it was
 * cross-origin isolated, and its longest main-thread task (ms, 0 if none reached 50 ms) from the
 * page's mark 'superposition:train' (set as a training starts, before its views are reset) to the
 * end of training: the "no long task over 100 ms while training".
 */
async function pageRate(browser: Browser, origin: string, workload: WebWorkload): Promise<{ rate: number; isolated: boolean; longestTask: number }> {
  const context = await browser.newContext();
  await context.addInitScript(LONG_TASK_OBSERVER);
  try {
    const page = await context.newPage();
    let failed: (error: Error) => void = () => {};
    const failure = new Promise<never>((_, reject) => (failed = reject));
    page.on('pageerror', (error) => failed(new Error(`the page failed: ${String(error)}`)));
    const timer = setTimeout(() => failed(new Error(`${workload.name} did not finish within ${PAGE_TIMEOUT_MS / 1000} s`)), PAGE_TIMEOUT_MS);
    try {
      await page.goto(`${origin}?${workload.query}`);
      await Promise.race([page.evaluate(STATUS_DONE), failure]);
    } finally {
      clearTimeout(timer);
    }
    const rate = Number(await page.getByTestId('status').getAttribute('data-steps-per-second'));
    if (!(rate > 0)) throw new Error(`no data-steps-per-second on the status after ${workload.name}`);
    const longestTask = (await page.evaluate(`(() => {
      const started = performance.getEntriesByName('superposition:train').at(-1)?.startTime ?? 0;
      return Math.max(0, ...window.__longTasks.filter((t) => t.start + t.duration > started).map((t) => t.duration));
    })()`)) as number;
    return { rate, isolated: (await page.evaluate('crossOriginIsolated')) === true, longestTask };
  } finally {
    await context.close();
  }
}

/** One training in a fresh Node process, with the CLI's Node flags; returns its steps/s. */
function nodeRate(workload: WebWorkload): number {
  const args = ['--max-semi-space-size=2', '--import', 'tsx', path.join(BENCH_DIR, 'webNode.ts'), workload.name];
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: PAGE_TIMEOUT_MS });
  if (result.status !== 0) throw new Error(`bench/webNode.ts ${workload.name}: ${result.stderr}`);
  return (JSON.parse(result.stdout.trim()) as { stepsPerSecond: number }).stepsPerSecond;
}

/** The pause before each measurement. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));

function roundsArg(): number {
  const at = process.argv.indexOf('--rounds');
  const rounds = at < 0 ? 5 : Number(process.argv[at + 1]);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be an integer ≥ 1');
  return rounds;
}

const grouped = (value: number) => Math.round(value).toLocaleString('en-US');

async function main(): Promise<void> {
  if (!CHROMIUM) throw new Error('bench:web needs chromium on PATH (apt-get install chromium)');
  const rounds = roundsArg();
  const serve = await startServe([]);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = new Map<string, number[]>(WEB_WORKLOADS.map((w) => [w.name, []]));
  const node = new Map<string, number[]>(WEB_WORKLOADS.map((w) => [w.name, []]));
  const longest = new Map<string, number>(WEB_WORKLOADS.map((w) => [w.name, 0]));
  let isolated = true;
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const workload of WEB_WORKLOADS) {
        // Alternate which goes first, so neither always meets a machine the other just warmed or loaded.
        // Each measurement after a pause: a closed page's renderer is still being torn down for a
        // moment, and on two cores that work fell on the next measurement (a page measured right
        // after another page's close ran at ~0.65× the others).
        const measurePage = async () => {
          await settle();
          const result = await pageRate(browser, serve.origin, workload);
          page.get(workload.name)!.push(result.rate);
          longest.set(workload.name, Math.max(longest.get(workload.name)!, result.longestTask));
          isolated &&= result.isolated;
        };
        const measureNode = async () => {
          await settle();
          node.get(workload.name)!.push(nodeRate(workload));
        };
        if (round % 2 === 1) (await measurePage(), await measureNode());
        else (await measureNode(), await measurePage());
        process.stderr.write(`round ${round}/${rounds} ${workload.name}: page ${grouped(page.get(workload.name)!.at(-1)!)}, Node ${grouped(node.get(workload.name)!.at(-1)!)} steps/s\n`);
      }
    }
  } finally {
    await browser.close();
    await serve.stop();
  }
  const rows = WEB_WORKLOADS.map((w) => {
    const [pages, nodes] = [page.get(w.name)!, node.get(w.name)!];
    // The ratio round by round, then its median: a round's two figures meet the same state of the machine.
    const ratio = median(pages.map((p, r) => p / nodes[r]));
    return [w.name, w.description, grouped(median(pages)), grouped(median(nodes)), `${ratio.toFixed(2)}×`, longest.get(w.name)! > 0 ? `${Math.round(longest.get(w.name)!)} ms` : '< 50 ms'];
  });
  console.log(`\nsteps/s, medians of ${rounds} interleaved rounds of 10,000 steps from a cold start (page: one Web Worker${isolated ? ', cross-origin isolated' : ''}; Node: the CLI's one-thread loop)\n`);
  console.log(formatTable(['workload', '', 'page', 'Node', 'page/Node', 'longest task'], rows, new Set([2, 3, 4, 5])).join('\n'));
  console.log(`\npage/Node: the median of the ${rounds} rounds' ratios (each round's page and Node figures measured one after the other)`);
  console.log('longest task: the longest main-thread task of any round while the page trained (goal ≤ 100 ms; tasks under 50 ms are not reported by the browser)');
}

await main();
