/**
 * Security Center insight queries over S1–S9 (contract#insights): list, one, counts, audit log, and the
 * federation entity.
 */
import type { CfInsight } from '../../upstream/schemas.js';
import { resolveAccountId } from '../account.js';
import { cloudflareCalls, pagedCloudflareCall, builder } from '../builder.js';
import { gatewayError } from '../errors.js';
import { filterDigest } from '../pagination/cursors.js';
import { pageConnection } from '../pagination/page-number-connection.js';
import { insightIdSchema, parseArgument, type ResolvedScope } from '../validation.js';
import {
  AUDIT_DEFAULT_PAGE,
  AUDIT_PAGE_CAP,
  auditConnection,
  auditParams,
  InsightAuditLogConnectionRef,
  InsightAuditLogEntryRef,
  InsightAuditLogFilterInput,
} from './audit-log.js';
import { filterParams, InsightCountGroup, InsightCountRef, InsightFilterInput } from './filter.js';
import { findInsight, LOOKUP_MAX_PAGES, LOOKUP_PAGE_SIZE, listPage } from './lookup.js';
import { InsightScopeInput, scopeForQuery, scopeKey } from './scope.js';
import { InsightRef, shapeInsight } from './types.js';

/** Largest page a client may ask for (S1); one upstream call per page in the usual case. */
export const INSIGHTS_PAGE_CAP = 100;
const INSIGHTS_DEFAULT_PAGE = 25;

builder.queryFields((t) => ({
  insights: t.connection(
    {
      type: InsightRef,
      nullable: false,
      directives: pagedCloudflareCall(INSIGHTS_DEFAULT_PAGE),
      description: `Security Center insights of an account or zone (S1) as a Relay connection, both directions. \`first\`/\`last\` are capped at ${INSIGHTS_PAGE_CAP} (default ${INSIGHTS_DEFAULT_PAGE}); \`totalCount\` is Cloudflare’s \`result.count\`. Cursors are opaque, pin scope + filter and are refused with BAD_USER_INPUT under another one. Usually one Cloudflare call per page (two when the window straddles pages; \`last\` without \`before\` first reads the total).`,
      args: {
        scope: t.arg({ type: InsightScopeInput, required: true, description: 'Account or zone.' }),
        filter: t.arg({ type: InsightFilterInput, description: 'Which insights.' }),
      },
      resolve: async (_root, args, context) => {
        const scope = scopeForQuery(args.scope);
        const params = filterParams(args.filter);
        const digest = filterDigest({ scope: scopeKey(scope), params });
        // S1's paging numbers live inside `result` (contract#insights): the total is `result.count`.
        return pageConnection(args, {
          digest,
          cap: INSIGHTS_PAGE_CAP,
          defaultSize: INSIGHTS_DEFAULT_PAGE,
          fetch: async (page, perPage) => {
            const result = await listPage(context, scope, params, page, perPage);
            return { items: result.issues, total: result.count };
          },
          map: (issue: CfInsight) => shapeInsight(issue, scope),
        });
      },
    },
    { name: 'InsightConnection', description: 'A page of Security Center insights.' },
    { name: 'InsightEdge', description: 'An insight with its cursor.' },
  ),
  insight: t.field({
    type: InsightRef,
    // Counted at its usual single S1 page (see the description for the bound).
    directives: cloudflareCalls(1),
    description: `One insight by id, or null when the scope has none with that id. Cloudflare has no single-insight endpoint, so the gateway looks in insights already listed in this request, else scans S1 in pages of ${LOOKUP_PAGE_SIZE}, stopping at the hit: 1 call for scopes of up to ${LOOKUP_PAGE_SIZE} insights, never more than ${LOOKUP_MAX_PAGES}. When the scope has more than ${LOOKUP_PAGE_SIZE * LOOKUP_MAX_PAGES} insights and the id is not among the first ones, the answer is a NOT_FOUND error saying the search was bounded (not a null that might be wrong); use \`insights(filter:)\` then.`,
    args: {
      scope: t.arg({ type: InsightScopeInput, required: true, description: 'Account or zone.' }),
      id: t.arg.id({ required: true, description: 'Cloudflare issue id.' }),
    },
    resolve: async (_root, args, context) => {
      const scope = scopeForQuery(args.scope);
      const id = parseArgument(insightIdSchema, args.id, 'id');
      const found = await findInsight(context, scope, id, { fresh: false });
      if (found.insight) return found.insight;
      if (found.complete) return null;
      throw gatewayError(
        'NOT_FOUND',
        `Insight ${id} is not among the first ${found.searched} of ${found.total ?? 'an unknown number of'} insights; the lookup is bounded, use insights(filter:) to narrow it down`,
        {
          searched: found.searched,
          total: found.total,
        },
      );
    },
  }),
  insightCounts: t.field({
    type: [InsightCountRef],
    nullable: false,
    directives: cloudflareCalls(1),
    description:
      'Insight counts grouped by class (S4), severity (S5) or type (S6), one Cloudflare call. Cloudflare orders the groups.',
    args: {
      scope: t.arg({ type: InsightScopeInput, required: true, description: 'Account or zone.' }),
      groupBy: t.arg({ type: InsightCountGroup, required: true, description: 'What to group by.' }),
      filter: t.arg({ type: InsightFilterInput, description: 'Which insights to count.' }),
    },
    resolve: async (_root, args, context) => {
      const scope = scopeForQuery(args.scope);
      const params = filterParams(args.filter);
      const insights = context.client.securityCenter.insights;
      if (args.groupBy === 'SEVERITY') {
        // Cloudflare spells severities `Low` here (contract#enums); the enum (and the filter) say LOW.
        const groups = await insights.severity.get(scope.upstream, params);
        return groups.map((group) => ({
          ...group,
          value: group.value == null ? group.value : group.value.toUpperCase(),
        }));
      }
      return (args.groupBy === 'CLASS' ? insights.class : insights.type).get(scope.upstream, params);
    },
  }),
  insightAuditLog: t.connection(
    {
      type: InsightAuditLogEntryRef,
      nullable: false,
      directives: pagedCloudflareCall(AUDIT_DEFAULT_PAGE),
      description: `Changes of every insight of an account or zone (S7), newest first unless \`filter.order\` says otherwise. Forward only: \`last\`/\`before\` are refused with BAD_USER_INPUT. \`first\` is capped at ${AUDIT_PAGE_CAP} (default ${AUDIT_DEFAULT_PAGE}); one Cloudflare call per page.`,
      args: {
        scope: t.arg({ type: InsightScopeInput, required: true, description: 'Account or zone.' }),
        filter: t.arg({ type: InsightAuditLogFilterInput, description: 'Narrows the entries.' }),
      },
      resolve: (_root, args, context) => {
        const scope = scopeForQuery(args.scope);
        const params = auditParams(args.filter);
        return auditConnection(
          args,
          { scope: scopeKey(scope), params },
          (p) => context.client.securityCenter.insights.auditLogs.list(scope.upstream, p),
          params,
        );
      },
    },
    InsightAuditLogConnectionRef,
  ),
}));

/**
 * Federation entity: other subgraphs reference an insight by id. There is no single-get endpoint, so
 * representations resolve through the same bounded, request-cached S1 scan as `insight(scope, id)`,
 * in the gateway's configured account: N representations in one request share the listing pages.
 */
builder.asEntity(InsightRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: async (reference, context) => {
    const accountId = resolveAccountId(context, null);
    const scope: ResolvedScope = { kind: 'ACCOUNT', id: accountId, upstream: { accountId } };
    const found = await findInsight(context, scope, String(reference.id), { fresh: false });
    return found.insight;
  },
});
