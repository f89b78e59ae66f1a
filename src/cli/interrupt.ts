// Ctrl-C (SIGINT) and SIGTERM, the same for every command that trains: the first asks the run to
// stop after its current step and keep what it has (a checkpoint, or a sweep's finished runs);
// a second one exits at once with code 130. A repeat within a second of the first is the same
// request delivered twice — a signal to the process group (as `timeout` and job schedulers send
// it) reaches this process both directly and through npm/npx — and is not a second Ctrl-C.

/** A second signal closer than this to the first is the same request, not "exit now". */
const SAME_REQUEST_MS = 1000;

/** Run `task` with a stop request it polls; signals are taken over only while it runs. */
export async function interruptible<T>(task: (stopRequested: () => boolean) => Promise<T>): Promise<T> {
  let requested = false;
  let firstAt = 0;
  const onInterrupt = () => {
    if (requested && performance.now() - firstAt > SAME_REQUEST_MS) process.exit(130);
    if (!requested) firstAt = performance.now();
    requested = true;
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    return await task(() => requested);
  } finally {
    // Once a stop was requested the command is on its way out (exit 130): the handlers stay, so
    // that the same signal seen a second time (a process group's, forwarded by a wrapper) a moment
    // after the task ended is still the same request, not Node's default death by signal.
    if (!requested) {
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onInterrupt);
    }
  }
}
