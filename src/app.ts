import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { randomUUID } from 'node:crypto';
import { createAuthenticator } from './auth.js';
import { type Config, ConfigError } from './config.js';
import type { GatewayServices } from './context.js';
import { LiveHub } from './live/hub.js';
import { createMetrics } from './observability/metrics.js';
import { createTracing } from './observability/tracing.js';
import { createSharedState } from './state/shared-state.js';
import { BudgetGovernor } from './upstream/budget.js';
import { ResponseCache } from './upstream/cache.js';
import { CredentialTrust } from './upstream/credential-trust.js';
import { UpstreamPacer } from './upstream/pacer.js';
import type { Logger } from './logger.js';
import { CloudflareHttp } from './upstream/http.js';
import { createGatewayYoga, type GatewayYoga } from './yoga.js';

export interface Gateway {
  yoga: GatewayYoga;
  services: GatewayServices;
  close(): Promise<void>;
}

/**
 * Wires config → upstream HTTP → services → yoga. With no Cloudflare credentials and no base URL,
 * it starts the embedded simulator on loopback first, so `npm start` works without an account.
 */
export interface GatewayOptions {
  /** Span exporter to use instead of the OTLP one configured by OTEL_* (tests). */
  tracingExporter?: SpanExporter;
}

export async function createGateway(
  config: Config,
  baseLogger: Logger,
  options: GatewayOptions = {},
): Promise<Gateway> {
  let effective = config;
  // Simulated mail must never pass for real mail: every log line of a simulated gateway says so.
  const logger = config.upstreamMode === 'simulator' ? baseLogger.child({ simulated: true }) : baseLogger;
  let stopSimulator: (() => Promise<void>) | null = null;
  if (config.upstreamMode === 'simulator') {
    const { startSimulator, SIMULATOR_ACCOUNT_ID, SIMULATOR_DEVELOPMENT_TOKEN } = await import('./simulator/index.js');
    const simulator = await startSimulator({
      port: config.simulator.port,
      latencyMs: config.simulator.latencyMs,
    }).catch((error: NodeJS.ErrnoException) => {
      // A taken port is a configuration problem like any other: one line naming the variable.
      if (error.code !== 'EADDRINUSE') throw error;
      throw new ConfigError([
        {
          variable: 'SIMULATOR_PORT',
          message: `${config.simulator.port} is already in use on 127.0.0.1: choose another SIMULATOR_PORT (0 picks a free one)`,
        },
      ]);
    });
    stopSimulator = () => simulator.close();
    effective = {
      ...config,
      baseUrl: simulator.baseUrl,
      credentials: { kind: 'token', token: SIMULATOR_DEVELOPMENT_TOKEN },
      accountId: config.accountId ?? SIMULATOR_ACCOUNT_ID,
    };
    logger.info(
      { upstream: simulator.baseUrl, accountId: effective.accountId },
      'No Cloudflare credentials configured: using the embedded Cloudflare simulator (no real Cloudflare call is made)',
    );
  } else {
    logger.info({ upstream: effective.baseUrl, credentialsMode: config.credentialsMode }, 'Using Cloudflare API');
    // Every path in the endpoint catalogue is relative to Cloudflare's API root; without it every
    // call answers 404 "No route for that URI", which does not say why.
    if (!new URL(effective.baseUrl).pathname.replace(/\/+$/, '').endsWith('/client/v4')) {
      logger.warn(
        { upstream: effective.baseUrl },
        'CLOUDFLARE_BASE_URL does not end with /client/v4 (Cloudflare\'s API root, e.g. https://api.cloudflare.com/client/v4): every call will likely answer 404 "No route for that URI"',
      );
    }
  }
  const state = await createSharedState(effective, logger);
  const budget = effective.budget.enabled ? new BudgetGovernor(state.budget, effective.budget) : null;
  const credentialTrust = new CredentialTrust();
  const forward = effective.credentialsMode === 'forward';
  const cache = effective.cache.enabled
    ? new ResponseCache(
        state.cache,
        effective.cache.ttls,
        forward
          ? { allowsCachedRead: (credential) => credentialTrust.acceptedWithin(credential, effective.forwardTrustMs) }
          : null,
      )
    : null;
  if (cache && forward) {
    credentialTrust.onRejected((credential) => {
      logger.warn({ credential }, 'Cloudflare rejected a forwarded credential: its cached reads are dropped');
      cache
        .forgetCredential(credential)
        .catch((error: unknown) => logger.error({ err: error }, 'could not drop the cache of a rejected credential'));
    });
  }
  const metrics = createMetrics(() => state.health());
  const tracing = createTracing(options.tracingExporter ? { exporter: options.tracingExporter } : {});
  const http = new CloudflareHttp({
    baseUrl: effective.baseUrl,
    logger,
    onAttempt: (attempt) => {
      credentialTrust.observe(attempt.credential, attempt.status, attempt.method);
      metrics.recordAttempt(attempt);
      if (attempt.rateLimit)
        metrics.budgetRemaining.set({ credential: attempt.credential }, attempt.rateLimit.remaining);
    },
    onCacheHit: (endpoint) => metrics.recordCacheHit(endpoint),
    ...effective.upstream,
    pacer: new UpstreamPacer({
      maxInFlight: effective.upstream.maxInFlight,
      ratePerSecond: effective.upstream.maxRequestsPerSecond,
      store: state.pace,
    }),
    ...(budget ? { budget } : {}),
    ...(cache ? { cache } : {}),
    ...(state.flights ? { flights: state.flights } : {}),
    flightLeaseMs: effective.cache.flightLeaseMs,
    flightMaxAnswerBytes: Math.max(1, Math.floor(effective.cache.maxBytes / 10)),
  });
  const services: GatewayServices = {
    config: effective,
    logger,
    http,
    idempotency: state.idempotency,
    budget,
    cache,
    state,
    metrics,
    tracing,
    credentialTrust,
    authenticate: await createAuthenticator(effective, logger),
    live: new LiveHub(
      state.live,
      {
        owner: randomUUID(),
        ...effective.live,
        budgetLimit: effective.budget.limit,
        budgetWindowMs: effective.budget.windowMs,
        // Never more than the store keeps: a client gets the same answer from whichever replica it reconnects to.
        ringEvents: Math.min(256, effective.live.replayEvents),
        onPoll: (kind) => metrics.recordLivePoll(kind),
      },
      logger.child({ component: 'live' }),
      budget,
    ),
  };
  metrics.observeLive(() => services.live.stats());
  const yoga = createGatewayYoga(services);
  return {
    yoga,
    services,
    async close() {
      await services.live.close();
      await http.close();
      await state.close();
      await tracing?.shutdown();
      await stopSimulator?.();
    },
  };
}
