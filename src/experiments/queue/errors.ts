// The failures of a queued sweep that the command reports in one line: Redis cannot be reached
// (exit 2, nothing written), and runs that failed on a worker (exit 1, the folder resumable).
// No library is imported here, so the CLI's failure handler can know these classes for free.

/** Redis did not answer at start: the message names the URL with its password masked. */
export class QueueUnreachableError extends Error {
  override name = 'QueueUnreachableError';
}

/** Another coordinator is attached to the sweep's queue (one per sweep): exit 2, nothing written. */
export class QueueInUseError extends Error {
  override name = 'QueueInUseError';
}

/** Runs of a queued sweep failed on workers; each reason is printed on a line of its own. */
export class QueueRunsFailedError extends Error {
  override name = 'QueueRunsFailedError';
  constructor(
    message: string,
    readonly problems: readonly string[],
  ) {
    super(message);
  }
}
