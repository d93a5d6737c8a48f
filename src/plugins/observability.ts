import { connect } from 'node:net';
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext, GatewayServices } from '../context.js';
import { SpanKind, SpanStatusCode, trace } from '../observability/tracing.js';

/** One log line per GraphQL operation: name, duration, upstream calls, request id (from the child logger). */
export function useRequestLog(): Plugin<GatewayContext> {
  return {
    onExecute({ args }) {
      const started = performance.now();
      const context = args.contextValue as GatewayContext;
      return {
        onExecuteDone({ result }) {
          const errors = 'errors' in result && Array.isArray(result.errors) ? result.errors.length : 0;
          context.logger.info(
            {
              operationName: operationNameOf(args) ?? null,
              durationMs: Math.round((performance.now() - started) * 10) / 10,
              upstreamCalls: context.upstream.calls,
              errors,
              subject: context.auth.subject,
            },
            'graphql request',
          );
        },
      };
    },
  };
}

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
        { kind: SpanKind.SERVER, attributes: { 'graphql.operation.name': operation, 'gateway.request_id': context.requestId } },
        parent,
      );
      context.trace.span = span;
      return {
        onExecuteDone({ result }) {
          const errors = 'errors' in result && Array.isArray(result.errors) ? result.errors.length : 0;
          span.setAttribute('gateway.upstream_calls', context.upstream.calls);
          if (errors) span.setStatus({ code: SpanStatusCode.ERROR, message: `${errors} GraphQL error(s)` });
          span.end();
        },
      };
    },
  };
}

/** Prometheus `/metrics`: yoga's operation histograms plus the gateway's own metrics, one registry. */
export function useMetrics(services: GatewayServices): Plugin {
  return usePrometheus({
    endpoint: '/metrics',
    registry: services.metrics.registry,
    metrics: {
      graphql_envelop_request_duration: true,
      graphql_envelop_request: true,
      graphql_envelop_phase_parse: true,
      graphql_envelop_phase_validate: true,
      graphql_envelop_phase_execute: true,
      graphql_envelop_error_result: true,
      graphql_envelop_deprecated_field: true,
      graphql_yoga_http_duration: true,
    },
  });
}

/**
 * `/ready`: config is valid (or the process would not run), Cloudflare is reachable (a TCP connect,
 * which costs no request from the budget), and the shared-state store is up. 503 when not ready;
 * Redis being down is reported but not fatal, because the gateway keeps serving on local state.
 */
export function useReadiness(services: GatewayServices): Plugin {
  let cached: { at: number; reachable: boolean; error: string | null } | null = null;
  const checkUpstream = async () => {
    if (cached && Date.now() - cached.at < 5_000) return cached;
    const url = new URL(services.http.baseUrl);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const result = await new Promise<{ reachable: boolean; error: string | null }>((resolve) => {
      const socket = connect({ host: url.hostname, port, timeout: 1_500 });
      socket.once('connect', () => {
        socket.destroy();
        resolve({ reachable: true, error: null });
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve({ reachable: false, error: 'timeout' });
      });
      socket.once('error', (error) => resolve({ reachable: false, error: (error as NodeJS.ErrnoException).code ?? error.message }));
    });
    cached = { at: Date.now(), ...result };
    return cached;
  };
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== '/ready' || request.method !== 'GET') return;
      const upstream = await checkUpstream();
      const redis = services.state.redisStatus();
      const ready = upstream.reachable;
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({
            status: ready ? 'ready' : 'not-ready',
            checks: {
              config: 'ok',
              upstream: { url: services.http.baseUrl, reachable: upstream.reachable, error: upstream.error },
              state: { kind: services.state.kind, redis },
            },
          }),
          { status: ready ? 200 : 503, headers: { 'content-type': 'application/json' } },
        ),
      );
    },
    // yoga's own /health check answers first, with an empty body; give probes and people a small JSON
    // one (liveness only: no upstream or state check, so a Cloudflare outage never restarts pods).
    onResponse({ request, response, setResponse, fetchAPI }) {
      if (request.method !== 'GET' || new URL(request.url).pathname !== '/health' || response.status !== 200) return;
      if (response.headers.get('content-type')) return;
      const headers = new fetchAPI.Headers(response.headers);
      headers.set('content-type', 'application/json');
      setResponse(new fetchAPI.Response(JSON.stringify({ status: 'ok' }), { status: 200, headers }));
    },
  };
}

function operationNameOf(args: { document: Parameters<typeof getOperationAST>[0]; operationName?: string | null }): string | undefined {
  return args.operationName ?? getOperationAST(args.document, args.operationName)?.name?.value;
}

export { trace };
