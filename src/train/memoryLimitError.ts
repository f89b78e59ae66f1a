// The failure of the memory estimate (memoryEstimate.ts), apart from it so that the CLI's failure
// handler can know the class without loading the config schemas the estimate reads.

/** A size the machine cannot hold: one line with the estimate and what to change. */
export class MemoryLimitError extends Error {
  override name = 'MemoryLimitError';
}
