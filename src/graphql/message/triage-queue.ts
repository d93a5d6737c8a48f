/**
 * `triageQueue`: the newest page of a filter, then every new message matching it, pushed to the whole
 * team for one upstream poll (src/live/hub.ts).
 */
import type { GatewayContext } from '../../context.js';
import { forgetAll } from '../../loaders.js';
import type { LiveSubscription } from '../../live/hub.js';
import { type ArrivalPayload, scannedAt, triageSource } from '../../live/sources.js';
import { compareEventIds, START_EVENT_ID } from '../../live/store.js';
import type { InvestigateListParams } from '../../upstream/client.js';
import type { CfMessage } from '../../upstream/schemas.js';
import { accountIdArgOptions, resolveAccountId } from '../account.js';
import { cloudflareCalls, builder } from '../builder.js';
import { badUserInput } from '../errors.js';
import { liveStream, pollerClient, resumePoint } from '../live.js';
import { filterToSearchParams, MessageFilterInput, oversizedFilterFields } from './filter.js';
import { MESSAGES_PAGE_CAP } from './queries.js';
import type { MessageShape } from './types.js';
import { MessageRef } from './types.js';

const TRIAGE_DEFAULT_PAGE = 25;
/** Slack on top of the search cache's lifetime when deciding what a snapshot may not hold yet. */
const SNAPSHOT_MARGIN_MS = 5_000;

export const TriageQueueEventKind = builder.enumType('TriageQueueEventKind', {
  description: 'What a `triageQueue` event says.',
  values: {
    SNAPSHOT: { description: 'The first event: the newest messages matching the filter (replace your list).' },
    ARRIVED: { description: 'One new message matching the filter (add it on top).' },
    RESYNC: {
      description:
        'You reconnected after more events than the gateway keeps: the newest messages again (replace your list).',
    },
  },
});

interface TriageEventShape {
  eventId: string;
  kind: 'SNAPSHOT' | 'ARRIVED' | 'RESYNC';
  messages: MessageShape[];
  at: Date;
}

const TriageQueueEventRef = builder.objectRef<TriageEventShape>('TriageQueueEvent').implement({
  description: 'One event of a live triage queue.',
  fields: (t) => ({
    eventId: t.exposeID('eventId', {
      description:
        'Resume point: reconnect with `lastEventId` set to the last one you saw (an SSE client that reconnects by itself sends it as `Last-Event-ID`) and get exactly what you missed.',
    }),
    kind: t.field({ type: TriageQueueEventKind, description: 'What this event says.', resolve: (event) => event.kind }),
    messages: t.field({
      type: [MessageRef],
      description:
        'SNAPSHOT and RESYNC: the newest messages, newest first. ARRIVED: the one new message. Each detection is fetched once for everyone (shared cache).',
      resolve: (event) => event.messages,
    }),
    at: t.field({ type: 'DateTime', description: 'When the gateway sent this event.', resolve: (event) => event.at }),
  }),
});

function shape(context: GatewayContext, accountId: string, message: CfMessage): MessageShape {
  context.loaders.message.prime({ accountId, id: message.id }, message);
  return { ...message, accountId };
}

/**
 * The events of one subscriber: a snapshot (or the replay from `resumeFrom`), then each arrival.
 * The snapshot comes from the shared search cache, which may be up to one search TTL old, so the
 * arrivals start that far back and skip what the snapshot already holds: nothing lost, nothing twice.
 * (A fresh search per subscriber would be exact, and would cost one call per page load.)
 */
async function* triageEvents(
  context: GatewayContext,
  subscription: LiveSubscription,
  accountId: string,
  params: InvestigateListParams,
  first: number,
  resumeFrom: string | null,
  signal: AbortSignal,
): AsyncGenerator<TriageEventShape> {
  // What the client already holds from its snapshot: those messages, and, among the events that were
  // logged before it, anything older than its newest message (it is below the client's list, not new).
  let inSnapshot = new Set<string>();
  let snapshotNewest = Number.NEGATIVE_INFINITY;
  let loggedBeforeSnapshot = START_EVENT_ID;
  /**
   * Sends the newest page and returns its resume point. A generator of its own: once it returns,
   * nothing of the page stays referenced while the subscriber idles (a frame keeps its locals).
   */
  async function* snapshot(kind: 'SNAPSHOT' | 'RESYNC'): AsyncGenerator<TriageEventShape, string> {
    const from = `${Date.now() - context.services.config.cache.ttls.searchMs - SNAPSHOT_MARGIN_MS}-0`;
    loggedBeforeSnapshot = subscription.lastId();
    const page = await context.client.emailSecurity.investigate.list(accountId, { ...params, per_page: first });
    inSnapshot = new Set(page.items.map((message) => message.id));
    snapshotNewest = Math.max(Number.NEGATIVE_INFINITY, ...page.items.map(scannedAt));
    yield {
      eventId: from,
      kind,
      messages: page.items.map((message) => shape(context, accountId, message)),
      at: new Date(),
    };
    forgetAll(context.loaders);
    return from;
  }
  try {
    // An id past the newest event was never issued here (another deployment, a wiped store, a
    // made-up id): waiting for events after it would be silence, so the client resyncs instead.
    const resumable =
      resumeFrom !== null && compareEventIds(resumeFrom, (await subscription.last())?.id ?? START_EVENT_ID) <= 0;
    let cursor = resumable ? (resumeFrom as string) : yield* snapshot(resumeFrom === null ? 'SNAPSHOT' : 'RESYNC');
    let afterSnapshot = !resumable;
    while (!signal.aborted) {
      const { events, gap, ended } = await subscription.next(cursor, signal);
      if (ended) return;
      if (gap && !afterSnapshot) {
        cursor = yield* snapshot('RESYNC');
        afterSnapshot = true;
        continue;
      }
      afterSnapshot = false;
      for (const event of events) {
        cursor = event.id;
        const { message } = JSON.parse(event.payload) as ArrivalPayload;
        if (inSnapshot.delete(message.id)) continue;
        if (compareEventIds(event.id, loggedBeforeSnapshot) <= 0 && scannedAt(message) <= snapshotNewest) continue;
        yield { eventId: event.id, kind: 'ARRIVED', messages: [shape(context, accountId, message)], at: new Date() };
        forgetAll(context.loaders);
      }
    }
  } finally {
    subscription.leave();
  }
}

builder.subscriptionFields((t) => ({
  triageQueue: t.field({
    type: TriageQueueEventRef,
    nullable: false,
    // The subscriber's snapshot search (E1); the polls after it are shared by every watcher of the filter.
    directives: cloudflareCalls(1),
    description: `A live triage queue: first the newest messages matching \`filter\` (SNAPSHOT), then each new one as it arrives (ARRIVED). The gateway polls Cloudflare once for everyone watching the same filter with the same credential, on every replica (by default every 10 s, slower when the budget is short), and fetches each new message's detection once for all. Reconnect with \`lastEventId\` (or SSE \`Last-Event-ID\`) to get exactly what you missed; after too long you get a RESYNC. Over WebSocket (graphql-ws), SSE (\`accept: text/event-stream\`, also graphql-sse) or multipart HTTP (\`accept: multipart/mixed;subscriptionSpec=1.0\`). At most 20 live subscriptions per caller (LIVE_MAX_PER_CALLER); beyond: TOO_MANY_SUBSCRIPTIONS.`,
    args: {
      filter: t.arg({
        type: MessageFilterInput,
        description: 'Which messages to watch (E1 parameters; `start` and `end` are not allowed: the queue is live).',
      }),
      first: t.arg.int({
        description: `Size of the SNAPSHOT (default ${TRIAGE_DEFAULT_PAGE}, at most ${MESSAGES_PAGE_CAP}).`,
      }),
      lastEventId: t.arg.id({
        description: 'Resume after this event (its `eventId`): you get the events you missed instead of a SNAPSHOT.',
      }),
      accountId: t.arg.string(accountIdArgOptions),
    },
    subscribe: async (_root, args, context) => {
      // Everything is checked before the caller joins a poller: bad input costs nothing upstream.
      const accountId = resolveAccountId(context, args.accountId);
      const [oversized] = oversizedFilterFields(args.filter);
      if (oversized) throw badUserInput(`\`filter.${oversized[0]}\` ${oversized[1]}`, ['filter', oversized[0]]);
      if (args.filter?.start || args.filter?.end)
        throw badUserInput('A live queue has no window: leave `filter.start` and `filter.end` out', ['filter']);
      const first = args.first ?? TRIAGE_DEFAULT_PAGE;
      if (first < 1 || first > MESSAGES_PAGE_CAP)
        throw badUserInput(`\`first\` must be between 1 and ${MESSAGES_PAGE_CAP}`, ['first']);
      const resumeFrom = resumePoint(context, args.lastEventId);
      const params = filterToSearchParams(args.filter);
      const { client, credential } = pollerClient(context);
      const config = context.services.config.live;
      const source = triageSource({
        client,
        accountId,
        params,
        credential,
        overlapMs: config.overlapMs,
        maxPages: 5,
        recentMs: context.services.config.cache.ttls.searchMs + SNAPSHOT_MARGIN_MS,
      });
      const subscription = await context.services.live.join(source, context.auth.subject, context.signal);
      return liveStream(context, subscription, (signal) =>
        triageEvents(context, subscription, accountId, params, first, resumeFrom, signal),
      );
    },
    resolve: (event, _args, context) => {
      context.liveEventId = event.eventId;
      return event;
    },
  }),
}));
