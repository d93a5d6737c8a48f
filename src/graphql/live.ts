/**
 * What the live subscriptions (`triageQueue`, `bulkJobProgress`) share: the poller's own upstream
 * client and the caller's resume point.
 */
import { resolveCredentials, SCOPES } from '../auth.js';
import type { GatewayContext } from '../context.js';
import { isEventId } from '../live/store.js';
import { type CloudflareClient, createCloudflareClient } from '../upstream/client.js';
import { fingerprintCredentials } from '../upstream/fingerprint.js';
import { reservationSignal } from '../transports/http-streams.js';
import { badUserInput, gatewayError } from './errors.js';

/**
 * A client for a topic's poller. It outlives the subscriber that created it (others share the
 * poller), so it is bound to no request: no request signal, no per-request deadline.
 */
export function pollerClient(context: GatewayContext): { client: CloudflareClient; credential: string } {
  // Scope-auth checks a subscription field when its events resolve, after `subscribe` has run; a
  // caller without the read scope must not start (or keep) a poller, so check before anything else.
  if (!context.auth.scopes.has(SCOPES.read))
    throw gatewayError(
      'FORBIDDEN',
      `Live subscriptions require the ${SCOPES.read} scope, which the caller (${context.auth.subject}) does not have`,
    );
  const services = context.services;
  const credentials = resolveCredentials(services.config, context.request);
  if (!credentials)
    throw gatewayError(
      'UNAUTHENTICATED',
      'No Cloudflare credentials: send Authorization: Bearer <token> or X-Auth-Email + X-Auth-Key',
    );
  const client = createCloudflareClient(services.http, {
    credentials,
    deadlineMs: 0,
    logger: services.logger.child({ component: 'live-poller' }),
  });
  return { client, credential: fingerprintCredentials(credentials) };
}

/**
 * Where a reconnecting client resumes: the `lastEventId` argument, else the `Last-Event-ID` header an
 * EventSource sends by itself. Null: a new subscription.
 */
export function resumePoint(context: GatewayContext, argument: string | null | undefined): string | null {
  const value = argument ?? context.request.headers.get('last-event-id');
  if (value === null || value === undefined || value === '') return null;
  if (!isEventId(value)) throw badUserInput('`lastEventId` is not an event id issued by this gateway', ['lastEventId']);
  return value;
}

/**
 * Runs a live stream so that a transport's `return()` ends it at once. An async generator that is
 * awaiting its next event cannot run `return()` until that await settles, and graphql-ws, graphql-sse
 * and yoga all call `return()` and wait for it when a client leaves: so `return()` here first fires
 * the stream's own signal (which settles the await) and releases the subscription.
 */
export function liveStream<T>(
  context: GatewayContext,
  subscription: { leave(): void },
  run: (signal: AbortSignal) => AsyncGenerator<T>,
): AsyncIterableIterator<T> {
  const stop = new AbortController();
  const signals = [context.signal, stop.signal];
  const reservation = reservationSignal(context.request);
  if (reservation) signals.push(reservation);
  const signal = AbortSignal.any(signals);
  signal.addEventListener('abort', () => subscription.leave(), { once: true });
  const inner = run(signal);
  const end = (): IteratorReturnResult<undefined> => {
    stop.abort();
    subscription.leave();
    void inner.return(undefined).catch(() => undefined);
    return { done: true, value: undefined };
  };
  return {
    next: () => inner.next(),
    return: async () => end(),
    throw: async () => end(),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
