// One coordinator per sweep queue. Two folders of the same grid would share one queue, and each
// coordinator would take (and remove) results the other waits for, so the second one is refused:
// a key in Redis names the coordinator attached (host, pid, folder), set only if absent and
// expiring unless renewed. The key of a coordinator killed on this host is taken over at once
// (its pid is gone, as with the folder lock); one from another host expires within GUARD_MS.

import os from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { QueueInUseError } from './errors.js';

/** How long the key outlives its last renewal (renewed every poll while the coordinator waits). */
export const GUARD_MS = 15_000;

interface Holder {
  host: string;
  pid: number;
  dir: string;
}

const guardKey = (queue: string) => `superposition:coordinator:${queue}`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder(text: string | null): Holder | undefined {
  try {
    const value = JSON.parse(text ?? '') as Partial<Holder>;
    return typeof value.host === 'string' && Number.isInteger(value.pid) && typeof value.dir === 'string' ? (value as Holder) : undefined;
  } catch {
    return undefined;
  }
}

/** Attach to `queue` for the folder `dir`; throws QueueInUseError naming the coordinator that is. Returns renew and release. */
export async function attachCoordinator(client: Redis, queue: string, dir: string): Promise<{ renew: () => Promise<void>; release: () => Promise<void> }> {
  const me: Holder = { host: os.hostname(), pid: process.pid, dir: path.resolve(dir) };
  const key = guardKey(queue);
  const text = JSON.stringify(me);
  if ((await client.set(key, text, 'PX', GUARD_MS, 'NX')) !== 'OK') {
    const holder = parseHolder(await client.get(key));
    const dead = holder && holder.host === me.host && !alive(holder.pid);
    if (holder && !dead && !(holder.host === me.host && holder.pid === me.pid))
      throw new QueueInUseError(`the queue ${queue} of this sweep already has a coordinator: process ${holder.pid} on ${holder.host}, writing ${holder.dir}; one coordinator per sweep — wait for it, or stop it (a coordinator gone from another machine frees the queue within ${GUARD_MS / 1000} s)`);
    await client.set(key, text, 'PX', GUARD_MS);
  }
  return {
    renew: async () => {
      await client.set(key, text, 'PX', GUARD_MS);
    },
    release: async () => {
      if ((await client.get(key)) === text) await client.del(key);
    },
  };
}
