import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import { StateUnavailableError } from '../unavailable.js';

/** Timeouts kept short on purpose: Redis sits in front of every upstream call, so a slow Redis must
 * cost a request milliseconds, not seconds, before the gateway degrades. */
export interface RedisClientOptions {
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** Upper bound of the reconnect backoff. */
  maxReconnectDelayMs?: number;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 500;

/**
 * The start of every Lua script that needs the time: `now` in ms on Redis's clock (one clock for all
 * replicas). Redis 3.2–4 replicate scripts verbatim unless told otherwise, and a verbatim replay of
 * TIME on a replica would give another answer; 5+ always replicate effects (the call is a no-op).
 */
export const LUA_NOW = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

export function createRedisClient(url: string, keyPrefix: string, options: RedisClientOptions = {}): Redis {
  const maxDelay = options.maxReconnectDelayMs ?? 2_000;
  return new Redis(url, {
    keyPrefix,
    // We connect explicitly so createRedisState can wait (briefly) for the first connection and log it.
    lazyConnect: true,
    // No offline queue: while disconnected a command fails at once instead of piling up behind a
    // reconnect and running later, when its caller has long given up.
    enableOfflineQueue: false,
    connectTimeout: options.connectTimeoutMs ?? 500,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    // Capped exponential backoff; never null, so the client keeps trying for the life of the process.
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), maxDelay),
    connectionName: 'email-security-graphql-gateway',
  });
}

export type RedisHealth = 'ready' | 'down' | 'never-connected';

/** How this Redis keeps what it acknowledged, read from INFO at connect. */
export type RedisDurability = 'aof' | 'snapshots' | 'none' | 'unknown';

export interface RedisLinkEvents {
  /** Redis answers again after an outage (not on the first connection). */
  recovered(): void | Promise<void>;
  /** Every successful health probe (the replica heartbeat rides on it). */
  probed(): void | Promise<void>;
  /** The data Redis held is gone (restart without persistence, failover to an empty replica). */
  dataLost(): void | Promise<void>;
}

/**
 * The one connection to Redis and the truth about whether it can be used.
 *
 * Health is probed, not inferred from traffic: every `probeIntervalMs` the link asks Redis for its
 * clock (`TIME`). A probe that fails or times out marks Redis down at once, so a *paused* Redis
 * (SIGSTOP, a long fork, a stalled failover) is reported within about one interval, before any
 * request has to find out. The same probe measures the offset between this process's clock and
 * Redis's, which lets a script refuse to act when it runs too late (see `deadline`).
 *
 * Two ways to use Redis:
 * - `run(op, fallback)`: sharing is an optimisation (cache, pacer): while Redis is down the local
 *   fallback answers;
 * - `strict(op)`: correctness needs Redis (idempotency): while Redis is down the call throws
 *   StateUnavailableError and the caller refuses.
 */
export class RedisLink {
  private healthy = false;
  private everConnected = false;
  private downSince: number | null = Date.now();
  private closing = false;
  private probeTimer: NodeJS.Timeout | null = null;
  private probing: Promise<void> | null = null;
  /** redis clock − local clock, and how far that estimate may be off (half the probe's round trip). */
  private clock: { offsetMs: number; uncertaintyMs: number; at: number } | null = null;
  /** A random id this process wrote to Redis: if it vanishes, Redis lost its data. */
  private epoch: string | null = null;
  private loggedNeverConnected = false;
  /** Whether durability was read once (a change is worth a warning, the same answer again is not). */
  private durabilityRead = false;
  private readonly listeners: { [K in keyof RedisLinkEvents]: RedisLinkEvents[K][] } = {
    recovered: [],
    probed: [],
    dataLost: [],
  };
  durability: RedisDurability = 'unknown';
  /** When the link last saw Redis lose its data (null: never). */
  dataLostAt: number | null = null;
  /**
   * This process's event-loop delay over the last probe interval or two. A command timeout while the
   * loop itself was stalled (a burst of heavy pages) is this process's lag, not Redis's: the answer
   * was waiting in the socket while the timeout fired first.
   */
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });
  private previousMaxDelayMs = 0;

  constructor(
    readonly client: Redis,
    private readonly logger: Logger,
    readonly probeIntervalMs = 1_000,
    readonly commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
  ) {
    this.loopDelay.enable();
    client.on('ready', () => void this.probe());
    // An 'error' listener is mandatory (an unhandled 'error' event would crash the process); every
    // failed reconnect emits one, and markDown logs only the first of an outage.
    client.on('error', (error: Error) => this.markDown(error));
    client.on('close', () => this.markDown(null));
  }

  on<K extends keyof RedisLinkEvents>(event: K, listener: RedisLinkEvents[K]): void {
    this.listeners[event].push(listener);
  }

  status(): RedisHealth {
    if (this.healthy && this.client.status === 'ready') return 'ready';
    return this.everConnected ? 'down' : 'never-connected';
  }

  /** Since when Redis has been unusable (null while it is ready). */
  unavailableSince(): number | null {
    return this.status() === 'ready' ? null : this.downSince;
  }

  async connect(): Promise<void> {
    this.probeTimer = setInterval(() => {
      this.previousMaxDelayMs = this.loopDelay.max / 1e6;
      this.loopDelay.reset();
      void this.probe();
    }, this.probeIntervalMs);
    this.probeTimer.unref();
    try {
      await this.client.connect();
      await this.probe();
    } catch (error) {
      // The client keeps reconnecting in the background (retryStrategy); the probe notices its return.
      this.markDown(error as Error);
    }
  }

  /** Runs `op` on Redis, or `fallback` when Redis is unavailable or the command fails. */
  async run<T>(op: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    if (this.status() !== 'ready') return fallback();
    try {
      return await op();
    } catch (error) {
      this.failed(error as Error);
      return fallback();
    }
  }

  /**
   * A command failed: Redis is down — unless it was a timeout while this process's own event loop
   * was stalled past half the command timeout. Then only that command falls back; the link stays up
   * (keyed writes are not refused for the team, and no "recovery" drops the shared cache). A real
   * outage is still found by the next command or probe that fails without a stall.
   */
  private failed(error: Error): void {
    const stalledMs = Math.max(this.previousMaxDelayMs, this.loopDelay.max / 1e6);
    if (error.message === 'Command timed out' && stalledMs > this.commandTimeoutMs / 2) {
      this.logger.debug({ stalledMs: Math.round(stalledMs) }, 'a Redis command timed out while the event loop stalled');
      return;
    }
    this.markDown(error);
  }

  /** Runs `op` on Redis; throws StateUnavailableError when Redis cannot be used or the command fails. */
  async strict<T>(what: string, op: () => Promise<T>): Promise<T> {
    if (this.status() !== 'ready') throw this.unavailable(what);
    try {
      return await op();
    } catch (error) {
      if (error instanceof StateUnavailableError) throw error;
      this.failed(error as Error);
      throw this.unavailable(what);
    }
  }

  /**
   * The latest Redis-clock time at which a command sent now may still take effect. A script given
   * this refuses to act after it: a command that times out here while Redis is paused, and that
   * Redis executes when it wakes up, then changes nothing. Half the command timeout leaves the
   * other half for the clock estimate's error, which is refused when larger than a quarter.
   */
  deadline(): number {
    const clock = this.clock;
    if (!clock || clock.uncertaintyMs > this.commandTimeoutMs / 4)
      throw this.unavailable('measure the Redis clock (needed to bound late commands)');
    return Math.floor(Date.now() + clock.offsetMs + this.commandTimeoutMs / 2);
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.loopDelay.disable();
    try {
      if (this.client.status === 'ready') await this.client.quit();
    } catch {
      // quit failed (connection already gone): disconnect below is enough
    }
    this.client.disconnect();
  }

  private unavailable(what: string): StateUnavailableError {
    return new StateUnavailableError(
      `Shared state (Redis) is unavailable, so the gateway cannot ${what}`,
      this.probeIntervalMs,
    );
  }

  /** One health check: TIME (clock offset), the epoch marker, and, on the first success, durability. */
  private probe(): Promise<void> {
    if (this.closing || this.client.status !== 'ready') return Promise.resolve();
    this.probing ??= this.probeOnce().finally(() => {
      this.probing = null;
    });
    return this.probing;
  }

  private async probeOnce(): Promise<void> {
    try {
      const sentAt = Date.now();
      const [seconds, micros] = await this.client.time();
      const receivedAt = Date.now();
      const redisMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      const uncertaintyMs = (receivedAt - sentAt) / 2;
      // Keep the tighter of a fresh estimate and the previous one (clocks drift slowly; a slow
      // round trip says little about the offset), but never one older than 30 s.
      if (!this.clock || uncertaintyMs <= this.clock.uncertaintyMs || receivedAt - this.clock.at > 30_000)
        this.clock = { offsetMs: redisMs - (sentAt + receivedAt) / 2, uncertaintyMs, at: receivedAt };
      // On every (re)connection: a restarted Redis may run with other persistence settings.
      if (!this.healthy) await this.readDurability();
      await this.checkEpoch();
      // Hand-over work (budget spent alone, stale cache) is done before the first shared call.
      if (!this.healthy && this.everConnected) await this.emit('recovered');
      this.markUp();
      await this.emit('probed');
    } catch (error) {
      this.failed(error as Error);
    }
  }

  private async checkEpoch(): Promise<void> {
    let current = await this.client.get('state:epoch');
    if (current === null) {
      await this.client.set('state:epoch', randomUUID(), 'NX');
      current = await this.client.get('state:epoch');
    }
    if (this.epoch === null || current === this.epoch) {
      this.epoch = current;
      return;
    }
    // The marker this process saw is gone: Redis no longer has what it acknowledged.
    this.epoch = current;
    this.dataLostAt = Date.now();
    this.logger.error(
      { durability: this.durability },
      'Redis lost its data (restarted without persistence, or failed over to a replica that had not received it): idempotency records written before are gone; re-writing this replica’s recent ones',
    );
    await this.emit('dataLost');
  }

  private async readDurability(): Promise<void> {
    const before = this.durabilityRead ? this.durability : null;
    this.durabilityRead = true;
    try {
      const info = await this.client.info('persistence');
      const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
      if (field('aof_enabled') === '1') this.durability = 'aof';
      else {
        // Whether snapshots are configured is not in INFO; CONFIG may be disabled on managed Redis.
        const save = await this.client.config('GET', 'save').catch(() => null);
        const value = Array.isArray(save) ? String(save[1] ?? '') : null;
        this.durability = value === null ? 'unknown' : value.trim() === '' ? 'none' : 'snapshots';
      }
    } catch {
      this.durability = 'unknown';
    }
    if (this.durability !== 'aof' && this.durability !== before)
      this.logger.warn(
        { durability: this.durability },
        'Redis does not run with an append-only file: a Redis restart loses idempotency records, and a retried write may then be sent again (run redis-server --appendonly yes --appendfsync always)',
      );
  }

  private async emit(event: keyof RedisLinkEvents): Promise<void> {
    for (const listener of this.listeners[event]) {
      try {
        await listener();
      } catch (error) {
        this.logger.warn({ err: error, event }, 'a shared-state listener failed');
      }
    }
  }

  private markUp(): void {
    if (this.closing || this.healthy) return;
    const wasDown = this.everConnected;
    this.healthy = true;
    this.everConnected = true;
    this.downSince = null;
    if (wasDown)
      this.logger.info('Redis is reachable again: budget, cache and idempotency are shared across replicas again');
    else
      this.logger.info(
        { durability: this.durability },
        'Connected to Redis: budget, cache and idempotency are shared across replicas',
      );
  }

  private markDown(error: Error | null): void {
    if (this.closing) return;
    const wasHealthy = this.healthy;
    this.healthy = false;
    if (!this.everConnected) {
      if (this.loggedNeverConnected) return;
      this.loggedNeverConnected = true;
      this.logger.error(
        { err: error ?? undefined },
        'Redis (REDIS_URL) is not reachable: this replica is not ready; keyed mutations are refused and the budget is limited to this replica’s share until Redis answers',
      );
      return;
    }
    if (!wasHealthy) return;
    this.downSince = Date.now();
    this.logger.warn(
      { err: error ?? undefined },
      'Redis is unavailable: keyed mutations are refused, the budget falls back to this replica’s share, and the cache is per replica until it returns',
    );
  }
}
