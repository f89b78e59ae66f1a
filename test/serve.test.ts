// `superposition serve`: the static server (src/cli/staticServer.ts) on temporary folders — files
// and content types, no path out of either root (dot segments raw and encoded, backslashes, NUL,
// a symbolic link pointing out), methods, foreign Host headers — and the command as a child process:
// the URL it prints, the results folder under /results/, Ctrl-C, and its one-line errors.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentType, fileForPath, isInside, resolveInside, startStaticServer, stopStaticServer } from '../src/cli/staticServer.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { startServe } from './helpers/serve.js';

/** A site and a results folder beside a secret file that no URL may reach. */
function makeRoots(): { base: string; site: string; results: string } {
  const base = tempDir('serve-roots');
  const site = path.join(base, 'site');
  const results = path.join(base, 'run');
  fs.mkdirSync(path.join(site, 'assets'), { recursive: true });
  fs.mkdirSync(results);
  fs.writeFileSync(path.join(site, 'index.html'), '<!doctype html><title>explorer</title>');
  fs.writeFileSync(path.join(site, 'assets', 'app.js'), 'export {};');
  fs.writeFileSync(path.join(site, 'assets', 'kernels.wasm'), new Uint8Array([0, 97, 115, 109]));
  fs.writeFileSync(path.join(results, 'config.json'), '{}');
  fs.writeFileSync(path.join(results, 'weights.safetensors'), new Uint8Array(16));
  fs.writeFileSync(path.join(base, 'secret.txt'), 'secret');
  fs.symlinkSync(path.join(base, 'secret.txt'), path.join(site, 'link.txt'));
  fs.symlinkSync(base, path.join(results, 'up'));
  return { base, site, results };
}

/** A raw GET, so that the path reaches the server exactly as written (fetch would normalise "..") */
function rawGet(port: number, requestPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; type?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path: requestPath, method, headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'], body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('paths stay inside their root', () => {
  const roots = makeRoots();

  it('isInside: the root and what lies below it, nothing beside or above it', () => {
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b/c/d')).toBe(true);
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a')).toBe(false);
    expect(isInside('/a/b', '/x/b')).toBe(false);
    expect(isInside('/a/b', '/a/b/..c')).toBe(true); // a name beginning with two dots is still inside
  });

  it('resolves files, and a folder to its index.html only for the site', () => {
    expect(resolveInside(roots.site, '/assets/app.js', true)).toBe(fs.realpathSync(path.join(roots.site, 'assets', 'app.js')));
    expect(resolveInside(roots.site, '/', true)).toBe(fs.realpathSync(path.join(roots.site, 'index.html')));
    expect(resolveInside(roots.results, '/', false)).toBeUndefined();
    expect(resolveInside(roots.site, '/missing.js', true)).toBeUndefined();
  });

  it('no dot segment, encoded separator, backslash, NUL or symbolic link leads out', () => {
    for (const attempt of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..\\secret.txt', '/%5c..%5csecret.txt', '/index.html%00.js', '/%E0%A4%A', '/link.txt', `/${roots.base}/secret.txt`])
      expect(resolveInside(roots.site, attempt, true), attempt).toBeUndefined();
    for (const attempt of ['/../secret.txt', '/up/secret.txt', '/%2e%2e/site/index.html'])
      expect(resolveInside(roots.results, attempt, false), attempt).toBeUndefined();
  });

  it('/results/… is the results folder, everything else the site', () => {
    expect(fileForPath(roots, '/results/config.json')).toBe(fs.realpathSync(path.join(roots.results, 'config.json')));
    expect(fileForPath(roots, '/results/../index.html')).toBeUndefined(); // normalised to /index.html inside the results folder: absent
    expect(fileForPath({ site: roots.site }, '/results/config.json')).toBeUndefined();
  });

  it('content types: JavaScript as text/javascript, WebAssembly, JSON, safetensors as bytes', () => {
    expect(contentType('a/app.js')).toBe('text/javascript; charset=utf-8');
    expect(contentType('k.wasm')).toBe('application/wasm');
    expect(contentType('metrics.json')).toBe('application/json; charset=utf-8');
    expect(contentType('weights.safetensors')).toBe('application/octet-stream');
    expect(contentType('index.HTML')).toBe('text/html; charset=utf-8');
    expect(contentType('no-extension')).toBe('application/octet-stream');
  });
});

describe('the static server over HTTP', () => {
  const roots = makeRoots();
  let server: http.Server;
  let port: number;
  beforeAll(async () => ({ server, port } = await startStaticServer(roots, 0)));
  afterAll(() => stopStaticServer(server));

  it('serves the site, the results folder and their content types; 404 otherwise', async () => {
    const host = { Host: `127.0.0.1:${port}` };
    expect(await rawGet(port, '/', host)).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: '<!doctype html><title>explorer</title>' });
    expect(await rawGet(port, '/assets/app.js?v=1', host)).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect(await rawGet(port, '/assets/kernels.wasm', host)).toMatchObject({ status: 200, type: 'application/wasm' });
    expect(await rawGet(port, '/results/config.json', host)).toMatchObject({ status: 200, type: 'application/json; charset=utf-8', body: '{}' });
    expect(await rawGet(port, '/results/weights.safetensors', { Host: `localhost:${port}` })).toMatchObject({ status: 200, type: 'application/octet-stream' });
    expect((await rawGet(port, '/nothing.js', host)).status).toBe(404);
  });

  it('no request path reaches the file beside the roots', async () => {
    const host = { Host: `127.0.0.1:${port}` };
    for (const attempt of ['/../secret.txt', '/results/../../secret.txt', '/%2e%2e/secret.txt', '/results/%2e%2e/secret.txt', '/results/up/secret.txt', '/link.txt', '//etc/passwd', 'secret.txt']) {
      const response = await rawGet(port, attempt, host);
      expect([400, 404], attempt).toContain(response.status); // 400: Node's parser refuses a path without its slash
      expect(response.body, attempt).not.toContain('secret');
    }
  });

  it('refuses other methods (405) and another site’s Host header (403, against DNS rebinding)', async () => {
    expect((await rawGet(port, '/', { Host: `127.0.0.1:${port}` }, 'POST')).status).toBe(405);
    expect((await rawGet(port, '/', { Host: `127.0.0.1:${port}` }, 'HEAD')).status).toBe(200);
    expect((await rawGet(port, '/', { Host: 'evil.example:80' })).status).toBe(403);
  });
});

describe('superposition serve', () => {
  let run: string;
  beforeAll(() => {
    run = path.join(tempDir('serve-run'), 'run');
    const result = runCli(['--sparsity', '0.9', '--steps', '20', '--workers', '1', '--no-plots', '--quiet', '--out', run]);
    expect(result.status, result.stderr).toBe(0);
  });

  it('prints a URL on a free port, serves the page and the run under /results/, and stops cleanly on Ctrl-C', async () => {
    const serve = await startServe([run]);
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?from=results\/$/);
    const page = await fetch(serve.origin);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const metrics = await fetch(new URL('results/metrics.json', serve.origin));
    expect(await metrics.text()).toBe(fs.readFileSync(path.join(run, 'metrics.json'), 'utf8'));
    const weights = await fetch(new URL('results/weights.safetensors', serve.origin));
    expect(Buffer.from(await weights.arrayBuffer())).toEqual(fs.readFileSync(path.join(run, 'weights.safetensors')));
    const stopped = await serve.stop();
    expect(stopped.status, stopped.stderr).toBe(0);
    expect(stopped.stderr).toMatch(/explorer stopped/);
  });

  it('without a folder: the page alone, and nothing under /results/', async () => {
    const serve = await startServe([]);
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await fetch(serve.origin)).status).toBe(200);
    expect((await fetch(new URL('results/config.json', serve.origin))).status).toBe(404);
    expect((await serve.stop()).status).toBe(0);
  });

  it('bad input: one line naming the problem, exit 2', async () => {
    const notRun = tempDir('serve-not-a-run');
    fs.writeFileSync(path.join(notRun, 'config.json'), '{}');
    const cases: [string[], RegExp][] = [
      [['--port', '65536'], /--port must be an integer in \[0, 65535\] \(got 65536\)/],
      [['--port', '-1'], /--port must be an integer in \[0, 65535\]/],
      [['--port', 'eighty'], /--port must be an integer in \[0, 65535\] \(got "eighty"\)/],
      [['--port', '1.5'], /--port must be an integer in \[0, 65535\]/],
      [[path.join(notRun, 'absent')], /does not exist/],
      [[notRun], /holds no finished toy run: metrics\.json is missing/],
      [[run, run], /too many arguments/],
    ];
    for (const [args, message] of cases) {
      const result = runCli(['serve', ...args]);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
  });

  it('a port in use: one line suggesting another, exit 2', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const result = runCli(['serve', '--port', String(port)]);
      expect(result.status).toBe(2);
      expect(result.stderr.trim()).toBe(`superposition serve: error: --port ${port} is in use on 127.0.0.1: choose another port, or --port 0 for a free one`);
    } finally {
      blocker.close();
    }
  });

  it('a package whose site was never built: one line telling to run npm run build:web, exit 2', () => {
    const copy = tempDir('serve-unbuilt');
    for (const entry of ['bin', 'dist', 'package.json']) fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    const result = spawnSync(process.execPath, [path.join(copy, 'bin', 'superposition.js'), 'serve'], { cwd: copy, encoding: 'utf8' });
    const unbuilt = { status: result.status, stderr: result.stderr };
    fs.rmSync(copy, { recursive: true, force: true });
    expect(unbuilt.status).toBe(2);
    expect(unbuilt.stderr.trim()).toMatch(/^superposition serve: error: the explorer is not built \(no .*dist-web\/index\.html\): run npm run build:web$/);
  });
});
