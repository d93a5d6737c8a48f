import type { LiveSource } from './hub.js';
import { compareEventIds, type LiveEvent, START_EVENT_ID } from './store.js';

/**
 * One replica's side of a live topic: its subscriber count, a ring of the latest events (so most
 * subscribers never read the store), the wake-up its readers wait on, and the lease loop's handles.
 */
export class LocalTopic {
  subscribers = 0;
  /** Events seen by this replica, complete after `ringFrom`. */
  ring: LiveEvent[] = [];
  ringFrom = START_EVENT_ID;
  lastId = START_EVENT_ID;
  private wake: (() => void) | null = null;
  private wakeup: Promise<void> = new Promise((resolve) => {
    this.wake = resolve;
  });
  readonly controller = new AbortController();
  stopWatching: (() => void) | null = null;
  /** The lease loop; settles after it gave the lease up. */
  leadership: Promise<void> = Promise.resolve();
  ready: Promise<void>;

  constructor(
    readonly source: LiveSource,
    private readonly ringEvents: number,
    start: Promise<string>,
  ) {
    this.ready = start.then((id) => {
      this.ringFrom = id;
      this.lastId = id;
    });
  }

  ingest(events: LiveEvent[]): void {
    const fresh = events.filter((event) => compareEventIds(event.id, this.lastId) > 0);
    if (fresh.length === 0) return;
    this.ring.push(...fresh);
    this.lastId = fresh.at(-1)?.id ?? this.lastId;
    if (this.ring.length > this.ringEvents) {
      const dropped = this.ring.splice(0, this.ring.length - this.ringEvents);
      this.ringFrom = dropped.at(-1)?.id ?? this.ringFrom;
    }
    this.notify();
  }

  notify(): void {
    const wake = this.wake;
    this.wakeup = new Promise((resolve) => {
      this.wake = resolve;
    });
    wake?.();
  }

  changed(): Promise<void> {
    return this.wakeup;
  }
}
