// The options of a queue worker (`superposition worker`): how many runs at once, and how long a
// run's lock lasts before other workers take a silent worker's run as stalled and retry it.
// Command options, not experiment fields: they say how runs are served, never what is computed.

import * as z from 'zod';
import { ConfigError, firstIssueMessage } from './errors.js';
import { fieldFlags, type FieldFlag } from './flags.js';

/** A worker's options: zod checks the ranges, the error texts read them back. */
export const queueWorkerSchema = z.strictObject({
  concurrency: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(1)
    .meta({ flag: '--concurrency <K>', description: 'runs at once: K worker processes, each training one run at a time' }),
  lockMs: z
    .number()
    .int()
    .min(1000)
    .max(3_600_000)
    .default(30_000)
    .meta({
      flag: '--lock-ms <ms>',
      description: "a run's lock on the queue, in ms: renewed at half that while it trains; a worker silent that long (killed, cut off) loses the run, and another worker trains it again",
    }),
});
export type QueueWorkerOptions = z.output<typeof queueWorkerSchema>;

let flagsMemo: Record<string, FieldFlag> | undefined;

/** Validate a worker's options (numbers from the command line); throws ConfigError naming the flag and its range. */
export function resolveQueueWorkerOptions(input: unknown): QueueWorkerOptions {
  const parsed = queueWorkerSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(firstIssueMessage(parsed.error, input, (flagsMemo ??= fieldFlags(queueWorkerSchema))));
  return parsed.data;
}
