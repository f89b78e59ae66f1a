// `superposition serve` as a real child process, as a user starts it: spawned on port 0, its URL read
// from the line it prints, stopped with SIGINT (Ctrl-C) and its exit code and output collected.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './cli.js';

/** A running serve command. */
export interface ServeProcess {
  /** The URL it printed, e.g. http://127.0.0.1:41234/?from=results/ */
  url: string;
  /** The server's origin with a trailing slash, e.g. http://127.0.0.1:41234/ */
  origin: string;
  child: ChildProcessWithoutNullStreams;
  /** Ctrl-C, then wait for the exit. */
  stop(): Promise<{ status: number | null; stdout: string; stderr: string }>;
}

/**
 * Start `node <bin> serve --port 0 …args` and resolve once it prints its URL; rejects with its
 * output if it exits first or prints nothing within `timeoutMs`.
 */
export function startServe(args: readonly string[], options: { bin?: string; cwd?: string; timeoutMs?: number } = {}): Promise<ServeProcess> {
  const bin = options.bin ?? path.join(ROOT, 'bin', 'superposition.js');
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], { cwd: options.cwd ?? ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (status) => resolve({ status, stdout, stderr })),
  );
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGINT');
    return exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve printed no URL within ${options.timeoutMs ?? 20_000} ms: ${stdout}${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.stdout.on('data', () => {
      const url = /^explorer: (http:\/\/\S+)$/m.exec(stdout)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      resolve({ url, origin: `${new URL(url).origin}/`, child, stop });
    });
    void exited.then(({ status }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${status}) before printing its URL: ${stdout}${stderr}`));
    });
  });
}
