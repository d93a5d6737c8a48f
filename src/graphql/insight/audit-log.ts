/**
 * The insight audit log (S7 all insights, S8 one insight): its entry type, filter and the
 * forward-only connection over Cloudflare's cursor.
 */
import { z } from 'zod';
import type { AuditLogParams } from '../../upstream/client.js';
import type { CfAuditLogEntry } from '../../upstream/schemas.js';
import { builder } from '../builder.js';
import { AuditField } from '../enums.js';
import { badUserInput } from '../errors.js';
import { encodeOpaqueCursor, filterDigest, opaqueCursorSchema } from '../pagination/cursors.js';
import type { ConnectionArgs } from '../pagination/plan.js';

export const AUDIT_PAGE_CAP = 100;
export const AUDIT_DEFAULT_PAGE = 25;

export const InsightAuditLogEntryRef = builder.objectRef<CfAuditLogEntry>('InsightAuditLogEntry').implement({
  description: 'One recorded change of an insight’s status or classification (Cloudflare AuditLogEntry, S7/S8).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Entry id (UUIDv7, time-ordered).' }),
    changedAt: t.field({
      type: 'DateTime',
      description: 'When the change happened.',
      resolve: (e) => e.changed_at ?? null,
    }),
    changedBy: t.exposeString('changed_by', {
      description: '`system` for automated changes, otherwise a user identifier.',
    }),
    currentValue: t.exposeString('current_value', {
      description: 'Value after the change (null when the field was cleared).',
    }),
    previousValue: t.exposeString('previous_value', {
      description: 'Value before the change (null when it was not set).',
    }),
    fieldChanged: t.field({
      type: AuditField.ref,
      description: 'Which field changed.',
      resolve: (e, _a, c) => AuditField.known(e.field_changed, c.logger),
    }),
    issueId: t.exposeString('issue_id', { description: 'Id of the insight the change applies to.' }),
    rationale: t.exposeString('rationale', { description: 'Why, as given with the change.' }),
    zoneId: t.string({
      description:
        'Zone of a zone-level insight. Cloudflare sends a number here although zone ids are strings elsewhere; the gateway passes it as a string.',
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

export const InsightAuditLogFilterInput = builder.inputType('InsightAuditLogFilter', {
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

export function auditParams(filter: AuditFilterArg | null | undefined): AuditLogParams {
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
 * Our audit cursor wraps Cloudflare's (contract#paging CursorPagination): `c` is the Cloudflare cursor the
 * entry's page was fetched with (null = the start), `i` the entry's index in that page (-1 when `c`
 * already points just past it). Pinned to scope + filter like the offset cursors.
 */
const auditCursorSchema = opaqueCursorSchema(
  z.object({
    v: z.literal(1),
    k: z.string().min(1).max(64),
    c: z.string().max(2048).nullable(),
    i: z.number().int().min(-1).max(10_000),
  }),
);
type AuditCursor = z.infer<typeof auditCursorSchema>;

function decodeAuditCursor(raw: string, digest: string): AuditCursor {
  const parsed = auditCursorSchema.safeParse(raw);
  if (!parsed.success) throw badUserInput('`after` is not an audit log cursor issued by this gateway', ['after']);
  if (parsed.data.k !== digest)
    throw badUserInput('`after` was issued for a different scope, insight or filter; start again without a cursor', [
      'after',
    ]);
  return parsed.data;
}

/** S7/S8 as a forward-only Relay connection; everything is validated before the call. */
export async function auditConnection(
  args: ConnectionArgs,
  digestInput: unknown,
  fetchPage: (params: AuditLogParams) => Promise<{ items: CfAuditLogEntry[]; cursor: string | null }>,
  params: AuditLogParams,
) {
  if (args.last != null || args.before != null) {
    throw badUserInput(
      'The insight audit log pages forward only (Cloudflare’s cursor has no way back): use `first` and `after`',
      [args.last != null ? 'last' : 'before'],
    );
  }
  if (args.first != null && (args.first < 0 || args.first > AUDIT_PAGE_CAP)) {
    throw badUserInput(`\`first\` must be between 0 and ${AUDIT_PAGE_CAP}`, ['first']);
  }
  const digest = filterDigest(digestInput);
  const after = args.after ? decodeAuditCursor(args.after, digest) : null;
  const size = args.first ?? AUDIT_DEFAULT_PAGE;
  const empty = {
    edges: [],
    totalCount: null,
    pageInfo: { hasNextPage: false, hasPreviousPage: after !== null, startCursor: null, endCursor: null },
  };
  if (size === 0) return empty;
  const skip = after ? after.i + 1 : 0;
  const startCursor = after?.c ?? null;
  // Re-reading the `skip` entries before ours costs no extra call: per_page grows instead.
  const page = await fetchPage({ ...params, per_page: skip + size, ...(startCursor ? { cursor: startCursor } : {}) });
  const items = page.items.slice(skip, skip + size);
  const edges = items.map((node, index) => {
    const position = skip + index;
    const lastFetched = position === page.items.length - 1 && page.cursor !== null;
    return {
      node,
      cursor: encodeOpaqueCursor(
        lastFetched ? { v: 1, k: digest, c: page.cursor, i: -1 } : { v: 1, k: digest, c: startCursor, i: position },
      ),
    };
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
