import { filterDigest } from '../graphql/pagination/cursors.js';
import type { CloudflareClient, InvestigateListParams } from '../upstream/client.js';
import type { CfBulkJob, CfMessage, CfPageResultInfo } from '../upstream/schemas.js';
import type { LivePoll, LiveSource } from './hub.js';

/** The two things the gateway can watch for everyone: new mail matching a filter, and a bulk job. */

export interface TriageSourceOptions {
  client: CloudflareClient;
  accountId: string;
  /** E1 parameters of the filter, without the window. */
  params: InvestigateListParams;
  /** Fingerprint of the Cloudflare credential the polls use (part of the topic: never shared across credentials). */
  credential: string;
  /** How far back each poll looks before the newest message already seen (late indexing, clock skew). */
  overlapMs: number;
  /** Pages of 100 one poll may read when much mail arrives at once. */
  maxPages: number;
  /**
   * How old a subscriber's snapshot may be (the search cache's lifetime and a margin): on the first
   * poll, mail scanned within this is logged as arrivals, since a snapshot may predate it.
   */
  recentMs: number;
}

/** What an arrival event carries. */
export interface ArrivalPayload {
  message: CfMessage;
}

interface TriageCursor {
  /** Newest `scanned_at` seen (ms): the next poll searches from this minus the overlap. */
  highWater: number;
}

const PAGE = 100;

/** The topic id of a triage filter: the same filter by anyone with the same credential is one poller. */
export function triageTopic(accountId: string, credential: string, params: InvestigateListParams): string {
  return `triage:${filterDigest({ accountId, credential, params })}`;
}

/** When Cloudflare scanned the message (ms; 0 when it does not say). */
export function scannedAt(message: CfMessage): number {
  const at = Date.parse(message.scanned_at ?? '');
  return Number.isFinite(at) ? at : 0;
}

/**
 * New mail matching a filter. The first poll takes the newest page as the baseline (seen, no event);
 * each later poll searches from the newest `scanned_at` seen minus the overlap, reads every page of
 * that window (up to `maxPages`), and turns each message not seen before into one arrival, oldest
 * first. Each arrival's detection is fetched once here, into the shared cache, so every subscriber's
 * `detection` is a cache hit: one E3 call per new message for the whole team.
 */
export function triageSource(options: TriageSourceOptions): LiveSource {
  const { client, accountId, params } = options;
  const investigate = client.emailSecurity.investigate;
  const arrival = (message: CfMessage) => ({
    dedupe: message.id,
    payload: JSON.stringify({ message } satisfies ArrivalPayload),
  });
  // Into the shared cache before anyone is told: every subscriber's `detection` is then a hit.
  const prefetchDetections = (messages: CfMessage[]) =>
    Promise.allSettled(messages.map((message) => investigate.detections.get(accountId, message.id)));
  return {
    topic: triageTopic(accountId, options.credential, params),
    credential: options.credential,
    kind: 'triage',
    async poll(cursor, _signal, unseen): Promise<LivePoll> {
      const now = Date.now();
      const state = cursor ? (JSON.parse(cursor) as TriageCursor) : null;
      if (!state) {
        const page = await investigate.list(accountId, { ...params, per_page: PAGE }, { fresh: true });
        const highWater = Math.max(now - options.overlapMs, ...page.items.map(scannedAt));
        const recent = page.items
          .filter((message) => scannedAt(message) >= now - options.recentMs)
          .sort((a, b) => scannedAt(a) - scannedAt(b));
        await prefetchDetections(recent);
        const recentIds = new Set(recent.map((message) => message.id));
        return {
          entries: [
            ...page.items
              .filter((message) => !recentIds.has(message.id))
              .map((message) => ({ dedupe: message.id, payload: null })),
            ...recent.map(arrival),
          ],
          cursor: JSON.stringify({ highWater } satisfies TriageCursor),
        };
      }
      // Cloudflare refuses a start in the future; a clock ahead of ours must not stop the queue.
      const start = new Date(Math.min(state.highWater - options.overlapMs, now - 1_000)).toISOString();
      const found: CfMessage[] = [];
      let next: InvestigateListParams = { ...params, start, per_page: PAGE };
      for (let page = 1; page <= options.maxPages; page++) {
        const result = await investigate.list(accountId, next, { fresh: true });
        found.push(...result.items);
        const following = nextPage(result.resultInfo, result.items.length, page);
        if (!following) break;
        next = { ...params, start, per_page: PAGE, ...following };
      }
      const fresh = new Set(await unseen(found.map((message) => message.id)));
      const arrivals = found.filter((message) => fresh.has(message.id)).sort((a, b) => scannedAt(a) - scannedAt(b));
      await prefetchDetections(arrivals);
      return {
        entries: arrivals.map(arrival),
        cursor: JSON.stringify({
          highWater: Math.max(state.highWater, ...found.map(scannedAt)),
        } satisfies TriageCursor),
      };
    },
  };
}

/** The next page's parameters, whichever paging E1 answered with (cursor now, page numbers before). */
function nextPage(info: CfPageResultInfo, count: number, page: number): InvestigateListParams | null {
  if (typeof info?.next === 'string' && info.next) return { cursor: info.next };
  const total = info?.total_count ?? 0;
  if (total > 0 && page * PAGE < total && count === PAGE) return { page: page + 1 };
  return null;
}

// ───────────────────────────── bulk jobs ─────────────────────────────

/** Poll schedule of a bulk job: 250 ms, ×1.5 per poll, at most 2 s between polls (then the budget decides). */
export const PROGRESS_POLL_START_MS = 250;
export const PROGRESS_POLL_FACTOR = 1.5;
export const PROGRESS_POLL_MAX_MS = 2000;

export interface BulkJobPayload {
  job: CfBulkJob;
}

interface BulkCursor {
  delayMs: number;
  done: boolean;
  /** The job never existed (or was deleted): the topic's only event says so. */
  notFound?: boolean;
}

export function bulkJobTopic(accountId: string, credential: string, jobId: string): string {
  return `bulk:${filterDigest({ accountId, credential, jobId })}`;
}

/**
 * One bulk job (E14): an event whenever the job changed, until it is terminal. A job that does not
 * exist ends the topic with a `notFound` event.
 */
export function bulkJobSource(options: {
  client: CloudflareClient;
  accountId: string;
  jobId: string;
  credential: string;
  isTerminal: (job: CfBulkJob) => boolean;
  isNotFound: (error: unknown) => boolean;
}): LiveSource {
  const { client, accountId, jobId } = options;
  return {
    topic: bulkJobTopic(accountId, options.credential, jobId),
    credential: options.credential,
    kind: 'bulk-job',
    async poll(cursor): Promise<LivePoll> {
      const state: BulkCursor = cursor ? JSON.parse(cursor) : { delayMs: PROGRESS_POLL_START_MS, done: false };
      if (state.done) return { entries: [], cursor: JSON.stringify(state), done: true };
      let job: CfBulkJob;
      try {
        job = await client.emailSecurity.investigate.bulk.get(accountId, jobId);
      } catch (error) {
        if (!options.isNotFound(error)) throw error;
        const payload = JSON.stringify({ notFound: true });
        return {
          entries: [{ dedupe: 'not-found', payload }],
          cursor: JSON.stringify({ ...state, done: true, notFound: true } satisfies BulkCursor),
          done: true,
        };
      }
      const done = options.isTerminal(job);
      const payload = JSON.stringify({ job } satisfies BulkJobPayload);
      return {
        // The job's whole state is the key: an unchanged job is no event.
        entries: [{ dedupe: filterDigest(job), payload }],
        cursor: JSON.stringify({
          delayMs: Math.min(PROGRESS_POLL_MAX_MS, state.delayMs * PROGRESS_POLL_FACTOR),
          done,
        } satisfies BulkCursor),
        done,
        delayMs: state.delayMs,
      };
    },
  };
}
