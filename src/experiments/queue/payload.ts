// A queued run crosses Redis as its job: the job id is the run id, the payload the run's resolved
// config in config-file form (no paths, no provenance). A worker trusts neither: the id must look
// like a run id (it names a folder), and the payload must pass the schema of a config file and
// the memory check before anything runs — a hostile or broken job fails with one line.

import { ConfigError } from '../../config/errors.js';
import { validateExperiment } from '../../config/experiment.js';
import { resolveSaeConfig } from '../../config/sae.js';
import { resolveToyConfig } from '../../config/toy.js';
import { checkMemory, saeMemoryParts, toyMemoryParts } from '../memory.js';
import type { SweepRun } from '../sweep/grid.js';

/** A run id: the first 10 hex digits of its config's hash (grid.ts). */
const RUN_ID = /^[0-9a-f]{10}$/;

/** The payload of a run's job: the toy fields as a config file holds them (derived ones dropped), and its `sae` object. */
export function runPayload(run: SweepRun): Record<string, unknown> {
  const { totalSteps: _total, dataMode: _mode, ...toy } = run.config;
  void [_total, _mode];
  return run.sae ? { ...toy, sae: run.sae } : toy;
}

/**
 * The run a job asks for, checked as a config file is: unknown fields (an `out`, a path) and
 * out-of-range values are a ConfigError, as is a job id that is not a run id. The run is trained
 * with `workers` threads, so the memory check counts them.
 */
export function runFromPayload(jobId: string | undefined, data: unknown, workers: number): SweepRun {
  if (jobId === undefined || !RUN_ID.test(jobId)) throw new ConfigError(`job id "${String(jobId).slice(0, 40)}" is not a run id (10 hex digits): not a sweep's job`);
  const { sae, ...toy } = validateExperiment(data);
  const config = resolveToyConfig(toy);
  const saeConfig = sae === undefined ? undefined : resolveSaeConfig(sae);
  checkMemory(toyMemoryParts(config, workers, false), undefined, `run ${jobId}`);
  if (saeConfig) checkMemory(saeMemoryParts(config, saeConfig), undefined, `the SAE grid of run ${jobId}`);
  return { id: jobId, index: 0, setting: {}, config, sae: saeConfig };
}
