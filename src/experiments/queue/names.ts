// Where a sweep's runs wait: a BullMQ queue named after the sweep, "sweep-" and a hash of its
// --set fields and run ids (every run id is the hash of its resolved config), so a coordinator
// resumed from the sweep folder finds the queue again. Coordinators list their queues in a Redis
// set, which is how a worker started without --queue finds every sweep waiting for runs.

import { createHash } from 'node:crypto';
import type { SweepRun, SweepSet } from '../sweep/grid.js';

/** The Redis set of the queue names of sweeps that have a coordinator (or had one: until done). */
export const SWEEPS_KEY = 'superposition:sweeps';

/** The queue of a sweep: stable for the same grid, whichever folder, machine or attempt. */
export function queueName(runs: readonly SweepRun[], sets: readonly SweepSet[]): string {
  const hash = createHash('sha256').update(JSON.stringify({ sets, runs: runs.map((run) => run.id) })).digest('hex');
  return `sweep-${hash.slice(0, 12)}`;
}

/** A name a coordinator could have made (a worker serves no other queue from the set). */
export function isSweepQueueName(name: string): boolean {
  return /^sweep-[0-9a-f]{12}$/.test(name);
}
