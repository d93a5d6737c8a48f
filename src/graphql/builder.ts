import SchemaBuilder from '@pothos/core';
import DirectivePlugin from '@pothos/plugin-directives';
import ErrorsPlugin from '@pothos/plugin-errors';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin, { type AuthFailure, AuthScopeFailureType } from '@pothos/plugin-scope-auth';
import { SCOPES } from '../auth.js';
import type { GatewayContext } from '../context.js';
import { ForbiddenError } from './errors.js';

/**
 * The single schema builder: context, scalars, plugins and defaults; no domain types (those live in
 * one folder per domain: ./message/, ./bulk/, ./insight/, ./intel/, ./upstream-budget/). Plugin order
 * follows the Pothos docs: errors before anything that wraps resolvers, directives before federation.
 */
export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
  AuthScopes: {
    /** `email-security:read`: every read of mail, detections, jobs and insights. */
    read: boolean;
    /** `email-security:write`: moves, releases, reclassifications, bulk jobs, intel and insight changes. */
    write: boolean;
    /** `email-security:raw`: the raw EML of a message. */
    raw: boolean;
  };
  Connection: { totalCount: number | null };
  DefaultFieldNullability: true;
}>({
  plugins: [ErrorsPlugin, ScopeAuthPlugin, RelayPlugin, DirectivePlugin, FederationPlugin],
  scopeAuth: {
    // A missing scope on a query field such as Message.raw is a FORBIDDEN GraphQL error. Mutations
    // check their scope in the mutation pipeline (./mutation.ts), which also audits the refusal.
    unauthorizedError: (_parent, context, info, result) => {
      const missing = missingScopes(result.failure).filter((scope) => !context.auth.scopes.has(scope));
      const needs = missing.length > 0 ? `the ${missing.join(' and ')} scope` : 'a scope';
      return new ForbiddenError(
        `${info.parentType.name}.${info.fieldName} requires ${needs}, which the caller (${context.auth.subject}) does not have`,
      );
    },
    authScopes: (context) => ({
      read: context.auth.scopes.has('email-security:read'),
      write: context.auth.scopes.has('email-security:write'),
      raw: context.auth.scopes.has('email-security:raw'),
    }),
  },
  // Payloads are members of the result union themselves (no `{ data }` wrapper object).
  errors: { defaultTypes: [], directResult: true },
  relay: {
    cursorType: 'String',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    nodesOnConnection: { description: 'The nodes of this page, without edges (shortcut for `edges { node }`).' },
    pageInfoTypeOptions: { shareable: true, description: 'Where this page sits in the whole result (Relay).' },
    edgesFieldOptions: { description: 'The edges of this page, each with its cursor.' },
    nodeFieldOptions: { description: 'The item at the end of this edge.' },
    cursorFieldOptions: { description: 'Opaque cursor for `after` / `before`.' },
    pageInfoFieldOptions: { description: 'Paging information for this page.' },
    hasNextPageFieldOptions: { description: 'True when more items exist after this page.' },
    hasPreviousPageFieldOptions: { description: 'True when items exist before this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first item of this page.' },
    endCursorFieldOptions: { description: 'Cursor of the last item of this page.' },
    firstArgOptions: {
      description: 'Return at most this many items after `after` (capped; see the field description).',
    },
    lastArgOptions: {
      description: 'Return at most this many items before `before` (capped; see the field description).',
    },
    afterArgOptions: { description: 'Opaque cursor: return items after this one.' },
    beforeArgOptions: { description: 'Opaque cursor: return items before this one.' },
  },
});

/** The token scopes (`email-security:…`) a scope-auth refusal names, so the error can say which one is missing. */
function missingScopes(failure: AuthFailure): string[] {
  switch (failure.kind) {
    case AuthScopeFailureType.AuthScope:
      return failure.scope in SCOPES ? [SCOPES[failure.scope as keyof typeof SCOPES]] : [];
    case AuthScopeFailureType.AllAuthScopes:
    case AuthScopeFailureType.AnyAuthScopes:
      return [...new Set(failure.failures.flatMap(missingScopes))];
    default:
      return [];
  }
}

builder.mutationType({
  description: 'Actions on mail, domains and insights. Each one is authorised, audited and never applied twice.',
});
// Every read needs `email-security:read`: declared once on the root types (and on the entity types,
// which `_entities` and mutation payloads reach without passing through a Query field).
builder.queryType({
  description: 'Read access to Email Security Investigate, bulk jobs and Security Center insights.',
  authScopes: { read: true },
});
builder.subscriptionType({
  description: 'Live updates over server-sent events (`accept: text/event-stream`): bulk job progress.',
  authScopes: { read: true },
});

builder.globalConnectionField('totalCount', (t) =>
  t.int({
    description:
      'Total number of items matching the query, as Cloudflare reports it (null when Cloudflare does not say).',
    resolve: (parent) => parent.totalCount,
  }),
);

/** The builder's resolved Pothos types, for helpers that build a field on any of its object types. */
export type GatewaySchemaTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/**
 * Demand control (Federation 2.9 `@cost` / `@listSize`, the IBM cost spec), in Cloudflare calls: the
 * one place a field's upstream price is written. A supergraph router reads it from the subgraph SDL
 * and the gateway's own limit (src/plugins/limits.ts) from the built schema, so both price an
 * operation alike. Every field whose resolver reaches Cloudflare carries one.
 */
export const cloudflareCalls = (weight: number) => ({ cost: { weight } });

/**
 * A connection read with one Cloudflare call per page, holding `first` (or `last`) items, or its
 * default page size when neither is given: what its `edges` / `nodes` select is priced per item.
 */
export const pagedCloudflareCall = (defaultPageSize: number) => ({
  cost: { weight: 1 },
  listSize: {
    assumedSize: defaultPageSize,
    slicingArguments: ['first', 'last'],
    sizedFields: ['edges', 'nodes'],
    requireOneSlicingArgument: false,
  },
});
