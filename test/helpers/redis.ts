// A real Redis for the queue tests: Debian's redis-server as a child process on a free port, with
// no persistence (a restart on the same port comes back empty, as a lost server does). Where
// redis-server is not installed the tests are skipped with a warning, unless CI is set: there
// they fail (`.ci/run` installs it).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** Whether redis-server can be run here; throws under CI if not. */
export function redisAvailable(): boolean {
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
  if (!found && process.env.CI) throw new Error('redis-server is not installed, and CI is set: the queue tests must run (.ci/run installs it)');
  if (!found) console.warn('warning: redis-server is not installed: the queue tests are SKIPPED (apt-get install redis-server)');
  return found;
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once a PING on the port is answered (with or without a password: NOAUTH is an answer too). */
async function waitForRedis(port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('data', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
      socket.on('connect', () => socket.write('PING\r\n'));
    });
    if (answered) return;
    if (Date.now() > until) throw new Error(`redis-server on port ${port} did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A redis-server child process on `port`; stop() kills it (SIGKILL: the server is lost, not shut down). */
export class RedisServer {
  private child?: ChildProcess;
  constructor(
    readonly port: number,
    private readonly extra: readonly string[] = [],
  ) {}

  async start(): Promise<this> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...this.extra], { stdio: 'ignore' });
    await waitForRedis(this.port);
    return this;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise((resolve) => {
      child.on('exit', resolve);
      child.kill('SIGKILL');
    });
  }
}
