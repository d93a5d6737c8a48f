/**
 * Applies the endpoint's schemas (the catalogue's) to an answer: `result` and `result_info`, typed,
 * or UPSTREAM_SCHEMA_MISMATCH. Memoised per answer object: the cache layer validates before it
 * stores (a 200 with wrong field types must not be served for a whole TTL after Cloudflare recovers),
 * and the caller gets that same parse.
 */
import type { CallResult } from '../call-types.js';
import type { EndpointId } from '../endpoints.js';
import { parseField } from '../envelope.js';
import type { Answer, UpstreamCall } from './chain.js';

const parsed = new WeakMap<Answer, CallResult>();

export function validated<E extends EndpointId>(call: UpstreamCall, answer: Answer): CallResult<E> {
  let result = parsed.get(answer);
  if (!result) {
    const { definition, endpoint } = call;
    const value =
      definition.result === 'envelope-only'
        ? undefined
        : parseField(answer.envelope, answer.status, endpoint, 'result', definition.result);
    const info = definition.resultInfo
      ? parseField(answer.envelope, answer.status, endpoint, 'result_info', definition.resultInfo)
      : undefined;
    result = {
      status: answer.status,
      envelope: answer.envelope,
      rateLimit: answer.rateLimit,
      attempts: answer.attempts,
      result: value,
      resultInfo: info,
    } as CallResult;
    parsed.set(answer, result);
  }
  return result as CallResult<E>;
}
