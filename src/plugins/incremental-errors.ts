import { type GraphQLError, GraphQLError as GraphQLErrorClass } from 'graphql';
import type { Plugin } from 'graphql-yoga';

type MaskError = (error: unknown, message: string, isDev?: boolean) => Error;

interface IncrementalEntry {
  errors?: readonly GraphQLError[];
}

/**
 * yoga masks the errors of a single result and of each initial part, but not the `errors` of the
 * `incremental` entries of a `@defer` / `@stream` response: there a Cloudflare failure would reach
 * the client unmasked and without its `extensions.code`. This applies the same `maskError` to them.
 */
export function useIncrementalErrorMasking(maskError: MaskError): Plugin {
  const mask = (error: GraphQLError) => {
    const masked = maskError(error, 'Unexpected error.');
    return masked instanceof GraphQLErrorClass
      ? masked
      : new GraphQLErrorClass(masked.message, { nodes: error.nodes, path: error.path });
  };
  return {
    onExecute() {
      return {
        onExecuteDone() {
          return {
            onNext({ result, setResult }) {
              const incremental = (result as { incremental?: IncrementalEntry[] }).incremental;
              if (!incremental?.some((entry) => entry.errors?.length)) return;
              setResult({
                ...result,
                incremental: incremental.map((entry) =>
                  entry.errors?.length ? { ...entry, errors: entry.errors.map(mask) } : entry,
                ),
              } as typeof result);
            },
          };
        },
      };
    },
  };
}
