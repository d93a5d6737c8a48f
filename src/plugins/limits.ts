import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { getDirectiveExtensions } from '@graphql-tools/utils';
import {
  type DocumentNode,
  type FieldNode,
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
 * so a refused query costs zero upstream calls. Its prices are the schema's `@cost` / `@listSize`
 * directives, the ones a supergraph router prices the same operation with.
 */
export interface LimitOptions {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  /** Most Cloudflare calls one operation may be estimated to make. */
  maxUpstreamCost: number;
}

/**
 * A field's price as its `@cost` / `@listSize` directives declare it (src/graphql/builder.ts): the
 * same numbers a supergraph router reads from the subgraph SDL.
 */
export interface FieldCost {
  /** Cloudflare calls one resolution of the field makes (`@cost(weight:)`). */
  weight: number;
  /** How many items the field's list holds: `sizedFields` name the child lists it sizes (a connection's `edges` / `nodes`). */
  listSize: { assumedSize: number | null; slicingArguments: string[]; sizedFields: string[] } | null;
}

type CostDirectives = {
  cost: { weight?: number };
  listSize: { assumedSize?: number | null; slicingArguments?: string[] | null; sizedFields?: string[] | null };
};

const costsBySchema = new WeakMap<GraphQLSchema, ReadonlyMap<string, FieldCost>>();

/** `Type.field` → its declared price, for every field that declares one; read once per schema. */
export function declaredCosts(schema: GraphQLSchema): ReadonlyMap<string, FieldCost> {
  const known = costsBySchema.get(schema);
  if (known) return known;
  const costs = new Map<string, FieldCost>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const directives = getDirectiveExtensions<CostDirectives>(field, schema);
      const cost = directives?.cost?.[0];
      const listSize = directives?.listSize?.[0];
      if (!cost && !listSize) continue;
      costs.set(`${type.name}.${field.name}`, {
        weight: cost?.weight ?? 0,
        listSize: listSize
          ? {
              assumedSize: listSize.assumedSize ?? null,
              slicingArguments: listSize.slicingArguments ?? [],
              sizedFields: listSize.sizedFields ?? [],
            }
          : null,
      });
    }
  }
  costsBySchema.set(schema, costs);
  return costs;
}

/**
 * Ids one move or release call takes (E9's documented 1,000; E11 is sent in the same batches): a
 * priced mutation given an `input.ids` list costs its weight per batch, which a router, blind to
 * list lengths, cannot see.
 */
const IDS_PER_CALL = 1000;

/** Child lists of a connection and how many items each holds. */
interface Sizing {
  fields: ReadonlySet<string>;
  size: number;
}

export function estimateUpstreamCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
): number {
  const operation = getOperationAST(document, operationName);
  if (!operation) return 0;
  const costs = declaredCosts(schema);
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

  // The largest slicing argument given, else the assumed size (the field's default page), else one
  // item, as a router counts it.
  const listSizeOf = (selection: FieldNode, listSize: NonNullable<FieldCost['listSize']>): number => {
    const given = listSize.slicingArguments
      .map((name) => argumentValue(selection, name))
      .filter((value): value is number => typeof value === 'number');
    return Math.max(0, given.length > 0 ? Math.max(...given) : (listSize.assumedSize ?? 1));
  };

  const walk = (
    selectionSet: SelectionSetNode,
    parentType: GraphQLNamedType,
    multiplier: number,
    seen: Set<string>,
    sizing: Sizing | null,
  ): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (!isObjectType(parentType)) continue;
        const field: GraphQLField<unknown, unknown> | undefined = parentType.getFields()[selection.name.value];
        if (!field) continue;
        const key = `${parentType.name}.${selection.name.value}`;
        const cost = costs.get(key);
        // Each item of a sized list (a connection's `nodes`) resolves what is selected on it.
        const fieldMultiplier = sizing?.fields.has(selection.name.value) ? multiplier * sizing.size : multiplier;
        let own = cost?.weight ?? 0;
        let childMultiplier = fieldMultiplier;
        let childSizing: Sizing | null = null;
        if (key === 'Query._entities') {
          // The federation plugin's field, never priced by a router (it sends it itself): each
          // representation is one lookup through the same loaders as `message(id:)` / `insight`.
          const representations = argumentValue(selection, 'representations');
          childMultiplier = fieldMultiplier * (Array.isArray(representations) ? representations.length : 1);
          own = 0;
          total += childMultiplier;
        }
        const ids = (argumentValue(selection, 'input') as { ids?: unknown } | undefined)?.ids;
        if (cost && Array.isArray(ids)) {
          own = cost.weight * Math.max(1, Math.ceil(ids.length / IDS_PER_CALL));
          // Outcomes are one per id.
          childMultiplier = fieldMultiplier * ids.length;
        }
        total += fieldMultiplier * own;
        if (cost?.listSize) {
          const size = listSizeOf(selection, cost.listSize);
          if (cost.listSize.sizedFields.length > 0) childSizing = { fields: new Set(cost.listSize.sizedFields), size };
          else childMultiplier *= size;
        }
        const named = getNamedType(field.type);
        if (selection.selectionSet) total += walk(selection.selectionSet, named, childMultiplier, seen, childSizing);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        if (type) total += walk(selection.selectionSet, type, multiplier, seen, sizing);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || seen.has(name)) continue;
        const type = schema.getType(fragment.typeCondition.name.value);
        if (type) total += walk(fragment.selectionSet, type, multiplier, new Set([...seen, name]), sizing);
      }
    }
    return total;
  };
  // Items of a connection page share the multiplier; `edges { node }` and `nodes` are the same items,
  // so a query selecting both is counted twice — conservative on purpose.
  return walk(operation.selectionSet, root, 1, new Set(), null);
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
    // The prices are read from the directives when the schema is set, not by the first request.
    onSchemaChange({ schema }) {
      declaredCosts(schema);
    },
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
