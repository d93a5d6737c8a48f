/**
 * Innermost layer: one HTTP attempt on the wire, inside its own trace span (whose `traceparent` goes
 * with the request). Reads follow the caller's signal and the request deadline; a write, once sent,
 * runs to its end even if the analyst's client goes away or the deadline passes: aborting it would
 * leave its outcome unknown, while finishing it lets the idempotency record and the audit line hold
 * the real result.
 */
import { credentialHeaders, type HttpTransport } from '../transport.js';
import type { Attempt } from './chain.js';

export function transportAttempt(transport: HttpTransport, options: { timeoutMs: number; userAgent: string }): Attempt {
  return async ({ call, method, pathAndQuery, isRead, number }) => {
    const { options: callOptions } = call;
    const span = callOptions.tracer?.startCall(call.endpoint, method, number);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': options.userAgent,
      ...credentialHeaders(callOptions.credentials),
      ...callOptions.headers,
      ...(span?.headers ?? {}),
    };
    let body: string | undefined;
    if (callOptions.body !== undefined && method !== 'GET') {
      body = JSON.stringify(callOptions.body);
      headers['content-type'] = 'application/json';
    }
    const outcome = await transport.send({
      method,
      pathAndQuery,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(isRead ? { caller: callOptions.signal, deadline: callOptions.deadline } : {}),
      timeoutMs: options.timeoutMs,
    });
    span?.end(
      outcome.kind === 'response' ? outcome.status : null,
      outcome.kind === 'response' ? undefined : outcome.kind,
    );
    return outcome;
  };
}
