/**
 * What each attempt tells observers (the request's counters, the process metrics, credential trust)
 * and the log. Per call at debug: the operation's info line summarises its calls (plugins/
 * request-log.ts); one info line per call was 26 lines per triage page and ~9 % of the CPU.
 */
import type { UpstreamAttempt, UpstreamObserver } from '../call-types.js';
import type { AttemptOutcome } from '../transport.js';
import type { UpstreamCall } from './chain.js';

export type AttemptReporter = (
  call: UpstreamCall,
  outcome: AttemptOutcome,
  attempt: number,
  result: UpstreamAttempt['outcome'],
  errorCode?: string,
) => void;

export function attemptReporter(processObserver: UpstreamObserver): AttemptReporter {
  return (call, outcome, attempt, result, errorCode) => {
    const status = outcome.kind === 'response' ? outcome.status : null;
    const rateLimit = outcome.kind === 'response' ? outcome.rateLimit : null;
    const info: UpstreamAttempt = {
      endpoint: call.endpoint,
      method: call.definition.method,
      status,
      durationMs: Math.round(outcome.durationMs * 10) / 10,
      attempt,
      outcome: result,
      rateLimit,
      credential: call.credential,
      ...(errorCode ? { errorCode } : {}),
    };
    call.options.observer?.onAttempt?.(info);
    processObserver.onAttempt?.(info);
    const { logger } = call;
    if (result === 'ok' && !logger.isLevelEnabled('debug')) return;
    const line = {
      upstream: call.endpoint,
      method: call.definition.method,
      path: call.definition.path,
      status: status ?? outcome.kind,
      durationMs: info.durationMs,
      attempt,
      outcome: result,
      ...(errorCode ? { errorCode } : {}),
    };
    if (result === 'ok') logger.debug(line, 'upstream call');
    else logger.warn(line, 'upstream call');
    if (rateLimit) logger.debug({ upstream: call.endpoint, rateLimit }, 'cloudflare rate limit');
  };
}
