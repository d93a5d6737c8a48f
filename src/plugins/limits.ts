import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  getOperationAST,
  isObjectType,
  Kind,
  type SelectionSetNode,
  valueFromASTUntyped,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { gatewayError } from '../graphql/errors.js';

/**
 * Query limits. Depth, aliases and tokens come from GraphQL Armor (well kept, battle tested). The
 * cost limit is the gateway's own because the cost that matters is not "fields" but Cloudflare
 * calls: Investigate has no batch-get, so `messages(first: 100) { nodes { detection raw } }` is
 * 201 calls out of a 1,200 / 5 min budget. The estimate runs before execution (variables known),
 * so a refused query costs zero upstream calls.
 */
export interface LimitOptions {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  /** Most Cloudflare calls one operation may be estimated to make. */
  maxUpstreamCost: number;
}

/** Cloudflare calls one resolution of `Type.field` costs. */
const FIELD_COST: Record<string, number> = {
  'Query.message': 1,
  'Query.messages': 1,
  'Query.bulkJob': 1,
  'Query.bulkJobs': 1,
  'Query.insights': 1,
  'Query.insightCounts': 1,
  'Query.insightAuditLog': 1,
  // Bounded scan of S1 (see its description): counted at its usual single page.
  'Query.insight': 1,
  'Query._entities': 1,
  'Message.detection': 1,
  'Message.trace': 1,
  'Message.preview': 1,
  'Message.raw': 1,
  'BulkJob.messages': 1,
  'BulkJobMessage.message': 1,
  'Insight.context': 1,
  'Insight.auditLog': 1,
  // Payload messages are read fresh after an action.
  'MoveOutcome.message': 1,
  'ReleaseOutcome.message': 1,
  'ReclassifyMessagePayload.updatedMessage': 1,
};

/** Page size a connection field uses when neither `first` nor `last` is given. */
const DEFAULT_PAGE = 25;

export function estimateUpstreamCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
): number {
  const operation = getOperationAST(document, operationName);
  if (!operation) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const root =
    operation.operation === 'mutation'
      ? schema.getMutationType()
      : operation.operation === 'subscription'
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  if (!root) return 0;

  const argumentValue = (
    node: { arguments?: readonly { name: { value: string }; value: Parameters<typeof valueFromASTUntyped>[0] }[] },
    name: string,
  ): unknown => {
    const argument = node.arguments?.find((arg) => arg.name.value === name);
    return argument ? valueFromASTUntyped(argument.value, variables) : undefined;
  };

  const walk = (
    selectionSet: SelectionSetNode,
    parentType: GraphQLNamedType,
    multiplier: number,
    seen: Set<string>,
  ): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (!isObjectType(parentType)) continue;
        const field: GraphQLField<unknown, unknown> | undefined = parentType.getFields()[selection.name.value];
        if (!field) continue;
        const key = `${parentType.name}.${selection.name.value}`;
        let own = FIELD_COST[key] ?? (parentType.name === 'Mutation' ? 1 : 0);
        let childMultiplier = multiplier;
        if (key === 'Query._entities') {
          const representations = argumentValue(selection, 'representations');
          childMultiplier = multiplier * (Array.isArray(representations) ? representations.length : 1);
          own = 0;
          total += childMultiplier;
        }
        if (key === 'Mutation.moveMessages' || key === 'Mutation.releaseMessages') {
          const ids = (argumentValue(selection, 'input') as { ids?: unknown[] } | undefined)?.ids;
          own = Math.max(1, Math.ceil((Array.isArray(ids) ? ids.length : 1) / 1000));
          // Outcomes are one per id.
          childMultiplier = multiplier * (Array.isArray(ids) ? ids.length : 1);
        }
        total += multiplier * own;
        const named = getNamedType(field.type);
        if (named.name.endsWith('Connection')) {
          const first = argumentValue(selection, 'first');
          const last = argumentValue(selection, 'last');
          const size = typeof first === 'number' ? first : typeof last === 'number' ? last : DEFAULT_PAGE;
          childMultiplier = multiplier * Math.max(0, size);
        }
        if (selection.selectionSet) total += walk(selection.selectionSet, named, childMultiplier, seen);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        if (type) total += walk(selection.selectionSet, type, multiplier, seen);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || seen.has(name)) continue;
        const type = schema.getType(fragment.typeCondition.name.value);
        if (type) total += walk(fragment.selectionSet, type, multiplier, new Set([...seen, name]));
      }
    }
    return total;
  };
  // Items of a connection page share the multiplier; `edges { node }` and `nodes` are the same items,
  // so a query selecting both is counted twice — conservative on purpose.
  return walk(operation.selectionSet, root, 1, new Set());
}

/** Variables longer than this (as JSON) are estimated every time rather than kept as a cache key. */
const MAX_CACHED_VARIABLES = 1024;
/** Estimates kept per document (operation name + variables); the map starts over when full. */
const MAX_ESTIMATES_PER_DOCUMENT = 64;

/**
 * The estimate, cached per schema + document (yoga's parse cache hands out the same DocumentNode for
 * the same query text) + operation name + variables: a trusted triage page is walked once, not on
 * every request. Variables are part of the key because page sizes and id lists change the cost.
 */
export function cachedUpstreamCost(): typeof estimateUpstreamCost {
  const bySchema = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, number>>>();
  return (schema, document, operationName, variables) => {
    const key = `${operationName ?? ''}\u0000${JSON.stringify(variables)}`;
    if (key.length > MAX_CACHED_VARIABLES) return estimateUpstreamCost(schema, document, operationName, variables);
    let byDocument = bySchema.get(schema);
    if (!byDocument) {
      byDocument = new WeakMap();
      bySchema.set(schema, byDocument);
    }
    let estimates = byDocument.get(document);
    if (!estimates) {
      estimates = new Map();
      byDocument.set(document, estimates);
    }
    let cost = estimates.get(key);
    if (cost === undefined) {
      cost = estimateUpstreamCost(schema, document, operationName, variables);
      if (estimates.size >= MAX_ESTIMATES_PER_DOCUMENT) estimates.clear();
      estimates.set(key, cost);
    }
    return cost;
  };
}

function useUpstreamCostLimit(maxUpstreamCost: number): Plugin {
  const estimate = cachedUpstreamCost();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const cost = estimate(
        args.schema,
        args.document,
        args.operationName,
        (args.variableValues ?? {}) as Record<string, unknown>,
      );
      if (cost > maxUpstreamCost) {
        setResultAndStopExecution({
          errors: [
            gatewayError(
              'QUERY_TOO_COMPLEX',
              `This operation could make about ${cost} Cloudflare calls; the limit is ${maxUpstreamCost}. Ask for fewer items per page or fewer per-message fields (detection, trace, preview, raw).`,
              { estimatedUpstreamCalls: cost, maxUpstreamCalls: maxUpstreamCost },
            ),
          ],
        });
      }
    },
  };
}

export function useLimits(options: LimitOptions): Plugin[] {
  return [
    maxDepthPlugin({ n: options.maxDepth, ignoreIntrospection: true, flattenFragments: true }) as Plugin,
    maxAliasesPlugin({ n: options.maxAliases, allowList: [] }) as Plugin,
    maxTokensPlugin({ n: options.maxTokens }) as Plugin,
    useUpstreamCostLimit(options.maxUpstreamCost),
  ];
}
