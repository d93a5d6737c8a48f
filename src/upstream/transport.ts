/**
 * The wire: one HTTP attempt over a shared keep-alive undici Agent, with a per-attempt timeout and
 * the signals the caller chose to follow. It knows nothing about endpoints, envelopes, retries,
 * caching or budgets (those are envelope.ts, retry.ts and http.ts); it only reports what happened.
 */
import { setMaxListeners } from 'node:events';
import { finished } from 'node:stream';
import { Agent, type Dispatcher, request } from 'undici';
import type { CloudflareCredentials } from '../config.js';
import type { EndpointId } from './endpoints.js';
import { UpstreamBadRequestError } from './errors.js';
import { parseRateLimitHeaders, type RateLimitState } from './rate-limit-headers.js';

/** Listeners one request's joined signal may carry: its concurrent upstream calls (fan-out ≤ 100, plus waits). */
const JOINED_SIGNAL_LISTENERS = 1_000;

export type QueryValue = string | number | boolean | null | undefined | readonly (string | number | boolean)[];
export type QueryParams = Record<string, QueryValue>;

/** What one attempt came to. `budget` and `deadline` are set by the layer above (nothing was sent, or the request-wide deadline passed). */
export type AttemptOutcome =
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
  | { kind: 'deadline'; durationMs: number; error?: unknown }
  | { kind: 'budget'; durationMs: number; retryAfterMs: number; lockedOut: boolean }
  | { kind: 'aborted'; durationMs: number; error: unknown }
  | { kind: 'network'; durationMs: number; error: unknown; code: string | undefined; notSent: boolean };

export interface TransportRequest {
  method: string;
  /** Path (with the base path) and query string. */
  pathAndQuery: string;
  headers: Record<string, string>;
  /** Already-serialised JSON body. */
  body?: string;
  /** Signals to follow while the request is on the wire (none for a write once sent). */
  caller?: AbortSignal;
  deadline?: AbortSignal;
  timeoutMs: number;
}

export interface TransportOptions {
  baseUrl: string;
  timeoutMs: number;
  connections?: number;
  dispatcher?: Dispatcher;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** undici's own per-attempt timeouts: no headers within `headersTimeout`, or the body stalled for `bodyTimeout`. */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Failures that happen before a single byte of the request reaches Cloudflare. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

export class HttpTransport {
  readonly baseUrl: string;
  readonly origin: string;
  readonly basePath: string;
  readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(options: TransportOptions) {
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

  /**
   * The caller's signal joined with the request-wide deadline, built once per pair and reused by every
   * attempt of that GraphQL request (a new `AbortSignal.any` per attempt cost ~5 % of the CPU).
   */
  followed(caller: AbortSignal | undefined, deadline: AbortSignal | undefined): AbortSignal | undefined {
    if (!caller || !deadline) return caller ?? deadline;
    let byDeadline = this.joined.get(caller);
    if (!byDeadline) {
      byDeadline = new WeakMap();
      this.joined.set(caller, byDeadline);
    }
    let signal = byDeadline.get(deadline);
    if (!signal) {
      signal = AbortSignal.any([caller, deadline]);
      // Every upstream call of the request listens on this one signal (a page is 26 at once): not a
      // leak, so no MaxListenersExceededWarning for it.
      setMaxListeners(JOINED_SIGNAL_LISTENERS, signal);
      byDeadline.set(deadline, signal);
    }
    return signal;
  }

  private readonly joined = new WeakMap<AbortSignal, WeakMap<AbortSignal, AbortSignal>>();

  async send(req: TransportRequest): Promise<AttemptOutcome> {
    // The per-attempt timeout is undici's own (headers, then the body's idle time), so an attempt
    // needs no timer signal of its own; the caller's and the deadline's are shared per request.
    const signal = this.followed(req.caller, req.deadline);
    const started = performance.now();
    try {
      const response = await request(this.origin + req.pathAndQuery, {
        method: req.method as Dispatcher.HttpMethod,
        headers: req.headers,
        body: req.body,
        ...(signal ? { signal } : {}),
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
        dispatcher: this.dispatcher,
      });
      const text = await readBody(response.body);
      const locationHeader = response.headers.location;
      return {
        kind: 'response',
        status: response.statusCode,
        headers: response.headers,
        text,
        location: typeof locationHeader === 'string' ? locationHeader : undefined,
        durationMs: performance.now() - started,
        rateLimit: parseRateLimitHeaders(response.headers),
      };
    } catch (error) {
      const durationMs = performance.now() - started;
      if (req.deadline?.aborted) return { kind: 'deadline', durationMs, error };
      const code = errorCode(error);
      if (code !== undefined && TIMEOUT_CODES.has(code)) return { kind: 'timeout', durationMs, error };
      // Checked on the combined signal: the caller's may be a proxy (yoga's request.signal) whose
      // own `aborted` flag lags behind the abort it propagated.
      if (signal?.aborted || req.caller?.aborted) return { kind: 'aborted', durationMs, error };
      return { kind: 'network', durationMs, error, code, notSent: code !== undefined && NOT_SENT_CODES.has(code) };
    }
  }
}

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

/**
 * The body as text, refused past MAX_BODY_BYTES. Read with 'data' events and `finished` (errors,
 * undici's body timeout and premature close all end up there), not `for await`: the async iterator
 * costs a few promises per chunk, on every one of a page's 26 calls.
 */
function readBody(body: Dispatcher.ResponseData['body']): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    body.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        refused = true;
        body.destroy();
        reject(new Error(`Response body larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    finished(body, (error) => {
      if (refused) return;
      if (error) reject(error);
      else
        resolve(
          chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, size).toString('utf8'),
        );
    });
  });
}

export function credentialHeaders(credentials: CloudflareCredentials): Record<string, string> {
  return credentials.kind === 'token'
    ? { authorization: `Bearer ${credentials.token}` }
    : { 'x-auth-email': credentials.email, 'x-auth-key': credentials.key };
}

/**
 * Characters the SDK leaves unencoded in a path parameter (RFC 3986 pchar, contract#encoding), so an
 * investigate id such as `…-2024-01-05T10:00:00-…` goes out with raw colons, exactly as the SDK sends it.
 */
const PCHAR_KEEP: Record<string, string> = {
  '%3A': ':',
  '%40': '@',
  '%24': '$',
  '%26': '&',
  '%2B': '+',
  '%2C': ',',
  '%3B': ';',
  '%3D': '=',
};

/** Cloudflare ids are ~50 characters; anything near this is not an id and must not become a URL. */
export const MAX_PATH_PARAM_LENGTH = 256;

/** `endpoint` only names the call in the error; it is not interpreted. */
export function encodePathParam(endpoint: EndpointId | null, name: string, value: string): string {
  const refuse = (why: string) =>
    new UpstreamBadRequestError(
      `Invalid ${name} ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}: ${why}`,
      { endpoint },
    );
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

/** Fills `{name}` segments; `{scope}` must be the literal `accounts` or `zones` (contract#scope). */
export function buildPath(endpoint: EndpointId | null, template: string, params: Record<string, string>): string {
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

/** Arrays repeat the key and `~neq` keys go out literally, as the SDK sends them (contract#encoding, contract#versions). */
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
