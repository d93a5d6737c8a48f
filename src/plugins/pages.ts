/**
 * The pages a browser asks for: `/` (where things are) and GraphiQL, rendered and compressed once per
 * process instead of yoga's per-request, uncompressed 9 MB.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, gzip as gzipCallback, constants as zlibConstants } from 'node:zlib';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { Plugin } from 'graphql-yoga';

const brotli = promisify(brotliCompress);
const gzip = promisify(gzipCallback);

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
function rootPage(graphqlEndpoint: string, graphiql: boolean): string {
  const links = [
    [
      graphqlEndpoint,
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
 * sends it uncompressed). It goes first, so no auth or CSRF check sees a page request; its responses
 * carry their own `Cache-Control`, which `useResponseHeaders` leaves alone.
 */
export function usePages(
  graphqlEndpoint: string,
  graphiqlOptions: Parameters<typeof renderGraphiQL>[0] | null,
): Plugin {
  const root = rootPage(graphqlEndpoint, graphiqlOptions !== null);
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      if (url.pathname === '/') {
        const response = new fetchAPI.Response(request.method === 'HEAD' ? null : root, {
          headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' },
        });
        return endResponse(response);
      }
      const graphiqlPath = url.pathname.endsWith(graphqlEndpoint) || url.pathname.endsWith(`${graphqlEndpoint}/`);
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
      return endResponse(response);
    },
  };
}
