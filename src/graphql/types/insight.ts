/**
 * Security Center insights: type, queries (list, one, counts, audit log) and mutations (classify,
 * dismiss) over S1–S9 (reference §5). Every endpoint but S9 takes an account OR a zone (§2.4).
 */
import { z } from 'zod';
import { writeAudit } from '../../audit.js';
import type { GatewayContext } from '../../context.js';
import type { AuditLogParams, InsightScope as CfInsightScope, InsightFilterParams } from '../../upstream/client.js';
import { UpstreamBadRequestError } from '../../upstream/errors.js';
import { encodePathParam } from '../../upstream/http.js';
import type { CfAuditLogEntry, CfInsight } from '../../upstream/schemas.js';
import {
  ActionError,
  ConflictError,
  NotFoundError,
  OutcomeUnknownError,
  ValidationError,
  type ValidationIssue,
} from '../action-errors.js';
import { resolveAccountId } from '../account.js';
import { builder } from '../builder.js';
import { AuditField, InsightStatus, IssueType, Severity, UserClassification } from '../enums.js';
import { badUserInput, gatewayError, nullOn404 } from '../errors.js';
import { idempotencyKeyField, runIdempotent } from '../idempotent.js';
import { filterDigest, pageConnection } from '../pagination.js';
import { ActionErrorCode, actionErrorTypes, asAction, toActionError } from '../results.js';

/** Largest page a client may ask for (S1 and S7/S8); one upstream call per page in the usual case. */
export const INSIGHTS_PAGE_CAP = 100;
const INSIGHTS_DEFAULT_PAGE = 25;
export const AUDIT_PAGE_CAP = 100;
const AUDIT_DEFAULT_PAGE = 25;
/**
 * There is no single-insight GET (§5): `insight(id)` and the mutations' re-reads scan S1 with this
 * page size, at most this many pages, so a lookup costs 1 call for scopes of ≤100 insights and never
 * more than 10.
 */
export const LOOKUP_PAGE_SIZE = 100;
export const LOOKUP_MAX_PAGES = 10;

// ───────────────────────────── scope ─────────────────────────────

const HEX32 = /^[0-9a-f]{32}$/i;

type ScopeKind = 'ACCOUNT' | 'ZONE';

/** A checked scope: what the GraphQL side shows and what the client needs. */
interface ResolvedScope {
  kind: ScopeKind;
  id: string;
  upstream: CfInsightScope;
}

const InsightScopeKind = builder.enumType('InsightScopeKind', {
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
type InsightScopeArg = typeof InsightScopeInput.$inferInput;

/** Returns the checked scope or the problems; the caller turns them into its kind of error. */
function checkScope(raw: InsightScopeArg | null | undefined, path: string[]): ResolvedScope | ValidationIssue {
  const accountId = raw?.accountId ?? null;
  const zoneId = raw?.zoneId ?? null;
  // Same rules and wording as the SDK's local check (§2.4), so nothing invalid reaches Cloudflare.
  if (accountId !== null && zoneId !== null) return { path, message: 'give either accountId or zoneId, not both' };
  if (accountId === null && zoneId === null) return { path, message: 'give exactly one of accountId or zoneId' };
  const [name, value] = accountId !== null ? (['accountId', accountId] as const) : (['zoneId', zoneId as string] as const);
  if (!HEX32.test(value)) return { path: [...path, name], message: `\`${name}\` must be 32 hexadecimal characters` };
  const id = value.toLowerCase();
  return accountId !== null
    ? { kind: 'ACCOUNT', id, upstream: { accountId: id } }
    : { kind: 'ZONE', id, upstream: { zoneId: id } };
}

function scopeForQuery(raw: InsightScopeArg | null | undefined): ResolvedScope {
  const checked = checkScope(raw, ['scope']);
  if ('message' in checked) throw badUserInput(`\`scope\`: ${checked.message}`, checked.path);
  return checked;
}

function scopeForAction(raw: InsightScopeArg | null | undefined, issues: ValidationIssue[]): ResolvedScope | null {
  const checked = checkScope(raw, ['input', 'scope']);
  if ('message' in checked) {
    issues.push(checked);
    return null;
  }
  return checked;
}

const scopeKey = (scope: ResolvedScope) => `${scope.kind}:${scope.id}`;

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

function cacheFor(context: GatewayContext, scope: ResolvedScope): Map<string, CfInsight> {
  const state = insightsOf(context);
  let cache = state.byScope.get(scopeKey(scope));
  if (!cache) {
    cache = new Map();
    state.byScope.set(scopeKey(scope), cache);
  }
  return cache;
}

/** One S1 page; primes the request cache and is tracked so lookups can wait for it. */
function listPage(context: GatewayContext, scope: ResolvedScope, params: InsightFilterParams, page: number, perPage: number) {
  const pending = context.client.securityCenter.insights.list(scope.upstream, { ...params, page, per_page: perPage }).then((result) => {
    const cache = cacheFor(context, scope);
    for (const issue of result.issues) cache.set(issue.id, issue);
    return result;
  });
  const state = insightsOf(context);
  state.inFlight.add(pending);
  void pending.finally(() => state.inFlight.delete(pending)).catch(() => undefined);
  return pending;
}

type LookupResult = { insight: InsightShape; complete: true } | { insight: null; complete: boolean; searched: number; total: number | null };

/**
 * Finds one insight by scanning S1 (no single-get endpoint exists, §5): page 1 of 100, then further
 * pages only while the id is missing, at most LOOKUP_MAX_PAGES. `complete: false` means the bound was
 * reached before the whole scope was seen — "absent" would then be a guess, so callers say so.
 * `fresh` skips the request cache (re-reads after a change must show Cloudflare's current value).
 */
async function findInsight(context: GatewayContext, scope: ResolvedScope, id: string, options: { fresh: boolean }): Promise<LookupResult> {
  const state = insightsOf(context);
  if (!options.fresh) {
    if (state.inFlight.size > 0) await Promise.allSettled([...state.inFlight]);
    const cached = cacheFor(context, scope).get(id);
    if (cached) return { insight: shape(cached, scope), complete: true };
  }
  let searched = 0;
  let total: number | null = null;
  for (let page = 1; page <= LOOKUP_MAX_PAGES; page++) {
    const result = await listPage(context, scope, {}, page, LOOKUP_PAGE_SIZE);
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

const shape = (issue: CfInsight, scope: ResolvedScope): InsightShape => ({ ...issue, scopeKind: scope.kind, scopeId: scope.id });
const upstreamScopeOf = (insight: { scopeKind: ScopeKind; scopeId: string }): CfInsightScope =>
  insight.scopeKind === 'ACCOUNT' ? { accountId: insight.scopeId } : { zoneId: insight.scopeId };
const resolvedScopeOf = (insight: { scopeKind: ScopeKind; scopeId: string }): ResolvedScope => ({
  kind: insight.scopeKind,
  id: insight.scopeId,
  upstream: upstreamScopeOf(insight),
});

const InsightAuditLogEntryRef = builder.objectRef<CfAuditLogEntry>('InsightAuditLogEntry').implement({
  description: 'One recorded change of an insight’s status or classification (Cloudflare AuditLogEntry, S7/S8).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Entry id (UUIDv7, time-ordered).' }),
    changedAt: t.field({ type: 'DateTime', description: 'When the change happened.', resolve: (e) => e.changed_at ?? null }),
    changedBy: t.exposeString('changed_by', { description: '`system` for automated changes, otherwise a user identifier.' }),
    currentValue: t.exposeString('current_value', { description: 'Value after the change (null when the field was cleared).' }),
    previousValue: t.exposeString('previous_value', { description: 'Value before the change (null when it was not set).' }),
    fieldChanged: t.field({
      type: AuditField.ref,
      description: 'Which field changed.',
      resolve: (e, _a, c) => AuditField.known(e.field_changed, c.logger),
    }),
    issueId: t.exposeString('issue_id', { description: 'Id of the insight the change applies to.' }),
    rationale: t.exposeString('rationale', { description: 'Why, as given with the change.' }),
    zoneId: t.string({
      description: 'Zone of a zone-level insight. Cloudflare sends a number here although zone ids are strings elsewhere (reference §7.9); the gateway passes it as a string.',
      resolve: (e) => (e.zone_id === null || e.zone_id === undefined ? null : String(e.zone_id)),
    }),
  }),
});

const InsightAuditOrder = builder.enumType('InsightAuditOrder', {
  description: 'Order of audit log entries.',
  values: {
    ASC: { value: 'asc', description: 'Oldest first.' },
    DESC: { value: 'desc', description: 'Newest first (Cloudflare’s default).' },
  } as const,
});

const InsightAuditLogFilterInput = builder.inputType('InsightAuditLogFilter', {
  description: 'Narrows an insight audit log (S7/S8 query parameters).',
  fields: (t) => ({
    before: t.field({ type: 'DateTime', description: 'Only entries changed before this time.' }),
    since: t.field({ type: 'DateTime', description: 'Only entries changed at or after this time.' }),
    changedBy: t.string({ description: 'Only entries by this actor (`system` or a user identifier).' }),
    fieldChanged: t.field({ type: AuditField.ref, description: 'Only changes of this field.' }),
    order: t.field({ type: InsightAuditOrder, description: 'ASC = oldest first, DESC = newest first (default).' }),
  }),
});
type AuditFilterArg = typeof InsightAuditLogFilterInput.$inferInput;

function auditParams(filter: AuditFilterArg | null | undefined): AuditLogParams {
  const params: AuditLogParams = {};
  if (filter?.before) params.before = filter.before.toISOString();
  if (filter?.since) params.since = filter.since.toISOString();
  if (filter?.changedBy) params.changed_by = filter.changedBy;
  if (filter?.fieldChanged) params.field_changed = filter.fieldChanged;
  if (filter?.order) params.order = filter.order;
  return params;
}

export const InsightAuditLogConnectionRef = builder.connectionObject(
  {
    type: InsightAuditLogEntryRef,
    name: 'InsightAuditLogConnection',
    description:
      'A page of insight audit log entries. Forward paging only (Cloudflare’s cursor only goes forward, S7/S8). `totalCount` is null: Cloudflare’s cursor paging reports no total.',
  },
  { name: 'InsightAuditLogEdge', description: 'An audit log entry with its cursor.' },
);

/**
 * Our audit cursor wraps Cloudflare's (§1.3 CursorPagination): `c` is the Cloudflare cursor the
 * entry's page was fetched with (null = the start), `i` the entry's index in that page (-1 when `c`
 * already points just past it). Pinned to scope + filter like the offset cursors.
 */
const auditCursorSchema = z.object({
  v: z.literal(1),
  k: z.string().min(1).max(64),
  c: z.string().max(2048).nullable(),
  i: z.number().int().min(-1).max(10_000),
});
type AuditCursor = z.infer<typeof auditCursorSchema>;

const encodeAuditCursor = (cursor: AuditCursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');

function decodeAuditCursor(raw: string, digest: string): AuditCursor {
  let cursor: AuditCursor;
  try {
    if (raw.length > 4096) throw new Error('too long');
    cursor = auditCursorSchema.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
  } catch {
    throw badUserInput('`after` is not an audit log cursor issued by this gateway', ['after']);
  }
  if (cursor.k !== digest) throw badUserInput('`after` was issued for a different scope, insight or filter; start again without a cursor', ['after']);
  return cursor;
}

interface AuditConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/** S7/S8 as a forward-only Relay connection; everything is validated before the call. */
async function auditConnection(
  args: AuditConnectionArgs,
  digestInput: unknown,
  fetchPage: (params: AuditLogParams) => Promise<{ items: CfAuditLogEntry[]; cursor: string | null }>,
  params: AuditLogParams,
) {
  if (args.last != null || args.before != null) {
    throw badUserInput('The insight audit log pages forward only (Cloudflare’s cursor has no way back): use `first` and `after`', [args.last != null ? 'last' : 'before']);
  }
  if (args.first != null && (args.first < 0 || args.first > AUDIT_PAGE_CAP)) {
    throw badUserInput(`\`first\` must be between 0 and ${AUDIT_PAGE_CAP}`, ['first']);
  }
  const digest = filterDigest(digestInput);
  const after = args.after ? decodeAuditCursor(args.after, digest) : null;
  const size = args.first ?? AUDIT_DEFAULT_PAGE;
  const empty = { edges: [], totalCount: null, pageInfo: { hasNextPage: false, hasPreviousPage: after !== null, startCursor: null, endCursor: null } };
  if (size === 0) return empty;
  const skip = after ? after.i + 1 : 0;
  const startCursor = after?.c ?? null;
  // Re-reading the `skip` entries before ours costs no extra call: per_page grows instead.
  const page = await fetchPage({ ...params, per_page: skip + size, ...(startCursor ? { cursor: startCursor } : {}) });
  const items = page.items.slice(skip, skip + size);
  const edges = items.map((node, index) => {
    const position = skip + index;
    const lastFetched = position === page.items.length - 1 && page.cursor !== null;
    return { node, cursor: encodeAuditCursor(lastFetched ? { v: 1, k: digest, c: page.cursor, i: -1 } : { v: 1, k: digest, c: startCursor, i: position }) };
  });
  return {
    edges,
    totalCount: null,
    pageInfo: {
      hasNextPage: page.items.length > skip + size || page.cursor !== null,
      hasPreviousPage: after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

export const InsightRef = builder.objectRef<InsightShape>('Insight');

InsightRef.implement({
  // `_entities` and mutation payloads reach this type without a Query field: it needs `read` itself.
  authScopes: { read: true },
  description:
    'A Security Center insight (Cloudflare Issue, reference §2.5) with the scope it was read from. `context` and `auditLog` are loaded lazily, one Cloudflare call each, only when selected.',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false, description: 'Cloudflare issue id (unique within its account or zone).' }),
    scopeKind: t.field({ type: InsightScopeKind, nullable: false, description: 'Whether the insight belongs to an account or a zone.', resolve: (i) => i.scopeKind }),
    accountId: t.string({ description: 'Account the insight was read from (null for zone insights).', resolve: (i) => (i.scopeKind === 'ACCOUNT' ? i.scopeId : null) }),
    zoneId: t.string({ description: 'Zone the insight was read from (null for account insights).', resolve: (i) => (i.scopeKind === 'ZONE' ? i.scopeId : null) }),
    dismissed: t.exposeBoolean('dismissed', { description: 'Whether the insight was dismissed (archived, see `dismissInsight`).' }),
    hasExtendedContext: t.exposeBoolean('has_extended_context', { description: 'The payload is too large to inline; the full one is in `context`.' }),
    issueClass: t.exposeString('issue_class', { description: 'Fine-grained class, e.g. `email_security_spf_missing`.' }),
    issueType: t.field({ type: IssueType.ref, description: 'Category of the insight.', resolve: (i, _a, c) => IssueType.known(i.issue_type, c.logger) }),
    payload: t.field({ type: 'JSON', description: 'Inline payload as Cloudflare sent it (`detection_method`, `zone_tag`, …).', resolve: (i) => i.payload ?? null }),
    resolveLink: t.exposeString('resolve_link', { description: 'Dashboard link where the problem can be fixed.' }),
    resolveText: t.exposeString('resolve_text', { description: 'What to do about it.' }),
    severity: t.field({ type: Severity.ref, description: 'Severity.', resolve: (i, _a, c) => Severity.known(i.severity, c.logger) }),
    since: t.field({ type: 'DateTime', description: 'Since when the problem exists.', resolve: (i) => i.since ?? null }),
    status: t.field({ type: InsightStatus.ref, description: 'Active or resolved.', resolve: (i, _a, c) => InsightStatus.known(i.status, c.logger) }),
    subject: t.exposeString('subject', { description: 'What the insight is about (a hostname, zone, …).' }),
    timestamp: t.field({ type: 'DateTime', description: 'When Cloudflare last detected it.', resolve: (i) => i.timestamp ?? null }),
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
          return auditConnection(args, { scope: `${i.scopeKind}:${i.scopeId}`, issue: i.id, params }, (p) => c.client.securityCenter.insights.auditLogs.listByInsight(upstreamScopeOf(i), i.id, p), params);
        },
      },
      InsightAuditLogConnectionRef,
    ),
  }),
});

// ───────────────────────────── filters ─────────────────────────────

/** SDK 7.3.0 filter `source` of S1/S4–S6 (reference §8): who found the insight. */
const InsightSource = builder.enumType('InsightSource', {
  description: 'Who found an insight (Cloudflare `source`).',
  values: {
    CLOUDFLARE: { value: 'cloudflare', description: 'Cloudflare’s own scans.' },
    RISKRECON: { value: 'riskrecon', description: 'RiskRecon (third-party risk ratings).' },
  } as const,
});

export const InsightFilterInput = builder.inputType('InsightFilter', {
  description:
    'The shared insight filter F of S1/S4–S6 (reference §5). Lists match any of their values; the `…Not` lists exclude (Cloudflare `~neq`). An empty list is the same as leaving it out.',
  fields: (t) => ({
    dismissed: t.boolean({ description: 'Only dismissed (true) or only not dismissed (false) insights.' }),
    issueClass: t.stringList({ description: 'Only these issue classes.' }),
    issueClassNot: t.stringList({ description: 'Exclude these issue classes (`issue_class~neq`).' }),
    issueType: t.field({ type: [IssueType.ref], description: 'Only these types.' }),
    issueTypeNot: t.field({ type: [IssueType.ref], description: 'Exclude these types (`issue_type~neq`).' }),
    product: t.stringList({ description: 'Only insights of these Cloudflare products.' }),
    productNot: t.stringList({ description: 'Exclude these products (`product~neq`).' }),
    severity: t.field({ type: [Severity.ref], description: 'Only these severities.' }),
    severityNot: t.field({ type: [Severity.ref], description: 'Exclude these severities (`severity~neq`).' }),
    subject: t.stringList({ description: 'Only these subjects.' }),
    subjectNot: t.stringList({ description: 'Exclude these subjects (`subject~neq`).' }),
    source: t.field({ type: [InsightSource], description: 'Only insights found by these sources (SDK 7.3.0 `source`).' }),
  }),
});
type InsightFilterArg = typeof InsightFilterInput.$inferInput;

/** GraphQL filter → F query keys; severities go lower case because filters take `low` (§2.1, §7.7). */
function filterParams(filter: InsightFilterArg | null | undefined): InsightFilterParams {
  const f = filter ?? {};
  const list = (values: readonly string[] | null | undefined) => (values && values.length > 0 ? [...values] : undefined);
  const lower = (values: readonly string[] | null | undefined) => list(values?.map((value) => value.toLowerCase()));
  const params: InsightFilterParams = {
    dismissed: f.dismissed ?? undefined,
    issue_class: list(f.issueClass),
    'issue_class~neq': list(f.issueClassNot),
    issue_type: list(f.issueType),
    'issue_type~neq': list(f.issueTypeNot),
    product: list(f.product),
    'product~neq': list(f.productNot),
    severity: lower(f.severity),
    'severity~neq': lower(f.severityNot),
    subject: list(f.subject),
    'subject~neq': list(f.subjectNot),
    source: list(f.source),
  };
  return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined)) as InsightFilterParams;
}

const InsightCountGroup = builder.enumType('InsightCountGroup', {
  description: 'What to group insight counts by.',
  values: {
    CLASS: { description: 'By issue class (S4).' },
    SEVERITY: { description: 'By severity (S5); values are Cloudflare’s `Low` / `Moderate` / `Critical`.' },
    TYPE: { description: 'By insight type (S6); values are Cloudflare’s spelling, e.g. `email_security`.' },
  } as const,
});

const InsightCountRef = builder.objectRef<{ value?: string | null; count?: number | null }>('InsightCount').implement({
  description: 'Number of insights with one value of the grouping.',
  fields: (t) => ({
    value: t.exposeString('value', { description: 'The group’s value, as Cloudflare spells it.' }),
    count: t.exposeInt('count', { description: 'How many insights have it.' }),
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
      const id = checkIssueId(String(args.id));
      if (typeof id !== 'string') throw badUserInput(`\`id\`: ${id.message}`, ['id']);
      const found = await findInsight(context, scope, id, { fresh: false });
      if (found.insight) return found.insight;
      if (found.complete) return null;
      throw gatewayError('NOT_FOUND', `Insight ${id} is not among the first ${found.searched} of ${found.total ?? 'an unknown number of'} insights; the lookup is bounded, use insights(filter:) to narrow it down`, {
        searched: found.searched,
        total: found.total,
      });
    },
  }),
  insightCounts: t.field({
    type: [InsightCountRef],
    nullable: false,
    description: 'Insight counts grouped by class (S4), severity (S5) or type (S6), one Cloudflare call. Cloudflare orders the groups.',
    args: {
      scope: t.arg({ type: InsightScopeInput, required: true, description: 'Account or zone.' }),
      groupBy: t.arg({ type: InsightCountGroup, required: true, description: 'What to group by.' }),
      filter: t.arg({ type: InsightFilterInput, description: 'Which insights to count.' }),
    },
    resolve: async (_root, args, context) => {
      const scope = scopeForQuery(args.scope);
      const params = filterParams(args.filter);
      const insights = context.client.securityCenter.insights;
      const endpoint = args.groupBy === 'CLASS' ? insights.class : args.groupBy === 'SEVERITY' ? insights.severity : insights.type;
      return endpoint.get(scope.upstream, params);
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
        return auditConnection(args, { scope: scopeKey(scope), params }, (p) => context.client.securityCenter.insights.auditLogs.list(scope.upstream, p), params);
      },
    },
    InsightAuditLogConnectionRef,
  ),
}));

// ───────────────────────────── mutations ─────────────────────────────

function checkIssueId(id: string): string | { message: string } {
  if (id.length > 256) return { message: 'is longer than 256 characters' };
  try {
    encodePathParam(null, 'id', id);
  } catch (error) {
    return { message: (error as Error).message };
  }
  return id;
}

/** Removes the insight from this request's cache so the payload's `insight` is read fresh. */
function forgetInsight(context: GatewayContext, scope: ResolvedScope, id: string) {
  cacheFor(context, scope).delete(id);
  // Listings, counts and audit logs of this scope are stale in the shared read cache too.
  void context.services.cache?.invalidateInsights(scope.id).catch((error: unknown) => context.logger.warn({ error: (error as Error).message }, 'cache invalidation failed'));
}


const InsightClassificationStep = builder.enumType('InsightClassificationStep', {
  description: 'One PATCH of the classification (S3) the gateway sent.',
  values: {
    RESET: { description: 'Set the classification to null.' },
    SET: { description: 'Set the requested classification (a no-op at Cloudflare when it already had that value).' },
  } as const,
});
type Step = typeof InsightClassificationStep.$inferType;

interface StepFailure {
  step: Step;
  code: ActionError['code'];
  message: string;
}

const InsightStepFailureRef = builder.objectRef<StepFailure>('InsightStepFailure').implement({
  description: 'A step that failed after an earlier one was applied.',
  fields: (t) => ({
    step: t.field({ type: InsightClassificationStep, nullable: false, description: 'The step that failed.', resolve: (f) => f.step }),
    code: t.field({ type: ActionErrorCode, nullable: false, description: 'Why (OUTCOME_UNKNOWN: it may have been applied after all).', resolve: (f) => f.code }),
    message: t.exposeString('message', { nullable: false, description: 'Human-readable explanation.' }),
  }),
});

interface ScopedPayload {
  id: string;
  scopeKind: ScopeKind;
  scopeId: string;
  replayed: boolean;
}

interface ClassifyPayload extends ScopedPayload {
  classification: string | null;
  previousClassification: string | null;
  previousClassificationKnown: boolean;
  steps: Step[];
  complete: boolean;
  failure: StepFailure | null;
}

interface DismissPayload extends ScopedPayload {
  dismissed: boolean;
}

/** Fresh read of the changed insight for a payload (bounded S1 scan, see `insight`). */
async function freshInsight(context: GatewayContext, payload: ScopedPayload): Promise<InsightShape | null> {
  const found = await findInsight(context, resolvedScopeOf(payload), payload.id, { fresh: true });
  return found.insight;
}

const ClassifyInsightPayloadRef = builder.objectRef<ClassifyPayload>('ClassifyInsightPayload').implement({
  description:
    'What the classification change did. Cloudflare refuses a direct change between two classifications (S3), so with `replaceExisting` the gateway may send two PATCHes (RESET, SET); `steps` says which were applied. When `complete` is false the change is half-applied: the insight is now unclassified, and `failure` says why the SET failed.',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false, description: 'Cloudflare issue id.' }),
    scopeKind: t.field({ type: InsightScopeKind, nullable: false, description: 'Account or zone.', resolve: (p) => p.scopeKind }),
    accountId: t.string({ description: 'Account of the insight (null for zone insights).', resolve: (p) => (p.scopeKind === 'ACCOUNT' ? p.scopeId : null) }),
    zoneId: t.string({ description: 'Zone of the insight (null for account insights).', resolve: (p) => (p.scopeKind === 'ZONE' ? p.scopeId : null) }),
    classification: t.field({
      type: UserClassification.ref,
      description: 'The classification requested (null = reset).',
      resolve: (p) => p.classification as never,
    }),
    previousClassification: t.field({
      type: UserClassification.ref,
      description:
        'The classification before the change, when the gateway read it (only with `replaceExisting: true`, see `previousClassificationKnown`); null when it was unclassified or not read.',
      resolve: (p) => p.previousClassification as never,
    }),
    previousClassificationKnown: t.exposeBoolean('previousClassificationKnown', {
      nullable: false,
      description: 'Whether `previousClassification` was actually read (true) or is unknown (false, the gateway did not spend a call on it).',
    }),
    steps: t.field({ type: [InsightClassificationStep], nullable: false, description: 'PATCHes Cloudflare accepted, in order. Empty when nothing had to change.', resolve: (p) => p.steps }),
    complete: t.exposeBoolean('complete', { nullable: false, description: 'True when every needed step was applied; false when RESET was applied and SET failed.' }),
    failure: t.field({ type: InsightStepFailureRef, description: 'The failed step, when `complete` is false.', resolve: (p) => p.failure }),
    insight: t.field({
      type: InsightRef,
      description: 'The insight as Cloudflare shows it now (read fresh after the change: a bounded S1 scan, usually one call).',
      resolve: (p, _a, c) => freshInsight(c, p),
    }),
    replayed: t.exposeBoolean('replayed', { nullable: false, description: 'True when this is the stored result of an earlier request with the same idempotency key.' }),
  }),
});

const DismissInsightPayloadRef = builder.objectRef<DismissPayload>('DismissInsightPayload').implement({
  description: 'The insight was dismissed (archived) or restored (S2).',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false, description: 'Cloudflare issue id.' }),
    scopeKind: t.field({ type: InsightScopeKind, nullable: false, description: 'Account or zone.', resolve: (p) => p.scopeKind }),
    accountId: t.string({ description: 'Account of the insight (null for zone insights).', resolve: (p) => (p.scopeKind === 'ACCOUNT' ? p.scopeId : null) }),
    zoneId: t.string({ description: 'Zone of the insight (null for account insights).', resolve: (p) => (p.scopeKind === 'ZONE' ? p.scopeId : null) }),
    dismissed: t.exposeBoolean('dismissed', { nullable: false, description: 'The dismissed state requested and accepted.' }),
    insight: t.field({
      type: InsightRef,
      description: 'The insight as Cloudflare shows it now (read fresh after the change: a bounded S1 scan, usually one call).',
      resolve: (p, _a, c) => freshInsight(c, p),
    }),
    replayed: t.exposeBoolean('replayed', { nullable: false, description: 'True when this is the stored result of an earlier request with the same idempotency key.' }),
  }),
});

const ClassifyInsightInput = builder.inputType('ClassifyInsightInput', {
  description: 'Classify an insight, or reset its classification (S3).',
  fields: (t) => ({
    scope: t.field({ type: InsightScopeInput, required: true, description: 'Account or zone of the insight.' }),
    id: t.id({ required: true, description: 'Cloudflare issue id.' }),
    classification: t.field({ type: UserClassification.ref, description: 'The new classification; null (or absent) resets it.' }),
    rationale: t.string({ description: 'Why. Required (non-blank) for ACCEPT_RISK and OTHER; Cloudflare keeps it in the insight audit log.' }),
    replaceExisting: t.boolean({
      defaultValue: false,
      description:
        'Cloudflare refuses a direct change between two classifications (S3). When true, the gateway reads the current value and, if needed, resets it to null before setting the new one (two PATCHes). When false, such a change is a ConflictError.',
    }),
    idempotencyKey: t.string(idempotencyKeyField),
  }),
});

const DismissInsightInput = builder.inputType('DismissInsightInput', {
  description: 'Dismiss (archive) an insight, or restore it (S2).',
  fields: (t) => ({
    scope: t.field({ type: InsightScopeInput, required: true, description: 'Account or zone of the insight.' }),
    id: t.id({ required: true, description: 'Cloudflare issue id.' }),
    dismiss: t.boolean({ defaultValue: true, description: 'true dismisses, false restores.' }),
    idempotencyKey: t.string(idempotencyKeyField),
  }),
});

/** S3's refusal of a direct change (seed 004: "Cannot change directly between classification values - must reset to null first."). */
function isDirectChangeRefusal(error: unknown): boolean {
  if (!(error instanceof UpstreamBadRequestError) || error.endpoint === null) return false;
  const texts = [error.message, ...error.cloudflareErrors.map((item) => item.message ?? '')];
  return texts.some((text) => /cannot change directly|must reset to null/i.test(text));
}

const directChangeConflict = (id: string) =>
  new ConflictError(
    `Insight ${id} already has a different classification and Cloudflare cannot change directly between two classifications: reset to null first or pass replaceExisting: true`,
  );

function auditResult(error: unknown): string {
  const typed = toActionError(error);
  if (typed instanceof OutcomeUnknownError) return 'outcome-unknown';
  if (typed instanceof ValidationError) return 'rejected';
  if (typed instanceof ConflictError) return 'refused';
  return 'failed';
}

const outcomeOf = (error: unknown) => {
  const typed = toActionError(error);
  return typed instanceof ActionError ? typed.code : 'FAILED';
};

/**
 * Classification change, fewest calls first:
 * - replaceExisting false (the usual case): one PATCH, no read. Cloudflare itself refuses a direct
 *   change (S3) with a 400 we map to ConflictError, so a read would only add a call.
 * - replaceExisting true with a non-null target: read first (usually one S1 call), then RESET + SET
 *   only when needed, so exactly the two PATCHes the rule requires and no failed one. Trying the SET
 *   first would cost the same in the conflict case (failed SET + RESET + SET) but leave a refused
 *   request in Cloudflare's logs and could not report `previousClassification`. When the bounded read
 *   cannot see the insight, it falls back to try-then-reset.
 */
async function classify(context: GatewayContext, scope: ResolvedScope, id: string, input: typeof ClassifyInsightInput.$inferInput): Promise<ClassifyPayload> {
  const target = input.classification ?? null;
  const rationale = input.rationale?.trim() ? input.rationale : undefined;
  const patch = (classification: string | null) =>
    context.client.securityCenter.insights.classification.update(scope.upstream, id, { classification, ...(rationale ? { rationale } : {}) });
  const base = { id, scopeKind: scope.kind, scopeId: scope.id, classification: target, replayed: false };
  const steps: Step[] = [];
  let previous: string | null = null;
  let previousKnown = false;

  const resetThenSet = async (): Promise<ClassifyPayload> => {
    await patch(null);
    steps.push('RESET');
    try {
      await patch(target);
      steps.push('SET');
    } catch (error) {
      // Half-applied: the reset stands. Report it instead of hiding it behind an error.
      const typed = toActionError(error);
      const failure: StepFailure = {
        step: 'SET',
        code: typed instanceof ActionError ? typed.code : 'UPSTREAM_ERROR',
        message: `The classification was reset to null, then setting ${target} failed: ${(typed as Error).message}. The insight is now unclassified.`,
      };
      return { ...base, previousClassification: previous, previousClassificationKnown: previousKnown, steps: [...steps], complete: false, failure };
    }
    return { ...base, previousClassification: previous, previousClassificationKnown: previousKnown, steps: [...steps], complete: true, failure: null };
  };

  if (input.replaceExisting && target !== null) {
    const found = await findInsight(context, scope, id, { fresh: true });
    if (found.insight) {
      previous = found.insight.user_classification ?? null;
      previousKnown = true;
      if (previous === target) {
        return { ...base, previousClassification: previous, previousClassificationKnown: true, steps: [], complete: true, failure: null };
      }
      if (previous !== null) return resetThenSet();
    } else if (found.complete) {
      throw new NotFoundError(`Insight ${id} does not exist in ${scope.kind === 'ACCOUNT' ? 'account' : 'zone'} ${scope.id}`);
    }
  }
  try {
    await patch(target);
  } catch (error) {
    if (!isDirectChangeRefusal(error)) throw error;
    if (!input.replaceExisting) throw directChangeConflict(id);
    return resetThenSet();
  }
  steps.push(target === null ? 'RESET' : 'SET');
  return { ...base, previousClassification: previous, previousClassificationKnown: previousKnown, steps, complete: true, failure: null };
}

builder.mutationFields((t) => ({
  classifyInsight: t.field({
    type: ClassifyInsightPayloadRef,
    description:
      'Classify a Security Center insight or reset its classification (S3). ACCEPT_RISK and OTHER need a rationale (checked before any call). Cloudflare refuses a direct change between two classifications: without `replaceExisting` that is a ConflictError; with it the gateway resets first (see `steps`). Costs one PATCH, or one S1 read + up to two PATCHes with `replaceExisting`. Requires `email-security:write`.',
    authScopes: { write: true },
    errors: { types: [...actionErrorTypes], union: { name: 'ClassifyInsightResult', description: 'The classification payload, or a typed error.' } },
    args: { input: t.arg({ type: ClassifyInsightInput, required: true, description: 'The insight and its new classification.' }) },
    resolve: (_root, { input }, context) =>
      asAction(async () => {
        const id = String(input.id);
        const audit = { action: 'classifyInsight', idempotencyKey: input.idempotencyKey ?? null };
        const details = { classification: input.classification ?? null, replaceExisting: input.replaceExisting ?? false, withRationale: Boolean(input.rationale?.trim()) };
        let scope: ResolvedScope | null = null;
        try {
          const issues: ValidationIssue[] = [];
          scope = scopeForAction(input.scope, issues);
          const checkedId = checkIssueId(id);
          if (typeof checkedId !== 'string') issues.push({ path: ['input', 'id'], message: checkedId.message });
          // S3 rule (§5, §7.8): a rationale is required for accept_risk and other; checked here so the
          // request never goes out.
          if ((input.classification === 'accept_risk' || input.classification === 'other') && !input.rationale?.trim()) {
            issues.push({ path: ['input', 'rationale'], message: `is required (non-blank) when classification is ${input.classification === 'accept_risk' ? 'ACCEPT_RISK' : 'OTHER'}` });
          }
          if (issues.length > 0 || !scope) throw new ValidationError(issues);
          const resolved = scope;
          const payload = await runIdempotent(context, 'classifyInsight', input.idempotencyKey, { ...input, id, scope: scopeKey(resolved) }, () =>
            classify(context, resolved, id, input).finally(() => forgetInsight(context, resolved, id)),
          );
          writeAudit(context, {
            ...audit,
            ...auditScope(resolved),
            result: payload.replayed ? 'replayed' : payload.complete ? 'applied' : 'partial',
            outcomes: [{ id, outcome: payload.complete ? (payload.steps.length > 0 ? 'CLASSIFIED' : 'UNCHANGED') : 'PARTIAL', reason: payload.failure?.message ?? null }],
            details: { ...details, steps: payload.steps, previousClassification: payload.previousClassificationKnown ? payload.previousClassification : 'unknown' },
          });
          return payload;
        } catch (error) {
          writeAudit(context, { ...audit, ...(scope ? auditScope(scope) : {}), result: auditResult(error), outcomes: [{ id, outcome: outcomeOf(error), reason: (toActionError(error) as Error).message }], details });
          throw error;
        }
      }),
  }),
  dismissInsight: t.field({
    type: DismissInsightPayloadRef,
    description:
      'Dismiss (archive) a Security Center insight, or restore it with `dismiss: false` (S2, one call). Cloudflare keeps its history; S2 writes no insight audit entry, the gateway’s own audit line records it. Requires `email-security:write`.',
    authScopes: { write: true },
    errors: { types: [...actionErrorTypes], union: { name: 'DismissInsightResult', description: 'The dismiss payload, or a typed error.' } },
    args: { input: t.arg({ type: DismissInsightInput, required: true, description: 'The insight to dismiss or restore.' }) },
    resolve: (_root, { input }, context) =>
      asAction(async () => {
        const id = String(input.id);
        const dismiss = input.dismiss ?? true;
        const audit = { action: 'dismissInsight', idempotencyKey: input.idempotencyKey ?? null, details: { dismiss } };
        let scope: ResolvedScope | null = null;
        try {
          const issues: ValidationIssue[] = [];
          scope = scopeForAction(input.scope, issues);
          const checkedId = checkIssueId(id);
          if (typeof checkedId !== 'string') issues.push({ path: ['input', 'id'], message: checkedId.message });
          if (issues.length > 0 || !scope) throw new ValidationError(issues);
          const resolved = scope;
          const payload = await runIdempotent(context, 'dismissInsight', input.idempotencyKey, { ...input, id, dismiss, scope: scopeKey(resolved) }, async () => {
            try {
              await context.client.securityCenter.insights.dismiss(resolved.upstream, id, { dismiss });
            } finally {
              forgetInsight(context, resolved, id);
            }
            return { id, scopeKind: resolved.kind, scopeId: resolved.id, dismissed: dismiss, replayed: false };
          });
          writeAudit(context, {
            ...audit,
            ...auditScope(resolved),
            result: payload.replayed ? 'replayed' : 'applied',
            outcomes: [{ id, outcome: dismiss ? 'DISMISSED' : 'RESTORED' }],
          });
          return payload;
        } catch (error) {
          writeAudit(context, { ...audit, ...(scope ? auditScope(scope) : {}), result: auditResult(error), outcomes: [{ id, outcome: outcomeOf(error), reason: (toActionError(error) as Error).message }] });
          throw error;
        }
      }),
  }),
}));

const auditScope = (scope: ResolvedScope) => ({
  accountId: scope.kind === 'ACCOUNT' ? scope.id : null,
  scope: `${scope.kind === 'ACCOUNT' ? 'accounts' : 'zones'}/${scope.id}`,
});


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
