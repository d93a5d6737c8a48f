/**
 * Outermost layer: the shared read cache (../cache.ts), and what the gateway's own answers and
 * writes mean for it, as the catalogue states per endpoint:
 * - a cacheable read is answered from the cache, or stored once validated (with a shorter life
 *   while the catalogue says the answer is still changing);
 * - a list that primes (E1) stores each item as that item's own answer (E2), so opening a message
 *   found by a search costs no call on any replica;
 * - a write makes stale what its entry's `invalidates` names, whatever its outcome (it may have
 *   been applied even when the answer was lost);
 * - a bulk job seen finished for the first time makes the account's messages stale (the job moved
 *   or released messages nobody listed).
 */
import { LRUCache } from 'lru-cache';
import type { UpstreamObserver } from '../call-types.js';
import type { Invalidation, ResponseCache } from '../cache.js';
import type { EndpointId } from '../endpoints.js';
import { toEnvelope } from '../envelope.js';
import type { Answer, CallLayer, UpstreamCall } from './chain.js';
import { validated } from './validate.js';

export interface CacheLayerOptions {
  /** The path an endpoint is called on (base path included), as the call would send it. */
  pathOf(endpoint: EndpointId, pathParams: Record<string, string>): string;
  processObserver: UpstreamObserver;
}

export function cacheLayer(cache: ResponseCache, options: CacheLayerOptions): CallLayer {
  const hit = (call: UpstreamCall) => {
    call.options.observer?.onCacheHit?.(call.endpoint);
    options.processObserver.onCacheHit?.(call.endpoint);
  };

  const invalidate = async (call: UpstreamCall, kind: Invalidation['kind']) => {
    const { pathParams, body } = call.options;
    const scope = pathParams.account_id ?? pathParams.scope_id ?? '';
    const ids = pathParams.investigate_id ? [pathParams.investigate_id] : ((body as { ids?: string[] })?.ids ?? []);
    try {
      await cache.invalidate({ scope, kind, ids });
    } catch (error) {
      call.logger.error({ err: error, upstream: call.endpoint }, 'could not invalidate the read cache after a write');
    }
  };

  /** A search's messages, each stored as its E2 answer (not for submissions: E2 reads those with `submission`). */
  const prime = async (call: UpstreamCall, answer: Answer, endpoint: EndpointId) => {
    if (!call.cacheKey || call.options.query?.submissions) return;
    const items = (answer.envelope?.result ?? []) as { id: string }[];
    const accountId = call.options.pathParams.account_id ?? '';
    await cache.prime(
      call.cacheKey,
      items.map((item) => {
        const pathParams = { account_id: accountId, investigate_id: item.id };
        return {
          parts: {
            credential: call.credential,
            endpoint,
            pathParams,
            request: requestKey(options.pathOf(endpoint, pathParams), '', undefined),
          },
          value: JSON.stringify({ success: true, errors: [], messages: [], result: item }),
        };
      }),
    );
  };

  /** Jobs already seen finished (per process): each invalidates once, not on every later poll. */
  const finished = new LRUCache<string, true>({ max: 10_000 });
  const noteFinishedJobs = async (call: UpstreamCall, answer: Answer) => {
    const finishedJobs = call.definition.finishedJobs;
    if (!finishedJobs || !answer.envelope) return;
    const scope = call.options.pathParams.account_id ?? '';
    const fresh = finishedJobs(validated(call, answer).result).filter((id) => !finished.has(`${scope}/${id}`));
    if (fresh.length === 0) return;
    for (const id of fresh) finished.set(`${scope}/${id}`, true);
    await invalidate(call, 'account');
  };

  return (next) => async (call) => {
    const { definition } = call;
    if (call.isRead && definition.finishedJobs) {
      const answer = await next(call);
      await noteFinishedJobs(call, answer);
      return answer;
    }
    if (!call.isRead) {
      const kind = definition.invalidates;
      if (!kind) return next(call);
      try {
        return await next(call);
      } finally {
        await invalidate(call, kind);
      }
    }
    const found = await cache.lookup({
      credential: call.credential,
      endpoint: call.endpoint,
      pathParams: call.options.pathParams,
      request: requestKey(call.path, call.search, call.options.body),
    });
    if (!found) return next(call);
    const { key, value: cached } = found;
    call.cacheKey = key;
    if (!call.options.fresh) {
      if (cached !== undefined) {
        hit(call);
        return { status: 200, envelope: toEnvelope(JSON.parse(cached)), rateLimit: null, attempts: 0, source: 'cache' };
      }
    }
    const answer = await next(call);
    if (answer.source === 'flight') hit(call);
    if (answer.source !== 'upstream' || !answer.envelope) return answer;
    // Validated before it is stored: a 200 with wrong field types must not be served from the cache
    // after Cloudflare recovers (it would fail for a whole TTL with 0 upstream calls).
    const { result } = validated(call, answer);
    // Not awaited: the caller has its answer. The entry goes out before any later read on the store's
    // connection; a search's primed messages follow a round trip later (their generations are read
    // first), and a read that comes in between simply calls.
    const stored = cache
      .set(key, call.endpoint, answer.text ?? JSON.stringify(answer.envelope), result)
      .then(() => (definition.primesItemsAs ? prime(call, answer, definition.primesItemsAs) : undefined));
    stored.catch((error: unknown) =>
      call.logger.warn({ err: error, upstream: call.endpoint }, 'could not store an answer in the read cache'),
    );
    return answer;
  };
}

/** The request part of a cache key: path + query (+ the body of a read sent as POST, E5). */
const requestKey = (path: string, search: string, body: unknown) =>
  `${path}${search}${body === undefined ? '' : `#${JSON.stringify(body)}`}`;
