import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, gzip as gzipCallback, constants as zlibConstants } from 'node:zlib';
import { createYoga, type Plugin } from 'graphql-yoga';
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
const brotli = promisify(brotliCompress);
const gzip = promisify(gzipCallback);
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

/** Content codings the GraphiQL page is served in, best first (br is ~20 % smaller than gzip here). */
const PAGE_ENCODINGS = ['br', 'gzip'] as const;
type PageEncoding = (typeof PAGE_ENCODINGS)[number];

/** The first of `PAGE_ENCODINGS` the request's Accept-Encoding allows (a `q=0` entry refuses it). */
function preferredEncoding(acceptEncoding: string | null): PageEncoding | null {
  const accepted = new Map<string, number>();
  for (const entry of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [coding, ...parameters] = entry.trim().split(';');
    const q = parameters.map((parameter) => /^\s*q=([\d.]+)\s*$/.exec(parameter)?.[1]).find(Boolean);
    if (coding) accepted.set(coding, q === undefined ? 1 : Number(q));
  }
  return PAGE_ENCODINGS.find((coding) => (accepted.get(coding) ?? accepted.get('*') ?? 0) > 0) ?? null;
}

interface StaticPage {
  etag: string;
  bodies: Record<PageEncoding | 'identity', Uint8Array<ArrayBuffer>>;
}

/**
 * GraphiQL's page inlines its whole bundle (about 9 MB): rendered and compressed once per process, on
 * the first request that asks for it (about 1 s of CPU, off the event loop), and kept. Brotli quality
 * 5: quality 11 saves another 10 % for 40 s of CPU.
 */
let graphiqlPage: Promise<StaticPage> | null = null;
function renderGraphiQLPage(options: Parameters<typeof renderGraphiQL>[0]): Promise<StaticPage> {
  graphiqlPage ??= (async () => {
    const html = Buffer.from(renderGraphiQL(options));
    const [br, gzipped] = await Promise.all([
      brotli(html, {
        params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: html.length },
      }),
      gzip(html, { level: 6 }),
    ]);
    const etag = createHash('sha256').update(html).digest('base64url').slice(0, 27);
    return { etag, bodies: { identity: html, br, gzip: gzipped } };
  })();
  return graphiqlPage;
}

/** `/`: a newcomer's first URL. Says where things are instead of a blank 404; names nothing secret. */
function rootPage(graphiql: boolean): string {
  const links = [
    [
      GRAPHQL_ENDPOINT,
      `${graphiql ? 'GraphiQL in a browser; ' : ''}GraphQL over HTTP (POST, GET), server-sent events and WebSocket`,
    ],
    ['/health', 'liveness: the process answers'],
    ['/ready', 'readiness: configured, and Cloudflare (or the simulator) reachable'],
    ['/metrics', 'Prometheus metrics'],
  ];
  const items = links.map(([path, what]) => `<li><a href="${path}">${path}</a>: ${what}</li>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Email Security gateway</title></head><body><h1>Email Security gateway</h1><ul>${items}</ul></body></html>\n`;
}

/**
 * Serves `/` and the GraphiQL page (yoga's own GraphiQL is off: it re-renders 9 MB per request and
 * sends it uncompressed). Two plugins: `serve` goes first, so no auth or CSRF check sees a page
 * request; `keepCacheable` goes after `useResponseHeaders`, whose `no-store` is for GraphQL answers,
 * not for a static page.
 */
function usePages(graphiqlOptions: Parameters<typeof renderGraphiQL>[0] | null) {
  const pageResponses = new WeakSet<Response>();
  const root = rootPage(graphiqlOptions !== null);
  const serve: Plugin = {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      if (url.pathname === '/') {
        const response = new fetchAPI.Response(request.method === 'HEAD' ? null : root, {
          headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' },
        });
        pageResponses.add(response);
        return endResponse(response);
      }
      const graphiqlPath = url.pathname.endsWith(GRAPHQL_ENDPOINT) || url.pathname.endsWith(`${GRAPHQL_ENDPOINT}/`);
      if (!graphiqlOptions || !graphiqlPath || !request.headers.get('accept')?.includes('text/html')) return;
      const page = await renderGraphiQLPage(graphiqlOptions);
      const encoding = preferredEncoding(request.headers.get('accept-encoding'));
      // One ETag per representation: a cache must not answer a gzip request with its brotli copy.
      const etag = `"${page.etag}${encoding ? `-${encoding}` : ''}"`;
      const headers: Record<string, string> = {
        etag,
        // Kept by the browser and revalidated: a repeat visit is a 304 of a few bytes, and a new
        // gateway version's page is picked up at once.
        'cache-control': 'no-cache',
        vary: 'Accept-Encoding',
      };
      const notModified = (request.headers.get('if-none-match') ?? '')
        .split(',')
        .some((tag) => tag.trim().replace(/^W\//, '') === etag);
      const response = notModified
        ? new fetchAPI.Response(null, { status: 304, headers })
        : new fetchAPI.Response(request.method === 'HEAD' ? null : page.bodies[encoding ?? 'identity'], {
            headers: {
              ...headers,
              'content-type': 'text/html; charset=utf-8',
              ...(encoding ? { 'content-encoding': encoding } : {}),
            },
          });
      pageResponses.add(response);
      return endResponse(response);
    },
  };
  const keepCacheable: Plugin = {
    onResponse({ response }) {
      if (pageResponses.has(response)) response.headers.set('cache-control', 'no-cache');
    },
  };
  return { serve, keepCacheable };
}

/** Builds the yoga instance; `server.ts` is the only file that listens, tests call `yoga.fetch`. */
export function createGatewayYoga(services: GatewayServices) {
  const production = services.config.nodeEnv === 'production';
  const pages = usePages(
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
      pages.serve,
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
      pages.keepCacheable,
      ...useLimits(services.config.limits),
      useReadiness(services),
      useMetrics(services),
      useOperationTracing(services),
      useRequestLog(),
    ],
  });
}

export type GatewayYoga = ReturnType<typeof createGatewayYoga>;
