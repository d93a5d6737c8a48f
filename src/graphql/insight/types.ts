/**
 * The Insight type: a Security Center issue (S1) with the scope it was read from; its audit log and
 * context are lazy fields. The queries are in ./queries.ts, the mutations in ./mutations.ts.
 */
import type { CfInsight } from '../../upstream/schemas.js';
import { cloudflareCalls, pagedCloudflareCall, builder } from '../builder.js';
import { InsightStatus, IssueType, Severity, UserClassification } from '../enums.js';
import { nullOn404 } from '../errors.js';
import type { InsightScopeKind as ScopeKind, ResolvedScope } from '../validation.js';
import {
  AUDIT_DEFAULT_PAGE,
  AUDIT_PAGE_CAP,
  auditConnection,
  auditParams,
  InsightAuditLogConnectionRef,
  InsightAuditLogEntryRef,
  InsightAuditLogFilterInput,
} from './audit-log.js';
import { InsightScopeKind, upstreamScopeOf } from './scope.js';

/** An Issue (contract#insights) plus the scope it was read from, so lazy fields (S8, S9) know where to ask. */
export type InsightShape = CfInsight & { scopeKind: ScopeKind; scopeId: string };

export const shapeInsight = (issue: CfInsight, scope: ResolvedScope): InsightShape => ({
  ...issue,
  scopeKind: scope.kind,
  scopeId: scope.id,
});

export const InsightRef = builder.objectRef<InsightShape>('Insight');

InsightRef.implement({
  // `_entities` and mutation payloads reach this type without a Query field: it needs `read` itself.
  authScopes: { read: true },
  description:
    'A Security Center insight (Cloudflare Issue) with the scope it was read from. `context` and `auditLog` are loaded lazily, one Cloudflare call each, only when selected.',
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
      directives: cloudflareCalls(1),
      description:
        'Full context payload (S9, one Cloudflare call). S9 exists for account insights only: for a zone insight this is null and no call is made. Null too when Cloudflare has none (404).',
      resolve: async (i, _a, c) => {
        if (i.scopeKind !== 'ACCOUNT') return null;
        return c.client.securityCenter.insights.context.get(i.scopeId, i.id).catch(nullOn404);
      },
    }),
    auditLog: t.connection(
      {
        type: InsightAuditLogEntryRef,
        nullable: false,
        directives: pagedCloudflareCall(AUDIT_DEFAULT_PAGE),
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
