/**
 * The request-wide deadline (REQUEST_DEADLINE_MS) of one bound client, i.e. of one GraphQL request.
 *
 * It bounds a burst of upstream work: armed by the first call, shared by every call that starts
 * while others are in flight or right after them (a query's search, then its fan-out waves, then
 * retries), so a hanging endpoint cannot hold a page for retries × waves. A burst ends when no call
 * has been in flight for IDLE_RESET_MS: a `bulkJobProgress` subscription, which sleeps at least
 * 250 ms between its E14 polls for up to 30 minutes, gets one deadline per poll instead of failing
 * every poll after the first 10 seconds.
 */
export const IDLE_RESET_MS = 100;

export class RequestDeadline {
  private controller: AbortController | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private idleSince = 0;

  constructor(readonly ms: number) {}

  /** The signal a starting call follows; arms a fresh deadline when a new burst begins. */
  enter(): AbortSignal | undefined {
    if (this.ms <= 0) return undefined;
    if (this.controller === null || (this.inFlight === 0 && performance.now() - this.idleSince >= IDLE_RESET_MS))
      this.arm();
    this.inFlight++;
    return (this.controller as AbortController).signal;
  }

  leave(): void {
    if (this.ms <= 0) return;
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) this.idleSince = performance.now();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    const controller = new AbortController();
    this.controller = controller;
    this.timer = setTimeout(() => controller.abort(new Error(`request deadline of ${this.ms} ms`)), this.ms);
    this.timer.unref();
  }
}
