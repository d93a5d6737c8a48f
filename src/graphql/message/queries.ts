/**
 * Searching messages (E1): the MessageFilter input and its mapping to Cloudflare's parameters, the
 * pinned search window, and the `messages` / `message` queries (cursor or legacy page paging).
 */
import type { GatewayContext } from '../../context.js';
import type { InvestigateListParams } from '../../upstream/client.js';
import type { CfMessage, CfPageResultInfo } from '../../upstream/schemas.js';
import { accountIdArgOptions, resolveAccountId } from '../account.js';
import { builder } from '../builder.js';
import { DeliveryStatus, MessageAction, SearchDisposition } from '../enums.js';
import { badUserInput, nullOn404 } from '../errors.js';
import { filterDigest } from '../pagination/cursors.js';
import { pageConnection } from '../pagination/page-number-connection.js';
import { type PagingPlan, planAnyPaging } from '../pagination/plan.js';
import { type CursorPage, upstreamCursorConnection } from '../pagination/upstream-cursor-connection.js';
import { investigateIdSchema, parseArgument } from '../validation.js';

import { loadMessage, type MessageShape, MessageRef, prefetchDependents } from './types.js';

/** The largest page a client may ask for; each item can fan out to per-message calls. */
export const MESSAGES_PAGE_CAP = 100;
const MESSAGES_DEFAULT_PAGE = 25;
const SEARCH_WINDOW_DAYS = 30;

export const MessageFilterInput = builder.inputType('MessageFilter', {
  description: 'Search parameters of E1. Everything is optional; the window defaults to the last 30 days.',
  fields: (t) => ({
    query: t.string({
      description: 'Free text, space-delimited, case-insensitive: subject, addresses, ids, hashes, IPs, …',
    }),
    sender: t.string({ description: 'Sender e-mail address or domain.' }),
    recipient: t.string({ description: 'Recipient e-mail address or domain.' }),
    domain: t.string({ description: 'Sender domain.' }),
    subject: t.string({ description: 'Keywords in the subject, any order.' }),
    exactSubject: t.string({
      description: 'Exact subject (seed docs parameter; the current SDK dropped it from search).',
    }),
    finalDisposition: t.field({ type: SearchDisposition.ref, description: 'Only messages with this disposition.' }),
    messageAction: t.field({ type: MessageAction.ref, description: 'Only messages on which this action was taken.' }),
    deliveryStatus: t.field({ type: DeliveryStatus.ref, description: 'Only messages in this delivery state.' }),
    alertId: t.string({ description: 'Alert id.' }),
    messageId: t.string({ description: 'RFC 822 Message-ID.' }),
    smtpHeloIp: t.string({ description: 'IP given in SMTP HELO.' }),
    metric: t.string({ description: 'Cloudflare `metric` parameter (undocumented upstream; passed through).' }),
    detectionsOnly: t.boolean({ description: 'Only messages with a detection.' }),
    submissions: t.boolean({ description: 'Search submissions instead of original messages (seed docs parameter).' }),
    start: t.field({
      type: 'DateTime',
      description: 'Window start (default: 30 days before the first page). Must not be in the future.',
    }),
    end: t.field({ type: 'DateTime', description: 'Window end (default: the time of the first page).' }),
  }),
});

type MessageFilter = typeof MessageFilterInput.$inferInput;

/** Longest free-text search value the gateway forwards; longer is not a search, it is a payload. */
export const MAX_FILTER_TEXT = 1024;

/** The filter's free-text fields that are too long, as [field, message] pairs. */
export function oversizedFilterFields(filter: MessageFilter | null | undefined): [string, string][] {
  return Object.entries(filter ?? {})
    .filter(([, value]) => typeof value === 'string' && value.length > MAX_FILTER_TEXT)
    .map(([key]) => [key, `must be at most ${MAX_FILTER_TEXT} characters`]);
}

/** Turns the GraphQL filter into E1 query params (window excluded). */
export function filterToSearchParams(filter: MessageFilter | null | undefined): InvestigateListParams {
  const f = filter ?? {};
  return {
    query: f.query ?? undefined,
    sender: f.sender ?? undefined,
    recipient: f.recipient ?? undefined,
    domain: f.domain ?? undefined,
    subject: f.subject ?? undefined,
    exact_subject: f.exactSubject ?? undefined,
    final_disposition: f.finalDisposition ?? undefined,
    message_action: f.messageAction ?? undefined,
    delivery_status: f.deliveryStatus ?? undefined,
    alert_id: f.alertId ?? undefined,
    message_id: f.messageId ?? undefined,
    smtp_helo_ip: f.smtpHeloIp ?? undefined,
    metric: f.metric ?? undefined,
    detections_only: f.detectionsOnly ?? undefined,
    submissions: f.submissions ?? undefined,
  };
}

/** Resolves and checks the time window before any upstream call. */
export function resolveWindow(
  filter: MessageFilter | null | undefined,
  now = new Date(),
  granularityMs = 1000,
): { start: Date; end: Date } {
  // Cloudflare timestamps have whole seconds: a window ending mid-second would let mail scanned later
  // in that same second slip into later pages. Ending just before the current step keeps pages stable;
  // with the read cache on, the step is the search TTL, so a repeated page has the same request (a hit).
  const step = Math.max(1000, granularityMs);
  const end = filter?.end ?? new Date(Math.floor(now.getTime() / step) * step - 1);
  const start = filter?.start ?? new Date(end.getTime() - SEARCH_WINDOW_DAYS * 86_400_000);
  if (start.getTime() > now.getTime())
    throw badUserInput('`filter.start` must not be in the future', ['filter', 'start']);
  if (start.getTime() > end.getTime())
    throw badUserInput('`filter.start` must be before `filter.end`', ['filter', 'start']);
  return { start, end };
}

/** A window carried by a cursor: it was valid when issued, but a forged one must not reach Cloudflare. */
function pinnedWindow(startIso: string, endIso: string): { start: Date; end: Date } {
  const start = new Date(startIso);
  const end = new Date(endIso);
  if (start.getTime() > end.getTime() || start.getTime() > Date.now()) {
    throw badUserInput('The cursor carries an invalid time window; start again without a cursor', ['after']);
  }
  return { start, end };
}

/**
 * Which E1 paging answered (reference §9): the current API sends `next`/`previous` cursors and
 * `page`/`total_count` as "Deprecated: Returns always 0"; older deployments send real numbers and no
 * cursors. No cursors and zeros is a current-API single page.
 */
export function pagingStyle(info: CfPageResultInfo): 'cursor' | 'legacy' {
  if (typeof info?.next === 'string' || typeof info?.previous === 'string') return 'cursor';
  if ((info?.total_count ?? 0) > 0 || (info?.page ?? 0) > 0) return 'legacy';
  return 'cursor';
}

function toCursorPage(result: { items: CfMessage[]; resultInfo: CfPageResultInfo }): CursorPage<CfMessage> {
  return { items: result.items, next: result.resultInfo?.next || null, previous: result.resultInfo?.previous || null };
}

function primeMessages(context: GatewayContext, accountId: string, messages: CfMessage[]): MessageShape[] {
  return messages.map((message) => {
    const shaped = { ...message, accountId };
    context.loaders.message.prime({ accountId, id: message.id }, message);
    return shaped;
  });
}

builder.queryFields((t) => ({
  message: t.field({
    type: MessageRef,
    description:
      'One message by its investigate id (E2). Null when Cloudflare says it does not exist. Its detection and trace, when selected, are fetched together with it (no waterfall).',
    args: {
      id: t.arg.id({ required: true, description: 'Investigate id, as returned by `messages`.' }),
      accountId: t.arg.string(accountIdArgOptions),
      submission: t.arg.boolean({
        description: 'Look in the submissions datastore instead of the regular one (E2 `submission`).',
      }),
    },
    resolve: async (_root, args, context, info) => {
      const accountId = resolveAccountId(context, args.accountId);
      const id = parseArgument(investigateIdSchema, args.id, 'id');
      if (args.submission) {
        const message = await context.client.emailSecurity.investigate
          .get(accountId, id, { submission: true })
          .catch(nullOn404);
        return message ? { ...message, accountId } : null;
      }
      prefetchDependents(context, { accountId, id }, info);
      return loadMessage(context, { accountId, id });
    },
  }),
  messages: t.connection(
    {
      type: MessageRef,
      nullable: false,
      // Demand control for the router: one search call, and a page of `first` / `last` messages.
      directives: {
        cost: { weight: 1 },
        listSize: {
          slicingArguments: ['first', 'last'],
          sizedFields: ['edges', 'nodes'],
          requireOneSlicingArgument: false,
        },
      },
      description: `Search messages (E1) as a Relay connection, newest first. \`first\`/\`last\` are capped at ${MESSAGES_PAGE_CAP} (default ${MESSAGES_DEFAULT_PAGE}). Cursors are opaque, pin the filter and the time window (later pages stay stable while new mail arrives) and are refused with BAD_USER_INPUT under a different filter. Cloudflare pages E1 by cursor (\`next\`/\`previous\`): page forward with \`first\`/\`after\` and back with \`last\`/\`before\` (\`last\` needs \`before\`, since the end of the list is not addressable); \`totalCount\` is null because Cloudflare reports no total any more. Against an older deployment that still answers with page numbers and a real total, the gateway pages by number and \`totalCount\` is that total. Each result is also kept as that message's own answer (for every replica, as fresh as the search), so opening a message found by a search costs no call.`,
      args: {
        filter: t.arg({ type: MessageFilterInput, description: 'Search parameters.' }),
        accountId: t.arg.string(accountIdArgOptions),
      },
      resolve: async (_root, args, context) => {
        const accountId = resolveAccountId(context, args.accountId);
        const [oversized] = oversizedFilterFields(args.filter);
        if (oversized) throw badUserInput(`\`filter.${oversized[0]}\` ${oversized[1]}`, ['filter', oversized[0]]);
        const params = filterToSearchParams(args.filter);
        const digest = filterDigest({ accountId, params, start: args.filter?.start, end: args.filter?.end });
        const plan = planAnyPaging(args, { digest, cap: MESSAGES_PAGE_CAP, defaultSize: MESSAGES_DEFAULT_PAGE });
        // Cloudflare's cursor paging has no addressable end (reference §9), so `last` needs `before`;
        // refused before any call, whichever paging style the deployment answers with.
        if (plan.direction === 'backward' && !plan.before && plan.size > 0) {
          throw badUserInput(
            '`last` needs `before`: Cloudflare pages E1 by cursor and has no addressable end; page forward, then back with `before`',
            ['last'],
          );
        }
        const pinned = plan.after ?? plan.before;
        const window =
          pinned?.s && pinned.e
            ? pinnedWindow(pinned.s, pinned.e)
            : resolveWindow(
                args.filter,
                new Date(),
                context.services.cache ? context.services.config.cache.ttls.searchMs : 1000,
              );
        const pin = { s: window.start.toISOString(), e: window.end.toISOString() };
        const search = (paging: { page?: number; cursor?: string; per_page: number }) => {
          const pending = context.client.emailSecurity.investigate
            .list(accountId, { ...params, start: pin.s, end: pin.e, ...paging })
            .then((result) => {
              primeMessages(context, accountId, result.items);
              return result;
            });
          context.searchesInFlight.add(pending);
          void pending.finally(() => context.searchesInFlight.delete(pending)).catch(() => undefined);
          return pending;
        };
        const map = (message: CfMessage): MessageShape => ({ ...message, accountId });
        const byCursor = (firstPage?: CursorPage<CfMessage>) =>
          upstreamCursorConnection(plan, {
            digest,
            pin,
            perPage: Math.max(1, plan.size),
            ...(firstPage ? { firstPage } : {}),
            fetch: async (cursor, perPage) =>
              toCursorPage(await search({ per_page: perPage, ...(cursor === undefined ? {} : { cursor }) })),
            map,
          });
        const byNumber = (firstPage?: { perPage: number; items: CfMessage[]; total: number | null }) =>
          pageConnection(args, {
            digest,
            cap: MESSAGES_PAGE_CAP,
            defaultSize: MESSAGES_DEFAULT_PAGE,
            plan: plan as PagingPlan,
            pin,
            fetch: async (page, perPage) => {
              if (page === 1 && firstPage?.perPage === perPage) return firstPage;
              // Page 1 goes out without `page` (as the first page of either style does).
              const result = await search({ per_page: perPage, ...(page === 1 ? {} : { page }) });
              // A page-number cursor replayed after the deployment moved to cursor paging: today's E1
              // ignores `page` and would answer page 1 again as "page N" (reference §9). Refuse it.
              if (page > 1 && pagingStyle(result.resultInfo) === 'cursor') {
                throw badUserInput(
                  'This cursor pages by number, but Cloudflare now pages E1 by cursor (it ignores `page`): start again from the first page',
                  [plan.direction === 'backward' ? 'before' : 'after'],
                );
              }
              return { items: result.items, total: result.resultInfo?.total_count ?? null };
            },
            map,
          });

        // A cursor says which style issued it; without one the first page's result_info tells.
        if (pinned?.v === 2) return byCursor();
        if (pinned?.v === 1) return byNumber();
        if (plan.size === 0) return byCursor();
        const perPage = Math.max(1, plan.size);
        const first = await search({ per_page: perPage });
        if (pagingStyle(first.resultInfo) === 'legacy') {
          return byNumber({ perPage, items: first.items, total: first.resultInfo?.total_count ?? null });
        }
        return byCursor(toCursorPage(first));
      },
    },
    {
      name: 'MessageConnection',
      description:
        'A page of messages from a search. `totalCount` is null when Cloudflare reports no total (its current cursor-paged E1 does not).',
    },
    { name: 'MessageEdge', description: 'A message in a page of search results, with its cursor.' },
  ),
}));
