import { z } from 'zod';

/**
 * Configuration, parsed once from the environment with zod. A bad value stops the process with a
 * message naming the variable (see `ConfigError`), never a half-configured gateway.
 */

const accountIdSchema = z
  .string()
  .regex(/^[0-9a-f]{32}$/i, 'must be 32 hexadecimal characters (a Cloudflare account id)');

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().min(0);
const PORT_RULE = 'must be a port number (0 to 65535)';
/** A TCP port (0 picks a free one), refused in one sentence whatever is wrong with it. */
const port = z.coerce.number({ message: PORT_RULE }).int(PORT_RULE).min(0, PORT_RULE).max(65535, PORT_RULE);

/**
 * zod skips an object's refinements once one of its fields is malformed, so a bad PORT used to hide
 * every rule about combinations until it was fixed. Run them anyway: a malformed variable keeps its
 * raw text there (it still counts as set), and `loadConfig` reports one message per variable.
 */
const ALWAYS_CHECK_COMBINATIONS = { when: () => true };

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    CLOUDFLARE_API_TOKEN: z.string().min(1).optional(),
    CLOUDFLARE_EMAIL: z.string().email().optional(),
    CLOUDFLARE_API_KEY: z.string().min(1).optional(),
    CLOUDFLARE_ACCOUNT_ID: accountIdSchema.optional(),
    // Same variable name as the official SDK (contract#endpoints).
    CLOUDFLARE_BASE_URL: z.string().url().optional(),
    /** `gateway`: the gateway's own credentials; `forward`: each caller's Authorization / X-Auth-* headers. */
    CREDENTIALS_MODE: z.enum(['gateway', 'forward']).default('gateway'),
    PORT: port.default(4000),
    HOST: z.string().min(1).default('127.0.0.1'),
    /** How long an idle keep-alive connection stays open: longer than the load balancers in front (60 s is common). */
    SERVER_KEEP_ALIVE_SECONDS: positiveInt.max(3_600).default(65),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_PRETTY: booleanFromEnv.optional(),
    UPSTREAM_TIMEOUT_MS: positiveInt.default(15_000),
    UPSTREAM_MAX_RETRIES: nonNegativeInt.max(10).default(2),
    UPSTREAM_RETRY_BASE_MS: positiveInt.default(500),
    UPSTREAM_RETRY_MAX_DELAY_MS: positiveInt.default(8_000),
    /** Longest Retry-After the gateway waits inside one GraphQL request; longer ones surface as RATE_LIMITED. */
    UPSTREAM_RETRY_AFTER_CAP_MS: nonNegativeInt.default(10_000),
    UPSTREAM_CONNECTIONS: positiveInt.default(64),
    /** How long E1's slow-search answer (202 + Location) is polled before giving up. */
    UPSTREAM_SEARCH_POLL_TIMEOUT_MS: positiveInt.default(20_000),
    /** Concurrent upstream calls one GraphQL request may have in flight (per-message fan-out). */
    UPSTREAM_FANOUT_CONCURRENCY: positiveInt.max(100).default(100),
    /** Upstream requests this process has in flight at once, across all GraphQL requests. */
    UPSTREAM_MAX_IN_FLIGHT: positiveInt.default(64),
    /** Upstream requests started per second, process-wide (or across replicas with Redis): under Cloudflare's 200/s per IP. */
    UPSTREAM_MAX_RPS: positiveInt.default(150),
    /** Bounds one GraphQL request's upstream work (retries, fan-out waves, polling); 0 = no deadline. */
    REQUEST_DEADLINE_MS: nonNegativeInt.default(10_000),
    /** JWT verification for callers when the gateway holds its own credentials (issue "actions"). */
    AUTH_JWKS_URL: z.string().url().optional(),
    AUTH_PUBLIC_KEY: z.string().min(1).optional(),
    AUTH_ISSUER: z.string().min(1).optional(),
    AUTH_AUDIENCE: z.string().min(1).optional(),
    /**
     * Explicit, loudly logged opt-out of JWT verification for local work against a Cloudflare fake
     * (every caller gets every scope). Refused with NODE_ENV=production.
     */
    AUTH_DISABLED: booleanFromEnv.default(false),
    /** Run on the embedded simulator even in production (a demo or an image smoke test); logged on every line. */
    SIMULATOR: booleanFromEnv.optional(),
    /** Comma-separated origins allowed to call the gateway from a browser; unset = no CORS grant at all. */
    CORS_ORIGINS: z.string().optional(),
    /** Forward mode: how long after Cloudflare last accepted a caller's credential the read cache may answer for it. */
    FORWARD_TRUST_SECONDS: nonNegativeInt.default(60),
    /** Lifetime of a mutation's idempotency record. */
    IDEMPOTENCY_TTL_SECONDS: positiveInt.default(24 * 3600),
    /** How long a keyed write stays "in progress" after its replica stopped renewing it, before the key answers OUTCOME_UNKNOWN. */
    IDEMPOTENCY_LEASE_MS: positiveInt.min(300).default(10_000),
    /** Without Redis: most unexpired keys held; a new key past it is refused, never an old one dropped. */
    IDEMPOTENCY_MAX_KEYS: positiveInt.default(50_000),
    GRAPHIQL: booleanFromEnv.optional(),
    INTROSPECTION: booleanFromEnv.optional(),
    /** Serve `_service { sdl }` (federation); default: whenever introspection is on. */
    SUBGRAPH_SDL: booleanFromEnv.optional(),
    /** Cloudflare budget governor (1,200 requests / 5 minutes per token, contract#envelope and Cloudflare limits). */
    BUDGET_ENABLED: booleanFromEnv.default(true),
    BUDGET_LIMIT: positiveInt.default(1200),
    BUDGET_WINDOW_SECONDS: positiveInt.default(300),
    BUDGET_WRITE_RESERVE: nonNegativeInt.default(100),
    BUDGET_SAFETY_MARGIN: nonNegativeInt.default(20),
    BUDGET_MAX_QUEUE_MS: nonNegativeInt.default(2_000),
    /** Most replicas sharing the token: with Redis down each spends 1/N of the window (N also learned from heartbeats). */
    BUDGET_REPLICAS: positiveInt.optional(),
    /** Upstream read cache. */
    CACHE_ENABLED: booleanFromEnv.default(true),
    CACHE_MAX_ENTRIES: positiveInt.default(20_000),
    CACHE_MAX_MB: positiveInt.default(64),
    CACHE_TTL_IMMUTABLE_SECONDS: nonNegativeInt.default(3_600),
    CACHE_TTL_TRACE_SECONDS: nonNegativeInt.default(300),
    CACHE_TTL_MESSAGE_SECONDS: nonNegativeInt.default(30),
    CACHE_TTL_SEARCH_SECONDS: nonNegativeInt.default(15),
    CACHE_TTL_INSIGHTS_SECONDS: nonNegativeInt.default(30),
    /** With Redis: how long a replica waits for another replica's identical read before calling itself. */
    SINGLE_FLIGHT_LEASE_MS: positiveInt.min(100).default(3_000),
    /** Live subscriptions (triageQueue, bulkJobProgress): one upstream poller per topic for every replica. */
    LIVE_POLL_INTERVAL_MS: positiveInt.min(250).default(10_000),
    LIVE_MAX_POLL_INTERVAL_MS: positiveInt.min(1_000).default(60_000),
    /** Share of the budget window all live pollers together may spend. */
    LIVE_BUDGET_SHARE: z.coerce.number().gt(0).max(1).default(0.2),
    /** How long a poller's lease lasts without renewal (a dead leader is replaced after about this). */
    LIVE_LEASE_MS: positiveInt.min(300).default(6_000),
    /** How far back each triage poll looks before the newest message seen (late indexing, clock skew). */
    LIVE_OVERLAP_SECONDS: positiveInt.default(600),
    /** Events kept per topic for clients that reconnect with their last event id. */
    LIVE_REPLAY_EVENTS: positiveInt.default(1_000),
    LIVE_REPLAY_SECONDS: positiveInt.default(3_600),
    LIVE_MAX_SUBSCRIPTIONS: positiveInt.default(5_000),
    LIVE_MAX_PER_CALLER: positiveInt.default(20),
    LIVE_MAX_TOPICS: positiveInt.default(100),
    LIVE_MAX_NEW_TOPICS_PER_MINUTE: positiveInt.default(20),
    /** WebSocket (graphql-ws): open connections per replica and the largest message accepted. */
    WS_MAX_CONNECTIONS: positiveInt.default(5_000),
    WS_MAX_PAYLOAD_BYTES: positiveInt.default(64 * 1024),
    /** Shared state across replicas (budget, cache, idempotency). Unset: in-process state. */
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
    REDIS_KEY_PREFIX: z.string().min(1).default('esgw:'),
    /** Redis replicas that must confirm a keyed write's "sending" mark before it is sent (Redis WAIT); 0: none. */
    REDIS_WAIT_REPLICAS: nonNegativeInt.default(0),
    /** Query limits (GraphQL Armor + the upstream-call cost estimate). */
    LIMIT_MAX_DEPTH: positiveInt.default(12),
    LIMIT_MAX_ALIASES: nonNegativeInt.default(30),
    LIMIT_MAX_TOKENS: positiveInt.default(3_000),
    LIMIT_MAX_UPSTREAM_CALLS: positiveInt.default(150),
    /** Trusted documents: only operations from schema/operations/manifest.json run. */
    PERSISTED_OPERATIONS_ONLY: booleanFromEnv.default(false),
    /** How long SIGTERM waits for in-flight requests before closing connections. */
    SHUTDOWN_GRACE_MS: positiveInt.default(10_000),
    SIMULATOR_PORT: port.default(0),
    SIMULATOR_LATENCY_MS: nonNegativeInt.default(0),
  })
  .superRefine((env, ctx) => {
    const hasEmail = env.CLOUDFLARE_EMAIL !== undefined;
    const hasKey = env.CLOUDFLARE_API_KEY !== undefined;
    if (hasEmail !== hasKey) {
      ctx.addIssue({
        code: 'custom',
        path: [hasEmail ? 'CLOUDFLARE_API_KEY' : 'CLOUDFLARE_EMAIL'],
        message: 'CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY are the legacy pair and must be set together',
      });
    }
    const hasVerifier = env.AUTH_JWKS_URL !== undefined || env.AUTH_PUBLIC_KEY !== undefined;
    for (const claim of ['AUTH_ISSUER', 'AUTH_AUDIENCE'] as const) {
      if (hasVerifier && env[claim] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [claim],
          message: 'is required when AUTH_JWKS_URL or AUTH_PUBLIC_KEY is set (issuer and audience are always checked)',
        });
      }
    }
    if (env.SIMULATOR_PORT !== 0 && env.SIMULATOR_PORT === env.PORT) {
      ctx.addIssue({
        code: 'custom',
        path: ['SIMULATOR_PORT'],
        message: `is the gateway's own PORT (${env.PORT}): the embedded simulator needs another port (0 picks a free one)`,
      });
    }
    const hasCredentials = env.CLOUDFLARE_API_TOKEN !== undefined || (hasEmail && hasKey);
    const production = env.NODE_ENV === 'production';
    const gatewayMode = env.CREDENTIALS_MODE === 'gateway';
    if (env.AUTH_DISABLED && production) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_DISABLED'],
        message: 'is refused when NODE_ENV=production: it grants every caller every scope',
      });
    }
    if (env.SIMULATOR && (hasCredentials || env.CLOUDFLARE_BASE_URL !== undefined || !gatewayMode)) {
      ctx.addIssue({
        code: 'custom',
        path: ['SIMULATOR'],
        message: 'cannot be combined with Cloudflare credentials, CLOUDFLARE_BASE_URL or CREDENTIALS_MODE=forward',
      });
    }
    for (const origin of (env.CORS_ORIGINS ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)) {
      if (!/^https?:\/\/[^/\s*]+\/?$/.test(origin)) {
        ctx.addIssue({
          code: 'custom',
          path: ['CORS_ORIGINS'],
          message: `entry "${origin}" is not an origin such as https://triage.example.com (wildcards are not allowed)`,
        });
      }
    }
    // Where development auth (every scope, no verifier) would be harmful, refuse to start rather
    // than serve mail to anyone who reaches the port.
    const simulated = gatewayMode && !hasCredentials && env.CLOUDFLARE_BASE_URL === undefined;
    if (gatewayMode && !hasVerifier) {
      if (production) {
        ctx.addIssue({
          code: 'custom',
          path: ['AUTH_JWKS_URL'],
          message:
            'or AUTH_PUBLIC_KEY is required when NODE_ENV=production: without a verifier the gateway would grant every caller every scope (development mode)',
        });
      } else if (!simulated && !env.AUTH_DISABLED) {
        ctx.addIssue({
          code: 'custom',
          path: ['AUTH_PUBLIC_KEY'],
          message: hasCredentials
            ? 'or AUTH_JWKS_URL is required when the gateway calls Cloudflare with its own credentials: without a verifier anyone who reaches the port could read and release mail (AUTH_DISABLED=true opts out for local work against a Cloudflare fake)'
            : 'or AUTH_JWKS_URL is required when CLOUDFLARE_BASE_URL is set in CREDENTIALS_MODE=gateway: without a verifier anyone who reaches the port could read and release mail (AUTH_DISABLED=true opts out for local work against a Cloudflare fake; `npm run token` makes a development key). The gateway also needs CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID for that API: `npm run simulator` prints the ones it accepts',
        });
      }
    }
    if (production && simulated && !env.SIMULATOR) {
      ctx.addIssue({
        code: 'custom',
        path: ['CLOUDFLARE_API_TOKEN'],
        message:
          '(or CLOUDFLARE_EMAIL + CLOUDFLARE_API_KEY) is required when NODE_ENV=production: without credentials the gateway would serve simulated mail (set SIMULATOR=true to do that on purpose)',
      });
    }
    if (hasCredentials && env.CLOUDFLARE_ACCOUNT_ID === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['CLOUDFLARE_ACCOUNT_ID'],
        message: 'is required when Cloudflare credentials are configured',
      });
    }
  }, ALWAYS_CHECK_COMBINATIONS);

export type Env = z.infer<typeof envSchema>;

export type CloudflareCredentials = { kind: 'token'; token: string } | { kind: 'key'; email: string; key: string };

export interface Config {
  nodeEnv: Env['NODE_ENV'];
  /** `simulator` when no credentials and no base URL were given: `npm start` runs on the embedded simulator. */
  upstreamMode: 'cloudflare' | 'simulator';
  credentialsMode: Env['CREDENTIALS_MODE'];
  credentials: CloudflareCredentials | null;
  accountId: string | null;
  baseUrl: string;
  server: { host: string; port: number; keepAliveMs: number };
  log: { level: Env['LOG_LEVEL']; pretty: boolean };
  upstream: {
    timeoutMs: number;
    maxRetries: number;
    retryBaseMs: number;
    retryMaxDelayMs: number;
    retryAfterCapMs: number;
    connections: number;
    searchPollTimeoutMs: number;
    fanoutConcurrency: number;
    maxInFlight: number;
    maxRequestsPerSecond: number;
    requestDeadlineMs: number;
  };
  simulator: { port: number; latencyMs: number };
  auth: {
    jwksUrl: string | null;
    publicKey: string | null;
    issuer: string | null;
    audience: string | null;
    /** AUTH_DISABLED=true: every caller gets every scope although the upstream is not the embedded simulator. */
    disabled: boolean;
  };
  /** Browser origins granted CORS (empty: none). */
  corsOrigins: string[];
  /** Forward mode: cached reads for a credential only within this long of Cloudflare last accepting it. */
  forwardTrustMs: number;
  idempotencyTtlSeconds: number;
  idempotencyLeaseMs: number;
  idempotencyMaxKeys: number;
  budget: {
    enabled: boolean;
    limit: number;
    windowMs: number;
    writeReserve: number;
    safetyMargin: number;
    maxQueueMs: number;
    /** Configured replica count (null: learned from Redis heartbeats only). */
    replicas: number | null;
  };
  cache: {
    enabled: boolean;
    maxEntries: number;
    maxBytes: number;
    ttls: { immutableMs: number; traceMs: number; messageMs: number; searchMs: number; insightsMs: number };
    /** With Redis, how long a replica waits for another one's identical read (SINGLE_FLIGHT_LEASE_MS). */
    flightLeaseMs: number;
  };
  redis: { url: string | null; keyPrefix: string; waitReplicas: number };
  live: {
    pollIntervalMs: number;
    maxPollIntervalMs: number;
    budgetShare: number;
    leaseMs: number;
    overlapMs: number;
    replayEvents: number;
    retentionMs: number;
    maxSubscriptions: number;
    maxPerCaller: number;
    maxTopics: number;
    maxNewTopicsPerMinute: number;
  };
  websocket: { maxConnections: number; maxPayloadBytes: number };
  limits: { maxDepth: number; maxAliases: number; maxTokens: number; maxUpstreamCost: number };
  persistedOperationsOnly: boolean;
  shutdownGraceMs: number;
  graphiql: boolean;
  introspection: boolean;
  /** `_service { sdl }` served (a router composing at run time needs it). */
  subgraphSdl: boolean;
}

export const DEFAULT_CLOUDFLARE_BASE_URL = 'https://api.cloudflare.com/client/v4';

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(`Invalid configuration: ${issues.map((issue) => `${issue.variable} ${issue.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws `ConfigError` naming each bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const relevant = Object.fromEntries(
    Object.keys(envSchema.shape).map((name) => [name, emptyToUndefined(source[name])]),
  );
  const parsed = envSchema.safeParse(relevant);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? 'environment'),
      message: issue.message,
      malformed: issue.code !== 'custom',
    }));
    // A malformed variable is reported as such; a rule about combinations that names it too would
    // only repeat that it is wrong.
    const malformed = new Set(issues.filter((issue) => issue.malformed).map((issue) => issue.variable));
    throw new ConfigError(
      issues
        .filter((issue) => issue.malformed || !malformed.has(issue.variable))
        .map(({ variable, message }) => ({ variable, message })),
    );
  }
  const env = parsed.data;
  const credentials: CloudflareCredentials | null = env.CLOUDFLARE_API_TOKEN
    ? { kind: 'token', token: env.CLOUDFLARE_API_TOKEN }
    : env.CLOUDFLARE_EMAIL && env.CLOUDFLARE_API_KEY
      ? { kind: 'key', email: env.CLOUDFLARE_EMAIL, key: env.CLOUDFLARE_API_KEY }
      : null;
  const upstreamMode =
    credentials === null && env.CLOUDFLARE_BASE_URL === undefined && env.CREDENTIALS_MODE === 'gateway'
      ? 'simulator'
      : 'cloudflare';
  return {
    nodeEnv: env.NODE_ENV,
    upstreamMode,
    credentialsMode: env.CREDENTIALS_MODE,
    credentials,
    accountId: env.CLOUDFLARE_ACCOUNT_ID?.toLowerCase() ?? null,
    baseUrl: (env.CLOUDFLARE_BASE_URL ?? DEFAULT_CLOUDFLARE_BASE_URL).replace(/\/+$/, ''),
    server: { host: env.HOST, port: env.PORT, keepAliveMs: env.SERVER_KEEP_ALIVE_SECONDS * 1000 },
    log: { level: env.LOG_LEVEL, pretty: env.LOG_PRETTY ?? false },
    upstream: {
      timeoutMs: env.UPSTREAM_TIMEOUT_MS,
      maxRetries: env.UPSTREAM_MAX_RETRIES,
      retryBaseMs: env.UPSTREAM_RETRY_BASE_MS,
      retryMaxDelayMs: env.UPSTREAM_RETRY_MAX_DELAY_MS,
      retryAfterCapMs: env.UPSTREAM_RETRY_AFTER_CAP_MS,
      connections: env.UPSTREAM_CONNECTIONS,
      searchPollTimeoutMs: env.UPSTREAM_SEARCH_POLL_TIMEOUT_MS,
      fanoutConcurrency: env.UPSTREAM_FANOUT_CONCURRENCY,
      maxInFlight: env.UPSTREAM_MAX_IN_FLIGHT,
      maxRequestsPerSecond: env.UPSTREAM_MAX_RPS,
      requestDeadlineMs: env.REQUEST_DEADLINE_MS,
    },
    simulator: { port: env.SIMULATOR_PORT, latencyMs: env.SIMULATOR_LATENCY_MS },
    auth: {
      jwksUrl: env.AUTH_JWKS_URL ?? null,
      publicKey: env.AUTH_PUBLIC_KEY ?? null,
      issuer: env.AUTH_ISSUER ?? null,
      audience: env.AUTH_AUDIENCE ?? null,
      disabled: env.AUTH_DISABLED,
    },
    corsOrigins: (env.CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim().replace(/\/+$/, ''))
      .filter(Boolean),
    forwardTrustMs: env.FORWARD_TRUST_SECONDS * 1000,
    idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS,
    idempotencyLeaseMs: env.IDEMPOTENCY_LEASE_MS,
    idempotencyMaxKeys: env.IDEMPOTENCY_MAX_KEYS,
    budget: {
      enabled: env.BUDGET_ENABLED,
      limit: env.BUDGET_LIMIT,
      windowMs: env.BUDGET_WINDOW_SECONDS * 1000,
      writeReserve: Math.min(env.BUDGET_WRITE_RESERVE, env.BUDGET_LIMIT),
      safetyMargin: Math.min(env.BUDGET_SAFETY_MARGIN, env.BUDGET_LIMIT),
      maxQueueMs: env.BUDGET_MAX_QUEUE_MS,
      replicas: env.BUDGET_REPLICAS ?? null,
    },
    cache: {
      enabled: env.CACHE_ENABLED,
      maxEntries: env.CACHE_MAX_ENTRIES,
      maxBytes: env.CACHE_MAX_MB * 1024 * 1024,
      ttls: {
        immutableMs: env.CACHE_TTL_IMMUTABLE_SECONDS * 1000,
        traceMs: env.CACHE_TTL_TRACE_SECONDS * 1000,
        messageMs: env.CACHE_TTL_MESSAGE_SECONDS * 1000,
        searchMs: env.CACHE_TTL_SEARCH_SECONDS * 1000,
        insightsMs: env.CACHE_TTL_INSIGHTS_SECONDS * 1000,
      },
      flightLeaseMs: env.SINGLE_FLIGHT_LEASE_MS,
    },
    redis: { url: env.REDIS_URL ?? null, keyPrefix: env.REDIS_KEY_PREFIX, waitReplicas: env.REDIS_WAIT_REPLICAS },
    live: {
      pollIntervalMs: env.LIVE_POLL_INTERVAL_MS,
      maxPollIntervalMs: Math.max(env.LIVE_MAX_POLL_INTERVAL_MS, env.LIVE_POLL_INTERVAL_MS),
      budgetShare: env.LIVE_BUDGET_SHARE,
      leaseMs: env.LIVE_LEASE_MS,
      overlapMs: env.LIVE_OVERLAP_SECONDS * 1000,
      replayEvents: env.LIVE_REPLAY_EVENTS,
      retentionMs: env.LIVE_REPLAY_SECONDS * 1000,
      maxSubscriptions: env.LIVE_MAX_SUBSCRIPTIONS,
      maxPerCaller: env.LIVE_MAX_PER_CALLER,
      maxTopics: env.LIVE_MAX_TOPICS,
      maxNewTopicsPerMinute: env.LIVE_MAX_NEW_TOPICS_PER_MINUTE,
    },
    websocket: { maxConnections: env.WS_MAX_CONNECTIONS, maxPayloadBytes: env.WS_MAX_PAYLOAD_BYTES },
    limits: {
      maxDepth: env.LIMIT_MAX_DEPTH,
      maxAliases: env.LIMIT_MAX_ALIASES,
      maxTokens: env.LIMIT_MAX_TOKENS,
      maxUpstreamCost: env.LIMIT_MAX_UPSTREAM_CALLS,
    },
    persistedOperationsOnly: env.PERSISTED_OPERATIONS_ONLY,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    graphiql: env.GRAPHIQL ?? env.NODE_ENV !== 'production',
    introspection: env.INTROSPECTION ?? env.NODE_ENV !== 'production',
    subgraphSdl: env.SUBGRAPH_SDL ?? env.INTROSPECTION ?? env.NODE_ENV !== 'production',
  };
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
