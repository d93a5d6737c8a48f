/**
 * The cached, budgeted call path to Cloudflare, over the transport (transport.ts), the retry
 * policy (retry.ts) and the envelope rules (envelope.ts). Everything it knows about an endpoint
 * comes from the catalogue (endpoints.ts): method, path, result schema, read or write, cache class,
 * 202 polling. Per call: cache lookup → budget permit → attempt (span) → retry or interpret →
 * validate → cache. One request-wide deadline (REQUEST_DEADLINE_MS) bounds all of it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import type { CallOptions, CallResult, CloudflareHttpOptions, UpstreamAttempt } from './call-types.js';
import { BudgetExhaustedError } from './budget.js';
import { type EndpointDefinition, type EndpointId, endpoints, type ResultInfoOf, type ResultOf } from './endpoints.js';
import { type Envelope, interpret, parseField } from './envelope.js';
import {
  UpstreamAbortedError,
  UpstreamCallError,
  UpstreamSchemaMismatchError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from './errors.js';
import { fingerprintCredentials } from './fingerprint.js';
import type { RateLimitState } from './rate-limit-headers.js';
import { boundedRetryAfter, DEFAULT_LOCKOUT_MS, RetryPolicy } from './retry.js';
import { type AttemptOutcome, buildPath, credentialHeaders, encodeQuery, HttpTransport } from './transport.js';

export type {
  CallOptions,
  CallResult,
  CloudflareHttpOptions,
  UpstreamAttempt,
  UpstreamObserver,
  UpstreamTracer,
} from './call-types.js';
export type { Envelope } from './envelope.js';
export { boundedRetryAfter, MAX_LOCKOUT_MS, retryAfterMillis } from './retry.js';
export {
  credentialHeaders,
  encodePathParam,
  encodeQuery,
  MAX_PATH_PARAM_LENGTH,
  type QueryParams,
  type QueryValue,
} from './transport.js';

type Raw = { status: number; envelope: Envelope | null; rateLimit: RateLimitState | null; attempts: number };

export class CloudflareHttp {
  readonly baseUrl: string;
  readonly requestDeadlineMs: number;
  private readonly transport: HttpTransport;
  private readonly retry: RetryPolicy;
  /**
   * Cacheable reads on their way to Cloudflare, by cache key: an identical read that misses the
   * cache meanwhile waits for this answer instead of calling too (50 subscribers opening the same
   * triage page at once cost one call per message, not fifty).
   */
  private readonly inFlight = new Map<string, { raw: Promise<Raw>; signal: AbortSignal | undefined }>();

  constructor(private readonly options: CloudflareHttpOptions) {
    this.transport = new HttpTransport({
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      ...(options.connections === undefined ? {} : { connections: options.connections }),
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    });
    this.baseUrl = this.transport.baseUrl;
    this.requestDeadlineMs = options.requestDeadlineMs ?? 0;
    this.retry = new RetryPolicy(options);
  }

  /** The keep-alive pool (tests and the soak read its stats). */
  get dispatcher(): Dispatcher {
    return this.transport.dispatcher;
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  async call<E extends EndpointId>(options: CallOptions<E>): Promise<CallResult<E>> {
    const definition: EndpointDefinition = endpoints[options.endpoint];
    const path = this.transport.basePath + buildPath(options.endpoint, definition.path, options.pathParams);
    const search = encodeQuery(options.query);
    const cache = this.options.cache;
    const cacheKey = cache
      ? await cache.keyFor({
          credential: fingerprintCredentials(options.credentials),
          endpoint: options.endpoint,
          pathParams: options.pathParams,
          request: `${path}${search}${options.body === undefined ? '' : `#${JSON.stringify(options.body)}`}`,
        })
      : null;
    if (cache && cacheKey && !options.fresh) {
      const cached = await cache.get(cacheKey);
      if (cached !== undefined) {
        options.observer?.onCacheHit?.(options.endpoint);
        this.options.onCacheHit?.(options.endpoint);
        return this.validated(options.endpoint, definition, {
          status: 200,
          envelope: JSON.parse(cached) as Envelope,
          rateLimit: null,
          attempts: 0,
        });
      }
    }
    const { raw, joined } =
      cacheKey && !options.fresh && definition.semantics === 'read'
        ? await this.sharedRead(cacheKey, options, definition, path, search)
        : { raw: await this.callUpstream(options, definition, path, search), joined: false };
    // Validated before it is cached: a 200 with wrong field types must not be served from the
    // cache after Cloudflare recovers (it would fail for a whole TTL with 0 upstream calls).
    const result = this.validated(options.endpoint, definition, raw);
    if (cache && cacheKey && raw.envelope && !joined)
      await cache.set(cacheKey, options.endpoint, JSON.stringify(raw.envelope));
    return result;
  }

  /** Joins an identical read in flight, or starts it (see `inFlight`). */
  private async sharedRead(
    key: string,
    options: CallOptions,
    definition: EndpointDefinition,
    path: string,
    search: string,
  ): Promise<{ raw: Raw; joined: boolean }> {
    const running = this.inFlight.get(key);
    if (running) {
      try {
        const raw = await running.raw;
        options.observer?.onCacheHit?.(options.endpoint);
        this.options.onCacheHit?.(options.endpoint);
        return { raw, joined: true };
      } catch (error) {
        // The first caller gave up (its client went away): that is no answer for this one.
        if (!running.signal?.aborted || options.signal?.aborted) throw error;
      }
    }
    const raw = this.callUpstream(options, definition, path, search);
    const entry = { raw, signal: options.signal };
    this.inFlight.set(key, entry);
    try {
      return { raw: await raw, joined: false };
    } finally {
      if (this.inFlight.get(key) === entry) this.inFlight.delete(key);
    }
  }

  private validated<E extends EndpointId>(endpoint: E, definition: EndpointDefinition, raw: Raw): CallResult<E> {
    const result =
      definition.result === 'envelope-only'
        ? undefined
        : parseField(raw.envelope, raw.status, endpoint, 'result', definition.result);
    const resultInfo = definition.resultInfo
      ? parseField(raw.envelope, raw.status, endpoint, 'result_info', definition.resultInfo)
      : undefined;
    return { ...raw, result: result as ResultOf<E>, resultInfo: resultInfo as ResultInfoOf<E> };
  }

  private async callUpstream(
    options: CallOptions,
    definition: EndpointDefinition,
    path: string,
    search: string,
  ): Promise<Raw> {
    const isRead = definition.semantics === 'read';
    for (let attempt = 1; ; attempt++) {
      this.throwIfStopped(options);
      let outcome: AttemptOutcome;
      try {
        outcome = await this.attempt(options, definition, path + search, attempt);
      } catch (error) {
        if (error instanceof UpstreamCallError) throw error;
        (options.logger ?? this.options.logger).error({ err: error }, 'unexpected upstream failure');
        throw new UpstreamUnavailableError(`Unexpected failure calling ${options.endpoint}`, {
          endpoint: options.endpoint,
          cause: error,
        });
      }
      if (outcome.kind === 'response' && outcome.status === 202 && outcome.location && definition.poll202) {
        return this.pollSlowSearch(options, definition, outcome.location, attempt);
      }
      if (this.retry.retryable(outcome, isRead) !== null && attempt < this.retry.maxAttempts) {
        const delayMs = this.retry.delay(outcome, attempt);
        if (delayMs !== null) {
          const waited = await this.sleepUnlessStopped(options, delayMs);
          // A write is only retried when Cloudflare provably did not process it (429, connection
          // refused). If the deadline or the caller cuts the wait short, that refusal is the truthful
          // answer — "not applied", the key released — not a timeout "after it was sent".
          if (!waited && !isRead) return this.finish(options, definition, outcome, attempt);
          this.report(options, definition, outcome, attempt, 'retry');
          this.throwIfStopped(options);
          continue;
        }
      }
      return this.finish(options, definition, outcome, attempt);
    }
  }

  /** Seed 001: a long search answers 202 + Location; poll it, bounded in time. */
  private async pollSlowSearch(
    options: CallOptions,
    definition: EndpointDefinition,
    location: string,
    attemptsSoFar: number,
  ): Promise<Raw> {
    const deadline = Date.now() + this.options.searchPollTimeoutMs;
    const target = new URL(location, `${this.transport.origin}${this.transport.basePath}/`);
    if (target.origin !== this.transport.origin) {
      throw new UpstreamSchemaMismatchError(
        `${definition.ref} answered 202 with a Location on another origin; refusing to follow it`,
        {
          endpoint: options.endpoint,
          status: 202,
        },
      );
    }
    let delay = 100;
    let attempts = attemptsSoFar;
    while (Date.now() < deadline) {
      await this.wait(options, delay);
      delay = Math.min(delay * 2, 2_000);
      attempts++;
      const outcome = await this.attempt(
        options,
        { ...definition, method: 'GET', semantics: 'read' },
        target.pathname + target.search,
        attempts,
      );
      if (outcome.kind === 'response' && outcome.status === 202) {
        this.report(options, definition, outcome, attempts, 'retry');
        continue;
      }
      return this.finish(options, { ...definition, semantics: 'read' }, outcome, attempts);
    }
    throw new UpstreamTimeoutError(
      `${definition.ref} search still pending after ${this.options.searchPollTimeoutMs} ms of polling`,
      {
        endpoint: options.endpoint,
        status: 202,
      },
    );
  }

  /** Sleeps, unless the caller goes away (REQUEST_ABORTED) or the deadline passes (UPSTREAM_TIMEOUT). */
  /** Sleeps `ms` unless the deadline or the caller stops it first; false when stopped. */
  private async sleepUnlessStopped(options: CallOptions, ms: number): Promise<boolean> {
    const signal = this.transport.followed(options.signal, options.deadline);
    await sleep(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
    return !(options.deadline?.aborted || options.signal?.aborted);
  }

  private async wait(options: CallOptions, ms: number): Promise<void> {
    await this.sleepUnlessStopped(options, ms);
    this.throwIfStopped(options);
  }

  private throwIfStopped(options: CallOptions): void {
    if (options.deadline?.aborted) {
      throw new UpstreamTimeoutError(
        `The request deadline of ${this.requestDeadlineMs} ms passed before ${options.endpoint} answered`,
        {
          endpoint: options.endpoint,
        },
      );
    }
    if (options.signal?.aborted)
      throw new UpstreamAbortedError('The caller aborted the request', { endpoint: options.endpoint });
  }

  private async attempt(
    options: CallOptions,
    definition: EndpointDefinition,
    pathAndQuery: string,
    attempt: number,
  ): Promise<AttemptOutcome> {
    const budget = this.options.budget;
    const credential = budget ? fingerprintCredentials(options.credentials) : '';
    const isRead = definition.semantics === 'read';
    if (budget) {
      const queued = performance.now();
      try {
        // The request's joined signal (one per request, shared with the transport), not an
        // AbortSignal.any per attempt: the same abort, without a signal chain for every call.
        await budget.acquire(
          credential,
          isRead ? 'read' : 'write',
          this.transport.followed(options.signal, options.deadline),
        );
      } catch (error) {
        const durationMs = performance.now() - queued;
        if (error instanceof BudgetExhaustedError)
          return { kind: 'budget', durationMs, retryAfterMs: error.retryAfterMs, lockedOut: error.lockedOut };
        if (options.deadline?.aborted) return { kind: 'deadline', durationMs, error };
        return { kind: 'aborted', durationMs, error };
      }
    }
    const span = options.tracer?.startCall(options.endpoint, definition.method, attempt);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.options.userAgent ?? 'email-security-graphql-gateway',
      ...credentialHeaders(options.credentials),
      ...options.headers,
      ...(span?.headers ?? {}),
    };
    let body: string | undefined;
    if (options.body !== undefined && definition.method !== 'GET') {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const send = () =>
      this.transport.send({
        method: definition.method,
        pathAndQuery,
        headers,
        ...(body === undefined ? {} : { body }),
        // A write, once sent, runs to its end even if the analyst's client goes away or the deadline
        // passes: aborting it would leave its outcome unknown, while finishing it lets the idempotency
        // record and the audit line hold the real result. Reads follow both (nobody waits for them).
        ...(isRead ? { caller: options.signal, deadline: options.deadline } : {}),
        timeoutMs: this.options.timeoutMs,
      });
    const pacer = this.options.pacer;
    let outcome: AttemptOutcome;
    if (pacer) {
      const queued = performance.now();
      // Waiting for a slot is not on the wire yet: reads may give up (client gone, deadline), and a
      // write that gives up here was provably not sent.
      const waitSignal = isRead ? this.transport.followed(options.signal, options.deadline) : undefined;
      try {
        outcome = await pacer.run(send, waitSignal);
      } catch (error) {
        const durationMs = performance.now() - queued;
        outcome = options.deadline?.aborted
          ? { kind: 'deadline', durationMs, error }
          : { kind: 'aborted', durationMs, error };
      }
    } else {
      outcome = await send();
    }
    if (outcome.kind === 'response' && budget) {
      if (outcome.rateLimit) await budget.observe(credential, outcome.rateLimit);
      if (outcome.status === 429) await budget.lockout(credential, this.lockoutMs(options, outcome.headers));
    }
    span?.end(
      outcome.kind === 'response' ? outcome.status : null,
      outcome.kind === 'response' ? undefined : outcome.kind,
    );
    return outcome;
  }

  /** How long a 429 locks the credential: its Retry-After, capped at Cloudflare's documented 5 minutes. */
  private lockoutMs(options: CallOptions, headers: Record<string, string | string[] | undefined>): number {
    const retryAfter = boundedRetryAfter(headers);
    if (retryAfter?.absurd) {
      (options.logger ?? this.options.logger).warn(
        { upstream: options.endpoint, retryAfterHeader: retryAfter.absurd, lockoutMs: retryAfter.ms },
        'Cloudflare sent a Retry-After beyond its documented 5-minute lockout; capped',
      );
    }
    return retryAfter?.ms ?? DEFAULT_LOCKOUT_MS;
  }

  private finish(options: CallOptions, definition: EndpointDefinition, outcome: AttemptOutcome, attempt: number): Raw {
    try {
      const result = interpret(outcome, {
        endpoint: options.endpoint,
        isRead: definition.semantics === 'read',
        envelopeOnly: definition.result === 'envelope-only',
        timeoutMs: this.options.timeoutMs,
        deadlineMs: this.requestDeadlineMs,
      });
      this.report(options, definition, outcome, attempt, 'ok');
      return { ...result, attempts: attempt };
    } catch (error) {
      this.report(
        options,
        definition,
        outcome,
        attempt,
        'error',
        error instanceof UpstreamCallError ? error.code : 'UNKNOWN',
      );
      throw error;
    }
  }

  private report(
    options: CallOptions,
    definition: EndpointDefinition,
    outcome: AttemptOutcome,
    attempt: number,
    result: UpstreamAttempt['outcome'],
    errorCode?: string,
  ) {
    const status = outcome.kind === 'response' ? outcome.status : null;
    const rateLimit = outcome.kind === 'response' ? outcome.rateLimit : null;
    const info: UpstreamAttempt = {
      endpoint: options.endpoint,
      method: definition.method,
      status,
      durationMs: Math.round(outcome.durationMs * 10) / 10,
      attempt,
      outcome: result,
      rateLimit,
      credential: fingerprintCredentials(options.credentials),
      ...(errorCode ? { errorCode } : {}),
    };
    options.observer?.onAttempt?.(info);
    this.options.onAttempt?.(info);
    const logger = options.logger ?? this.options.logger;
    // Per call at debug: the operation's info line summarises its calls (src/plugins/observability.ts);
    // one info line per call was 26 lines per triage page and ~9 % of the gateway's CPU. At info,
    // nothing is built for it either.
    if (result === 'ok' && !logger.isLevelEnabled('debug')) return;
    const line = {
      upstream: options.endpoint,
      method: definition.method,
      path: definition.path,
      status: status ?? outcome.kind,
      durationMs: info.durationMs,
      attempt,
      outcome: result,
      ...(errorCode ? { errorCode } : {}),
    };
    if (result === 'ok') logger.debug(line, 'upstream call');
    else logger.warn(line, 'upstream call');
    if (rateLimit) logger.debug({ upstream: options.endpoint, rateLimit }, 'cloudflare rate limit');
  }
}
