import type { Plugin } from 'graphql-yoga';

/**
 * A query or mutation stops resolving when its client goes away (yoga's `useExecutionCancellation`,
 * for executions only). Subscriptions are left out on purpose: every live stream already ends on
 * the request's signal, and the executor's extra abort wrapper cost about 9 KB per open stream.
 */
export function useQueryCancellation(): Plugin {
  return {
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request } | undefined)?.request;
      (args as { signal?: AbortSignal }).signal = request?.signal;
    },
  };
}
