/**
 * The `messages` search (E1, cursor or legacy page paging, over the pinned window of ./filter.ts)
 * and the `message` query.
 */
import type { GatewayContext } from '../../context.js';
import type { CfMessage, CfPageResultInfo } from '../../upstream/schemas.js';
import { accountIdArgOptions, resolveAccountId } from '../account.js';
import { cloudflareCalls, pagedCloudflareCall, builder } from '../builder.js';
import { badUserInput, nullOn404 } from '../errors.js';
import { filterDigest } from '../pagination/cursors.js';
import { pageConnection } from '../pagination/page-number-connection.js';
import { type PagingPlan, planAnyPaging } from '../pagination/plan.js';
import { type CursorPage, upstreamCursorConnection } from '../pagination/upstream-cursor-connection.js';
import { investigateIdSchema, parseArgument } from '../validation.js';
import {
  filterToSearchParams,
  MessageFilterInput,
  oversizedFilterFields,
  pinnedWindow,
  resolveWindow,
} from './filter.js';
import { loadMessage, type MessageShape, MessageRef, prefetchDependents } from './types.js';

/** The largest page a client may ask for; each item can fan out to per-message calls. */
export const MESSAGES_PAGE_CAP = 100;
const MESSAGES_DEFAULT_PAGE = 25;

/**
 * Which E1 paging answered (contract#current-api): the current API sends `next`/`previous` cursors and
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
    directives: cloudflareCalls(1),
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
      directives: pagedCloudflareCall(MESSAGES_DEFAULT_PAGE),
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
        // Cloudflare's cursor paging has no addressable end (contract#current-api), so `last` needs `before`;
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
              // ignores `page` and would answer page 1 again as "page N" (contract#current-api). Refuse it.
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
