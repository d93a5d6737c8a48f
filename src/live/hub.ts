import { setTimeout as sleep } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';
import { gatewayError } from '../graphql/errors.js';
import type { Logger } from '../logger.js';
import { StateUnavailableError } from '../state/unavailable.js';
import type { BudgetGovernor } from '../upstream/budget.js';
import { LocalTopic } from './local-topic.js';
import {
  compareEventIds,
  type LiveEntry,
  type LiveEvent,
  type LiveReplay,
  type LiveStore,
  START_EVENT_ID,
} from './store.js';

/**
 * Live topics: one upstream poller per topic (a triage filter of one account and credential, a bulk
 * job) for every subscriber on every replica.
 *
 * Each replica with subscribers on a topic tries to hold the topic's lease; the holder polls and
 * appends what is new to the topic's event log (LiveStore), every replica reads the log and hands
 * the events to its own subscribers. When the last subscriber of a replica leaves, it gives the
 * lease up; a replica that dies simply stops renewing it, and another one with subscribers takes
 * over within `leaseMs` plus one renewal period. The poll cursor lives in the store too, so the new
 * leader goes on where the old one stopped (no gap, and the store's dedupe keys: no double).
 */

/** One upstream poll of a topic's source. */
export interface LivePoll {
  entries: LiveEntry[];
  /** Saved with the entries; the next poll (perhaps by another replica) starts from it. */
  cursor: string;
  /** Nothing more will happen (a finished bulk job): polling stops. */
  done?: boolean;
  /** The source's own wish for the next poll (a bulk job polls fast at first); the budget may slow it. */
  delayMs?: number;
}

/** What a topic polls. Created by the first subscriber of a replica; its credential polls for all. */
export interface LiveSource {
  /** Stable id: a digest of the kind, account, credential fingerprint and normalised arguments. */
  topic: string;
  /** Which credential's budget the polls spend (its fingerprint). */
  credential: string;
  /** Label for logs and metrics. */
  kind: 'triage' | 'bulk-job';
  /** Called only while this replica leads; `cursor` is null before the topic's first poll. */
  poll(cursor: string | null, signal: AbortSignal, ids: (keys: string[]) => Promise<string[]>): Promise<LivePoll>;
}

export interface LiveHubOptions {
  /** This replica's id in leases. */
  owner: string;
  leaseMs: number;
  /** Default time between two polls of a topic. */
  pollIntervalMs: number;
  /** The slowest a topic is polled when the budget is short. */
  maxPollIntervalMs: number;
  /** Share of the budget window all live topics together may spend (0–1). */
  budgetShare: number;
  /** Cloudflare's requests per window and the window (the budget governor's numbers). */
  budgetLimit: number;
  budgetWindowMs: number;
  /** Live subscriptions on this replica. */
  maxSubscriptions: number;
  /** Live subscriptions of one caller (`auth.subject`) on this replica. */
  maxPerCaller: number;
  /** Distinct topics (upstream pollers) this replica takes part in. */
  maxTopics: number;
  /** New topics one caller may start per minute on this replica (each is a poller's first calls). */
  maxNewTopicsPerMinute: number;
  /** Events a replica keeps in memory per topic for its subscribers (older ones come from the store). */
  ringEvents: number;
  /** Told of every upstream poll (metrics). */
  onPoll?: (kind: LiveSource['kind']) => void;
}

/** A subscriber's handle on a topic. */
export interface LiveSubscription {
  /**
   * Events after `afterId`, waiting until there is one; `gap` when some are no longer kept; `ended`
   * when the subscriber should stop (its signal, or this replica is shutting down).
   */
  next(afterId: string, signal: AbortSignal): Promise<LiveReplay & { ended?: boolean }>;
  /** The topic's newest event id (START_EVENT_ID when none). */
  lastId(): string;
  /** The topic's newest event (a bulk job's current state), null when none. */
  last(): Promise<LiveEvent | null>;
  leave(): void;
}

const REPLAY_LIMIT = 500;

export class LiveHub {
  private readonly topics = new Map<string, LocalTopic>();
  private readonly perCaller = new Map<string, number>();
  /** When each caller started a new topic in the last minute. */
  private readonly newTopics = new LRUCache<string, number[]>({ max: 10_000, ttl: 60_000 });
  private subscriptions = 0;
  private closed = false;
  /** Polls made by this replica (metrics, benchmarks). */
  polls = 0;
  /** Topics this replica currently leads. */
  readonly leading = new Set<string>();

  constructor(
    readonly store: LiveStore,
    private readonly options: LiveHubOptions,
    private readonly logger: Logger,
    private readonly budget: BudgetGovernor | null,
  ) {}

  /**
   * Joins `source`'s topic for one subscriber of `caller` until `signal` aborts (or `leave`). Refuses
   * (TOO_MANY_SUBSCRIPTIONS) past the bounds, before anything is polled.
   */
  async join(source: LiveSource, caller: string, signal: AbortSignal): Promise<LiveSubscription> {
    if (this.closed) throw gatewayError('STATE_UNAVAILABLE', 'The gateway is shutting down: subscribe again');
    const options = this.options;
    if (this.subscriptions >= options.maxSubscriptions)
      throw tooMany(`this gateway replica holds its maximum of ${options.maxSubscriptions} live subscriptions`);
    if ((this.perCaller.get(caller) ?? 0) >= options.maxPerCaller)
      throw tooMany(`you hold the maximum of ${options.maxPerCaller} live subscriptions`);
    let topic = this.topics.get(source.topic);
    if (!topic && this.topics.size >= options.maxTopics)
      throw tooMany(
        `this gateway replica follows its maximum of ${options.maxTopics} distinct live topics (each is an upstream poller): subscribe with a filter others already use`,
      );
    if (!topic) {
      // Opening and dropping new filters in a loop would make every new poller's first poll at once.
      const now = Date.now();
      const recent = (this.newTopics.get(caller) ?? []).filter((at) => at > now - 60_000);
      if (recent.length >= options.maxNewTopicsPerMinute)
        throw tooMany(
          `you started ${options.maxNewTopicsPerMinute} new live filters in the last minute (each is a new upstream poller); retry later or reuse one`,
        );
      recent.push(now);
      this.newTopics.set(caller, recent);
    }
    this.subscriptions++;
    this.perCaller.set(caller, (this.perCaller.get(caller) ?? 0) + 1);
    if (!topic) {
      topic = this.open(source);
    }
    topic.subscribers++;
    const current = topic;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      this.subscriptions--;
      const count = (this.perCaller.get(caller) ?? 1) - 1;
      if (count <= 0) this.perCaller.delete(caller);
      else this.perCaller.set(caller, count);
      current.subscribers--;
      if (current.subscribers === 0) void this.shut(current);
    };
    // The stream's own `finally` may never run: a client gone before its first event leaves an
    // async generator that was never started. The request's signal always fires.
    if (signal.aborted) queueMicrotask(leave);
    else signal.addEventListener('abort', leave, { once: true });
    try {
      await current.ready;
    } catch (error) {
      leave();
      // Without the shared log a replica cannot promise "nothing lost, nothing twice": refuse.
      if (error instanceof StateUnavailableError)
        throw gatewayError('STATE_UNAVAILABLE', `Live subscription refused: ${error.message}`, {
          retryAfterSeconds: Math.max(1, Math.ceil(error.retryAfterMs / 1000)),
        });
      throw error;
    }
    return {
      next: (afterId, signal) => this.next(current, afterId, signal),
      lastId: () => current.lastId,
      last: () => this.store.last(current.source.topic),
      leave,
    };
  }

  /** Ends every live subscription (shutdown): clients reconnect to another replica with their last id. */
  drain(): void {
    this.closed = true;
    for (const topic of this.topics.values()) {
      topic.controller.abort();
      topic.notify();
    }
  }

  async close(): Promise<void> {
    this.drain();
    await Promise.allSettled([...this.topics.values()].map((topic) => this.shut(topic)));
  }

  /** What this replica holds, for `/ready` and metrics. */
  stats() {
    return {
      subscriptions: this.subscriptions,
      topics: this.topics.size,
      leading: this.leading.size,
      polls: this.polls,
    };
  }

  private open(source: LiveSource): LocalTopic {
    const start = this.store.last(source.topic).then((event) => event?.id ?? START_EVENT_ID);
    const topic = new LocalTopic(source, this.options.ringEvents, start);
    this.topics.set(source.topic, topic);
    topic.ready
      .then(() => {
        if (topic.controller.signal.aborted) return;
        topic.stopWatching = this.store.watch(
          source.topic,
          (events) => topic.ingest(events),
          () => topic.lastId,
        );
        topic.leadership = this.lead(topic);
      })
      .catch(() => {
        if (this.topics.get(source.topic) === topic) this.topics.delete(source.topic);
      });
    return topic;
  }

  /** Stops following a topic; settles once its lease is given up. */
  private shut(topic: LocalTopic): Promise<void> {
    if (this.topics.get(topic.source.topic) === topic) this.topics.delete(topic.source.topic);
    topic.controller.abort();
    topic.stopWatching?.();
    topic.notify();
    return topic.leadership;
  }

  private async next(
    topic: LocalTopic,
    afterId: string,
    signal: AbortSignal,
  ): Promise<LiveReplay & { ended?: boolean }> {
    while (!signal.aborted && !topic.controller.signal.aborted) {
      if (compareEventIds(afterId, topic.ringFrom) < 0) {
        // Older than what this replica holds: the store has the rest, or says it is gone. While the
        // store is unavailable the subscriber waits (its stream stays open) rather than skip ahead.
        try {
          return await this.store.read(topic.source.topic, afterId, REPLAY_LIMIT);
        } catch (error) {
          if (!(error instanceof StateUnavailableError)) throw error;
          await raceAbort(sleep(error.retryAfterMs, undefined, { ref: false }), signal);
          continue;
        }
      }
      const events = topic.ring.filter((event) => compareEventIds(event.id, afterId) > 0);
      if (events.length > 0) return { events, gap: false };
      await raceAbort(topic.changed(), signal);
    }
    return { events: [], gap: false, ended: true };
  }

  /** The lease loop of one topic on this replica: renew or take the lease, poll when due. */
  private async lead(topic: LocalTopic): Promise<void> {
    const { source } = topic;
    const signal = topic.controller.signal;
    const options = this.options;
    const renewEvery = Math.max(50, Math.floor(options.leaseMs / 3));
    let nextPollAt = 0;
    let done = false;
    let failures = 0;
    let led = false;
    while (!signal.aborted) {
      let leads = false;
      try {
        leads = await this.store.lead(source.topic, options.owner, options.leaseMs);
      } catch (error) {
        this.logger.debug({ err: error, topic: source.topic }, 'live: lease not renewed (shared state unavailable)');
      }
      led ||= leads;
      if (leads) this.leading.add(source.topic);
      else this.leading.delete(source.topic);
      if (leads && !done && Date.now() >= nextPollAt) {
        try {
          const cursor = await this.store.cursor(source.topic);
          const poll = await source.poll(cursor, signal, (keys) => this.store.unseen(source.topic, keys));
          this.polls++;
          options.onPoll?.(source.kind);
          if (signal.aborted) break;
          const appended = await this.store.append(source.topic, options.owner, poll.entries, poll.cursor);
          if (appended === null) {
            // The lease moved while this replica polled: the new leader polls again from the saved cursor.
            this.leading.delete(source.topic);
          } else {
            done = poll.done === true;
            if (appended.length)
              this.logger.debug({ topic: source.topic, events: appended.length }, 'live: new events');
          }
          failures = 0;
          nextPollAt = Date.now() + (await this.interval(source, poll.delayMs));
        } catch (error) {
          if (signal.aborted) break;
          failures++;
          this.logger.warn(
            { err: error, topic: source.topic, kind: source.kind },
            'live: poll failed; trying again later',
          );
          // A failed poll may have reached Cloudflare too: back off, never faster than the share allows.
          const backoff = Math.min(options.maxPollIntervalMs, options.pollIntervalMs * 2 ** failures);
          nextPollAt = Date.now() + Math.max(backoff, await this.interval(source, undefined).catch(() => backoff));
        }
      }
      const wait = leads && !done ? Math.min(renewEvery, Math.max(0, nextPollAt - Date.now())) : renewEvery;
      try {
        await sleep(wait, undefined, { signal });
      } catch {
        break;
      }
    }
    this.leading.delete(source.topic);
    // Hand over at once instead of after the lease: another replica may still have subscribers.
    if (led) await this.store.resign(source.topic, options.owner).catch(() => undefined);
  }

  /**
   * Time to the next poll: the source's wish or the default, never faster than the live share of the
   * budget allows with every active topic polling (all replicas), and slower while the budget is short.
   */
  private async interval(source: LiveSource, wanted: number | undefined): Promise<number> {
    const options = this.options;
    const topics = Math.max(1, await this.store.activeTopics().catch(() => this.topics.size));
    const callsPerTopic = (options.budgetShare * options.budgetLimit) / topics;
    const floor = callsPerTopic > 0 ? options.budgetWindowMs / callsPerTopic : options.maxPollIntervalMs;
    const interval = Math.max(wanted ?? options.pollIntervalMs, floor);
    if (!this.budget) return interval;
    const state = await this.budget.remaining(source.credential).catch(() => null);
    if (state?.lockedUntil && state.lockedUntil > Date.now()) return Math.max(interval, state.lockedUntil - Date.now());
    // Short of budget: analysts' pages and writes come first, the live queue slows down (never
    // past LIVE_MAX_POLL_INTERVAL_MS for that reason; the share's floor above is never cut short).
    if (state && state.remaining < options.budgetLimit / 4)
      return Math.max(interval, Math.min(interval * 4, options.maxPollIntervalMs));
    return interval;
  }
}

function tooMany(message: string) {
  return gatewayError('TOO_MANY_SUBSCRIPTIONS', `Live subscription refused: ${message}`);
}

async function raceAbort(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<void>((resolve) => {
    onAbort = () => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([promise, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
