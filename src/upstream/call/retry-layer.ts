/**
 * Turns attempts into one answer: retries what the policy (../retry.ts) allows, follows a slow
 * search's 202 + Location by polling it (bounded in time), stops at the caller's abort or the
 * request deadline, and interprets the last attempt (../envelope.ts) into the envelope or the typed
 * error it means.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { interpret } from '../envelope.js';
import {
  UpstreamAbortedError,
  UpstreamCallError,
  UpstreamSchemaMismatchError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../errors.js';
import type { RetryPolicy } from '../retry.js';
import type { AttemptOutcome, HttpTransport } from '../transport.js';
import type { Answer, Attempt, Call, UpstreamCall } from './chain.js';
import type { AttemptReporter } from './report.js';

export interface RetryLayerOptions {
  policy: RetryPolicy;
  transport: HttpTransport;
  report: AttemptReporter;
  timeoutMs: number;
  requestDeadlineMs: number;
  searchPollTimeoutMs: number;
}

export function retryLayer(options: RetryLayerOptions, attempt: Attempt): Call {
  const { policy, transport, report } = options;

  /** Sleeps `ms` unless the deadline or the caller stops it first; false when stopped. */
  const sleepUnlessStopped = async (call: UpstreamCall, ms: number): Promise<boolean> => {
    const { signal, deadline } = call.options;
    const joined = transport.followed(signal, deadline);
    await sleep(ms, undefined, joined ? { signal: joined } : {}).catch(() => undefined);
    return !(deadline?.aborted || signal?.aborted);
  };

  const throwIfStopped = (call: UpstreamCall): void => {
    if (call.options.deadline?.aborted) {
      throw new UpstreamTimeoutError(
        `The request deadline of ${options.requestDeadlineMs} ms passed before ${call.endpoint} answered`,
        { endpoint: call.endpoint },
      );
    }
    if (call.options.signal?.aborted)
      throw new UpstreamAbortedError('The caller aborted the request', { endpoint: call.endpoint });
  };

  const finish = (call: UpstreamCall, outcome: AttemptOutcome, number: number, isRead = call.isRead): Answer => {
    try {
      const result = interpret(outcome, {
        endpoint: call.endpoint,
        isRead,
        envelopeOnly: call.definition.result === 'envelope-only',
        timeoutMs: options.timeoutMs,
        deadlineMs: options.requestDeadlineMs,
      });
      report(call, outcome, number, 'ok');
      const text = outcome.kind === 'response' && result.envelope ? outcome.text : undefined;
      return { ...result, attempts: number, source: 'upstream', ...(text === undefined ? {} : { text }) };
    } catch (error) {
      report(call, outcome, number, 'error', error instanceof UpstreamCallError ? error.code : 'UNKNOWN');
      throw error;
    }
  };

  /** A long search answers 202 + Location: poll it, bounded in time, on Cloudflare's own origin only. */
  const pollSlowSearch = async (call: UpstreamCall, location: string, attemptsSoFar: number): Promise<Answer> => {
    const deadline = Date.now() + options.searchPollTimeoutMs;
    const target = new URL(location, `${transport.origin}${transport.basePath}/`);
    if (target.origin !== transport.origin) {
      throw new UpstreamSchemaMismatchError(
        `${call.definition.ref} answered 202 with a Location on another origin; refusing to follow it`,
        { endpoint: call.endpoint, status: 202 },
      );
    }
    let delay = 100;
    let number = attemptsSoFar;
    while (Date.now() < deadline) {
      await sleepUnlessStopped(call, delay);
      throwIfStopped(call);
      delay = Math.min(delay * 2, 2_000);
      number++;
      const outcome = await attempt({
        call,
        method: 'GET',
        pathAndQuery: target.pathname + target.search,
        isRead: true,
        number,
      });
      if (outcome.kind === 'response' && outcome.status === 202) {
        report(call, outcome, number, 'retry');
        continue;
      }
      return finish(call, outcome, number, true);
    }
    throw new UpstreamTimeoutError(
      `${call.definition.ref} search still pending after ${options.searchPollTimeoutMs} ms of polling`,
      { endpoint: call.endpoint, status: 202 },
    );
  };

  return async (call) => {
    const { definition, isRead } = call;
    for (let number = 1; ; number++) {
      throwIfStopped(call);
      let outcome: AttemptOutcome;
      try {
        outcome = await attempt({
          call,
          method: definition.method,
          pathAndQuery: call.path + call.search,
          isRead,
          number,
        });
      } catch (error) {
        if (error instanceof UpstreamCallError) throw error;
        call.logger.error({ err: error }, 'unexpected upstream failure');
        throw new UpstreamUnavailableError(`Unexpected failure calling ${call.endpoint}`, {
          endpoint: call.endpoint,
          cause: error,
        });
      }
      if (outcome.kind === 'response' && outcome.status === 202 && outcome.location && definition.poll202) {
        return pollSlowSearch(call, outcome.location, number);
      }
      if (policy.retryable(outcome, isRead) !== null && number < policy.maxAttempts) {
        const delayMs = policy.delay(outcome, number);
        if (delayMs !== null) {
          const waited = await sleepUnlessStopped(call, delayMs);
          // A write is only retried when Cloudflare provably did not process it (429, connection
          // refused). If the deadline or the caller cuts the wait short, that refusal is the truthful
          // answer — "not applied", the key released — not a timeout "after it was sent".
          if (!waited && !isRead) return finish(call, outcome, number);
          report(call, outcome, number, 'retry');
          throwIfStopped(call);
          continue;
        }
      }
      return finish(call, outcome, number);
    }
  };
}
