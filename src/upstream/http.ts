import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, type Dispatcher, request } from 'undici';
import type { CloudflareCredentials } from '../config.js';
import type { Logger } from '../logger.js';
import { type EndpointId, endpoints, type HttpMethod } from './endpoints.js';
import {
  type CloudflareErrorInfo,
  errorForStatus,
  UpstreamAbortedError,
  UpstreamBadRequestError,
  UpstreamCallError,
  UpstreamOutcomeUnknownError,
  UpstreamRateLimitedError,
  UpstreamRejectedError,
  UpstreamSchemaMismatchError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from './errors.js';
import { BudgetExhaustedError, type BudgetGovernor } from './budget.js';
import type { ResponseCache } from './cache.js';
import { fingerprintCredentials } from './fingerprint.js';
import { parseRateLimitHeaders, type RateLimitState } from './rate-limit-headers.js';

export type QueryValue = string | number | boolean | null | undefined | readonly (string | number | boolean)[];
export type QueryParams = Record<string, QueryValue>;

/** What every upstream attempt reports to observers (per-request counters, metrics, budget). */
export interface UpstreamAttempt {
  endpoint: EndpointId;
  method: string;
  status: number | null;
  durationMs: number;
  attempt: number;
  outcome: 'ok' | 'error' | 'retry';
  errorCode?: string;
  rateLimit: RateLimitState | null;
  /** Fingerprint of the credential used (never the secret). */
  credential: string;
}

/** Span per upstream attempt; kept abstract so this module does not depend on OpenTelemetry. */
export interface UpstreamTracer {
  startCall(endpoint: EndpointId, method: string, attempt: number): { headers: Record<string, string>; end(status: number | null, error?: string): void };
}

export interface UpstreamObserver {
  onAttempt?(attempt: UpstreamAttempt): void;
  onCacheHit?(endpoint: EndpointId): void;
}

export interface CallOptions {
  endpoint: EndpointId;
  credentials: CloudflareCredentials;
  pathParams: Record<string, string>;
  query?: QueryParams;
  /** JSON body; `undefined` sends none (E16 cancel is a body-less POST, reference §8). */
  body?: unknown;
  signal?: AbortSignal;
  observer?: UpstreamObserver;
  logger?: Logger;
  /** Extra request headers (e.g. `x-request-id`). */
  headers?: Record<string, string>;
  /** Creates a span per attempt and the `traceparent` to propagate. */
  tracer?: UpstreamTracer;
}

/** The Cloudflare v4 envelope, before the endpoint's own `result` schema is applied. */
export interface Envelope {
  success: boolean;
  errors: CloudflareErrorInfo[];
  messages: unknown[];
  result?: unknown;
  result_info?: unknown;
}

export interface CallResult {
  status: number;
  /** `null` for 204 / empty bodies on envelope-only endpoints. */
  envelope: Envelope | null;
  rateLimit: RateLimitState | null;
  attempts: number;
}

export interface CloudflareHttpOptions {
  baseUrl: string;
  logger: Logger;
  timeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** A Retry-After longer than this is not slept through: the call fails with RATE_LIMITED at once. */
  retryAfterCapMs: number;
  searchPollTimeoutMs: number;
  connections?: number;
  dispatcher?: Dispatcher;
  userAgent?: string;
  /** Takes a permit before every attempt so the 1,200 / 5 min budget is never exceeded. */
  budget?: BudgetGovernor;
  /** Upstream read cache (per credential + account + request). */
  cache?: ResponseCache;
  /** Process-wide hooks (metrics). */
  onCacheHit?(endpoint: EndpointId): void;
  onAttempt?(attempt: UpstreamAttempt): void;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * The one HTTP path to Cloudflare: a shared keep-alive undici Agent, per-attempt timeouts that also
 * follow the caller's AbortSignal, envelope handling, and the retry rules.
 *
 * Retry rules (why they differ from the SDK, reference §1.6 and §7.11): the SDK retries every method,
 * POST included, on 409/429/5xx/timeouts with no idempotency key, so a release or move can be applied
 * twice. Here only GETs are retried on 408/429/5xx/connection errors; a write is retried only when it
 * provably was not processed (429, or the connection was refused before anything was sent). A write that
 * fails after it was sent becomes `UpstreamOutcomeUnknownError`.
 */
export class CloudflareHttp {
  readonly baseUrl: string;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(private readonly options: CloudflareHttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const url = new URL(this.baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Agent({
        connections: options.connections ?? 64,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 60_000,
        connect: { timeout: Math.min(options.timeoutMs, 10_000) },
      });
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  async call(options: CallOptions): Promise<CallResult> {
    const definition = endpoints[options.endpoint];
    const method = definition.method;
    const path = this.basePath + buildPath(options.endpoint, definition.path, options.pathParams);
    const search = encodeQuery(options.query);
    const isRead = method === 'GET';
    const maxAttempts = 1 + this.options.maxRetries;
    const cache = this.options.cache;
    const cacheKey = cache
      ? await cache.keyFor({
          credential: fingerprintCredentials(options.credentials),
          endpoint: options.endpoint,
          pathParams: options.pathParams,
          request: `${path}${search}${options.body === undefined ? '' : `#${JSON.stringify(options.body)}`}`,
        })
      : null;
    if (cache && cacheKey) {
      const cached = await cache.get(cacheKey);
      if (cached !== undefined) {
        options.observer?.onCacheHit?.(options.endpoint);
        this.options.onCacheHit?.(options.endpoint);
        return { status: 200, envelope: JSON.parse(cached) as Envelope, rateLimit: null, attempts: 0 };
      }
      const result = await this.callUpstream(options, method, path, search, isRead, maxAttempts);
      if (result.envelope) await cache.set(cacheKey, options.endpoint, JSON.stringify(result.envelope));
      return result;
    }
    return this.callUpstream(options, method, path, search, isRead, maxAttempts);
  }

  private async callUpstream(options: CallOptions, method: HttpMethod, path: string, search: string, isRead: boolean, maxAttempts: number): Promise<CallResult> {

    for (let attempt = 1; ; attempt++) {
      throwIfAborted(options.signal, options.endpoint);
      let outcome: AttemptOutcome;
      try {
        outcome = await this.attempt(options, method, path + search, attempt);
      } catch (error) {
        if (error instanceof UpstreamCallError) throw error;
        (options.logger ?? this.options.logger).error({ err: error }, 'unexpected upstream failure');
        throw new UpstreamUnavailableError(`Unexpected failure calling ${options.endpoint}`, {
          endpoint: options.endpoint,
          cause: error,
        });
      }
      if (outcome.kind === 'response' && outcome.status === 202 && outcome.location && options.endpoint === 'emailSecurity.investigate.list') {
        return this.pollSlowSearch(options, outcome.location, attempt);
      }
      const retryable = this.retryDecision(outcome, isRead);
      if (retryable !== null && attempt < maxAttempts) {
        const delayMs = this.delayBeforeRetry(outcome, attempt);
        if (delayMs !== null) {
          this.report(options, outcome, attempt, 'retry');
          await sleep(delayMs, undefined, { signal: options.signal }).catch(() => {
            throw new UpstreamAbortedError('The caller aborted the request', { endpoint: options.endpoint });
          });
          continue;
        }
      }
      return this.finish(options, outcome, attempt, isRead);
    }
  }

  /** E1 slow search: seed 001 says a long search answers 202 + Location; poll it, bounded in time. */
  private async pollSlowSearch(options: CallOptions, location: string, attemptsSoFar: number): Promise<CallResult> {
    const deadline = Date.now() + this.options.searchPollTimeoutMs;
    const target = new URL(location, `${this.origin}${this.basePath}/`);
    if (target.origin !== this.origin) {
      throw new UpstreamSchemaMismatchError('E1 answered 202 with a Location on another origin; refusing to follow it', {
        endpoint: options.endpoint,
        status: 202,
      });
    }
    let delay = 100;
    let attempts = attemptsSoFar;
    while (Date.now() < deadline) {
      await sleep(delay, undefined, { signal: options.signal }).catch(() => {
        throw new UpstreamAbortedError('The caller aborted the request', { endpoint: options.endpoint });
      });
      delay = Math.min(delay * 2, 2_000);
      attempts++;
      const outcome = await this.attempt(options, 'GET', target.pathname + target.search, attempts);
      if (outcome.kind === 'response' && outcome.status === 202) {
        this.report(options, outcome, attempts, 'retry');
        continue;
      }
      return this.finish(options, outcome, attempts, true);
    }
    throw new UpstreamTimeoutError(
      `E1 search still pending after ${this.options.searchPollTimeoutMs} ms of polling`,
      { endpoint: options.endpoint, status: 202 },
    );
  }

  private async attempt(options: CallOptions, method: string, pathAndQuery: string, attempt: number): Promise<AttemptOutcome> {
    const budget = this.options.budget;
    const credential = budget ? fingerprintCredentials(options.credentials) : '';
    if (budget) {
      const queued = performance.now();
      try {
        await budget.acquire(credential, method === 'GET' ? 'read' : 'write', options.signal);
      } catch (error) {
        const durationMs = performance.now() - queued;
        if (error instanceof BudgetExhaustedError) return { kind: 'budget', durationMs, retryAfterMs: error.retryAfterMs, lockedOut: error.lockedOut };
        return { kind: 'aborted', durationMs, error };
      }
    }
    const span = options.tracer?.startCall(options.endpoint, method, attempt);
    const outcome = await this.send(options, method, pathAndQuery, span?.headers ?? {}, budget, credential);
    span?.end(outcome.kind === 'response' ? outcome.status : null, outcome.kind === 'response' ? undefined : outcome.kind);
    return outcome;
  }

  private async send(
    options: CallOptions,
    method: string,
    pathAndQuery: string,
    traceHeaders: Record<string, string>,
    budget: BudgetGovernor | undefined,
    credential: string,
  ): Promise<AttemptOutcome> {
    const timeoutSignal = AbortSignal.timeout(this.options.timeoutMs);
    // A write, once sent, runs to its end even if the analyst's client goes away: aborting it would
    // leave its outcome unknown, while finishing it lets the idempotency record hold the real result
    // for the client's retry. Reads follow the caller's signal (nobody is waiting for them).
    const callerSignal = method === 'GET' ? options.signal : undefined;
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeoutSignal]) : timeoutSignal;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.options.userAgent ?? 'email-security-graphql-gateway',
      ...credentialHeaders(options.credentials),
      ...options.headers,
      ...traceHeaders,
    };
    let body: string | undefined;
    if (options.body !== undefined && method !== 'GET') {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const started = performance.now();
    try {
      const response = await request(this.origin + pathAndQuery, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body,
        signal,
        dispatcher: this.dispatcher,
      });
      const text = await readBody(response.body);
      const locationHeader = response.headers.location;
      const rateLimit = parseRateLimitHeaders(response.headers);
      if (budget) {
        if (rateLimit) await budget.observe(credential, rateLimit);
        if (response.statusCode === 429) await budget.lockout(credential, retryAfterMillis(response.headers) ?? 60_000);
      }
      return {
        kind: 'response',
        status: response.statusCode,
        headers: response.headers,
        text,
        location: typeof locationHeader === 'string' ? locationHeader : undefined,
        durationMs: performance.now() - started,
        rateLimit,
      };
    } catch (error) {
      const durationMs = performance.now() - started;
      if (timeoutSignal.aborted) return { kind: 'timeout', durationMs, error };
      // Checked on the combined signal: the caller's may be a proxy (yoga's request.signal) whose
      // own `aborted` flag lags behind the abort it propagated.
      if (signal.aborted || callerSignal?.aborted) return { kind: 'aborted', durationMs, error };
      const code = errorCode(error);
      return { kind: 'network', durationMs, error, code, notSent: code !== undefined && NOT_SENT_CODES.has(code) };
    }
  }

  /** Returns why the outcome may be retried, or null. */
  private retryDecision(outcome: AttemptOutcome, isRead: boolean): string | null {
    if (outcome.kind === 'aborted' || outcome.kind === 'budget') return null;
    if (outcome.kind === 'network') return isRead || outcome.notSent ? 'network' : null;
    if (outcome.kind === 'timeout') return isRead ? 'timeout' : null;
    const status = outcome.status;
    // 429 is provably not processed, so even a write may go again (after Retry-After).
    if (status === 429) return 'rate-limited';
    if (!isRead) return null;
    if (status === 408 || status >= 500) return 'status';
    return null;
  }

  /** null means "do not wait that long; fail now". */
  private delayBeforeRetry(outcome: AttemptOutcome, attempt: number): number | null {
    if (outcome.kind === 'response') {
      const retryAfterMs = retryAfterMillis(outcome.headers);
      if (retryAfterMs !== null) return retryAfterMs <= this.options.retryAfterCapMs ? retryAfterMs : null;
    }
    // Capped exponential backoff with "full jitter" between 75% and 100%, like the SDK (§1.6).
    const exponential = Math.min(this.options.retryBaseMs * 2 ** (attempt - 1), this.options.retryMaxDelayMs);
    return Math.round(exponential * (0.75 + Math.random() * 0.25));
  }

  private finish(options: CallOptions, outcome: AttemptOutcome, attempt: number, isRead: boolean): CallResult {
    try {
      const result = this.interpret(options, outcome, isRead);
      this.report(options, outcome, attempt, 'ok');
      return { ...result, attempts: attempt };
    } catch (error) {
      this.report(options, outcome, attempt, 'error', error instanceof UpstreamCallError ? error.code : 'UNKNOWN');
      throw error;
    }
  }

  private interpret(options: CallOptions, outcome: AttemptOutcome, isRead: boolean): Omit<CallResult, 'attempts'> {
    const endpoint = options.endpoint;
    if (outcome.kind === 'aborted') {
      throw new UpstreamAbortedError('The caller aborted the request', { endpoint, cause: outcome.error });
    }
    if (outcome.kind === 'budget') {
      // Nothing was sent: the governor refused the permit rather than let the credential be locked out.
      throw new UpstreamRateLimitedError(
        outcome.lockedOut
          ? 'Cloudflare has locked this credential out after a 429; the gateway sends nothing until it lifts'
          : 'The Cloudflare request budget (1,200 per 5 minutes) is spent for this credential',
        { endpoint, retryAfterSeconds: Math.max(1, Math.ceil(outcome.retryAfterMs / 1000)) },
      );
    }
    if (outcome.kind === 'timeout') {
      if (!isRead) {
        throw new UpstreamOutcomeUnknownError(
          `${endpoint} timed out after ${this.options.timeoutMs} ms after the request was sent; it may have been applied`,
          { endpoint, cause: outcome.error },
        );
      }
      throw new UpstreamTimeoutError(`${endpoint} did not answer within ${this.options.timeoutMs} ms`, {
        endpoint,
        cause: outcome.error,
      });
    }
    if (outcome.kind === 'network') {
      if (!isRead && !outcome.notSent) {
        throw new UpstreamOutcomeUnknownError(
          `The connection failed (${outcome.code ?? 'network error'}) after ${endpoint} was sent; it may have been applied`,
          { endpoint, cause: outcome.error },
        );
      }
      throw new UpstreamUnavailableError(`Cloudflare is unreachable (${outcome.code ?? 'network error'})`, {
        endpoint,
        cause: outcome.error,
      });
    }

    const { status, text, headers } = outcome;
    const contentType = String(headers['content-type'] ?? '');
    const isEmpty = text.trim() === '';
    let envelope: Envelope | null = null;
    let parseProblem: string | null = null;
    if (!isEmpty) {
      if (!/json/i.test(contentType)) {
        parseProblem = `non-JSON body (content-type ${contentType || 'missing'})`;
      } else {
        try {
          envelope = toEnvelope(JSON.parse(text));
          if (envelope === null) parseProblem = 'the body is JSON but not a Cloudflare envelope';
        } catch {
          parseProblem = 'malformed JSON body';
        }
      }
    }

    if (status < 200 || status >= 300) {
      const cloudflareErrors = envelope?.errors ?? [];
      const first = cloudflareErrors[0]?.message;
      const message = first
        ? `Cloudflare answered ${status} on ${endpoint}: ${first}`
        : `Cloudflare answered ${status} on ${endpoint}${parseProblem ? ` (${parseProblem})` : ''}`;
      const details = {
        endpoint,
        status,
        cloudflareErrors,
        retryAfterSeconds: Math.ceil((retryAfterMillis(headers) ?? 60_000) / 1000),
      };
      if (!isRead && (status >= 500 || status === 408)) {
        throw new UpstreamOutcomeUnknownError(`${message}; the write may have been applied`, details);
      }
      throw errorForStatus(status, details, message);
    }

    const envelopeOnly = ENVELOPE_ONLY.has(endpoint);
    if (isEmpty || status === 204) {
      // Only a 204 says "done, nothing to add"; an empty 200 may be a cut-off `success: false`.
      if (envelopeOnly && status === 204) return { status, envelope: null, rateLimit: outcome.rateLimit };
      throw new UpstreamSchemaMismatchError(`${endpoint} answered ${status} with an empty body`, { endpoint, status });
    }
    if (parseProblem !== null || envelope === null) {
      throw new UpstreamSchemaMismatchError(`${endpoint} answered ${status} with a ${parseProblem}`, { endpoint, status });
    }
    if (!envelope.success) {
      // The SDK never checks this (§1.2); a refusal inside a 2xx is still a refusal.
      const first = envelope.errors[0]?.message ?? 'success:false';
      throw new UpstreamRejectedError(`Cloudflare refused ${endpoint}: ${first}`, {
        endpoint,
        status,
        cloudflareErrors: envelope.errors,
      });
    }
    return { status, envelope, rateLimit: outcome.rateLimit };
  }

  private report(options: CallOptions, outcome: AttemptOutcome, attempt: number, result: UpstreamAttempt['outcome'], errorCode?: string) {
    const definition = endpoints[options.endpoint];
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
    if (result === 'ok') logger.info(line, 'upstream call');
    else logger.warn(line, 'upstream call');
    if (rateLimit) logger.debug({ upstream: options.endpoint, rateLimit }, 'cloudflare rate limit');
  }
}

type AttemptOutcome =
  | {
      kind: 'response';
      status: number;
      headers: Record<string, string | string[] | undefined>;
      text: string;
      location: string | undefined;
      durationMs: number;
      rateLimit: RateLimitState | null;
    }
  | { kind: 'timeout'; durationMs: number; error: unknown }
  | { kind: 'budget'; durationMs: number; retryAfterMs: number; lockedOut: boolean }
  | { kind: 'aborted'; durationMs: number; error: unknown }
  | { kind: 'network'; durationMs: number; error: unknown; code: string | undefined; notSent: boolean };

/** I1, S2 and S3 answer with the envelope only, no `result` (reference §1.2). */
const ENVELOPE_ONLY = new Set<EndpointId>([
  'intel.miscategorizations.create',
  'securityCenter.insights.dismiss',
  'securityCenter.insights.classification.update',
]);

/** Failures that happen before a single byte of the request reaches Cloudflare. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    if (code === 'UND_ERR_SOCKET') {
      const causeCode = (current as { cause?: { code?: unknown } }).cause?.code;
      return typeof causeCode === 'string' ? causeCode : code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function throwIfAborted(signal: AbortSignal | undefined, endpoint: EndpointId) {
  if (signal?.aborted) throw new UpstreamAbortedError('The caller aborted the request', { endpoint });
}

async function readBody(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      throw new Error(`Response body larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function toEnvelope(value: unknown): Envelope | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  if (typeof record.success !== 'boolean') return null;
  const errors = Array.isArray(record.errors) ? (record.errors as CloudflareErrorInfo[]) : [];
  const messages = Array.isArray(record.messages) ? record.messages : [];
  return { success: record.success, errors, messages, result: record.result, result_info: record.result_info };
}

export function credentialHeaders(credentials: CloudflareCredentials): Record<string, string> {
  return credentials.kind === 'token'
    ? { authorization: `Bearer ${credentials.token}` }
    : { 'x-auth-email': credentials.email, 'x-auth-key': credentials.key };
}

/** Retry-After in ms: `retry-after-ms` first, then `Retry-After` seconds or HTTP date (§1.6). */
export function retryAfterMillis(headers: Record<string, string | string[] | undefined>): number | null {
  const ms = first(headers['retry-after-ms']);
  if (ms !== undefined && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = first(headers['retry-after']);
  if (value === undefined) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Characters the SDK leaves unencoded in a path parameter (RFC 3986 pchar, reference §1.7), so an
 * investigate id such as `…-2024-01-05T10:00:00-…` goes out with raw colons, exactly as the SDK sends it.
 */
const PCHAR_KEEP: Record<string, string> = {
  '%3A': ':', '%40': '@', '%24': '$', '%26': '&', '%2B': '+', '%2C': ',', '%3B': ';', '%3D': '=',
};

/** Cloudflare ids are ~50 characters; anything near this is not an id and must not become a URL. */
export const MAX_PATH_PARAM_LENGTH = 256;

export function encodePathParam(endpoint: EndpointId | null, name: string, value: string): string {
  const refuse = (why: string) =>
    new UpstreamBadRequestError(`Invalid ${name} ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}: ${why}`, { endpoint });
  if (value === '' || value === '.' || value === '..' || value.includes('/') || value.includes('\\')) {
    throw refuse('it must not be empty, "." or "..", or contain "/"');
  }
  if (value.length > MAX_PATH_PARAM_LENGTH) throw refuse(`it is longer than ${MAX_PATH_PARAM_LENGTH} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) throw refuse('it contains control characters');
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch {
    // A lone UTF-16 surrogate cannot be encoded as UTF-8.
    throw refuse('it is not valid Unicode');
  }
  return encoded.replace(/%(3A|40|24|26|2B|2C|3B|3D)/gi, (match) => PCHAR_KEEP[match.toUpperCase()] ?? match);
}

function buildPath(endpoint: EndpointId, template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) {
      throw new UpstreamBadRequestError(`Missing path parameter ${name}`, { endpoint });
    }
    if (name === 'scope') {
      if (value !== 'accounts' && value !== 'zones') {
        throw new UpstreamBadRequestError(`Scope must be "accounts" or "zones"`, { endpoint });
      }
      return value;
    }
    return encodePathParam(endpoint, name, value);
  });
}

/** Arrays repeat the key and `~neq` keys go out literally, as the SDK sends them (§1.7, §8). */
export function encodeQuery(query: QueryParams | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  const encodeKey = (key: string) => encodeURIComponent(key).replace(/%7E/gi, '~');
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const item of values as (string | number | boolean)[]) {
      parts.push(`${encodeKey(key)}=${encodeURIComponent(String(item))}`);
    }
  }
  return parts.length ? `?${parts.join('&')}` : '';
}
