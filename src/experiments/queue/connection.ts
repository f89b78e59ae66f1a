// Connections to a queue's Redis. At start one ping with no retry tells "unreachable" apart
// from "busy" at once (a one-line error, nothing written); after that every client waits and
// reconnects (ioredis retries forever, commands wait offline), so a Redis restarted mid-sweep
// is picked up again by the coordinator and the workers alike. ioredis loads only here, when a
// queue command runs.

import type { RedisOptions } from 'ioredis';
import { QueueUnreachableError } from './errors.js';
import { redact, type RedisTarget } from './redisUrl.js';

/** How long a ping at start may take before Redis counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5000;

/** The target's host, port, credentials and TLS as ioredis takes them. */
function baseOptions(target: RedisTarget) {
  const { host, port, username, password, db, tls } = target;
  return { host, port, username, password, db, ...(tls ? { tls } : {}) } satisfies RedisOptions;
}

/** Options of long-lived clients: reconnect forever (backing off to 2 s), commands wait meanwhile (as BullMQ requires). */
export function lastingOptions(target: RedisTarget) {
  return { ...baseOptions(target), maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(100 * times, 2000) } satisfies RedisOptions;
}

/** A long-lived plain client (the set of sweeps); its errors go to `onError` (ioredis would print them). */
export async function lastingClient(target: RedisTarget, onError: (error: Error) => void) {
  const { Redis } = await import('ioredis');
  const client = new Redis(lastingOptions(target));
  client.on('error', onError);
  return client;
}

/** Ping Redis once; throws QueueUnreachableError naming the masked URL and why (no password in it). */
export async function checkReachable(target: RedisTarget): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis({ ...baseOptions(target), lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: CONNECT_TIMEOUT_MS, enableOfflineQueue: false });
  let lastError: Error | undefined;
  client.on('error', (error: Error) => (lastError = error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const reason = (lastError ?? (error as Error)).message || String(error);
    throw new QueueUnreachableError(`cannot reach Redis at ${target.shown}: ${redact(reason, target)}`);
  } finally {
    client.disconnect();
  }
}
