import { type SseFrame, sseReader } from './sse.js';

/** The triage screen's subscription, as the tests (and a client) send it. */
export const TRIAGE_QUEUE = /* GraphQL */ `
  subscription Queue($filter: MessageFilter, $first: Int, $lastEventId: ID) {
    triageQueue(filter: $filter, first: $first, lastEventId: $lastEventId) {
      eventId
      kind
      messages { id subject detection { action } }
    }
  }
`;

export interface QueueEvent {
  eventId: string;
  kind: 'SNAPSHOT' | 'ARRIVED' | 'RESYNC';
  messages: { id: string; subject: string | null; detection: { action: string | null } | null }[];
}

/** Fast polls for tests: every 250 ms, and the whole budget may go to them. */
export const FAST_LIVE = { LIVE_POLL_INTERVAL_MS: '250', LIVE_BUDGET_SHARE: '1', CACHE_ENABLED: 'true' };

/**
 * Subscribes to `triageQueue` over SSE through `fetcher` (yoga.fetch in process, or fetch on a URL);
 * `next()` returns each GraphQL result with its SSE frame, `close()` hangs up.
 */
export async function subscribeTriage(
  fetcher: (init: RequestInit) => Response | Promise<Response>,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const controller = new AbortController();
  const response = await fetcher({
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query: TRIAGE_QUEUE, variables }),
    signal: controller.signal,
  });
  const reader = sseReader(response, controller);
  return {
    response,
    async next(): Promise<{ frame: SseFrame; event?: QueueEvent; errors?: { extensions?: { code?: string } }[] }> {
      for (;;) {
        const frame = await reader.next();
        if (!frame) throw new Error('the stream ended');
        if (frame.event !== 'next') continue;
        const result = frame.data as { data?: { triageQueue: QueueEvent }; errors?: never[] };
        return {
          frame,
          ...(result.data ? { event: result.data.triageQueue } : {}),
          ...(result.errors ? { errors: result.errors } : {}),
        };
      }
    },
    close: () => reader.close(),
  };
}

export type TriageSubscription = Awaited<ReturnType<typeof subscribeTriage>>;

/** Reads the next `count` ARRIVED events (failing on an error event). */
export async function arrivals(subscription: TriageSubscription, count: number): Promise<QueueEvent[]> {
  const seen: QueueEvent[] = [];
  while (seen.length < count) {
    const { event, errors } = await subscription.next();
    if (errors) throw new Error(`the subscription failed: ${JSON.stringify(errors)}`);
    if (event?.kind === 'ARRIVED') seen.push(event);
  }
  return seen;
}
