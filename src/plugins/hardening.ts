import { type ASTVisitor, GraphQLError, type ValidationContext } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';

interface ErrorJson {
  message?: string;
  extensions?: Record<string, unknown>;
}

/** " Did you mean "INBOX"?" and its kin: schema names the caller did not ask for. */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/**
 * Production error hygiene for what yoga and GraphQL Armor leave: Armor's plugin blocks field
 * suggestions, but enum-value and argument suggestions ("Did you mean the enum value …?") still
 * describe the schema; and yoga attaches `originalError` (with an echo of the body) to request
 * parsing errors even in production. Applied to every result just before it is serialised.
 */
export function useProductionErrorHygiene(): Plugin {
  // In place: the error objects also carry what yoga needs later (e.g. `extensions.http.status`).
  const clean = (error: ErrorJson): void => {
    if (!error || typeof error !== 'object') return;
    if (typeof error.message === 'string' && error.message.includes('Did you mean')) {
      (error as { message: string }).message = error.message.replace(SUGGESTION, '');
    }
    if (error.extensions && 'originalError' in error.extensions) delete error.extensions.originalError;
  };
  const cleanResult = (result: unknown): void => {
    if (Array.isArray(result)) for (const entry of result) cleanResult(entry);
    const errors = (result as { errors?: ErrorJson[] } | null)?.errors;
    if (Array.isArray(errors)) for (const error of errors) clean(error);
  };
  return {
    onResultProcess({ result }) {
      if (isAsyncIterable(result)) return;
      cleanResult(result);
    },
  };
}

/**
 * `_service { sdl }` is the whole schema: with introspection off it is refused too, unless
 * SUBGRAPH_SDL=true because a router composes from it at run time (most compose from a registry).
 */
export function useSubgraphSdlGuard(): Plugin {
  const rule = (context: ValidationContext): ASTVisitor => ({
    Field(node) {
      if (node.name.value === '_service' && context.getParentType()?.name === 'Query') {
        context.reportError(
          new GraphQLError(
            'The subgraph SDL is not served here (introspection is off); set SUBGRAPH_SDL=true if your router composes from it',
            {
              nodes: [node],
              extensions: { code: 'FORBIDDEN' },
            },
          ),
        );
      }
    },
  });
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(rule);
    },
  };
}

/**
 * Mail must not be kept by a browser or a shared proxy cache, and a response that depends on the
 * caller's Origin must say so.
 */
export function useResponseHeaders(graphqlEndpoint: string, corsConfigured: boolean): Plugin {
  return {
    onResponse({ request, response }) {
      if (!new URL(request.url).pathname.endsWith(graphqlEndpoint)) return;
      response.headers.set('cache-control', 'no-store');
      if (corsConfigured) response.headers.append('vary', 'Origin');
    },
  };
}
