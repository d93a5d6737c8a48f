import { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';

/** Timeouts kept short on purpose: Redis sits in front of every upstream call, so a slow Redis must
 * cost a request milliseconds, not seconds, before the gateway falls back to local state. */
export interface RedisClientOptions {
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** Upper bound of the reconnect backoff. */
  maxReconnectDelayMs?: number;
}

export function createRedisClient(url: string, keyPrefix: string, options: RedisClientOptions = {}): Redis {
  const maxDelay = options.maxReconnectDelayMs ?? 2_000;
  return new Redis(url, {
    keyPrefix,
    // We connect explicitly so createRedisState can wait (briefly) for the first connection and log it.
    lazyConnect: true,
    // No offline queue: while disconnected a command fails at once and the store answers from local
    // state, instead of piling requests up behind a reconnect.
    enableOfflineQueue: false,
    connectTimeout: options.connectTimeoutMs ?? 500,
    commandTimeout: options.commandTimeoutMs ?? 500,
    maxRetriesPerRequest: 1,
    // Capped exponential backoff; never null, so the client keeps trying for the life of the process.
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), maxDelay),
    connectionName: 'email-security-graphql-gateway',
  });
}

/**
 * Tracks whether Redis can be used and runs each store call against Redis or, when it cannot, against
 * the local fallback. A replica that loses Redis keeps serving with per-process state (budget, cache,
 * idempotency are then no longer shared): availability over strict sharing, and the budget's safety
 * margin is there for exactly that kind of drift. The outage is logged once when it starts and once
 * when it ends, never per call.
 */
export class RedisLink {
  private healthy = false;
  /** Whether the current outage has been logged (also covers "never connected"). */
  private outageLogged = false;
  private closing = false;
  /** After a command failed on a connection that still looks open (Redis hung, script error), calls
   * skip Redis until this time instead of each paying the command timeout. */
  private skipUntil = 0;

  constructor(
    readonly client: Redis,
    private readonly logger: Logger,
    private readonly probeIntervalMs = 1_000,
  ) {
    client.on('ready', () => this.markUp());
    // An 'error' listener is mandatory (an unhandled 'error' event would crash the process); every
    // failed reconnect emits one, and markDown logs only the first of an outage.
    client.on('error', (error: Error) => this.markDown(error));
    client.on('close', () => this.markDown(null));
  }

  status(): 'ready' | 'down' {
    return this.healthy && this.client.status === 'ready' ? 'ready' : 'down';
  }

  async connect(): Promise<void> {
    try {
      await this.client.connect();
    } catch (error) {
      // The client keeps reconnecting in the background (retryStrategy); until then: local state.
      this.markDown(error as Error);
    }
  }

  /** Runs `op` on Redis, or `fallback` when Redis is unavailable or the command fails. */
  async run<T>(op: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    if (this.client.status !== 'ready' || Date.now() < this.skipUntil) return fallback();
    try {
      const result = await op();
      if (!this.healthy) this.markUp();
      return result;
    } catch (error) {
      this.skipUntil = Date.now() + this.probeIntervalMs;
      this.markDown(error as Error);
      return fallback();
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    try {
      if (this.client.status === 'ready') await this.client.quit();
    } catch {
      // quit failed (connection already gone): disconnect below is enough
    }
    this.client.disconnect();
  }

  private markUp(): void {
    if (this.closing) return;
    this.skipUntil = 0;
    if (this.healthy) return;
    this.healthy = true;
    if (this.outageLogged)
      this.logger.info('Redis is reachable again: budget, cache and idempotency are shared across replicas again');
    else this.logger.info('Connected to Redis: budget, cache and idempotency are shared across replicas');
    this.outageLogged = false;
  }

  private markDown(error: Error | null): void {
    if (this.closing) return;
    this.healthy = false;
    if (this.outageLogged) return;
    this.outageLogged = true;
    this.logger.warn(
      { err: error ?? undefined },
      'Redis is unavailable: serving budget, cache and idempotency from local state (not shared with other replicas) until it returns',
    );
  }
}
