// Ctrl-C (SIGINT) and SIGTERM, the same for every command that trains: the first asks the run to
// stop after its current step and keep what it has (a checkpoint, or a sweep's finished runs);
// a second one exits at once with code 130.

/** Run `task` with a stop request it polls; signals are taken over only while it runs. */
export async function interruptible<T>(task: (stopRequested: () => boolean) => Promise<T>): Promise<T> {
  let requested = false;
  const onInterrupt = () => {
    if (requested) process.exit(130);
    requested = true;
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    return await task(() => requested);
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
}
