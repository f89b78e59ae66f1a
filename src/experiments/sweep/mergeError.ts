// The failure of `sweep merge`, apart from the merge itself (merge.ts) so that the CLI's failure
// handler can know the class without loading the sweep code.

/** Shards that cannot be merged: missing or conflicting runs, or folders of different sweeps. Lists every problem. */
export class MergeError extends Error {
  override name = 'MergeError';
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(message);
  }
}
