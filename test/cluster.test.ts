// Sharded sweeps (docs/cluster.md): 3 shards as 3 concurrent processes, into separate folders and
// into one shared folder, merged, equal byte for byte to a one-machine sweep; missing and
// conflicting runs; bad --shard values; the Kubernetes manifest of the doc parsed and checked.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const GRID = ['--set', 'sparsity=0.6,0.9', '--set', 'seed=4,5,6', '--steps', '200', '--workers', '1', '--quiet'];
const BIN = path.join(ROOT, 'bin', 'superposition.js');

/** Run the command in N processes at once; resolves with their exit codes. */
function runAll(argsList: string[][], env: NodeJS.ProcessEnv = process.env): Promise<(number | null)[]> {
  return Promise.all(
    argsList.map(
      (args) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: 'ignore' });
          child.on('exit', resolve);
        }),
    ),
  );
}

/** Every file under dir, relative path → bytes. */
function tree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) files.set(path.relative(dir, path.join(entry.parentPath, entry.name)), fs.readFileSync(path.join(entry.parentPath, entry.name)));
  return files;
}

const lines = (file: string): string[] => fs.readFileSync(file, 'utf8').trim().split('\n').sort();

function expectSameSweep(actual: string, expected: string): void {
  expect(lines(path.join(actual, 'runs.jsonl'))).toEqual(lines(path.join(expected, 'runs.jsonl')));
  expect(fs.readFileSync(path.join(actual, 'summary.csv'), 'utf8')).toBe(fs.readFileSync(path.join(expected, 'summary.csv'), 'utf8'));
  const want = tree(path.join(expected, 'runs'));
  const got = tree(path.join(actual, 'runs'));
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [file, bytes] of want) expect(got.get(file)?.equals(bytes), file).toBe(true);
}

describe('sharded sweeps', () => {
  it('3 shards in separate folders and in one shared folder, merged, equal a one-machine sweep byte for byte', async () => {
    const base = tempDir('cluster');
    const one = runCli(['sweep', ...GRID, '--out', path.join(base, 'one', 'sw')]);
    expect(one.status, one.stderr).toBe(0);
    const separate = [0, 1, 2].map((i) => ['sweep', ...GRID, '--shard', `${i}/3`, '--out', path.join(base, `part${i}`, 'sw')]);
    const shared = [0, 1, 2].map((i) => ['sweep', ...GRID, '--shard', `${i}/3`, '--out', path.join(base, 'shared', 'sw')]);
    expect(await runAll([...separate, ...shared])).toEqual([0, 0, 0, 0, 0, 0]);
    // Shard i holds exactly the runs whose index mod 3 is i.
    for (const i of [0, 1, 2]) {
      const records = lines(path.join(base, `part${i}`, 'sw', `runs-${i}.jsonl`)).map((l) => JSON.parse(l) as { index: number });
      expect(records.map((r) => r.index).sort()).toEqual([i, i + 3]);
      expect(fs.existsSync(path.join(base, `part${i}`, 'sw', 'summary.csv'))).toBe(false);
    }
    // The shared folder was completed by the last shard.
    expectSameSweep(path.join(base, 'shared', 'sw'), path.join(base, 'one', 'sw'));
    const merged = runCli(['sweep', 'merge', ...[0, 1, 2].map((i) => path.join(base, `part${i}`, 'sw')), '--quiet', '--out', path.join(base, 'merged', 'sw')]);
    expect(merged.status, merged.stderr).toBe(0);
    expectSameSweep(path.join(base, 'merged', 'sw'), path.join(base, 'one', 'sw'));
    const all = tree(path.join(base, 'merged', 'sw'));
    for (const [file, bytes] of tree(path.join(base, 'one', 'sw'))) expect(all.get(file)?.equals(bytes), file).toBe(true);
    // The same run in two inputs with the same bytes is kept once.
    const again = runCli(['sweep', 'merge', path.join(base, 'shared', 'sw'), path.join(base, 'part1', 'sw'), '--quiet', '--out', path.join(base, 'again', 'sw')]);
    expect(again.status, again.stderr).toBe(0);
    expectSameSweep(path.join(base, 'again', 'sw'), path.join(base, 'one', 'sw'));
    // Missing runs and a run with other bytes: each named, exit 2, nothing written.
    fs.appendFileSync(path.join(base, 'part1', 'sw', 'runs', JSON.parse(lines(path.join(base, 'part1', 'sw', 'runs-1.jsonl'))[0]).id, 'history.csv'), '0,0\n');
    const bad = runCli(['sweep', 'merge', path.join(base, 'shared', 'sw'), path.join(base, 'part1', 'sw'), path.join(base, 'part2', 'sw'), '--out', path.join(base, 'bad')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/duplicated run [0-9a-f]{10} \(#[14] /);
    const missing = runCli(['sweep', 'merge', path.join(base, 'part0', 'sw'), path.join(base, 'part2', 'sw'), '--out', path.join(base, 'bad')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr.match(/^superposition: missing run/gm)).toHaveLength(2);
    expect(missing.stderr).toMatch(/#1 sparsity=0.6 seed=5/);
    expect(missing.stderr).toMatch(/#4 sparsity=0.9 seed=5/);
    expect(fs.existsSync(path.join(base, 'bad'))).toBe(false);
  }, 120_000);

  it('a shard SIGKILLed mid-sweep and resumed with --resume DIR --shard i/N completes its share; the shared folder equals a one-machine sweep', async () => {
    const base = tempDir('cluster-resume');
    const grid = ['--set', 'sparsity=0.6,0.9', '--set', 'seed=4,5,6', '--steps', '1500', '--workers', '1', '--quiet'];
    const shared = path.join(base, 'shared', 'sw');
    // Killed once its folder exists, before its runs are recorded: a stale lock and no runs-1.jsonl lines.
    await new Promise<void>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'sweep', ...grid, '--shard', '1/3', '--out', shared], { cwd: ROOT, stdio: 'ignore' });
      const timer = setInterval(() => {
        if (fs.existsSync(path.join(shared, 'sweep.json'))) child.kill('SIGKILL');
      }, 5);
      child.on('exit', () => {
        clearInterval(timer);
        resolve();
      });
    });
    const recorded = fs.existsSync(path.join(shared, 'runs-1.jsonl')) ? lines(path.join(shared, 'runs-1.jsonl')).length : 0;
    expect(recorded, 'the kill came after shard 1 finished: the test did not test a resume').toBeLessThan(2);
    const resumed = runCli(['sweep', '--resume', shared, '--shard', '1/3', '--quiet']);
    expect(resumed.status, resumed.stderr).toBe(0);
    const ids = lines(path.join(shared, 'runs-1.jsonl')).map((l) => (JSON.parse(l) as { id: string }).id);
    expect(new Set(ids).size).toBe(2);
    expect(ids).toHaveLength(2);
    expect(await runAll([0, 2].map((i) => ['sweep', ...grid, '--shard', `${i}/3`, '--out', shared]))).toEqual([0, 0]);
    const one = runCli(['sweep', ...grid, '--out', path.join(base, 'one', 'sw')]);
    expect(one.status, one.stderr).toBe(0);
    expectSameSweep(shared, path.join(base, 'one', 'sw'));
  }, 120_000);

  it('--shard auto reads Slurm and Kubernetes variables; bad values are one line and exit 2', async () => {
    const base = tempDir('cluster-auto');
    const slurm = { ...process.env, SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '3' };
    const k8s = { ...process.env, JOB_COMPLETION_INDEX: '1' };
    expect(await runAll([['sweep', ...GRID, '--shard', 'auto', '--out', path.join(base, 'slurm')]], slurm)).toEqual([0]);
    expect(await runAll([['sweep', ...GRID, '--shard', 'auto/3', '--out', path.join(base, 'k8s')]], k8s)).toEqual([0]);
    expect(lines(path.join(base, 'slurm', 'runs-2.jsonl')).map((l) => JSON.parse(l).index).sort()).toEqual([2, 5]);
    expect(lines(path.join(base, 'k8s', 'runs-1.jsonl')).map((l) => JSON.parse(l).index).sort()).toEqual([1, 4]);
    for (const [value, message] of [
      ['3/3', /--shard 3\/3: the shard index must be an integer in \[0, 2\]/],
      ['1/0', /the number of shards must be an integer ≥ 1/],
      ['one', /--shard must be i\/N/],
      ['auto', /SLURM_ARRAY_TASK_ID is not set/],
    ] as const) {
      const r = runCli(['sweep', ...GRID, '--shard', value, '--out', path.join(base, 'bad')]);
      expect(r.status, value).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(fs.existsSync(path.join(base, 'bad'))).toBe(false);
  }, 60_000);

  it('docs/cluster.md: the Indexed Job manifest has what an Indexed Job needs, the Slurm scripts an array and an afterok merge', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'cluster.md'), 'utf8');
    const yamlBlocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(yamlBlocks).toHaveLength(1);
    const job = parse(yamlBlocks[0]);
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.kind).toBe('Job');
    expect(job.metadata.name).toMatch(/^[a-z0-9-]+$/);
    expect(job.spec.completionMode).toBe('Indexed');
    expect(Number.isInteger(job.spec.completions) && job.spec.completions > 0).toBe(true);
    expect(Number.isInteger(job.spec.parallelism) && job.spec.parallelism > 0).toBe(true);
    expect(['Never', 'OnFailure']).toContain(job.spec.template.spec.restartPolicy);
    const [container] = job.spec.template.spec.containers;
    const command: string[] = container.command;
    expect(command.slice(0, 3)).toEqual(['npx', 'superposition', 'sweep']);
    expect(command[command.indexOf('--shard') + 1]).toBe(`auto/${job.spec.completions}`);
    const env = container.env.find((e: { name: string }) => e.name === 'JOB_COMPLETION_INDEX');
    expect(env.valueFrom.fieldRef.fieldPath).toBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");
    expect(doc).toMatch(/#SBATCH --array=0-7/);
    expect(doc).toMatch(/--shard auto /);
    expect(doc).toMatch(/sbatch --dependency=afterok:\$array/);
    expect(doc).toMatch(/superposition sweep merge "\$SWEEP_DIR"/);
  });
});
