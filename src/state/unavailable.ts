/**
 * State the gateway needs to keep a promise cannot be used right now (Redis down or paused, the
 * local idempotency store full): the caller refuses before sending anything, rather than guess.
 */
export class StateUnavailableError extends Error {
  constructor(
    message: string,
    /** When a retry may succeed. */
    readonly retryAfterMs: number,
  ) {
    super(message);
    this.name = 'StateUnavailableError';
  }
}
