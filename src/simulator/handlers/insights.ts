/** Security Center insights S1–S9 (contract#scope, contract#insights). */
import { badRequest, okNoResult, ok } from '../envelope.js';
import type { StoredIssue } from '../insights-data.js';
import { parseDate } from '../search.js';
import type { InsightScope } from '../insight-store.js';
import type { AuditLogEntry, CountItem } from '../wire-types.js';
import type { UserClassification } from '../wire-types.js';
import { AUDIT_FIELDS, ISSUE_TYPES, USER_CLASSIFICATIONS } from '../wire-types.js';
import type { Handler, HandlerContext } from './handler.js';
import { all, bodyObject, first, intParam, oneOf } from './request-params.js';

/** S1 default page size (not documented; Cloudflare's Security Center dashboard uses 25). */
const DEFAULT_PER_PAGE = 25;
const SEVERITY_FILTERS = ['low', 'moderate', 'critical'] as const;
const SOURCES = ['cloudflare', 'riskrecon'] as const;

function scopeOf(ctx: HandlerContext): InsightScope {
  if (!ctx.scope) throw new Error('insight handler without scope');
  return ctx.scope;
}

/**
 * Shared filter F (contract#insights): arrays repeat the key; `~neq` variants exclude. Severity filters are lower
 * case and compared case-insensitively to the capitalised response values (contract#enums). `dismissed`
 * absent = no filter (simulator's choice; the contract gives no default).
 */
function filterIssues(ctx: HandlerContext): StoredIssue[] {
  const q = ctx.query;
  const dismissedRaw = first(q, 'dismissed');
  if (dismissedRaw !== undefined && dismissedRaw !== 'true' && dismissedRaw !== 'false')
    throw badRequest('dismissed: expected true or false');
  for (const value of [...all(q, 'severity'), ...all(q, 'severity~neq')])
    oneOf('severity', value.toLowerCase(), SEVERITY_FILTERS);
  for (const value of [...all(q, 'issue_type'), ...all(q, 'issue_type~neq')]) oneOf('issue_type', value, ISSUE_TYPES);
  // 7.3.0 `source` (contract#versions), an array like the other F keys: cloudflare and/or riskrecon findings.
  const sources = all(q, 'source');
  for (const value of sources) oneOf('source', value, SOURCES);
  const fields: [string, (s: StoredIssue) => string | undefined][] = [
    ['issue_class', (s) => s.issue.issue_class],
    ['issue_type', (s) => s.issue.issue_type],
    ['product', (s) => s.product],
    ['severity', (s) => s.issue.severity?.toLowerCase()],
    ['subject', (s) => s.issue.subject],
  ];
  return scopeOf(ctx).issues.filter((s) => {
    if (dismissedRaw !== undefined && s.issue.dismissed !== (dismissedRaw === 'true')) return false;
    if (sources.length > 0 && !sources.includes(s.source)) return false;
    for (const [name, get] of fields) {
      const norm = (v: string) => (name === 'severity' ? v.toLowerCase() : v);
      const include = all(q, name).map(norm);
      const exclude = all(q, `${name}~neq`).map(norm);
      const value = get(s) ?? '';
      if (include.length > 0 && !include.includes(value)) return false;
      if (exclude.includes(value)) return false;
    }
    return true;
  });
}

/** S1 — paging lives INSIDE `result` (contract#insights); no result_info. */
export const listInsights: Handler = (ctx) => {
  const page = intParam(ctx.query, 'page', 1);
  const perPage = intParam(ctx.query, 'per_page', DEFAULT_PER_PAGE, 1000);
  const issues = filterIssues(ctx);
  return ok({
    count: issues.length,
    issues: issues.slice((page - 1) * perPage, page * perPage).map((s) => s.issue),
    page,
    per_page: perPage,
  });
};

/** S2 — `{dismiss}` (default true) → envelope only. */
export const dismissInsight: Handler = (ctx) => {
  const body = ctx.body === undefined ? {} : bodyObject(ctx.body);
  if (body.dismiss !== undefined && typeof body.dismiss !== 'boolean') throw badRequest('dismiss: expected a boolean');
  ctx.state.dismiss(scopeOf(ctx), ctx.params.issue_id ?? '', body.dismiss ?? true);
  return okNoResult();
};

/** S3 — rules in SimulatorState.classify. The `classification` key must be present (null resets). */
export const classifyInsight: Handler = (ctx) => {
  const body = bodyObject(ctx.body);
  if (!('classification' in body))
    throw badRequest("classification: required ('false_positive', 'accept_risk', 'other' or null to reset)");
  const classification: UserClassification | null =
    body.classification === null ? null : oneOf('classification', body.classification, USER_CLASSIFICATIONS);
  if (body.rationale !== undefined && typeof body.rationale !== 'string')
    throw badRequest('rationale: expected a string');
  ctx.state.classify(
    scopeOf(ctx),
    ctx.params.issue_id ?? '',
    classification,
    body.rationale as string | undefined,
    ctx.principal,
  );
  return okNoResult();
};

function counts(ctx: HandlerContext, key: (s: StoredIssue) => string | undefined): CountItem[] {
  const map = new Map<string, number>();
  for (const s of filterIssues(ctx)) {
    const value = key(s);
    if (value !== undefined) map.set(value, (map.get(value) ?? 0) + 1);
  }
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([value, count]) => ({ count, value }));
}

export const countByClass: Handler = (ctx) => ok(counts(ctx, (s) => s.issue.issue_class));
export const countBySeverity: Handler = (ctx) => ok(counts(ctx, (s) => s.issue.severity));
export const countByType: Handler = (ctx) => ok(counts(ctx, (s) => s.issue.issue_type));

/** Opaque S7/S8 cursor: offset into the filtered, ordered list. */
function encodeCursor(offset: number): string {
  return Buffer.from(`audit:${offset}`).toString('base64url');
}
function decodeCursor(cursor: string): number {
  const match = /^audit:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badRequest('cursor: invalid cursor');
  return Number(match[1]);
}

/** S7/S8 — CursorPagination: result_info `{count, cursor, per_page}`; `cursor` is "" on the last page. */
function auditPage(ctx: HandlerContext, issueId?: string) {
  const q = ctx.query;
  const perPage = intParam(q, 'per_page', DEFAULT_PER_PAGE, 1000);
  const order = first(q, 'order') ?? 'desc';
  oneOf('order', order, ['asc', 'desc'] as const);
  const before = first(q, 'before');
  const since = first(q, 'since');
  const beforeMs = before !== undefined ? parseDate('before', before) : undefined;
  const sinceMs = since !== undefined ? parseDate('since', since) : undefined;
  const changedBy = first(q, 'changed_by');
  const field = first(q, 'field_changed');
  if (field !== undefined) oneOf('field_changed', field, AUDIT_FIELDS);
  const scope = scopeOf(ctx);
  if (issueId !== undefined) ctx.state.issueOf(scope, issueId); // 404 for unknown insight
  let entries: AuditLogEntry[] = scope.audit.filter((e) => {
    const at = Date.parse(e.changed_at ?? '');
    return (
      (issueId === undefined || e.issue_id === issueId) &&
      (beforeMs === undefined || at < beforeMs) &&
      (sinceMs === undefined || at >= sinceMs) &&
      (changedBy === undefined || e.changed_by === changedBy) &&
      (field === undefined || e.field_changed === field)
    );
  });
  if (order === 'desc') entries = [...entries].reverse();
  const cursor = first(q, 'cursor');
  const offset = cursor ? decodeCursor(cursor) : 0;
  const items = entries.slice(offset, offset + perPage);
  const next = offset + perPage < entries.length ? encodeCursor(offset + perPage) : '';
  return ok(items, { count: items.length, cursor: next, per_page: perPage });
}

export const listAuditLog: Handler = (ctx) => auditPage(ctx);
export const listAuditLogByInsight: Handler = (ctx) => auditPage(ctx, ctx.params.issue_id ?? '');

/** S9 — account-only (the zone form has no route → 404); a free-form object. */
export const getContext: Handler = (ctx) => ok(ctx.state.issueOf(scopeOf(ctx), ctx.params.issue_id ?? '').context);
