import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { createYoga } from 'graphql-yoga';
import { createContextFactory, type GatewayContext, type GatewayServices } from './context.js';
import { maskError } from './graphql/errors.js';
import { schema } from './graphql/index.js';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { useGraphQLSSE } from '@graphql-yoga/plugin-graphql-sse';
import {
  useApolloMultipartSubscriptions,
  useLiveEventIds,
  useSseEventIds,
  useStreamReservationOwner,
} from './transports/http-streams.js';
import { useAuthentication } from './plugins/authentication.js';
import { useQueryCancellation } from './plugins/cancellation.js';
import { useProductionErrorHygiene } from './plugins/error-hygiene.js';
import { useIncrementalErrorMasking } from './plugins/incremental-errors.js';
import { useLimits } from './plugins/limits.js';
import { usePages } from './plugins/pages.js';
import { useMetrics } from './plugins/metrics.js';
import { useOperationTracing } from './plugins/operation-tracing.js';
import { usePersistedOperationsOnly } from './plugins/persisted.js';
import { useReadiness } from './plugins/readiness.js';
import { useRequestLog } from './plugins/request-log.js';
import { useResponseHeaders } from './plugins/response-headers.js';
import { useSubgraphSdlGuard } from './plugins/subgraph-sdl-guard.js';

/** The query GraphiQL opens with: an analyst's triage page. */
export const DEFAULT_GRAPHIQL_QUERY = /* GraphQL */ `# Triage: the newest detections with their verdict details.
# Each message's detection is one Cloudflare call, run concurrently and deduplicated.
query TriagePage {
  messages(first: 10, filter: { detectionsOnly: true }) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      subject
      from
      scannedAt
      finalDisposition
      isQuarantined
      detection {
        action
        threatCategories { name }
        links { href }
        attachments { filename sha256 }
      }
    }
  }
}
`;

/** GraphiQL's second tab: the live triage queue (run it, then watch new mail arrive). */
export const LIVE_GRAPHIQL_QUERY = /* GraphQL */ `# The live triage queue: the newest detections, then each new one as it arrives.
# One Cloudflare poll serves everyone watching the same filter, on every replica.
subscription LiveTriageQueue {
  triageQueue(first: 10, filter: { detectionsOnly: true }) {
    eventId
    kind
    messages {
      id
      subject
      from
      scannedAt
      finalDisposition
      detection { action threatCategories { name } }
    }
  }
}
`;

const GRAPHQL_ENDPOINT = '/graphql';
/** graphql-sse's own endpoint (its single-connection mode needs a PUT reservation yoga's SSE has not). */
export const GRAPHQL_SSE_ENDPOINT = `${GRAPHQL_ENDPOINT}/stream`;

/**
 * CORS is closed unless `CORS_ORIGINS` names the origin: no Access-Control-* header at all for any
 * other page, and credentials (cookies) are never granted — callers authenticate with a bearer token.
 */
function corsFor(allowed: readonly string[]) {
  if (allowed.length === 0) return false as const;
  const allowList = new Set(allowed);
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (!origin || !allowList.has(origin)) return false as const;
    return {
      origin: [origin],
      credentials: false,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: [
        'authorization',
        'content-type',
        'accept',
        'x-request-id',
        'x-graphql-yoga-csrf',
        'traceparent',
        'last-event-id',
        'x-graphql-event-stream-token',
      ],
      maxAge: 600,
    };
  };
}

/** Builds the yoga instance; `server.ts` is the only file that listens, tests call `yoga.fetch`. */
export function createGatewayYoga(services: GatewayServices) {
  const production = services.config.nodeEnv === 'production';
  const pages = usePages(
    GRAPHQL_ENDPOINT,
    services.config.graphiql
      ? // POST for every operation: GraphiQL would otherwise subscribe (SSE) with a GET, which cannot
        // pass CSRF prevention; a JSON POST is never a "simple" request.
        {
          title: 'Email Security gateway',
          defaultTabs: [{ query: DEFAULT_GRAPHIQL_QUERY }, { query: LIVE_GRAPHIQL_QUERY }],
          method: 'POST',
        }
      : null,
  );
  return createYoga<Record<string, never>, GatewayContext>({
    schema,
    context: createContextFactory(services),
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    cors: corsFor(services.config.corsOrigins),
    healthCheckEndpoint: '/health',
    landingPage: false,
    maskedErrors: { maskError },
    logging: {
      debug: (...args) => services.logger.debug(args.map(String).join(' ')),
      info: (...args) => services.logger.info(args.map(String).join(' ')),
      warn: (...args) => services.logger.warn(args.map(String).join(' ')),
      // A client that goes away is routine, not an error of the gateway.
      error: (...args) => {
        const text = args.map(String).join(' ');
        if (/aborted/i.test(text)) services.logger.debug(text);
        else services.logger.error(text);
      },
    },
    // Served by usePages (compressed, cacheable).
    graphiql: false,
    plugins: [
      pages,
      // First: nobody reaches parsing, validation or a resolver without a valid credential.
      useAuthentication(services, [GRAPHQL_ENDPOINT, GRAPHQL_SSE_ENDPOINT]),
      // A browser cannot send a custom header cross-site without a CORS preflight, so requiring one
      // on "simple" requests (GET, form posts) stops CSRF; JSON POSTs are never simple. The
      // credential headers count too: urql sends its queries as GET with `Authorization`.
      useCSRFPrevention({
        requestHeaders: ['x-graphql-yoga-csrf', 'apollo-require-preflight', 'authorization', 'x-auth-key'],
      }),
      // graphql-sse's protocol, including its single-connection mode, at /graphql/stream.
      useStreamReservationOwner(GRAPHQL_SSE_ENDPOINT),
      useGraphQLSSE({ endpoint: GRAPHQL_SSE_ENDPOINT }),
      useLiveEventIds(),
      useSseEventIds(),
      useApolloMultipartSubscriptions(),
      useQueryCancellation(),
      // @defer / @stream: a triage UI renders the list after one upstream round trip and each
      // detection as it lands (multipart/mixed or SSE).
      useDeferStream(),
      useIncrementalErrorMasking(maskError),
      ...(services.config.persistedOperationsOnly ? [usePersistedOperationsOnly()] : []),
      ...(services.config.introspection ? [] : [useDisableIntrospection()]),
      // "Did you mean …?" would describe the schema that disabled introspection hides.
      ...(production ? [blockFieldSuggestionsPlugin(), useProductionErrorHygiene()] : []),
      ...(services.config.subgraphSdl ? [] : [useSubgraphSdlGuard()]),
      useResponseHeaders(GRAPHQL_ENDPOINT, services.config.corsOrigins.length > 0),
      ...useLimits(services.config.limits),
      useReadiness(services),
      useMetrics(services),
      useOperationTracing(services),
      useRequestLog(),
    ],
  });
}

export type GatewayYoga = ReturnType<typeof createGatewayYoga>;
