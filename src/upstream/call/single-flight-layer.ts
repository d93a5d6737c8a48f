/**
 * Identical cacheable reads in flight are made once: in this process (a read that misses the cache
 * while the same read is on its way joins it), and across replicas when a `FlightStore` is shared
 * (Redis): the first replica claims the read for a short lease and publishes its answer; another
 * replica asking meanwhile waits for that answer instead of spending the team's budget on it. A claim
 * whose owner died lapses after the lease, and the next asker calls. Reads only: nothing here ever
 * holds back a write.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { toEnvelope } from '../envelope.js';
import type { HttpTransport } from '../transport.js';
import type { Answer, Call, CallLayer, UpstreamCall } from './chain.js';

/** A read in flight somewhere in the deployment, by cache key. */
export interface FlightStore {
  /** Claims the read for `leaseMs`: true when this replica is to call, false when another one holds it. */
  claim(key: string, leaseMs: number): Promise<boolean>;
  /** The published answer, `pending` while a claim holds, `none` when there is neither. */
  peek(key: string): Promise<{ answer: string } | 'pending' | 'none'>;
  /** Publishes the answer for those waiting (kept `keepMs`). */
  publish(key: string, answer: string, keepMs: number): Promise<void>;
  /** Gives the claim up (the call failed): waiters call themselves at once. */
  abandon(key: string): Promise<void>;
}

export interface SingleFlightOptions {
  /** Shared by replicas; null: in-process only. */
  store: FlightStore | null;
  /** How long a claim holds, i.e. the longest a replica waits for another one's answer. */
  leaseMs: number;
  /** Answers larger than this are not published (waiters call themselves). */
  maxAnswerBytes: number;
  transport: HttpTransport;
}

/** Published answers outlive the lease a little: a waiter's last look must still find them. */
const KEEP_AFTER_MS = 2_000;

export function singleFlightLayer(options: SingleFlightOptions): CallLayer {
  const inFlight = new Map<string, { answer: Promise<Answer>; signal: AbortSignal | undefined }>();

  /** Waits for another replica's answer: the answer, or null when the claim lapsed or was given up. */
  const awaitRemote = async (call: UpstreamCall, key: string, store: FlightStore): Promise<Answer | null> => {
    const { signal, deadline } = call.options;
    const stop = options.transport.followed(signal, deadline);
    const until = Date.now() + options.leaseMs;
    let delayMs = 5;
    while (Date.now() < until && !stop?.aborted) {
      await sleep(delayMs, undefined, stop ? { signal: stop } : {}).catch(() => undefined);
      delayMs = Math.min(50, Math.ceil(delayMs * 1.5));
      const seen = await store.peek(key);
      if (seen === 'none') return null;
      if (seen !== 'pending') {
        const newline = seen.answer.indexOf('\n');
        const text = seen.answer.slice(newline + 1);
        return {
          status: Number(seen.answer.slice(0, newline)),
          envelope: toEnvelope(JSON.parse(text)),
          text,
          rateLimit: null,
          attempts: 0,
          source: 'flight',
        };
      }
    }
    return null;
  };

  /** `<status>\n<envelope as received>`: no re-serialising of a large answer (a preview image). */
  const publish = async (store: FlightStore, key: string, answer: Answer) => {
    const published = `${answer.status}\n${answer.text ?? JSON.stringify(answer.envelope)}`;
    try {
      if (published.length <= options.maxAnswerBytes)
        await store.publish(key, published, options.leaseMs + KEEP_AFTER_MS);
      else await store.abandon(key);
    } catch {
      // The store falls back by itself; a waiter that sees nothing calls for itself.
    }
  };

  /** This replica's turn: claim, or wait for the claimant, then call when nobody answered. */
  const flyOnce = async (call: UpstreamCall, key: string, next: Call): Promise<Answer> => {
    const { store } = options;
    if (store) {
      for (let round = 0; round < 2; round++) {
        if (await store.claim(key, options.leaseMs)) break;
        const remote = await awaitRemote(call, key, store);
        if (remote) return remote;
      }
    }
    try {
      const answer = await next(call);
      // Not awaited: those waiting poll for it; this caller has its answer already.
      if (store) void publish(store, key, answer);
      return answer;
    } catch (error) {
      await store?.abandon(key);
      throw error;
    }
  };

  return (next) => async (call) => {
    const key = call.cacheKey?.key;
    if (!key || call.options.fresh || !call.isRead) return next(call);
    const running = inFlight.get(key);
    if (running) {
      try {
        const answer = await running.answer;
        return { ...answer, rateLimit: null, attempts: 0, source: 'flight' };
      } catch (error) {
        // The first caller gave up (its client went away): that is no answer for this one.
        if (!running.signal?.aborted || call.options.signal?.aborted) throw error;
      }
    }
    const entry = { answer: flyOnce(call, key, next), signal: call.options.signal };
    inFlight.set(key, entry);
    try {
      return await entry.answer;
    } finally {
      if (inFlight.get(key) === entry) inFlight.delete(key);
    }
  };
}
