/**
 * Security Center insights: type, lookup and queries (list, one, counts, audit log) over S1–S9
 * (reference §5); the mutations are in ./insight-mutations.ts, the audit log connection in
 * ./insight-audit.ts. Every endpoint but S9 takes an account OR a zone (§2.4).
 */
import type { GatewayContext } from '../../context.js';
import type { InsightScope as CfInsightScope, InsightFilterParams } from '../../upstream/client.js';
import type { CfInsight } from '../../upstream/schemas.js';
import { resolveAccountId } from '../account.js';
import { builder } from '../builder.js';
import { InsightStatus, IssueType, Severity, UserClassification } from '../enums.js';
import { gatewayError, nullOn404 } from '../errors.js';
import { filterDigest } from '../pagination/cursors.js';
import { pageConnection } from '../pagination/page-number-connection.js';
import {
  type InsightScopeKind as ScopeKind,
  insightIdSchema,
  insightScopeSchema,
  parseArgument,
  type ResolvedScope,
} from '../validation.js';
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

/** Largest page a client may ask for (S1); one upstream call per page in the usual case. */
export const INSIGHTS_PAGE_CAP = 100;
const INSIGHTS_DEFAULT_PAGE = 25;
/**
 * There is no single-insight GET (§5): `insight(id)` and the mutations' re-reads scan S1 with this
 * page size, at most this many pages, so a lookup costs 1 call for scopes of ≤100 insights and never
 * more than 10.
 */
export const LOOKUP_PAGE_SIZE = 100;
export const LOOKUP_MAX_PAGES = 10;

// ───────────────────────────── scope ─────────────────────────────

export const InsightScopeKind = builder.enumType('InsightScopeKind', {
  description: 'Whether an insight belongs to an account or to a zone (reference §2.4).',
  values: {
    ACCOUNT: { description: 'Account-level insight (`/accounts/{id}/…`).' },
    ZONE: { description: 'Zone-level insight (`/zones/{id}/…`).' },
  } as const,
});

export const InsightScopeInput = builder.inputType('InsightScope', {
  description:
    'Where insights live: exactly one of `accountId` or `zoneId`, 32 hexadecimal characters each (Cloudflare makes them mutually exclusive, reference §2.4). Checked by the gateway before any Cloudflare call (a `@oneOf`-style input).',
  fields: (t) => ({
    accountId: t.string({ description: 'Cloudflare account id (32 hex characters).' }),
    zoneId: t.string({ description: 'Cloudflare zone id (32 hex characters).' }),
  }),
});

const scopeForQuery = (raw: unknown): ResolvedScope => parseArgument(insightScopeSchema, raw, 'scope');

export const scopeKey = (scope: ResolvedScope) => `${scope.kind}:${scope.id}`;

// ───────────────────────────── per-request cache ─────────────────────────────

/**
 * Insights listed in this request, by scope and id, so `insights {…} insight(id:)` or a mutation's
 * payload does not scan S1 twice. Request-scoped (keyed by the context object) like the loaders.
 */
interface RequestInsights {
  byScope: Map<string, Map<string, CfInsight>>;
  inFlight: Set<Promise<unknown>>;
}
const requestInsights = new WeakMap<GatewayContext, RequestInsights>();

function insightsOf(context: GatewayContext): RequestInsights {
  let state = requestInsights.get(context);
  if (!state) {
    state = { byScope: new Map(), inFlight: new Set() };
    requestInsights.set(context, state);
  }
  return state;
}

export function cacheFor(context: GatewayContext, scope: ResolvedScope): Map<string, CfInsight> {
  const state = insightsOf(context);
  let cache = state.byScope.get(scopeKey(scope));
  if (!cache) {
    cache = new Map();
    state.byScope.set(scopeKey(scope), cache);
  }
  return cache;
}

/** One S1 page; primes the request cache and is tracked so lookups can wait for it. */
function listPage(
  context: GatewayContext,
  scope: ResolvedScope,
  params: InsightFilterParams,
  page: number,
  perPage: number,
  fresh = false,
) {
  const pending = context.client.securityCenter.insights
    .list(scope.upstream, { ...params, page, per_page: perPage }, { fresh })
    .then((result) => {
      const cache = cacheFor(context, scope);
      for (const issue of result.issues) cache.set(issue.id, issue);
      return result;
    });
  const state = insightsOf(context);
  state.inFlight.add(pending);
  void pending.finally(() => state.inFlight.delete(pending)).catch(() => undefined);
  return pending;
}

type LookupResult =
  | { insight: InsightShape; complete: true }
  | { insight: null; complete: boolean; searched: number; total: number | null };

/**
 * Finds one insight by scanning S1 (no single-get endpoint exists, §5): page 1 of 100, then further
 * pages only while the id is missing, at most LOOKUP_MAX_PAGES. `complete: false` means the bound was
 * reached before the whole scope was seen — "absent" would then be a guess, so callers say so.
 * `fresh` skips the request cache and the shared read cache: re-reads after a change, and decisions
 * on security state (classifyInsight's `replaceExisting`), must see Cloudflare's current value.
 */
export async function findInsight(
  context: GatewayContext,
  scope: ResolvedScope,
  id: string,
  options: { fresh: boolean },
): Promise<LookupResult> {
  const state = insightsOf(context);
  if (!options.fresh) {
    if (state.inFlight.size > 0) await Promise.allSettled([...state.inFlight]);
    const cached = cacheFor(context, scope).get(id);
    if (cached) return { insight: shape(cached, scope), complete: true };
  }
  let searched = 0;
  let total: number | null = null;
  for (let page = 1; page <= LOOKUP_MAX_PAGES; page++) {
    const result = await listPage(context, scope, {}, page, LOOKUP_PAGE_SIZE, options.fresh);
    const hit = result.issues.find((issue) => issue.id === id);
    if (hit) return { insight: shape(hit, scope), complete: true };
    searched += result.issues.length;
    total = result.count;
    if (result.issues.length < LOOKUP_PAGE_SIZE || (total !== null && searched >= total)) {
      return { insight: null, complete: true, searched, total };
    }
  }
  return { insight: null, complete: false, searched, total };
}

// ───────────────────────────── Insight ─────────────────────────────

/** An Issue (§2.5) plus the scope it was read from, so lazy fields (S8, S9) know where to ask. */
export type InsightShape = CfInsight & { scopeKind: ScopeKind; scopeId: string };

const shape = (issue: CfInsight, scope: ResolvedScope): InsightShape => ({
  ...issue,
  scopeKind: scope.kind,
  scopeId: scope.id,
});
export const upstreamScopeOf = (insight: { scopeKind: ScopeKind; scopeId: string }): CfInsightScope =>
  insight.scopeKind === 'ACCOUNT' ? { accountId: insight.scopeId } : { zoneId: insight.scopeId };
export const resolvedScopeOf = (insight: { scopeKind: ScopeKind; scopeId: string }): ResolvedScope => ({
  kind: insight.scopeKind,
  id: insight.scopeId,
  upstream: upstreamScopeOf(insight),
});

export const InsightRef = builder.objectRef<InsightShape>('Insight');

InsightRef.implement({
  // `_entities` and mutation payloads reach this type without a Query field: it needs `read` itself.
  authScopes: { read: true },
  description:
    'A Security Center insight (Cloudflare Issue, reference §2.5) with the scope it was read from. `context` and `auditLog` are loaded lazily, one Cloudflare call each, only when selected.',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false, description: 'Cloudflare issue id (unique within its account or zone).' }),
    scopeKind: t.field({
      type: InsightScopeKind,
      nullable: false,
      description: 'Whether the insight belongs to an account or a zone.',
      resolve: (i) => i.scopeKind,
    }),
    accountId: t.string({
      description: 'Account the insight was read from (null for zone insights).',
      resolve: (i) => (i.scopeKind === 'ACCOUNT' ? i.scopeId : null),
    }),
    zoneId: t.string({
      description: 'Zone the insight was read from (null for account insights).',
      resolve: (i) => (i.scopeKind === 'ZONE' ? i.scopeId : null),
    }),
    dismissed: t.exposeBoolean('dismissed', {
      description: 'Whether the insight was dismissed (archived, see `dismissInsight`).',
    }),
    hasExtendedContext: t.exposeBoolean('has_extended_context', {
      description: 'The payload is too large to inline; the full one is in `context`.',
    }),
    issueClass: t.exposeString('issue_class', {
      description: 'Fine-grained class, e.g. `email_security_spf_missing`.',
    }),
    issueType: t.field({
      type: IssueType.ref,
      description: 'Category of the insight.',
      resolve: (i, _a, c) => IssueType.known(i.issue_type, c.logger),
    }),
    payload: t.field({
      type: 'JSON',
      description: 'Inline payload as Cloudflare sent it (`detection_method`, `zone_tag`, …).',
      resolve: (i) => i.payload ?? null,
    }),
    resolveLink: t.exposeString('resolve_link', { description: 'Dashboard link where the problem can be fixed.' }),
    resolveText: t.exposeString('resolve_text', { description: 'What to do about it.' }),
    severity: t.field({
      type: Severity.ref,
      description: 'Severity.',
      resolve: (i, _a, c) => Severity.known(i.severity, c.logger),
    }),
    since: t.field({
      type: 'DateTime',
      description: 'Since when the problem exists.',
      resolve: (i) => i.since ?? null,
    }),
    status: t.field({
      type: InsightStatus.ref,
      description: 'Active or resolved.',
      resolve: (i, _a, c) => InsightStatus.known(i.status, c.logger),
    }),
    subject: t.exposeString('subject', { description: 'What the insight is about (a hostname, zone, …).' }),
    timestamp: t.field({
      type: 'DateTime',
      description: 'When Cloudflare last detected it.',
      resolve: (i) => i.timestamp ?? null,
    }),
    userClassification: t.field({
      type: UserClassification.ref,
      description: 'How an analyst classified it (null = unclassified). Change it with `classifyInsight`.',
      resolve: (i, _a, c) => UserClassification.known(i.user_classification, c.logger),
    }),
    context: t.field({
      type: 'JSON',
      description:
        'Full context payload (S9, one Cloudflare call). S9 exists for account insights only (reference §7.12): for a zone insight this is null and no call is made. Null too when Cloudflare has none (404).',
      resolve: async (i, _a, c) => {
        if (i.scopeKind !== 'ACCOUNT') return null;
        return c.client.securityCenter.insights.context.get(i.scopeId, i.id).catch(nullOn404);
      },
    }),
    auditLog: t.connection(
      {
        type: InsightAuditLogEntryRef,
        nullable: false,
        description: `Changes of this insight (S8), newest first unless \`filter.order\` says otherwise. Forward only: \`last\`/\`before\` are refused with BAD_USER_INPUT. \`first\` is capped at ${AUDIT_PAGE_CAP} (default ${AUDIT_DEFAULT_PAGE}); one Cloudflare call per page.`,
        args: { filter: t.arg({ type: InsightAuditLogFilterInput, description: 'Narrows the entries.' }) },
        resolve: (i, args, c) => {
          const params = auditParams(args.filter);
          return auditConnection(
            args,
            { scope: `${i.scopeKind}:${i.scopeId}`, issue: i.id, params },
            (p) => c.client.securityCenter.insights.auditLogs.listByInsight(upstreamScopeOf(i), i.id, p),
            params,
          );
        },
      },
      InsightAuditLogConnectionRef,
    ),
  }),
});

// ───────────────────────────── queries ─────────────────────────────

builder.queryFields((t) => ({
  insights: t.connection(
    {
      type: InsightRef,
      nullable: false,
      description: `Security Center insights of an account or zone (S1) as a Relay connection, both directions. \`first\`/\`last\` are capped at ${INSIGHTS_PAGE_CAP} (default ${INSIGHTS_DEFAULT_PAGE}); \`totalCount\` is Cloudflare’s \`result.count\`. Cursors are opaque, pin scope + filter and are refused with BAD_USER_INPUT under another one. Usually one Cloudflare call per page (two when the window straddles pages; \`last\` without \`before\` first reads the total).`,
      args: {
        scope: t.arg({ type: InsightScopeInput, required: true, description: 'Account or zone.' }),
        filter: t.arg({ type: InsightFilterInput, description: 'Which insights.' }),
      },
      resolve: async (_root, args, context) => {
        const scope = scopeForQuery(args.scope);
        const params = filterParams(args.filter);
        const digest = filterDigest({ scope: scopeKey(scope), params });
        // S1's paging numbers live inside `result` (§2.5): the total is `result.count`.
        return pageConnection(args, {
          digest,
          cap: INSIGHTS_PAGE_CAP,
          defaultSize: INSIGHTS_DEFAULT_PAGE,
          fetch: async (page, perPage) => {
            const result = await listPage(context, scope, params, page, perPage);
            return { items: result.issues, total: result.count };
          },
          map: (issue: CfInsight) => shape(issue, scope),
        });
      },
    },
    { name: 'InsightConnection', description: 'A page of Security Center insights.' },
    { name: 'InsightEdge', description: 'An insight with its cursor.' },
  ),
  insight: t.field({
    type: InsightRef,
    description: `One insight by id, or null when the scope has none with that id. Cloudflare has no single-insight endpoint (reference §5), so the gateway looks in insights already listed in this request, else scans S1 in pages of ${LOOKUP_PAGE_SIZE}, stopping at the hit: 1 call for scopes of up to ${LOOKUP_PAGE_SIZE} insights, never more than ${LOOKUP_MAX_PAGES}. When the scope has more than ${LOOKUP_PAGE_SIZE * LOOKUP_MAX_PAGES} insights and the id is not among the first ones, the answer is a NOT_FOUND error saying the search was bounded (not a null that might be wrong); use \`insights(filter:)\` then.`,
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
        // Cloudflare spells severities `Low` here (§2.1); the enum (and the filter) say LOW.
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
