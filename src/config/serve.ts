// The serve command's options (`superposition serve --port P`): one zod schema for the type, range,
// default, flag and help text, as the experiment configs have, so that a bad port gets the same
// one-line error naming the flag and its allowed range. Not an experiment field: nothing to sweep.

import * as z from 'zod';
import { ConfigError, firstIssueMessage } from './errors.js';
import { fieldFlags, type FieldFlag } from './flags.js';

/** The serve command's options. */
export const serveOptionsSchema = z.strictObject({
  port: z
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(0)
    .meta({ flag: '--port <P>', description: 'TCP port on 127.0.0.1 (0: a free port, printed)' }),
});

/** The serve command's options with defaults filled in. */
export type ServeOptions = z.output<typeof serveOptionsSchema>;

let fieldFlagsMemo: Record<string, FieldFlag> | undefined;

/** Per field: its flag, help text, default and allowed values, read from the schema. */
export function serveFieldFlags(): Record<string, FieldFlag> {
  return (fieldFlagsMemo ??= fieldFlags(serveOptionsSchema));
}

/** Validate and fill defaults; throws ConfigError naming the flag and its range on a bad value. */
export function resolveServeOptions(input: unknown): ServeOptions {
  const parsed = serveOptionsSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(firstIssueMessage(parsed.error, input, serveFieldFlags()));
  return parsed.data;
}
