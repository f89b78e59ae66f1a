// The explorer's HTTP server (node:http, 127.0.0.1 only): the built site at `/` and, when given, a
// results folder at `/results/`. Read-only and small on purpose — GET and HEAD of files, nothing
// else. Every request path is resolved and then checked to stay inside its root, both as written
// and after following symbolic links, so no URL reaches a file outside the two folders.

import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** Where the two kinds of files come from. */
export interface ServeRoots {
  /** The built explorer (dist-web/): served at `/`, `index.html` for a folder. */
  site: string;
  /** A results folder served under `/results/`, or none. */
  results?: string;
}

/** The URL prefix of the results folder: the page is opened with `?from=results/`. */
export const RESULTS_PREFIX = '/results/';

/** Content types by extension; anything else is served as bytes. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.safetensors': 'application/octet-stream',
};

/** The content type a file is served with. */
export function contentType(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** True when `target` is `root` itself or lies below it (both absolute and normalised). */
export function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  // '..c' is a name inside; only '..' itself or '../…' climbs out.
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/**
 * The file a URL path names under `root`, or undefined when the path is malformed, leaves the root
 * (`..`, encoded or not, a backslash, a NUL), or names nothing that exists inside the root after
 * symbolic links are followed. A folder means its index.html when `index` is set.
 *
 * @example resolveInside('/srv/site', '/assets/app.js') // → '/srv/site/assets/app.js' if it exists
 * @example resolveInside('/srv/site', '/%2e%2e/etc/passwd') // → undefined
 */
export function resolveInside(root: string, urlPath: string, index: boolean): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  // A backslash is a separator on Windows, and never part of a name we serve.
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const absoluteRoot = path.resolve(root);
  let target = path.resolve(absoluteRoot, `.${path.posix.normalize(`/${decoded}`)}`);
  if (!isInside(absoluteRoot, target)) return undefined;
  try {
    if (fs.statSync(target).isDirectory()) {
      if (!index) return undefined;
      target = path.join(target, 'index.html');
    }
    const real = fs.realpathSync(target);
    if (!isInside(fs.realpathSync(absoluteRoot), real) || !fs.statSync(real).isFile()) return undefined;
    return real;
  } catch {
    return undefined;
  }
}

/** The file a request's path names, by root: `/results/…` in the results folder, the rest in the site. */
export function fileForPath(roots: ServeRoots, pathname: string): string | undefined {
  if (roots.results !== undefined && pathname.startsWith(RESULTS_PREFIX))
    return resolveInside(roots.results, pathname.slice(RESULTS_PREFIX.length - 1), false);
  return resolveInside(roots.site, pathname, true);
}

/** Host names a request may carry: a page on another site that rebinds its DNS to 127.0.0.1 is refused. */
function isLocalHost(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

function sendStatus(response: http.ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

function handle(roots: ServeRoots, request: http.IncomingMessage, response: http.ServerResponse): void {
  const port = (request.socket.localPort ?? 0) as number;
  if (!isLocalHost(request.headers.host, port)) return sendStatus(response, 403, 'forbidden host\n');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return sendStatus(response, 405, 'method not allowed\n');
  }
  const pathname = (request.url ?? '/').split(/[?#]/)[0];
  const file = pathname.startsWith('/') ? fileForPath(roots, pathname) : undefined;
  if (file === undefined) return sendStatus(response, 404, 'not found\n');
  response.writeHead(200, {
    'Content-Type': contentType(file),
    'Content-Length': fs.statSync(file).size,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    // Cross-origin isolation lets the page share memory between workers (SharedArrayBuffer); every
    // file comes from this origin, so nothing the page loads is blocked by it.
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
  });
  if (request.method === 'HEAD') return void response.end();
  fs.createReadStream(file)
    .on('error', () => response.destroy())
    .pipe(response);
}

/** Start serving on 127.0.0.1:port (0: a free port); resolves with the server and the port it got. */
export function startStaticServer(roots: ServeRoots, port: number): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((request, response) => handle(roots, request, response));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}

/** Stop accepting, drop open connections (a browser keeps them alive) and wait for the close. */
export function stopStaticServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
