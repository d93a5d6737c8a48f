import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port nobody listens on right now (the kernel's pick). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Exactly the flags `deploy/compose.yaml` runs Redis with (read from it, so the two cannot drift). */
export const DURABLE_FLAGS = shippedRedisFlags();
/** No persistence at all: a restart starts empty. */
export const VOLATILE_FLAGS = ['--save', '', '--appendonly', 'no'];

/**
 * A real redis-server on 127.0.0.1, in a data directory of its own, that a test can pause
 * (SIGSTOP), kill and start again on the same port and directory (what a restart looks like).
 */
export class RedisServer {
  private child: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'esgw-redis-'));

  private constructor(
    readonly port: number,
    private readonly flags: string[],
  ) {}

  static async start(flags: string[] = VOLATILE_FLAGS, port?: number): Promise<RedisServer> {
    const server = new RedisServer(port ?? (await freePort()), flags);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (again) and resolves once it accepts connections. */
  async restart(): Promise<void> {
    if (this.child) throw new Error('redis-server is already running');
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, ...this.flags],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        output += String(chunk);
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}:\n${output}`));
      });
    });
    this.child = child;
  }

  /** SIGSTOP: the socket stays open, commands queue up unanswered, as in a long stall. */
  pause(): void {
    this.signal('SIGSTOP');
  }

  resume(): void {
    this.signal('SIGCONT');
  }

  /** Stops the process by its PID (SIGKILL: no save, no goodbye to clients). */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) {
      this.child = null;
      return;
    }
    const exited = once(child, 'exit');
    // A stopped process cannot act on SIGTERM until it runs again.
    process.kill(child.pid, 'SIGCONT');
    process.kill(child.pid, signal);
    await exited;
    this.child = null;
  }

  async close(): Promise<void> {
    await this.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private signal(signal: NodeJS.Signals): void {
    if (!this.child?.pid) throw new Error('redis-server is not running');
    process.kill(this.child.pid, signal);
  }
}

function shippedRedisFlags(): string[] {
  const compose = readFileSync(new URL('../../deploy/compose.yaml', import.meta.url), 'utf8');
  const command = /^\s+command: (\["redis-server".*\])$/m.exec(compose)?.[1];
  if (!command) throw new Error('deploy/compose.yaml has no redis-server command line');
  return (JSON.parse(command) as string[]).slice(1);
}
