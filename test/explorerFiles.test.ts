// The explorer and the CLI's files, in headless Chromium against `superposition serve`: the URL
// round-trip (a URL fills the form; the URL the page writes equals it modulo order) and the CLI
// command the page shows runs; a run exported from the page is the CLI's run (same config, same
// weights, same metrics) and `sae --from` reads it; a CLI results folder imported through the file
// picker, and one opened by `serve <folder>`, show the CLI's summary.
// No chromium: skipped with a warning, except on CI (CI=true), where that fails.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../src/core/safetensors.js';
import type { ToyConfig } from '../src/config/toy.js';
import { configFromJson } from '../src/train/toyFiles.js';
import type { ToyMetrics } from '../src/train/toyMetrics.js';
import { CHROMIUM, SKIP_BROWSER, warnIfSkipped } from './helpers/chromium.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { cliRun, expectToySummary, launchExplorer, openPage, readJson, readTable, trainButton, urlToCliArgs, waitDone, type Explorer } from './helpers/explorer.js';

warnIfSkipped('explorerFiles.test');

const RUN_FILES = ['config.json', 'metrics.json', 'weights.safetensors'];

/** A query's parameters as sorted "key=value" strings: equal lists mean equal queries modulo order. */
function sortedParams(url: string): string[] {
  return [...new URL(url).searchParams].map(([key, value]) => `${key}=${value}`).sort();
}

/** The resolved config a results folder's config.json records (provenance and version dropped). */
function recordedConfig(dir: string): ToyConfig {
  return configFromJson(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
}

describe.skipIf(SKIP_BROWSER)('the explorer and the CLI’s files', () => {
  let explorer: Explorer;
  let cliDir: string; // a CLI run the page imports and serve opens: n = 6, m = 3, two instances
  beforeAll(async () => {
    expect(CHROMIUM, 'CI=true but no chromium on PATH').not.toBeNull();
    explorer = await launchExplorer();
    cliDir = cliRun(['--sparse-dim', '6', '--dense-dim', '3', '--sparsity', '0.7', '0.95', '--steps', '800', '--seed', '4']);
  });
  afterAll(() => explorer?.close());

  it('URL round-trip: the URL fills the form, the page writes it back (modulo order), and the CLI command it shows runs', async () => {
    // Every field of the toy form, in no particular order, most of them off their defaults.
    const fields: [string, string][] = [['steps', '3000'], ['sparsity', '0,0.9'], ['seed', '7'], ['dense-dim', '2'], ['importance-decay', '0.9'], ['sparse-dim', '6'],
      ['model', 'linear'], ['correlation', 'correlated'], ['correlation-set', '3'], ['optimizer', 'adamw'], ['lr', '0.002'], ['batch-size', '512']];
    const loaded = `${explorer.serve.origin}?${fields.map(([k, v]) => `${k}=${v}`).join('&')}`;
    const { page, context, problems } = await openPage(explorer.browser, loaded);
    for (const [id, value] of fields)
      expect((await page.locator(`#${id}`).inputValue()).split(/[\s,]+/).join(','), id).toBe(value);
    expect(sortedParams(page.url())).toEqual(sortedParams(loaded));
    const command = (await page.locator('#toy-command').innerText()).trim();
    expect(command).toMatch(/^npx superposition /);
    // The command, run as shown (in a fresh folder, its results/ there), trains the URL's config.
    const cwd = tempDir('explorer-command');
    const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'superposition.js'), ...command.split(/\s+/).slice(2), '--no-plots', '--quiet'], { cwd, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/represented/);
    const [made] = fs.readdirSync(path.join(cwd, 'results'));
    expect(recordedConfig(path.join(cwd, 'results', made))).toEqual(recordedConfig(cliRun(urlToCliArgs(loaded).toy)));
    expect(problems).toEqual([]);
    await context.close();
  });

  it('export: the downloaded files are the CLI run of the same config (weights bit for bit), and sae --from reads them', async () => {
    const query = 'sparse-dim=5&dense-dim=2&importance-decay=0.9&sparsity=0.8,0.9&steps=1500&seed=2';
    const { page, context, problems } = await openPage(explorer.browser, `${explorer.serve.origin}?${query}`);
    await trainButton(page).click();
    await waitDone(page);
    const exported = path.join(tempDir('explorer-export'), 'run');
    fs.mkdirSync(exported);
    for (const name of RUN_FILES) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`a[download="${name}"]`).click()]);
      expect(download.suggestedFilename()).toBe(name);
      await download.saveAs(path.join(exported, name));
    }
    const cli = cliRun(urlToCliArgs(page.url()).toy);
    expect(recordedConfig(exported)).toEqual(recordedConfig(cli));
    const tensors = (dir: string) => decodeSafetensors(new Uint8Array(fs.readFileSync(path.join(dir, 'weights.safetensors')))).tensors;
    const [ours, theirs] = [tensors(exported), tensors(cli)];
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
    for (const name of Object.keys(theirs)) expect([...ours[name].data], name).toEqual([...theirs[name].data]);
    expect(readJson<ToyMetrics>(path.join(exported, 'metrics.json')).instances).toEqual(readJson<ToyMetrics>(path.join(cli, 'metrics.json')).instances);
    const sae = runCli(['sae', '--from', exported, '--sae-steps', '300', '--no-plots', '--quiet']);
    expect(sae.status, sae.stderr).toBe(0);
    expect(sae.stdout).toMatch(/MMCS/);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('import: a CLI results folder through the file picker shows the CLI’s summary', async () => {
    const { page, context, problems } = await openPage(explorer.browser, explorer.serve.origin);
    await page.locator('input[type="file"]').setInputFiles(RUN_FILES.map((name) => path.join(cliDir, name)));
    await page.getByTestId('summary').waitFor({ timeout: 30_000 });
    expectToySummary(await readTable(page, 'summary'), readJson<ToyMetrics>(path.join(cliDir, 'metrics.json')), 6);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('serve <folder> opens that run: the printed URL shows its summary', async () => {
    const own = await launchExplorer([cliDir]);
    try {
      expect(own.serve.url).toMatch(/\?from=results\/$/);
      const { page, context, problems } = await openPage(own.browser, own.serve.url);
      await page.getByTestId('summary').waitFor({ timeout: 30_000 });
      expectToySummary(await readTable(page, 'summary'), readJson<ToyMetrics>(path.join(cliDir, 'metrics.json')), 6);
      expect(problems).toEqual([]);
      await context.close();
    } finally {
      await own.close();
    }
  });
});
