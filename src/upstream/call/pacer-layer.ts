/**
 * The process-wide in-flight cap and request-rate pacer (../pacer.ts) every attempt passes. Waiting
 * for a slot is not on the wire yet: a read may give up (client gone, deadline), and a write that
 * gives up here was provably not sent.
 */
import type { UpstreamPacer } from '../pacer.js';
import type { HttpTransport } from '../transport.js';
import type { AttemptLayer } from './chain.js';

export function pacerLayer(pacer: UpstreamPacer, transport: HttpTransport): AttemptLayer {
  return (next) => async (request) => {
    const { options } = request.call;
    const waitSignal = request.isRead ? transport.followed(options.signal, options.deadline) : undefined;
    const queued = performance.now();
    try {
      return await pacer.run(() => next(request), waitSignal);
    } catch (error) {
      const durationMs = performance.now() - queued;
      return options.deadline?.aborted
        ? { kind: 'deadline', durationMs, error }
        : { kind: 'aborted', durationMs, error };
    }
  };
}
