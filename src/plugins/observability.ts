import { connect } from 'node:net';
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import { getOperationAST } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { GatewayContext, GatewayServices } from '../context.js';
import { type SharedStateHealth, sharedStateUsable } from '../state/shared-state.js';
import { createCloudflareClient } from '../upstream/client.js';
import type { CredentialState } from '../upstream/credential-trust.js';
import { fingerprintCredentials } from '../upstream/fingerprint.js';
import { SpanKind, SpanStatusCode, trace } from '../observability/tracing.js';

/**
 * Calls `done` once per operation with the error count, when the whole response is over: at once for
 * a single result, after the last part for an incremental one (`@defer` / `@stream`, subscriptions),
 * so the request log and the span count every upstream call the operation made.
 */
function onOperationDone(result: unknown, done: (errors: number) => void) {
  const errorsOf = (value: unknown) => {
    const errors = (value as { errors?: unknown[] } | null)?.errors;
    const incremental = (value as { incremental?: { errors?: unknown[] }[] } | null)?.incremental ?? [];
    return (
      (Array.isArray(errors) ? errors.length : 0) +
      incremental.reduce((sum, part) => sum + (part.errors?.length ?? 0), 0)
    );
  };
  if (!isAsyncIterable(result)) {
    done(errorsOf(result));
    return undefined;
  }
  let errors = 0;
  return {
    onNext({ result: part }: { result: unknown }) {
      errors += errorsOf(part);
    },
    onEnd() {
      done(errors);
    },
  };
}

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

/** Prometheus `/metrics`: yoga's operation histograms plus the gateway's own metrics, one registry. */
export function useMetrics(services: GatewayServices): Plugin {
  return usePrometheus({
    endpoint: '/metrics',
    registry: services.metrics.registry,
    // Per operation: duration, count, errors, HTTP duration. The per-phase histograms and the
    // deprecated-field counter (which walks every document) cost CPU on every request and answer
    // questions the request log and traces already answer; the upstream metrics are the gateway's own.
    metrics: {
      graphql_envelop_request_duration: true,
      graphql_envelop_request: true,
      graphql_envelop_error_result: true,
      graphql_envelop_phase_parse: false,
      graphql_envelop_phase_validate: false,
      graphql_envelop_phase_execute: false,
      graphql_envelop_phase_subscribe: false,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_schema_change: false,
      // Not graphql_yoga_http_duration: its `url` label holds GET queries and their variables
      // (subjects, senders) on an unauthenticated endpoint, with unbounded cardinality.
      graphql_yoga_http_duration: false,
    },
  });
}

/** How often `/ready` may spend one budgeted Cloudflare call to learn whether the credential is accepted. */
const CREDENTIAL_PROBE_INTERVAL_MS = 60_000;

/**
 * `/ready`: config is valid (or the process would not run), Cloudflare is reachable (a TCP connect,
 * which costs no budget), Cloudflare accepts the gateway's own credential, and the shared-state store
 * is up. 503 when not ready. The credential's state is learned from real calls; only when none was
 * made for a minute does `/ready` spend one cheap read (E13, one item) — at most once a minute.
 * Redis being down is reported but not fatal, because the gateway keeps serving on local state.
 */
export function useReadiness(services: GatewayServices): Plugin {
  let cached: { at: number; reachable: boolean; error: string | null } | null = null;
  let lastProbeAt = 0;
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
      socket.once('error', (error) =>
        resolve({ reachable: false, error: (error as NodeJS.ErrnoException).code ?? error.message }),
      );
    });
    cached = { at: Date.now(), ...result };
    return cached;
  };
  const checkCredential = async (): Promise<CredentialState | 'forwarded'> => {
    const { config } = services;
    if (config.credentialsMode === 'forward' || !config.credentials || !config.accountId) return 'forwarded';
    const fingerprint = fingerprintCredentials(config.credentials);
    const known = services.credentialTrust.state(fingerprint);
    const stale = known.at === null || Date.now() - known.at > CREDENTIAL_PROBE_INTERVAL_MS;
    if (stale && Date.now() - lastProbeAt >= CREDENTIAL_PROBE_INTERVAL_MS) {
      lastProbeAt = Date.now();
      const client = createCloudflareClient(services.http, {
        credentials: config.credentials,
        signal: AbortSignal.timeout(3_000),
        logger: services.logger,
        headers: { 'x-request-id': 'readiness-probe' },
      });
      // The verdict is recorded by CredentialTrust through the attempt observer; failures are the answer.
      await client.emailSecurity.investigate.bulk.list(config.accountId, { per_page: 1 }).catch(() => undefined);
    }
    return services.credentialTrust.state(fingerprint).state;
  };
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== '/ready' || request.method !== 'GET') return;
      const upstream = await checkUpstream();
      const credential = upstream.reachable ? await checkCredential() : 'unknown';
      const shared = services.state.health();
      // Never reached (a mistyped REDIS_URL): not ready, so no traffic multiplies the budget.
      // Lost after start: degraded but still serving (see describeSharedState).
      const ready = upstream.reachable && credential !== 'rejected' && shared.redis !== 'never-connected';
      const degraded = shared.redis === 'down';
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({
            status: !ready ? 'not-ready' : degraded ? 'degraded' : 'ready',
            checks: {
              config: 'ok',
              // No URL: /ready is unauthenticated and the upstream address is nobody else's business.
              upstream: {
                simulated: services.config.upstreamMode === 'simulator',
                reachable: upstream.reachable,
                error: upstream.error,
                credential,
              },
              state: describeSharedState(services.state.kind, shared),
              live: services.live.stats(),
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

/**
 * What shared state means for this replica right now. Degraded (Redis configured, unavailable):
 * reads are served (from the per-replica cache, within this replica's share of the budget), writes
 * without an idempotency key are sent, keyed writes are refused with STATE_UNAVAILABLE.
 */
function describeSharedState(kind: 'memory' | 'redis', health: SharedStateHealth) {
  const usable = sharedStateUsable(health);
  return {
    kind,
    redis: health.redis,
    unavailableSince: health.unavailableSince === null ? null : new Date(health.unavailableSince).toISOString(),
    durability: health.durability,
    dataLostAt: health.dataLostAt === null ? null : new Date(health.dataLostAt).toISOString(),
    replicas: health.replicas,
    keyedWrites: usable ? 'accepted' : 'refused',
    budget: kind === 'memory' ? 'this process' : usable ? 'shared' : `this replica's share (1/${health.replicas})`,
    cache: kind === 'memory' || !usable ? 'this process' : 'shared',
  };
}

function operationNameOf(args: {
  document: Parameters<typeof getOperationAST>[0];
  operationName?: string | null;
}): string | undefined {
  return args.operationName ?? getOperationAST(args.document, args.operationName)?.name?.value;
}

export { trace };
