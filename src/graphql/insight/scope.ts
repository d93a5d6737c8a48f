/**
 * Where an insight lives: every Security Center endpoint but S9 takes an account OR a zone (contract#scope).
 * The GraphQL scope input and enum, and the conversions between the checked scope and Cloudflare's.
 */
import type { InsightScope as CfInsightScope } from '../../upstream/client.js';
import { builder } from '../builder.js';
import {
  type InsightScopeKind as ScopeKind,
  insightScopeSchema,
  parseArgument,
  type ResolvedScope,
} from '../validation.js';

export const InsightScopeKind = builder.enumType('InsightScopeKind', {
  description: 'Whether an insight belongs to an account or to a zone.',
  values: {
    ACCOUNT: { description: 'Account-level insight (`/accounts/{id}/…`).' },
    ZONE: { description: 'Zone-level insight (`/zones/{id}/…`).' },
  } as const,
});

export const InsightScopeInput = builder.inputType('InsightScope', {
  description:
    'Where insights live: exactly one of `accountId` or `zoneId`, 32 hexadecimal characters each (Cloudflare makes them mutually exclusive). Checked by the gateway before any Cloudflare call (a `@oneOf`-style input).',
  fields: (t) => ({
    accountId: t.string({ description: 'Cloudflare account id (32 hex characters).' }),
    zoneId: t.string({ description: 'Cloudflare zone id (32 hex characters).' }),
  }),
});

/** A query's `scope` argument, checked before any call (BAD_USER_INPUT naming `scope`). */
export const scopeForQuery = (raw: unknown): ResolvedScope => parseArgument(insightScopeSchema, raw, 'scope');

export const scopeKey = (scope: ResolvedScope) => `${scope.kind}:${scope.id}`;

export const upstreamScopeOf = (insight: { scopeKind: ScopeKind; scopeId: string }): CfInsightScope =>
  insight.scopeKind === 'ACCOUNT' ? { accountId: insight.scopeId } : { zoneId: insight.scopeId };
export const resolvedScopeOf = (insight: { scopeKind: ScopeKind; scopeId: string }): ResolvedScope => ({
  kind: insight.scopeKind,
  id: insight.scopeId,
  upstream: upstreamScopeOf(insight),
});
