import type { Plugin } from 'graphql-yoga';
import type { GatewayContext, GatewayServices } from '../context.js';
import { SpanKind, SpanStatusCode } from '../observability/tracing.js';
import { onOperationDone, operationNameOf } from './operation-end.js';

/** A span per GraphQL operation, continuing the router's W3C `traceparent`; upstream spans are its children. */
export function useOperationTracing(services: GatewayServices): Plugin<GatewayContext> {
  const tracing = services.tracing;
  if (!tracing) return {};
  return {
    onExecute({ args }) {
      const context = args.contextValue as GatewayContext;
      const parent = tracing.extract(context.request.headers);
      const operation = operationNameOf(args) ?? 'anonymous';
      const span = tracing.tracer.startSpan(
        `graphql ${operation}`,
        {
          kind: SpanKind.SERVER,
          attributes: { 'graphql.operation.name': operation, 'gateway.request_id': context.requestId },
        },
        parent,
      );
      context.trace.span = span;
      return {
        onExecuteDone({ result }) {
          return onOperationDone(result, (errors) => {
            span.setAttribute('gateway.upstream_calls', context.upstream.calls);
            if (errors) span.setStatus({ code: SpanStatusCode.ERROR, message: `${errors} GraphQL error(s)` });
            span.end();
          });
        },
      };
    },
  };
}
