/**
 * Child processes of the benchmark: spawned directly with `node` (one PID each, no shell, no npx),
 * bound to 127.0.0.1, logs to a temp directory, stopped by PID (SIGTERM, then SIGKILL).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');
export const GUARD = join(ROOT, 'bench/lib/loopback-guard.mjs');

export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  logFile: string;
  exited: Promise<void>;
}

const children = new Set<Child>();

/** Environment for children: the parent's, minus anything that could point a process elsewhere. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const drop =
    /^(CLOUDFLARE_|AUTH_|REDIS_|BUDGET_|CACHE_|UPSTREAM_|SIMULATOR_|HIVE_|APOLLO_|OPENTELEMETRY|OTEL_|HTTPS?_PROXY$|ALL_PROXY$|NODE_OPTIONS$|PORT$|HOST$|NODE_ENV$|LOG_)/i;
  for (const [key, value] of Object.entries(process.env)) if (!drop.test(key)) env[key] = value;
  return { ...env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost', ...extra };
}

export function spawnNode(name: string, args: string[], env: Record<string, string>, logDir: string): Child {
  const logFile = join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', GUARD, ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const entry: Child = { name, pid: child.pid, process: child, logFile, exited };
  children.add(entry);
  void exited.then(() => children.delete(entry));
  return entry;
}

/** SIGTERM by PID, SIGKILL after `graceMs`. */
export async function stop(child: Child, graceMs = 5000): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timedOut = await Promise.race([child.exited.then(() => false), sleep(graceMs).then(() => true)]);
  if (timedOut) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await child.exited;
  }
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((child) => stop(child)));
  for (const stopRedis of redisStops) stopRedis();
}

/** Last resort on process exit (synchronous): SIGKILL whatever is left, by PID. */
export function killAllSync(): void {
  for (const stopRedis of redisStops) stopRedis();
  for (const child of children) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A volatile redis-server on a loopback port and a data directory of its own; stopped by its PID
 * with the other children (`stopAll`). Resolves with its URL once it accepts connections.
 */
export async function startRedis(logDir: string): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''], {
    stdio: ['ignore', openSync(join(logDir, 'redis.log'), 'a'), 'inherit'],
  });
  const stopRedis = () => {
    if (redis.pid && redis.exitCode === null) process.kill(redis.pid, 'SIGTERM');
  };
  redisStops.add(stopRedis);
  for (let attempt = 0; attempt < 100; attempt++) {
    // Redis closes an HTTP request's connection, so a fetch that is not refused means it listens.
    const listening = await fetch(`http://127.0.0.1:${port}`)
      .then(() => true)
      .catch((error: Error & { cause?: { code?: string } }) => error.cause?.code !== 'ECONNREFUSED');
    if (listening) return { url: `redis://127.0.0.1:${port}`, stop: stopRedis };
    await sleep(50);
  }
  stopRedis();
  throw new Error(`redis-server did not listen on ${port}`);
}

const redisStops = new Set<() => void>();

/** Polls `url` until it answers 2xx; fails early when the child exits. */
export async function waitReady(child: Child, url: string, timeoutMs = 30_000, init?: RequestInit): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.process.exitCode !== null)
      throw new Error(
        `${child.name} exited with ${child.process.exitCode}; see ${child.logFile}:\n${tail(child.logFile)}`,
      );
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(
        `${child.name} not ready at ${url} after ${timeoutMs} ms; see ${child.logFile}:\n${tail(child.logFile)}`,
      );
    await sleep(150);
  }
}

/**
 * Polls the child's log until a line matches `pattern` (e.g. the URL a process prints once it listens
 * on a port it chose itself); fails early when the child exits.
 */
export async function waitForOutput(child: Child, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(readLog(child.logFile));
    if (match) return match;
    if (child.process.exitCode !== null)
      throw new Error(
        `${child.name} exited with ${child.process.exitCode}; see ${child.logFile}:\n${tail(child.logFile)}`,
      );
    if (Date.now() > deadline)
      throw new Error(
        `${child.name} printed no ${pattern} after ${timeoutMs} ms; see ${child.logFile}:\n${tail(child.logFile)}`,
      );
    await sleep(50);
  }
}

export interface Server {
  child: Child;
  url: string;
}

/**
 * A node process serving HTTP on a free loopback port (given to it as PORT and HOST), once
 * `healthPath` answers 2xx.
 */
export async function startServer(options: {
  name: string;
  args: string[];
  env: Record<string, string>;
  logDir: string;
  healthPath?: string;
  timeoutMs?: number;
}): Promise<Server> {
  const port = await freePort();
  const child = spawnNode(
    options.name,
    options.args,
    { HOST: '127.0.0.1', PORT: String(port), ...options.env },
    options.logDir,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(child, `${url}${options.healthPath ?? '/health'}`, options.timeoutMs);
  return { child, url };
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function tail(file: string): string {
  return readLog(file).split('\n').slice(-15).join('\n');
}

// ───────────────────────────── /proc accounting ─────────────────────────────

let clockTicks: number | undefined;
export function clkTck(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of a process, in ms (from /proc/<pid>/stat, fields 14 and 15). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / clkTck();
}

/** VmRSS and VmHWM (peak) in MiB, from /proc/<pid>/status. */
export function memory(pid: number): { rssMiB: number; peakRssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: round(kib('VmRSS') / 1024, 1), peakRssMiB: round(kib('VmHWM') / 1024, 1) };
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
