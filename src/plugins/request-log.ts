import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';
import { onOperationDone, operationNameOf } from './operation-end.js';

/**
 * One log line per GraphQL operation (the per-call lines are at debug): name, duration, upstream
 * calls, retries, cache hits, the budget Cloudflare says is left, errors, the caller, the request id.
 */
export function useRequestLog(): Plugin<GatewayContext> {
  return {
    onExecute({ args }) {
      const started = performance.now();
      const context = args.contextValue as GatewayContext;
      return {
        onExecuteDone({ result }) {
          return onOperationDone(result, (errors) => {
            context.logger.info(
              {
                operationName: operationNameOf(args) ?? null,
                durationMs: Math.round((performance.now() - started) * 10) / 10,
                upstreamCalls: context.upstream.calls,
                upstreamRetries: context.upstream.retries,
                cacheHits: context.upstream.cacheHits,
                budgetRemaining: context.upstream.budgetRemaining,
                errors,
                subject: context.auth.subject,
              },
              'graphql request',
            );
          });
        },
      };
    },
  };
}
