/**
 * `bulkJobProgress`: follow a bulk job (E14) over server-sent events until it finishes. Cloudflare has
 * no push for bulk jobs, so the gateway polls, with a growing interval and a lifetime bound.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { GraphQLError } from 'graphql';
import type { GatewayContext } from '../../context.js';
import type { CfBulkJob } from '../../upstream/schemas.js';
import { accountIdArgOptions, resolveAccountId } from '../account.js';
import { builder } from '../builder.js';
import { gatewayError, isNotFound } from '../errors.js';
import { jobIdSchema, parseArgument } from '../validation.js';
import { BulkJobRef, type BulkJobShape, isTerminalJob } from './bulk.js';
/** Poll schedule of `bulkJobProgress`: 250 ms, ×1.5 per poll, at most 2 s between polls. */
export const PROGRESS_POLL_START_MS = 250;
export const PROGRESS_POLL_FACTOR = 1.5;
export const PROGRESS_POLL_MAX_MS = 2000;
/** A subscription ends after this long even if the job is still running (re-subscribe to go on). */
export const PROGRESS_MAX_LIFETIME_MS = 30 * 60 * 1000;

type ProgressEvent = BulkJobShape | GraphQLError | Error;

/**
 * Polls E14 and yields the job whenever it changed, until it is terminal. Cloudflare has no push for
 * bulk jobs, so polling is the only source; the growing interval keeps one subscriber at ≤ 1 call per
 * 2 s (≈150 of Cloudflare's 1,200 calls per 5 minutes, reference §1.6) however long the job runs.
 * Errors are yielded, not thrown: `resolve` turns them into a GraphQL error event and the stream then
 * completes cleanly (a thrown iterator error would only abort the SSE body).
 */
async function* watchJob(context: GatewayContext, accountId: string, id: string): AsyncGenerator<ProgressEvent> {
  // The client's disconnect (request signal) or the lifetime bound stops the sleeps and the loop.
  const signal = AbortSignal.any([context.signal, AbortSignal.timeout(PROGRESS_MAX_LIFETIME_MS)]);
  let delay = PROGRESS_POLL_START_MS;
  let last: string | null = null;
  while (!signal.aborted) {
    let job: CfBulkJob;
    try {
      job = await context.client.emailSecurity.investigate.bulk.get(accountId, id);
    } catch (error) {
      if (signal.aborted) return;
      if (isNotFound(error)) {
        yield gatewayError('NOT_FOUND', `Bulk job ${id} not found (never created, or deleted)`);
        return;
      }
      yield error as Error;
      return;
    }
    if (signal.aborted) return;
    const fingerprint = JSON.stringify(job);
    if (fingerprint !== last) {
      last = fingerprint;
      yield { ...job, accountId };
    }
    if (isTerminalJob(job)) return;
    try {
      await sleep(delay, undefined, { signal });
    } catch {
      return;
    }
    delay = Math.min(PROGRESS_POLL_MAX_MS, delay * PROGRESS_POLL_FACTOR);
  }
}

builder.subscriptionFields((t) => ({
  bulkJobProgress: t.field({
    type: BulkJobRef,
    nullable: false,
    description: `Follow a bulk job until it finishes, over server-sent events (send \`accept: text/event-stream\`). The gateway polls E14 (first at once, then every ${PROGRESS_POLL_START_MS} ms growing ×${PROGRESS_POLL_FACTOR} to at most ${PROGRESS_POLL_MAX_MS / 1000} s), emits the job only when it changed, and completes the stream after emitting a terminal state (COMPLETED, FAILED, CANCELLED, SKIPPED, or an unknown status with \`completedAt\`). An unknown job ends the stream with a NOT_FOUND error. Polling stops when the client disconnects. The stream ends after ${PROGRESS_MAX_LIFETIME_MS / 60_000} minutes even if the job still runs: re-subscribe when the last event has \`isTerminal: false\`.`,
    args: {
      id: t.arg.id({ required: true, description: 'Job id.' }),
      accountId: t.arg.string(accountIdArgOptions),
    },
    subscribe: (_root, args, context) => {
      // Validated before the stream starts: a bad id or account is a plain error response, no call.
      const accountId = resolveAccountId(context, args.accountId);
      const id = parseArgument(jobIdSchema, args.id, 'id');
      return watchJob(context, accountId, id);
    },
    resolve: (event) => {
      if (event instanceof Error) throw event;
      return event;
    },
  }),
}));
