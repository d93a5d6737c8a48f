/**
 * Subscriptions over plain HTTP, beside yoga's own GraphQL-over-SSE: event ids a reconnecting client
 * can resume from, and Apollo's multipart subscription protocol.
 */
import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import type { GatewayContext } from '../context.js';
import { authenticationOf } from '../plugins/authentication.js';

type Result = ExecutionResult & { stringify?: (result: ExecutionResult) => string };

/**
 * Each live event's id goes into the result's `extensions.eventId` on every transport (the resolver
 * of a live field records it on the context just before the result is built), so any client can
 * resume with `lastEventId`.
 */
export function useLiveEventIds(): Plugin<GatewayContext> {
  return {
    onSubscribe({ args }) {
      const context = args.contextValue as GatewayContext;
      return {
        onSubscribeResult() {
          return {
            onNext({ result, setResult }) {
              const eventId = context.liveEventId;
              if (eventId === undefined) return;
              context.liveEventId = undefined;
              setResult({ ...result, extensions: { ...result.extensions, eventId } });
            },
          };
        },
      };
    },
  };
}

function accepts(request: Request, mediaType: string): boolean {
  return (request.headers.get('accept') ?? '').toLowerCase().includes(mediaType);
}

/**
 * GraphQL over SSE with `id:` lines: an EventSource (or any SSE client) that reconnects sends the
 * last one back as `Last-Event-ID`, and the live field resumes there. yoga keeps the framing; each
 * event's serialisation adds the id field after its data line.
 */
export function useSseEventIds(): Plugin {
  return {
    onResultProcess({ request, result, setResult }) {
      if (!isAsyncIterable(result) || !accepts(request, 'text/event-stream')) return;
      setResult(
        mapResults(result as AsyncIterable<Result>, (part) => {
          const eventId = (part.extensions as { eventId?: unknown } | undefined)?.eventId;
          if (typeof eventId !== 'string') return part;
          return { ...part, stringify: (value: ExecutionResult) => `${JSON.stringify(value)}\nid: ${eventId}` };
        }),
      );
    },
  };
}

/** Apollo's heartbeat period: proxies keep a silent connection open only so long. */
const HEARTBEAT_MS = 5_000;
const BOUNDARY = 'graphql';

/**
 * Apollo's multipart HTTP subscription protocol (`accept: multipart/mixed;subscriptionSpec=1.0`),
 * which Apollo Client 3.7+ and 4 use for subscriptions over HTTP (and the Router speaks): one part per
 * event, `{"payload": <result>}`, a `{}` heartbeat every 5 s, and `--graphql--` at the end. yoga's
 * own multipart is incremental delivery (@defer), not this, so subscriptions would be a 406.
 */
export function useApolloMultipartSubscriptions(): Plugin {
  return {
    onResultProcess({ request, result, resultProcessor, setResultProcessor }) {
      const accept = (request.headers.get('accept') ?? '').toLowerCase().replace(/\s/g, '');
      if (!/multipart\/mixed;[^,]*subscriptionspec=("?)1\.0\1/.test(accept)) return;
      // A subscription refused before it started (FORBIDDEN, BAD_USER_INPUT, …) is one result: a
      // client that accepts JSON gets it as JSON; one that accepts only this protocol gets it as
      // the protocol's single part, not a 406.
      if (!isAsyncIterable(result) && resultProcessor) return;
      setResultProcessor((input, fetchAPI) => {
        const iterator = isAsyncIterable(input)
          ? (input as AsyncIterable<Result>)[Symbol.asyncIterator]()
          : (async function* () {
              yield input as Result;
            })();
        const encoder = new fetchAPI.TextEncoder();
        // Each part is closed by the next delimiter at once: a client hands a part over only when it
        // sees the delimiter after it, and the next event may be minutes away.
        const part = (json: string) =>
          encoder.encode(`\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${json}\r\n--${BOUNDARY}`);
        let heartbeat: NodeJS.Timeout | undefined;
        const stream = new fetchAPI.ReadableStream<Uint8Array>({
          start(controller) {
            heartbeat = setInterval(() => {
              if ((controller.desiredSize ?? 0) > 0) controller.enqueue(part('{}'));
            }, HEARTBEAT_MS);
            // The opening delimiter and a first heartbeat: the client sees the subscription is open.
            controller.enqueue(encoder.encode(`\r\n--${BOUNDARY}`));
            controller.enqueue(part('{}'));
          },
          async pull(controller) {
            try {
              const next = await iterator.next();
              if (next.done) {
                clearInterval(heartbeat);
                controller.enqueue(encoder.encode('--\r\n'));
                controller.close();
                return;
              }
              const { stringify: _ignored, ...payload } = next.value;
              controller.enqueue(part(JSON.stringify({ payload })));
            } catch {
              // A transport-level error ends the subscription (the protocol's `payload: null` form).
              clearInterval(heartbeat);
              controller.enqueue(
                part(JSON.stringify({ payload: null, errors: [{ message: 'The subscription failed' }] })),
              );
              controller.enqueue(encoder.encode('--\r\n'));
              controller.close();
            }
          },
          async cancel() {
            clearInterval(heartbeat);
            await iterator.return?.();
          },
        });
        return new fetchAPI.Response(stream, {
          status: 200,
          headers: {
            'content-type': `multipart/mixed;boundary="${BOUNDARY}";subscriptionSpec="1.0"`,
            'cache-control': 'no-cache',
          },
        });
      }, 'multipart/mixed');
    },
  };
}

async function* mapResults(source: AsyncIterable<Result>, map: (part: Result) => Result): AsyncGenerator<Result> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    while (true) {
      const next = await iterator.next();
      if (next.done) return;
      yield map(next.value);
    }
  } finally {
    await iterator.return?.();
  }
}

const STREAM_TOKEN_HEADER = 'x-graphql-event-stream-token';

/**
 * graphql-sse's single-connection mode hands out a reservation token (PUT) that later requests
 * present to open the stream or to run operations in it. The token alone would let any other
 * authenticated caller who learned it read that stream: it is bound here to the caller who made
 * the reservation, and its operations end with its stream (or after 30 s if the stream never
 * opens). (Runs after authentication, before the graphql-sse plugin.)
 */
/** Until a reservation's stream opens, operations sent into it wait at most this long. */
const RESERVATION_OPEN_WITHIN_MS = 30_000;

interface Reservation {
  owner: string;
  /** Aborted when the reservation's stream closes, or when it was not opened in time. */
  controller: AbortController;
  opening: NodeJS.Timeout | null;
}

/** By reservation token; bounded (the oldest reservations are ended first). */
const reservations = new LRUCache<string, Reservation>({
  max: 50_000,
  dispose: (reservation) => {
    if (reservation.opening) clearTimeout(reservation.opening);
    reservation.controller.abort();
  },
});

function reservationToken(request: Request): string | null {
  return request.headers.get(STREAM_TOKEN_HEADER) ?? new URL(request.url).searchParams.get('token');
}

/**
 * The signal that ends every operation a graphql-sse reservation runs: graphql-sse keeps them going
 * for a stream that may never open, or after it closed, so the gateway ends them itself (their
 * pollers stop, the caller's slots come back). Null outside a reservation.
 */
export function reservationSignal(request: Request): AbortSignal | null {
  const token = reservationToken(request);
  return token ? (reservations.get(token)?.controller.signal ?? null) : null;
}

export function useStreamReservationOwner(endpoint: string): Plugin {
  const onEndpoint = (url: URL) => url.pathname.endsWith(endpoint);
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (!onEndpoint(url)) return;
      const token = reservationToken(request);
      const reservation = token ? reservations.get(token) : undefined;
      if (!reservation) return;
      if (reservation.owner === authenticationOf(request)?.subject) {
        if (request.method === 'GET' && token) {
          // The stream opens: its end (the client leaving included) ends the reservation.
          if (reservation.opening) clearTimeout(reservation.opening);
          reservation.opening = null;
          request.signal.addEventListener('abort', () => reservations.delete(token), { once: true });
        }
        if (request.method === 'DELETE' && token && !url.searchParams.has('operationId')) reservations.delete(token);
        return;
      }
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({
            errors: [
              { message: 'This event stream was reserved by another caller', extensions: { code: 'FORBIDDEN' } },
            ],
          }),
          { status: 403, headers: { 'content-type': 'application/json; charset=utf-8' } },
        ),
      );
    },
    async onResponse({ request, response }) {
      if (request.method !== 'PUT' || response.status !== 201 || !onEndpoint(new URL(request.url))) return;
      const owner = authenticationOf(request)?.subject;
      if (!owner) return;
      const token = await response.clone().text();
      const opening = setTimeout(() => reservations.delete(token), RESERVATION_OPEN_WITHIN_MS);
      opening.unref();
      reservations.set(token, { owner, controller: new AbortController(), opening });
    },
  };
}
