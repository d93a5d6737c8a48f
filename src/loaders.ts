import DataLoader from 'dataloader';
import pLimit, { type LimitFunction } from 'p-limit';
import type { CloudflareClient } from './upstream/client.js';
import { UpstreamNotFoundError } from './upstream/errors.js';
import type { CfDetection, CfMessage, CfTrace } from './upstream/schemas.js';

/** Loader key: a message is only unique within its account. */
export interface MessageKey {
  accountId: string;
  id: string;
}

export interface PreviewKey extends MessageKey {
  /** E4 serves detected messages, E5 any message (contract#endpoints (E4)/E5): the resolver decides which. */
  endpoint: 'detection' | 'any';
}

export interface Preview {
  screenshot: string;
  source: 'detection' | 'any';
}

const messageKey = (key: MessageKey) => `${key.accountId}/${key.id}`;

/**
 * Builds the loaders of ONE GraphQL request. Created in the context factory and dropped with it:
 * their cache lives exactly as long as the request, so identical keys within a request cost one
 * upstream call and nothing is ever served stale to a later request (the RESTDataSource lesson).
 *
 * Investigate has no batch-get, so every key is its own call (DataLoader with `batch: false`); they
 * share one concurrency limit per request (`fanoutConcurrency`).
 * A 404 resolves to `null` (the message or its sub-resource does not exist); every other failure is
 * kept as that key's error so one failing message does not fail its siblings.
 */
export function createLoaders(client: CloudflareClient, options: { concurrency: number }) {
  const limit = pLimit(options.concurrency);
  const single = <K extends MessageKey, V>(
    fetchOne: (key: K) => Promise<V>,
    cacheKeyFn: (key: K) => string = messageKey,
  ) =>
    new DataLoader<K, V | null, string>((keys) => Promise.all(keys.map((key) => runOne(limit, () => fetchOne(key)))), {
      cacheKeyFn,
      // No batch endpoint exists, so collecting keys saves nothing and only makes every key wait for
      // the slowest: per-key loading lets each value (and each @defer part) land as soon as it is
      // back. The per-request cache still deduplicates identical keys.
      batch: false,
    });

  const investigate = client.emailSecurity.investigate;
  return {
    /** E2, primed by E1 search results. */
    message: single<MessageKey, CfMessage>((key) => investigate.get(key.accountId, key.id)),
    /** E3 */
    detection: single<MessageKey, CfDetection>((key) => investigate.detections.get(key.accountId, key.id)),
    /** E7 */
    trace: single<MessageKey, CfTrace>((key) => investigate.trace.get(key.accountId, key.id)),
    /** E4 for detections, E5 for other messages. */
    preview: single<PreviewKey, Preview>(
      async (key) => {
        const result =
          key.endpoint === 'detection'
            ? await investigate.preview.get(key.accountId, key.id)
            : await investigate.preview.create(key.accountId, key.id);
        return { screenshot: result.screenshot, source: key.endpoint };
      },
      (key) => `${messageKey(key)}#${key.endpoint}`,
    ),
    /** E6 */
    raw: single<MessageKey, string>(async (key) => (await investigate.raw.get(key.accountId, key.id)).raw),
    limit,
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

async function runOne<V>(limit: LimitFunction, fetchOne: () => Promise<V>): Promise<V | null | Error> {
  try {
    // Started on the next turn of the event loop, not in the resolver's own microtask: with @defer,
    // the part that is ready (the list) is written to the socket before the CPU of sending a page
    // of per-message calls, so it reaches the client one upstream round trip after the request.
    await new Promise<void>((resolve) => setImmediate(resolve));
    return await limit(fetchOne);
  } catch (error) {
    if (error instanceof UpstreamNotFoundError) return null;
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** After a mutation the touched messages must be read fresh (issue "actions": fresh reads). */
export function clearMessage(loaders: Loaders, key: MessageKey): void {
  loaders.message.clear(key);
  loaders.detection.clear(key);
  loaders.trace.clear(key);
  loaders.raw.clear(key);
  loaders.preview.clear({ ...key, endpoint: 'detection' });
  loaders.preview.clear({ ...key, endpoint: 'any' });
}

/**
 * Empties every per-request cache. A live subscription's context lives as long as the stream: its
 * loaders are emptied after each event, so an idle subscriber holds no message or detection copies
 * (the shared cache keeps them once for everyone).
 */
export function forgetAll(loaders: Loaders): void {
  loaders.message.clearAll();
  loaders.detection.clearAll();
  loaders.trace.clearAll();
  loaders.raw.clearAll();
  loaders.preview.clearAll();
}
