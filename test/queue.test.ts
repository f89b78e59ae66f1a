// Queued sweeps (sweep --queue, superposition worker) against a real redis-server started per
// file on a free port, with real processes: a worker SIGKILLed mid-run (its run retried by the
// other worker once its lock runs out), the coordinator SIGKILLed and resumed (runs finished
// meanwhile collected, not trained again), Redis unreachable at start, Redis killed and restarted
// mid-sweep, hostile job payloads, and a password that never shows. Every folder is compared
// with a one-machine sweep of the same grid, byte for byte.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/errors.js';
import { maskUrl, parseRedisUrl, redact } from '../src/experiments/queue/redisUrl.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { RedisServer, freePort, redisAvailable } from './helpers/redis.js';

const BIN = path.join(ROOT, 'bin', 'superposition.js');
/** 4 runs of ~1 s each: long enough to kill a process in the middle of one. */
const GRID = ['--set', 'sparsity=0.6,0.9', '--set', 'seed=1,2', '--sparse-dim', '5', '--dense-dim', '2', '--steps', '20000'];

/** A command running in the background, its output collected. */
interface Running {
  child: ChildProcess;
  out: string;
  err: string;
  exit: Promise<number | null>;
}
const running: Running[] = [];

function start(args: readonly string[], cwd = ROOT, env: NodeJS.ProcessEnv = process.env): Running {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc: Running = { child, out: '', err: '', exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
  child.stdout!.on('data', (chunk: Buffer) => (proc.out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (proc.err += chunk.toString()));
  running.push(proc);
  return proc;
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every file under dir, relative path → bytes. */
function tree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) files.set(path.relative(dir, path.join(entry.parentPath, entry.name)), fs.readFileSync(path.join(entry.parentPath, entry.name)));
  return files;
}

const recordIds = (dir: string): string[] =>
  fs.existsSync(path.join(dir, 'runs.jsonl')) ? fs.readFileSync(path.join(dir, 'runs.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).id as string) : [];

/** The queued folder is the local one: every file byte for byte (runs, runs.jsonl, summary, sweep.json), no lock left. */
function expectSameSweep(actual: string, expected: string): void {
  const want = tree(expected);
  const got = tree(actual);
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [file, bytes] of want) expect(got.get(file)?.equals(bytes), file).toBe(true);
}

/** Run ids a worker's log says it started training, in order. */
const trained = (log: string): string[] => [...log.matchAll(/run ([0-9a-f]{10}) of sweep-[0-9a-f]{12}: training/g)].map((m) => m[1]);
const done = (log: string): string[] => [...log.matchAll(/run ([0-9a-f]{10}) of sweep-[0-9a-f]{12}: done/g)].map((m) => m[1]);

afterEach(() => {
  for (const proc of running.splice(0)) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
});

describe('Redis URLs', () => {
  it('redis:// and rediss:// parse into ioredis options; the password is masked wherever a URL is shown', () => {
    expect(parseRedisUrl('rediss://user:p%40ss@cache.example:6380/2')).toEqual({
      shown: 'rediss://user:****@cache.example:6380/2',
      host: 'cache.example',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 2,
      tls: {},
    });
    expect(parseRedisUrl('redis://10.0.0.5')).toEqual({ shown: 'redis://10.0.0.5', host: '10.0.0.5', port: 6379, username: undefined, password: undefined, db: 0, tls: undefined });
    expect(parseRedisUrl('redis://:s3cret@[::1]:7000').host).toBe('::1');
    expect(maskUrl('redis://:s3cret@host:1')).toBe('redis://:****@host:1');
    expect(redact('WRONGPASS s3cret and s%40x', { password: 's@x' })).toBe('WRONGPASS s3cret and ****');
    for (const bad of ['http://host:1', 'redis://:pw@', 'not a url :pw@', 'redis://host/x'])
      expect(() => parseRedisUrl(bad), bad).toThrow(ConfigError);
    expect(() => parseRedisUrl('http://:topsecret@host:1')).toThrow(/http:\/\/:\*\*\*\*@host:1/);
  });
});

describe('bad worker and --queue input', () => {
  it('is one line naming the flag and its range, exit 2, before Redis is asked', () => {
    for (const [args, message] of [
      [['worker', 'redis://127.0.0.1:1', '--concurrency', '0'], /--concurrency must be an integer in \[1, 64\] \(got 0\)/],
      [['worker', 'redis://127.0.0.1:1', '--lock-ms', 'soon'], /--lock-ms must be an integer in \[1000, 3600000\] \(got "soon"\)/],
      [['worker', 'http://:pw-secret@127.0.0.1:1'], /the Redis URL must start with redis:\/\/ or rediss:\/\/ \(got "http:\/\/:\*\*\*\*@127\.0\.0\.1:1"\)/],
      [['worker', 'redis://127.0.0.1:1', '--queue', '../x'], /--queue must name a sweep's queue, sweep-<12 hex digits>/],
      [['sweep', '--queue', 'redis://127.0.0.1:1', '--shard', '0/2', '--out', path.join(tempDir('queue-bad'), 'sw')], /--queue and --shard are two ways/],
    ] as const) {
      const r = runCli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain('pw-secret');
    }
  });
});

describe.runIf(redisAvailable())('queued sweeps on a real Redis', () => {
  let server: RedisServer;
  let url: string;
  let local: string;
  let base: string;

  beforeAll(async () => {
    server = await new RedisServer(await freePort()).start();
    url = `redis://127.0.0.1:${server.port}`;
    base = tempDir('queue');
    local = path.join(base, 'local', 'sw');
    const one = runCli(['sweep', ...GRID, '--workers', '1', '--quiet', '--out', local]);
    expect(one.status, one.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('two workers, one SIGKILLed mid-run: its run is retried by the other, every run recorded once, the folder equals the local sweep', async () => {
    const dir = path.join(base, 'killed-worker', 'sw');
    const first = start(['worker', url, '--lock-ms', '1000']);
    const second = start(['worker', url, '--lock-ms', '1000']);
    const coordinator = start(['sweep', ...GRID, '--queue', url, '--out', dir]);
    await waitFor('the first worker to start a run', () => trained(first.err).length > 0);
    await sleep(200);
    const [victim] = trained(first.err);
    expect(done(first.err), 'the run was still training when killed').not.toContain(victim);
    first.child.kill('SIGKILL');
    expect(await coordinator.exit, coordinator.err).toBe(0);
    expect(trained(second.err)).toContain(victim);
    expect(done(second.err)).toContain(victim);
    expect(recordIds(dir).sort()).toEqual([...new Set(recordIds(local))].sort());
    expectSameSweep(dir, local);
    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
  }, 120_000);

  it('Ctrl-C on a worker hands its run back to the queue at once; another worker trains it', async () => {
    const dir = path.join(base, 'interrupted-worker', 'sw');
    const first = start(['worker', url, '--lock-ms', '60000']); // a lock that would outlast the test: only the hand-back can free the run
    const coordinator = start(['sweep', ...GRID, '--queue', url, '--out', dir, '--quiet']);
    await waitFor('the worker to start a run', () => trained(first.err).length > 0);
    const [run] = trained(first.err);
    first.child.kill('SIGINT');
    expect(await first.exit).toBe(0);
    expect(first.err).toContain(`run ${run} of`);
    expect(first.err).toMatch(new RegExp(`run ${run} of sweep-[0-9a-f]{12}: handed back to the queue`));
    // While no worker serves it, a second coordinator of the same grid (another folder, same queue) is refused.
    const rival = runCli(['sweep', ...GRID, '--queue', url, '--quiet', '--out', path.join(base, 'rival', 'sw')]);
    expect(rival.status).toBe(2);
    expect(rival.stderr).toMatch(new RegExp(`^superposition: error: the queue sweep-[0-9a-f]{12} of this sweep already has a coordinator: process ${coordinator.child.pid} on .*, writing ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')};`));
    const second = start(['worker', url, '--lock-ms', '60000']);
    expect(await coordinator.exit, coordinator.err).toBe(0);
    expect(trained(second.err)).toContain(run);
    expectSameSweep(dir, local);
    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
  }, 120_000);

  it('--concurrency 2 runs two worker processes that share the runs; SIGTERM stops both', async () => {
    const dir = path.join(base, 'concurrency', 'sw');
    const workers = start(['worker', url, '--concurrency', '2', '--lock-ms', '1000']);
    const coordinator = start(['sweep', ...GRID, '--queue', url, '--out', dir, '--quiet']);
    expect(await coordinator.exit, coordinator.err).toBe(0);
    const pids = new Set([...workers.err.matchAll(/^worker (\d+): run [0-9a-f]{10} of sweep-[0-9a-f]{12}: training/gm)].map((m) => m[1]));
    expect(pids.size).toBe(2);
    expect(pids.has(String(workers.child.pid))).toBe(false);
    expect(trained(workers.err)).toHaveLength(4);
    expectSameSweep(dir, local);
    workers.child.kill('SIGTERM');
    expect(await workers.exit).toBe(0);
    expect(workers.err.match(/: stopped$/gm)).toHaveLength(2);
  }, 120_000);

  it('the coordinator SIGKILLed and resumed: runs finished meanwhile are collected, none trained twice', async () => {
    const dir = path.join(base, 'killed-coordinator', 'sw');
    const worker = start(['worker', url, '--lock-ms', '1000']);
    const coordinator = start(['sweep', ...GRID, '--queue', url, '--out', dir, '--quiet']);
    await waitFor('a first run written', () => recordIds(dir).length >= 1);
    coordinator.child.kill('SIGKILL');
    await coordinator.exit;
    const writtenBefore = recordIds(dir).length;
    await waitFor('the worker to finish more runs while no coordinator is attached', () => done(worker.err).length >= writtenBefore + 1);
    const resumed = start(['sweep', '--resume', dir, '--queue', url]);
    expect(await resumed.exit, resumed.err).toBe(0);
    expect(resumed.err).toMatch(/4 runs, [1-4] finished before/);
    const ids = trained(worker.err);
    expect(ids.length).toBe(4);
    expect(new Set(ids).size).toBe(4);
    expectSameSweep(dir, local);
    worker.child.kill('SIGTERM');
    expect(await worker.exit).toBe(0);
  }, 120_000);

  it('Redis killed and restarted empty mid-sweep: the coordinator and the worker wait, reconnect, queue the lost runs again and finish', async () => {
    const lost = await new RedisServer(await freePort()).start();
    const lostUrl = `redis://127.0.0.1:${lost.port}`;
    const dir = path.join(base, 'lost-redis', 'sw');
    try {
      const worker = start(['worker', lostUrl, '--lock-ms', '1000']);
      const coordinator = start(['sweep', ...GRID, '--queue', lostUrl, '--out', dir, '--quiet']);
      await waitFor('a first run written', () => recordIds(dir).length >= 1);
      await lost.stop();
      await sleep(1500);
      await lost.start();
      expect(await coordinator.exit, coordinator.err).toBe(0);
      expect(coordinator.err).toMatch(/queueing the missing runs again/);
      expectSameSweep(dir, local);
      worker.child.kill('SIGTERM');
      expect(await worker.exit).toBe(0);
    } finally {
      await lost.stop();
    }
  }, 120_000);

  it('runs that fail on a worker are each named, exit 1, and --resume queues them again', async () => {
    const dir = path.join(base, 'failed-runs', 'sw');
    const small = ['--set', 'seed=1,2', '--sparse-dim', '5', '--dense-dim', '2', '--steps', '300'];
    // A worker whose memory limit no run fits: every job fails its check, nothing trains.
    const starved = start(['worker', url, '--lock-ms', '1000'], ROOT, { ...process.env, SUPERPOSITION_MEMORY_LIMIT: '1K' });
    const coordinator = start(['sweep', ...small, '--queue', url, '--out', dir]);
    expect(await coordinator.exit).toBe(1);
    expect(coordinator.err.match(/^superposition: run [0-9a-f]{10} \(#[01] seed=[12]\) failed: rejected: .*memory/gm)).toHaveLength(2);
    expect(coordinator.err).toMatch(/error: 2 run\(s\) failed on workers .* resume with --resume /);
    expect(trained(starved.err)).toEqual([]);
    starved.child.kill('SIGTERM');
    await starved.exit;
    const worker = start(['worker', url, '--lock-ms', '1000']);
    const resumed = start(['sweep', '--resume', dir, '--queue', url, '--quiet']);
    expect(await resumed.exit, resumed.err).toBe(0);
    expect(recordIds(dir)).toHaveLength(2);
    expect(done(worker.err)).toHaveLength(2);
    worker.child.kill('SIGTERM');
    await worker.exit;
  }, 120_000);

  it('Redis unreachable at start: one line naming the URL with its password masked, exit 2, nothing written', async () => {
    const nowhere = `redis://:hunter2-secret@127.0.0.1:${await freePort()}`;
    const dir = path.join(base, 'unreachable', 'sw');
    for (const args of [['sweep', ...GRID, '--queue', nowhere, '--out', dir], ['worker', nowhere]]) {
      const r = runCli(args);
      expect(r.status, args[0]).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^superposition: error: cannot reach Redis at redis:\/\/:\*\*\*\*@127\.0\.0\.1:\d+: .*ECONNREFUSED/);
      expect(r.stderr + r.stdout).not.toMatch(/hunter2/);
    }
    expect(fs.existsSync(path.dirname(dir))).toBe(false);
  });

  it('hostile payloads are rejected without running anything or writing anywhere', async () => {
    const { Queue } = await import('bullmq');
    const name = 'sweep-0123456789ab';
    const queue = new Queue(name, { connection: { host: '127.0.0.1', port: server.port } });
    const home = tempDir('hostile');
    const cwd = path.join(home, 'a', 'b');
    fs.mkdirSync(cwd, { recursive: true });
    try {
      await queue.add('run', { nFeatures: 5, nHidden: 2, steps: 100, out: '../../x' }, { jobId: '0123456789' });
      await queue.add('run', { nFeatures: -3, steps: 100 }, { jobId: 'abcdef0123' });
      await queue.add('run', { nFeatures: 5, nHidden: 2, steps: 100 }, { jobId: '../../evil' });
      const worker = start(['worker', url, '--queue', name], cwd);
      await waitFor('three failed jobs', async () => (await queue.getJobCounts('failed')).failed === 3);
      const reasons = Object.fromEntries((await queue.getJobs(['failed'])).map((job) => [job.id, job.failedReason]));
      expect(reasons['0123456789']).toBe('rejected: unknown config field "out"');
      expect(reasons['abcdef0123']).toMatch(/^rejected: nFeatures \(--sparse-dim\) must be an integer in \[1, 100000\] \(got -3\)$/);
      expect(reasons['../../evil']).toMatch(/^rejected: job id "\.\.\/\.\.\/evil" is not a run id/);
      expect(trained(worker.err)).toEqual([]);
      expect(fs.readdirSync(cwd)).toEqual([]);
      expect(fs.readdirSync(home)).toEqual(['a']);
      worker.child.kill('SIGTERM');
      expect(await worker.exit).toBe(0);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  }, 60_000);
});

describe.runIf(redisAvailable())('a password-protected Redis', () => {
  const password = 'pa55-w0rd-q7z';
  let server: RedisServer;

  beforeAll(async () => {
    server = await new RedisServer(await freePort(), ['--requirepass', password]).start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('redis://:password@… works; the password is in no log, progress line, result file or error', async () => {
    const url = `redis://:${password}@127.0.0.1:${server.port}`;
    const dir = path.join(tempDir('queue-auth'), 'sw');
    const small = ['--set', 'seed=1,2', '--sparse-dim', '5', '--dense-dim', '2', '--steps', '300'];
    const worker = start(['worker', url, '--lock-ms', '1000']);
    const coordinator = start(['sweep', ...small, '--queue', url, '--out', dir]);
    expect(await coordinator.exit, coordinator.err).toBe(0);
    expect(coordinator.err).toContain(`redis://:****@127.0.0.1:${server.port}`);
    worker.child.kill('SIGTERM');
    expect(await worker.exit).toBe(0);
    expect(done(worker.err)).toHaveLength(2);
    for (const text of [coordinator.out, coordinator.err, worker.out, worker.err]) expect(text).not.toContain(password);
    for (const [file, bytes] of tree(dir)) expect(bytes.includes(password), file).toBe(false);
    for (const wrong of [`redis://:not-the-${password}@127.0.0.1:${server.port}`, `redis://127.0.0.1:${server.port}`]) {
      const r = runCli(['sweep', ...small, '--queue', wrong, '--out', path.join(dir, '..', 'wrong')]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/cannot reach Redis at redis:\/\/(:\*\*\*\*@)?127\.0\.0\.1:\d+: (WRONGPASS|NOAUTH)/);
      expect(r.stderr).not.toContain(password);
    }
    expect(fs.existsSync(path.join(dir, '..', 'wrong'))).toBe(false);
  }, 120_000);
});
