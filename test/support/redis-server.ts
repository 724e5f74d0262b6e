// A real Redis for the tests: Debian's redis-server on a free loopback port with a temporary directory and an
// append-only file, started by the test and stopped after. Where redis-server is missing, it is installed from
// Debian's packages when the tests run as root; otherwise the test stops with one line saying what to install.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../dev/node-red-launcher';

const CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'];

function findRedisServer(): string | undefined {
  return CANDIDATES.find((path) => existsSync(path));
}

let installed: string | undefined;

/** The path of redis-server, installing Debian's package once when missing and allowed. */
export function redisServerBinary(): string {
  installed ??= findRedisServer();
  if (installed) return installed;
  if (process.getuid?.() !== 0)
    throw new Error(
      'redis-server is not installed: run `apt-get install redis-server` (Debian) and test again',
    );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], {
    stdio: 'ignore',
    env,
  });
  // Debian's package starts a system service on port 6379: the tests never use it, and leave nothing running
  try {
    execFileSync('service', ['redis-server', 'stop'], { stdio: 'ignore' });
  } catch {}
  installed = findRedisServer();
  if (!installed) throw new Error('apt-get install redis-server did not provide /usr/bin/redis-server');
  return installed;
}

export class RedisServer {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'redis-test-')));
    await server.resume();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port and directory: what was acknowledged comes back from the append-only file. */
  async resume(): Promise<void> {
    const child = spawn(
      redisServerBinary(),
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--daemonize',
        'no',
        '--protected-mode',
        'yes',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          child.stdout?.off('data', onData);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`)));
    });
    child.stdout?.resume();
    child.stderr?.resume();
  }

  /** Stops the server (SIGTERM: it finishes writing its append-only file first). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
