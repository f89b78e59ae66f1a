// A Redis URL (redis://[user][:password]@host[:port][/db], or rediss:// for TLS) as the
// connection options ioredis takes, and the same URL with its password masked: the only form in
// which a URL is ever printed. `redact` removes the password from any other text (an error
// message of a library) before it is shown or written.

import { ConfigError } from '../../config/errors.js';

/** Where a queue's Redis is: options for ioredis, and the URL safe to print. */
export interface RedisTarget {
  /** The URL with the password replaced by ****. */
  shown: string;
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  /** rediss://: TLS with the system's certificate authorities. */
  tls?: Record<string, never>;
}

/** The URL text with any password replaced by ****, even if it does not parse. */
export function maskUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1****@');
}

/** Parse a redis:// or rediss:// URL; a bad one is a ConfigError naming `what` and the masked text. */
export function parseRedisUrl(text: string, what = 'the queue URL'): RedisTarget {
  const shown = maskUrl(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${what} must be a URL like redis://HOST:PORT or rediss://:PASSWORD@HOST:PORT (got "${shown}")`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new ConfigError(`${what} must start with redis:// or rediss:// (got "${shown}")`);
  if (url.hostname === '') throw new ConfigError(`${what} names no host (got "${shown}")`);
  const db = url.pathname === '' || url.pathname === '/' ? 0 : Number(url.pathname.slice(1));
  if (!Number.isInteger(db) || db < 0) throw new ConfigError(`${what}: the database after the host must be an integer ≥ 0 (got "${shown}")`);
  return {
    shown,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 6379 : Number(url.port),
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    db,
    tls: url.protocol === 'rediss:' ? {} : undefined,
  };
}

/** `text` with every occurrence of the target's password (as given and URL-encoded) replaced by ****. */
export function redact(text: string, target: Pick<RedisTarget, 'password'>): string {
  const { password } = target;
  if (!password) return text;
  return [password, encodeURIComponent(password)].reduce((out, secret) => out.split(secret).join('****'), text);
}
