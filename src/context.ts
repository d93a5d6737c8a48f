import { randomUUID } from 'node:crypto';
import type { YogaInitialContext } from 'graphql-yoga';
import { type Authenticator, type AuthInfo, resolveCredentials } from './auth.js';
import type { CloudflareCredentials, Config } from './config.js';
import { gatewayError } from './graphql/errors.js';
import { authenticationOf } from './plugins/authentication.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { IdempotencyStore } from './idempotency.js';
import type { Span } from '@opentelemetry/api';
import type { Metrics } from './observability/metrics.js';
import { SpanKind, SpanStatusCode, type Tracing, trace } from './observability/tracing.js';
import type { SharedState } from './state/shared-state.js';
import type { BudgetGovernor } from './upstream/budget.js';
import type { ResponseCache } from './upstream/cache.js';
import type { CredentialTrust } from './upstream/credential-trust.js';
import type { LiveHub } from './live/hub.js';
import type { Logger } from './logger.js';
import { type CloudflareClient, createCloudflareClient } from './upstream/client.js';
import { UpstreamUnauthenticatedError } from './upstream/errors.js';
import type { CloudflareHttp, UpstreamAttempt } from './upstream/http.js';

/** Long-lived pieces shared by every request of one gateway process. */
export interface GatewayServices {
  config: Config;
  logger: Logger;
  http: CloudflareHttp;
  /** Mutation idempotency keys (in memory, or shared across replicas). */
  idempotency: IdempotencyStore;
  /** Budget governor in front of every upstream attempt (null when disabled). */
  budget: BudgetGovernor | null;
  /** Upstream read cache (null when disabled); mutations invalidate it. */
  cache: ResponseCache | null;
  state: SharedState;
  metrics: Metrics;
  /** null when no OTLP endpoint is configured. */
  tracing: Tracing | null;
  /** What Cloudflare last said about each credential (forward-mode cache trust, `/ready`). */
  credentialTrust: CredentialTrust;
  /** Resolves who the caller is and which scopes they hold (see src/auth.ts). */
  authenticate: Authenticator;
  /** Live topics: one upstream poller per triage filter or bulk job for every subscriber. */
  live: LiveHub;
}

export type { AuthInfo };
export { resolveCredentials };

/** Per-request upstream accounting, reported in the request log line and used by tests. */
export interface UpstreamUsage {
  calls: number;
  /** Attempts after the first of a call (retries). */
  retries: number;
  /** Reads answered by the read cache (no call). */
  cacheHits: number;
  /** Cloudflare's `remaining` for the credential, as the last response of this request said. */
  budgetRemaining: number | null;
  attempts: UpstreamAttempt[];
}

/**
 * Everything a resolver may touch. Created once per GraphQL request and discarded after it, so the
 * loaders' caches, the abort signal and the counters are all request-scoped.
 */
export interface GatewayContext {
  requestId: string;
  /** The incoming HTTP request (headers for forwarded credentials). */
  request: Request;
  logger: Logger;
  services: GatewayServices;
  /** The account used when a field gets no `accountId` argument (null when none is configured). */
  defaultAccountId: string | null;
  auth: AuthInfo;
  client: CloudflareClient;
  loaders: Loaders;
  upstream: UpstreamUsage;
  /** The operation span (set by the tracing plugin) that upstream spans hang under. */
  trace: { span?: Span };
  /** Aborted when the HTTP client disconnects; passed to every upstream call. */
  signal: AbortSignal;
  /**
   * Searches of this request still in flight. Single-message lookups wait for them first, because a
   * search primes the message cache: `messages {…} message(id:)` in one request then costs one call.
   */
  searchesInFlight: Set<Promise<unknown>>;
  /** Id of the live event being resolved right now (becomes the result's `extensions.eventId`). */
  liveEventId?: string | undefined;
}

export function createContextFactory(services: GatewayServices) {
  return async (initial: YogaInitialContext): Promise<GatewayContext> => {
    const request = initial.request;
    const signal = toNativeSignal(request.signal);
    const requestId = sanitizeRequestId(request.headers.get('x-request-id')) ?? randomUUID();
    const logger = services.logger.child({ requestId });
    const auth = authenticationOf(request) ?? (await authenticateOrRefuse(services, request));
    const upstream: UpstreamUsage = { calls: 0, retries: 0, cacheHits: 0, budgetRemaining: null, attempts: [] };
    const traceHolder: { span?: Span } = {};
    const tracing = services.tracing;
    const credentials = resolveCredentials(services.config, request);
    const client = createCloudflareClient(services.http, {
      credentials: credentials ?? missingCredentials,
      signal,
      logger,
      headers: { 'x-request-id': requestId },
      ...(tracing
        ? {
            tracer: {
              startCall(endpoint, method, attempt) {
                const parent = traceHolder.span
                  ? trace.setSpan(tracing.extract(request.headers), traceHolder.span)
                  : tracing.extract(request.headers);
                const span = tracing.tracer.startSpan(
                  `cloudflare ${endpoint}`,
                  {
                    kind: SpanKind.CLIENT,
                    attributes: {
                      'cloudflare.endpoint': endpoint,
                      'http.request.method': method,
                      'cloudflare.attempt': attempt,
                    },
                  },
                  parent,
                );
                return {
                  headers: tracing.inject(span),
                  end(status, error) {
                    if (status !== null) span.setAttribute('http.response.status_code', status);
                    if (error || (status !== null && status >= 400))
                      span.setStatus({ code: SpanStatusCode.ERROR, message: error ?? String(status) });
                    span.end();
                  },
                };
              },
            },
          }
        : {}),
      observer: {
        onAttempt(attempt) {
          upstream.calls++;
          if (attempt.attempt > 1) upstream.retries++;
          if (attempt.rateLimit) upstream.budgetRemaining = attempt.rateLimit.remaining;
          upstream.attempts.push(attempt);
        },
        onCacheHit() {
          upstream.cacheHits++;
        },
      },
    });
    const effectiveClient = credentials ? client : refuseWithoutCredentials(client);
    return {
      requestId,
      request,
      logger,
      services,
      defaultAccountId: services.config.accountId,
      auth,
      client: effectiveClient,
      loaders: createLoaders(effectiveClient, {
        concurrency: services.config.upstream.fanoutConcurrency,
      }),
      trace: traceHolder,
      upstream,
      signal,
      searchesInFlight: new Set(),
    };
  };
}

/**
 * The authentication plugin has normally identified the caller before parsing; a request that
 * reached execution without it (another transport) is authenticated here and refused the same way.
 */
async function authenticateOrRefuse(services: GatewayServices, request: Request): Promise<AuthInfo> {
  const result = await services.authenticate(request);
  if (result.ok) return result.auth;
  throw gatewayError('UNAUTHENTICATED', `Authentication required: ${result.reason}`, { http: { status: 401 } });
}

const missingCredentials: CloudflareCredentials = { kind: 'token', token: '' };

/** Without credentials every upstream call fails fast with UNAUTHENTICATED and sends nothing. */
function refuseWithoutCredentials(client: CloudflareClient): CloudflareClient {
  const refuse = (): never => {
    throw new UpstreamUnauthenticatedError(
      'No Cloudflare credentials: send Authorization: Bearer <token> or X-Auth-Email + X-Auth-Key',
      { endpoint: null },
    );
  };
  const wrap = (value: unknown): unknown => {
    if (typeof value === 'function') return refuse;
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, wrap(inner)]));
    }
    return value;
  };
  return wrap(client) as CloudflareClient;
}

/**
 * yoga's server adapter may hand out its own AbortSignal implementation (it does on Node 26), which
 * `AbortSignal.any` and undici refuse. Mirror it into a native signal once per request.
 */
function toNativeSignal(source: AbortSignal): AbortSignal {
  const controller = new AbortController();
  if (source.aborted) controller.abort(source.reason);
  else if (typeof source.addEventListener === 'function')
    source.addEventListener('abort', () => controller.abort(source.reason), { once: true });
  else (source as { onabort: (() => void) | null }).onabort = () => controller.abort((source as AbortSignal).reason);
  return controller.signal;
}

function sanitizeRequestId(value: string | null): string | null {
  return value && /^[\w.:-]{1,128}$/.test(value) ? value : null;
}
