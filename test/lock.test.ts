// The folder lock: one command per folder. Two `sweep --resume DIR` at once (real processes):
// one works, the other exits 2 naming the folder and the pid; every run is recorded exactly once.
// A lock left by a killed process is taken over, so --resume after SIGKILL works.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE, LockHeldError, lockFolder } from '../src/experiments/lock.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const BIN = path.join(ROOT, 'bin', 'superposition.js');

function start(args: string[]): Promise<{ status: number | null; stderr: string; pid: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (status) => resolve({ status, stderr, pid: child.pid! }));
  });
}

/** A pid that surely belongs to no process: one that has just exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

function writeLock(dir: string, content: object | string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, LOCK_FILE), typeof content === 'string' ? content : JSON.stringify(content));
}

describe('lockFolder', () => {
  it('takes a free folder, refuses a held one (naming pid and host), and frees it on release', () => {
    const dir = path.join(tempDir('lock'), 'run');
    const lock = lockFolder(dir, 'test');
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, host: os.hostname() });
    lock.release();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    writeLock(dir, { pid: process.ppid, host: os.hostname(), command: 'superposition sweep --resume x' });
    expect(() => lockFolder(dir)).toThrow(LockHeldError);
    expect(() => lockFolder(dir)).toThrow(new RegExp(`${dir} is in use by process ${process.ppid} on ${os.hostname()}`));
  });

  it('takes over a lock whose process is gone (same host), never one from another host', () => {
    const dir = tempDir('lock-stale');
    writeLock(dir, { pid: deadPid(), host: os.hostname() });
    lockFolder(dir).release();
    writeLock(dir, { pid: deadPid(), host: 'another-host.example' });
    expect(() => lockFolder(dir)).toThrow(/in use by process \d+ on another-host\.example/);
  });

  it('an empty lock file (its writer died before writing) is held while fresh, taken over once old', () => {
    const dir = tempDir('lock-empty');
    writeLock(dir, '');
    expect(() => lockFolder(dir)).toThrow(/its lock file is being written/);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(dir, LOCK_FILE), old, old);
    lockFolder(dir).release();
  });
});

describe('two commands on one folder', () => {
  it('two `sweep --resume DIR` at once: one runs, the other exits 2 naming the pid; every run recorded once', async () => {
    const out = path.join(tempDir('lock-sweep'), 'sweep');
    // A sweep killed before any run finished: sweep.json written, a stale lock left behind.
    const args = ['sweep', '--set', 'nHidden=2,3,4', '--set', 'sparsity=0.9', '--steps', '1500', '--workers', '1', '--quiet'];
    await new Promise<void>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args, '--out', out], { cwd: ROOT });
      const timer = setInterval(() => {
        if (fs.existsSync(path.join(out, 'sweep.json'))) child.kill('SIGKILL');
      }, 10);
      child.on('exit', () => {
        clearInterval(timer);
        resolve();
      });
    });
    expect(fs.existsSync(path.join(out, LOCK_FILE))).toBe(true); // left by the killed process
    const [a, b] = await Promise.all([start(['sweep', '--resume', out, '--quiet']), start(['sweep', '--resume', out, '--quiet'])]);
    const [winner, loser] = a.status === 0 ? [a, b] : [b, a];
    expect(winner.status, winner.stderr).toBe(0);
    expect(loser.status).toBe(2);
    expect(loser.stderr.trim().split('\n')).toHaveLength(1);
    expect(loser.stderr).toMatch(new RegExp(`error: ${out} is in use by process ${winner.pid} on ${os.hostname()}`));
    const records = fs.readFileSync(path.join(out, 'runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records).toHaveLength(3);
    expect(new Set(records.map((r) => r.id)).size).toBe(3);
    expect(fs.existsSync(path.join(out, LOCK_FILE))).toBe(false);
  });

  it('a toy run in use: a second --resume of it exits 2; after SIGKILL the resume takes the lock over', async () => {
    const out = path.join(tempDir('lock-toy'), 'run');
    const first = spawn(process.execPath, [BIN, '--sparsity', '0.9', '--steps', '200000', '--workers', '1', '--no-plots', '--out', out], { cwd: ROOT });
    await new Promise<void>((resolve) => {
      first.stderr.on('data', (chunk: Buffer) => {
        if (/toy step \d+\//.test(chunk.toString())) resolve();
      });
    });
    const second = runCli(['--resume', out, '--quiet']);
    expect(second.status).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`is in use by process ${first.pid}`));
    first.kill('SIGKILL');
    await new Promise((resolve) => first.on('exit', resolve));
    // No checkpoint yet (killed within 30 s), so the resume starts from step 0, with the lock taken over.
    fs.writeFileSync(path.join(out, 'checkpoint.json'), 'not json');
    const damaged = runCli(['--resume', out, '--quiet']);
    expect(damaged.status).toBe(2);
    expect(damaged.stderr).toMatch(/checkpoint\.json is damaged: it is not valid JSON; to start this run again from step 0, delete/);
    expect(fs.existsSync(path.join(out, LOCK_FILE))).toBe(false);
  });
});
