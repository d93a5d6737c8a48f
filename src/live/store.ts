/**
 * Where live events are kept and who polls for them. One topic is one upstream poller (a triage
 * filter, a bulk job): its leader appends events, every replica with subscribers reads them.
 *
 * Event ids are Redis stream ids (`<ms>-<seq>`), also in memory, so a client's last id means the
 * same thing whichever replica it reconnects to.
 */

/** One event of a topic, in the order the leader appended it. */
export interface LiveEvent {
  id: string;
  /** JSON written by the topic's source. */
  payload: string;
}

/** What a poll found: `payload` null marks `dedupe` as seen without an event (the first poll's baseline). */
export interface LiveEntry {
  dedupe: string;
  payload: string | null;
}

export interface LiveReplay {
  events: LiveEvent[];
  /** Some events after the given id are no longer kept: the client must reload. */
  gap: boolean;
}

export interface LiveStoreLimits {
  /** Events kept per topic for clients that reconnect. */
  replayEvents: number;
  /** How long a topic's events, cursor and seen ids outlive its last append. */
  retentionMs: number;
  /** How long a dedupe key is remembered (longer than any poll's overlap window). */
  seenMs: number;
}

export interface LiveStore {
  readonly kind: 'memory' | 'redis';
  /** Acquires or renews the lease on `topic` for `ttlMs`; true when `owner` leads it now. */
  lead(topic: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up (only if `owner` holds it), so another replica can take over at once. */
  resign(topic: string, owner: string): Promise<void>;
  /** Topics that have a leader right now, on every replica: the poll budget is shared by them. */
  activeTopics(): Promise<number>;
  /** The leader's poll cursor, null before the first poll. */
  cursor(topic: string): Promise<string | null>;
  /**
   * Appends the entries whose dedupe key was not seen before and saves the cursor, atomically and
   * only while `owner` still leads (a leader that was paused past its lease writes nothing).
   * Returns the ids of the events appended, or null when `owner` does not lead.
   */
  append(topic: string, owner: string, entries: LiveEntry[], cursor: string): Promise<string[] | null>;
  /** Events after `afterId`, oldest first (at most `limit`). */
  read(topic: string, afterId: string, limit: number): Promise<LiveReplay>;
  /** The newest event of the topic, null when there is none. */
  last(topic: string): Promise<LiveEvent | null>;
  /** The keys among `keys` not seen yet (so a poll only spends calls on what is really new). */
  unseen(topic: string, keys: string[]): Promise<string[]>;
  /**
   * Delivers, in order and without holes, every event appended to `topic` after `since()` (by any
   * replica), until the returned function is called.
   */
  watch(topic: string, listener: (events: LiveEvent[]) => void, since: () => string): () => void;
  close(): Promise<void>;
}

/** Orders two event ids (`<ms>-<seq>`). */
export function compareEventIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}

/** The id before every event: a client that saw nothing resumes from here. */
export const START_EVENT_ID = '0-0';

const EVENT_ID = /^\d{1,16}-\d{1,16}$/;

/** True for a well-formed event id (anything else is a bad argument, not a gap). */
export function isEventId(value: string): boolean {
  return EVENT_ID.test(value);
}

interface MemoryTopic {
  events: LiveEvent[];
  /** The newest id dropped from `events` (a resume before it has a gap). */
  droppedUpTo: string | null;
  lastId: string;
  cursor: string | null;
  seen: Map<string, number>;
  leader: { owner: string; until: number } | null;
  expiresAt: number;
}

/** One process, no Redis: the topic table lives here and `watch` is a direct call. */
export class MemoryLiveStore implements LiveStore {
  readonly kind = 'memory' as const;
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly watchers = new Map<string, Set<(events: LiveEvent[]) => void>>();
  private lastMs = 0;
  private seq = 0;

  constructor(private readonly limits: LiveStoreLimits) {}

  private topic(name: string, now = Date.now()): MemoryTopic {
    let topic = this.topics.get(name);
    if (topic && topic.expiresAt < now && !(topic.leader && topic.leader.until > now)) {
      this.topics.delete(name);
      topic = undefined;
    }
    if (!topic) {
      topic = {
        events: [],
        droppedUpTo: null,
        lastId: START_EVENT_ID,
        cursor: null,
        seen: new Map(),
        leader: null,
        expiresAt: now + this.limits.retentionMs,
      };
      this.topics.set(name, topic);
    }
    return topic;
  }

  async lead(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    this.sweep(now);
    const topic = this.topic(name, now);
    if (topic.leader && topic.leader.until > now && topic.leader.owner !== owner) return false;
    topic.leader = { owner, until: now + ttlMs };
    return true;
  }

  async resign(name: string, owner: string): Promise<void> {
    const topic = this.topics.get(name);
    if (topic?.leader?.owner === owner) topic.leader = null;
  }

  async activeTopics(): Promise<number> {
    const now = Date.now();
    let count = 0;
    for (const topic of this.topics.values()) if (topic.leader && topic.leader.until > now) count++;
    return count;
  }

  async cursor(name: string): Promise<string | null> {
    return this.topics.get(name)?.cursor ?? null;
  }

  async append(name: string, owner: string, entries: LiveEntry[], cursor: string): Promise<string[] | null> {
    const now = Date.now();
    const topic = this.topic(name, now);
    if (!topic.leader || topic.leader.owner !== owner || topic.leader.until <= now) return null;
    const appended: LiveEvent[] = [];
    for (const entry of entries) {
      if (topic.seen.has(entry.dedupe)) continue;
      topic.seen.set(entry.dedupe, now);
      if (entry.payload === null) continue;
      const event = { id: this.nextId(now), payload: entry.payload };
      topic.events.push(event);
      topic.lastId = event.id;
      appended.push(event);
    }
    while (topic.events.length > this.limits.replayEvents) topic.droppedUpTo = topic.events.shift()?.id ?? null;
    for (const [key, at] of topic.seen) if (at < now - this.limits.seenMs) topic.seen.delete(key);
    topic.cursor = cursor;
    topic.expiresAt = now + this.limits.retentionMs;
    if (appended.length) for (const listener of this.watchers.get(name) ?? []) listener(appended);
    return appended.map((event) => event.id);
  }

  async read(name: string, afterId: string, limit: number): Promise<LiveReplay> {
    const topic = this.topics.get(name);
    if (!topic || topic.expiresAt < Date.now()) return { events: [], gap: afterId !== START_EVENT_ID };
    const gap = topic.droppedUpTo !== null && compareEventIds(afterId, topic.droppedUpTo) < 0;
    const events = topic.events.filter((event) => compareEventIds(event.id, afterId) > 0).slice(0, limit);
    return { events, gap };
  }

  async unseen(name: string, keys: string[]): Promise<string[]> {
    const seen = this.topics.get(name)?.seen;
    return seen ? keys.filter((key) => !seen.has(key)) : keys;
  }

  async last(name: string): Promise<LiveEvent | null> {
    return this.topics.get(name)?.events.at(-1) ?? null;
  }

  watch(name: string, listener: (events: LiveEvent[]) => void, since: () => string): () => void {
    // Whatever was appended between the caller's last look and now is delivered first.
    const after = since();
    const missed = this.topics.get(name)?.events.filter((event) => compareEventIds(event.id, after) > 0) ?? [];
    if (missed.length) queueMicrotask(() => listener(missed));
    let listeners = this.watchers.get(name);
    if (!listeners) {
      listeners = new Set();
      this.watchers.set(name, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.watchers.delete(name);
    };
  }

  async close(): Promise<void> {
    this.topics.clear();
    this.watchers.clear();
  }

  private sweptAt = 0;

  /** Forgets expired topics now and then (a finished bulk job's topic is kept for the retention only). */
  private sweep(now: number): void {
    if (now - this.sweptAt < 60_000) return;
    this.sweptAt = now;
    for (const [name, topic] of this.topics)
      if (topic.expiresAt < now && !(topic.leader && topic.leader.until > now)) this.topics.delete(name);
  }

  /** Stream-style ids: strictly increasing even within one millisecond. */
  private nextId(now: number): string {
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else this.seq++;
    return `${this.lastMs}-${this.seq}`;
  }
}
