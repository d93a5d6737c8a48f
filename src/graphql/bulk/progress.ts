/**
 * `bulkJobProgress`: follow a bulk job (E14) until it finishes. Cloudflare has no push for bulk jobs,
 * so the gateway polls: one poller per job for every watcher on every replica (src/live/hub.ts).
 */
import type { GraphQLError } from 'graphql';
import type { LiveEvent } from '../../live/store.js';
import type { LiveSubscription } from '../../live/hub.js';
import {
  type BulkJobPayload,
  bulkJobSource,
  PROGRESS_POLL_FACTOR,
  PROGRESS_POLL_MAX_MS,
  PROGRESS_POLL_START_MS,
} from '../../live/sources.js';
import { accountIdArgOptions, resolveAccountId } from '../account.js';
import { builder, cloudflareCalls } from '../builder.js';
import { gatewayError, isNotFound } from '../errors.js';
import { liveStream, pollerClient } from '../live.js';
import { jobIdSchema, parseArgument } from '../validation.js';
import { BulkJobRef, type BulkJobShape, isTerminalJob } from './types.js';

/** A subscription ends after this long even if the job is still running (re-subscribe to go on). */
export const PROGRESS_MAX_LIFETIME_MS = 30 * 60 * 1000;

type ProgressEvent = BulkJobShape | GraphQLError;

function toProgress(event: LiveEvent, accountId: string, id: string): ProgressEvent {
  const payload = JSON.parse(event.payload) as Partial<BulkJobPayload> & { notFound?: boolean };
  if (!payload.job) return gatewayError('NOT_FOUND', `Bulk job ${id} not found (never created, or deleted)`);
  return { ...payload.job, accountId };
}

const finished = (event: ProgressEvent) => !('status' in event) || isTerminalJob(event);

/**
 * The job's current state (if the poller has one), then each change until it is terminal. Errors are
 * yielded, not thrown: `resolve` turns them into a GraphQL error event and the stream then completes
 * cleanly (a thrown iterator error would only abort the SSE body).
 */
async function* watchJob(
  subscription: LiveSubscription,
  accountId: string,
  id: string,
  stopped: AbortSignal,
): AsyncGenerator<ProgressEvent> {
  const signal = AbortSignal.any([stopped, AbortSignal.timeout(PROGRESS_MAX_LIFETIME_MS)]);
  try {
    const current = await subscription.last();
    let cursor = current?.id ?? subscription.lastId();
    if (current) {
      const event = toProgress(current, accountId, id);
      yield event;
      if (finished(event)) return;
    }
    while (!signal.aborted) {
      // A gap only means intermediate states are gone; the newest state is what matters.
      const { events, ended } = await subscription.next(cursor, signal);
      if (ended) return;
      const latest = events.at(-1);
      if (!latest) continue;
      cursor = latest.id;
      const event = toProgress(latest, accountId, id);
      yield event;
      if (finished(event)) return;
    }
  } finally {
    subscription.leave();
  }
}

builder.subscriptionFields((t) => ({
  bulkJobProgress: t.field({
    type: BulkJobRef,
    nullable: false,
    // Joining starts the shared E14 poll; the polls after it are shared by every watcher of the job.
    directives: cloudflareCalls(1),
    description: `Follow a bulk job until it finishes (WebSocket, SSE or multipart HTTP). The gateway polls E14 once for everyone watching the job, on every replica (first at once, then every ${PROGRESS_POLL_START_MS} ms growing ×${PROGRESS_POLL_FACTOR} to at most ${PROGRESS_POLL_MAX_MS / 1000} s, slower when the live share of the budget is spent), emits the job's current state and then each change, and completes the stream after a terminal state (COMPLETED, FAILED, CANCELLED, SKIPPED, or an unknown status with \`completedAt\`). An unknown job ends the stream with a NOT_FOUND error. The stream ends after ${PROGRESS_MAX_LIFETIME_MS / 60_000} minutes even if the job still runs: re-subscribe when the last event has \`isTerminal: false\`.`,
    args: {
      id: t.arg.id({ required: true, description: 'Job id.' }),
      accountId: t.arg.string(accountIdArgOptions),
    },
    subscribe: async (_root, args, context) => {
      // Validated before the stream starts: a bad id or account is a plain error response, no call.
      const accountId = resolveAccountId(context, args.accountId);
      const id = parseArgument(jobIdSchema, args.id, 'id');
      const { client, credential } = pollerClient(context);
      const source = bulkJobSource({
        client,
        accountId,
        jobId: id,
        credential,
        isTerminal: isTerminalJob,
        isNotFound,
      });
      const subscription = await context.services.live.join(source, context.auth.subject, context.signal);
      return liveStream(context, subscription, (signal) => watchJob(subscription, accountId, id, signal));
    },
    resolve: (event) => {
      if (event instanceof Error) throw event;
      return event;
    },
  }),
}));
