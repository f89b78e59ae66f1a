// `--shard i/N | auto | auto/N`: which shard of a sweep this process runs (experiments/sweep/shard.ts
// assigns the runs). `auto` reads a Slurm array task (SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN,
// of SLURM_ARRAY_TASK_COUNT); `auto/N` reads Kubernetes' JOB_COMPLETION_INDEX (or a Slurm task id) of N.

import type { Shard } from '../experiments/sweep/shard.js';
import { UsageError } from './flags.js';

function integer(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

function checked(index: number | undefined, count: number | undefined, what: string): Shard {
  if (count === undefined || count < 1 || !Number.isSafeInteger(count)) throw new UsageError(`--shard ${what}: the number of shards must be an integer ≥ 1`);
  if (index === undefined || index >= count) throw new UsageError(`--shard ${what}: the shard index must be an integer in [0, ${count - 1}]`);
  return { index, count };
}

/** The shard a --shard value names; bad values and missing environment variables are one-line UsageErrors. */
export function parseShard(value: string, env: NodeJS.ProcessEnv = process.env): Shard {
  const fixed = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (fixed) return checked(Number(fixed[1]), Number(fixed[2]), value);
  const auto = /^auto(?:\/(\d+))?$/.exec(value.trim());
  if (!auto) throw new UsageError(`--shard must be i/N (0 ≤ i < N), auto or auto/N (got "${value}")`);
  const slurmId = integer(env.SLURM_ARRAY_TASK_ID);
  const slurmIndex = slurmId === undefined ? undefined : slurmId - (integer(env.SLURM_ARRAY_TASK_MIN) ?? 0);
  if (auto[1] === undefined) {
    if (slurmId === undefined)
      throw new UsageError(`--shard auto: SLURM_ARRAY_TASK_ID is not set (run it as a Slurm array task), or use --shard auto/N with Kubernetes' JOB_COMPLETION_INDEX`);
    const count = integer(env.SLURM_ARRAY_TASK_COUNT);
    return checked(slurmIndex, count, `auto (SLURM_ARRAY_TASK_ID=${env.SLURM_ARRAY_TASK_ID}, SLURM_ARRAY_TASK_COUNT=${env.SLURM_ARRAY_TASK_COUNT ?? ''})`);
  }
  const count = Number(auto[1]);
  if (env.JOB_COMPLETION_INDEX !== undefined)
    return checked(integer(env.JOB_COMPLETION_INDEX), count, `${value} (JOB_COMPLETION_INDEX=${env.JOB_COMPLETION_INDEX})`);
  if (slurmId !== undefined) return checked(slurmIndex, count, `${value} (SLURM_ARRAY_TASK_ID=${env.SLURM_ARRAY_TASK_ID})`);
  throw new UsageError(`--shard ${value}: neither JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID is set; give the shard as i/N`);
}
