/**
 * The HTTP side of the simulator: a bare node:http server on loopback (fast enough for load
 * benchmarks), routing via the shared endpoint catalogue, auth, the per-credential budget, fault
 * injection, latency, request recording, the E1 slow-search flow and the `/__simulator/` control API.
 *
 * Order of checks for a `/client/v4` request (each may answer early):
 *   route (404 / 405) → auth (401) → budget (429) → read-only token on a write (403)
 *   → account/zone id (400 / 403) → fault rule → handler → response faults → latency → send.
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { matchEndpoint } from '../upstream/endpoints.js';
import {
  type BudgetOptions,
  type FaultRule,
  POLL_ENDPOINT,
  type RecordedRequest,
  type SimEndpointId,
} from './api-types.js';
import {
  ApiError,
  CODES,
  type Envelope,
  type SimResponse,
  defaultErrorFor,
  errorEnvelope,
  errorResponse,
  ok,
} from './envelope.js';
import type { HandlerContext } from './handlers/context.js';
import { listMessages } from './handlers/investigate.js';
import { type Rng, mulberry32 } from './prng.js';
import { handlers } from './routes.js';
import type { SimulatorState } from './state.js';

const BASE = '/client/v4';
const CONTROL = '/__simulator/';
const HEX32 = /^[0-9a-f]{32}$/;
const POLL_PATH = /^\/accounts\/([^/]+)\/email-security\/investigate\/poll\/([^/]+)$/;
const MAX_BODY = 16 * 1024 * 1024;
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface BudgetUsage {
  windowStart: number;
  used: number;
  lockedUntil: number;
}

interface ActiveFault {
  rule: FaultRule;
  remaining: number;
}

interface PendingSearch {
  accountId: string;
  query: Record<string, string[]>;
  remaining: number;
}

type Outcome =
  | { type: 'response'; response: SimResponse }
  | { type: 'reset' }
  | { type: 'reset-mid-body'; response: SimResponse }
  | { type: 'hang' };

export interface ServerSettings {
  latencyMs: number;
  budget: BudgetOptions;
  seed: number;
}

export class SimulatorServer {
  readonly requests: RecordedRequest[] = [];
  readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private faults: ActiveFault[] = [];
  private budgetUsage = new Map<string, BudgetUsage>();
  private pendingSearches = new Map<string, PendingSearch>();
  private slowSearchPolls = 0;
  private faultRng: Rng;
  private latencyMs: number;
  private budget: BudgetOptions;
  origin = '';

  constructor(
    readonly state: SimulatorState,
    private readonly defaults: ServerSettings,
  ) {
    this.latencyMs = defaults.latencyMs;
    this.budget = defaults.budget;
    this.faultRng = mulberry32((defaults.seed ^ 0x3c6ef372) >>> 0);
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // Last resort: never let a handler bug kill the process or leave the socket open.
        if (!res.headersSent && !res.destroyed)
          this.writeJson(res, 500, errorEnvelope(10013, `Simulator error: ${String(error)}`));
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 5000;
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        if (address === null || typeof address === 'string') return reject(new Error('simulator: no TCP address'));
        this.origin = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
        resolve();
      });
    });
  }

  close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    });
  }

  openConnections(): number {
    return this.sockets.size;
  }

  // ───────────────────────────── knobs ─────────────────────────────

  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }
  injectFault(rule: FaultRule): void {
    const times = rule.times === undefined ? 1 : rule.times === null ? Number.POSITIVE_INFINITY : rule.times;
    this.faults.push({ rule, remaining: times });
  }
  clearFaults(): void {
    this.faults = [];
  }
  setBudget(budget: BudgetOptions): void {
    this.budget = budget;
    this.budgetUsage.clear();
  }
  setSlowSearch(polls: number): void {
    this.slowSearchPolls = Math.max(0, Math.floor(polls));
    if (this.slowSearchPolls === 0) this.pendingSearches.clear();
  }
  resetRequests(): void {
    this.requests.length = 0;
  }
  /** Faults, latency, budget, slow search back to the options; requests cleared (state reset is the caller's). */
  resetKnobs(): void {
    this.faults = [];
    this.latencyMs = this.defaults.latencyMs;
    this.setBudget(this.defaults.budget);
    this.setSlowSearch(0);
    this.faultRng = mulberry32((this.defaults.seed ^ 0x3c6ef372) >>> 0);
    this.resetRequests();
  }
  count(endpoint?: SimEndpointId, filter: { method?: string; status?: number } = {}): number {
    let n = 0;
    for (const r of this.requests) {
      if (endpoint !== undefined && r.endpoint !== endpoint) continue;
      if (filter.method !== undefined && r.method !== filter.method.toUpperCase()) continue;
      if (filter.status !== undefined && r.status !== filter.status) continue;
      n++;
    }
    return n;
  }

  // ───────────────────────────── request pipeline ─────────────────────────────

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    if (url.pathname.startsWith(CONTROL)) return this.control(req, res, url);
    const method = (req.method ?? 'GET').toUpperCase();
    const rawBody = await readBody(req);
    if (rawBody === null) return void res.destroy(); // client went away or body too large
    const query: Record<string, string[]> = {};
    for (const [key, value] of url.searchParams) {
      const list = query[key] ?? [];
      list.push(value);
      query[key] = list;
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers))
      if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
    const record: RecordedRequest = {
      at: Date.now(),
      method,
      path: url.pathname.startsWith(BASE) ? url.pathname.slice(BASE.length) || '/' : url.pathname,
      endpoint: null,
      params: {},
      query,
      headers,
      body: parseBody(rawBody),
      status: 0,
    };
    this.requests.push(record);

    const extraHeaders: Record<string, string> = {};
    let outcome: Outcome;
    try {
      outcome = await this.dispatch(url, record, extraHeaders);
    } catch (error) {
      outcome = {
        type: 'response',
        response:
          error instanceof ApiError
            ? errorResponse(error)
            : { status: 500, body: errorEnvelope(10013, 'An unknown error has occurred') },
      };
    }
    if (outcome.type === 'hang') {
      // Never answer; the socket is freed when the client aborts (or when the simulator closes).
      return;
    }
    if (this.latencyMs > 0) await this.sleep(this.latencyMs);
    if (res.destroyed || req.socket.destroyed) return;
    if (outcome.type === 'reset') {
      req.socket.destroy();
      return;
    }
    const response = outcome.response;
    const allHeaders = { ...extraHeaders, ...(response.headers ?? {}) };
    if (outcome.type === 'reset-mid-body') {
      const data = Buffer.from(JSON.stringify(response.body ?? null));
      record.status = response.status;
      res.writeHead(response.status, {
        ...allHeaders,
        'content-type': 'application/json',
        'content-length': String(data.length),
      });
      res.write(data.subarray(0, Math.max(1, Math.floor(data.length / 2))), () => {
        const t = setTimeout(() => req.socket.destroy(), 5);
        this.timers.add(t);
      });
      return;
    }
    record.status = response.status;
    if (response.raw) {
      const data = typeof response.raw.data === 'string' ? Buffer.from(response.raw.data) : response.raw.data;
      res.writeHead(response.status, {
        ...allHeaders,
        'content-type': response.raw.contentType,
        'content-length': String(data.length),
        'cf-ray': cfRay(),
      });
      res.end(data);
      return;
    }
    this.writeJson(res, response.status, response.body, allHeaders);
  }

  private async dispatch(url: URL, record: RecordedRequest, extraHeaders: Record<string, string>): Promise<Outcome> {
    const respond = (response: SimResponse): Outcome => ({ type: 'response', response });
    if (!url.pathname.startsWith(`${BASE}/`))
      return respond(errorResponse(new ApiError(404, CODES.NO_ROUTE, 'No route for that URI')));

    // 1. Route.
    let endpoint: SimEndpointId;
    let params: Record<string, string>;
    const poll = POLL_PATH.exec(record.path);
    if (poll) {
      if (record.method !== 'GET') return respond(methodNotAllowed(['GET']));
      endpoint = POLL_ENDPOINT;
      params = { account_id: safeDecode(poll[1] as string), search_id: safeDecode(poll[2] as string) };
    } else {
      let match: ReturnType<typeof matchEndpoint>;
      try {
        match = matchEndpoint(record.method, record.path);
      } catch {
        // decodeURIComponent on a malformed %-sequence.
        return respond(
          errorResponse(
            new ApiError(
              400,
              CODES.BAD_IDENTIFIER,
              `Could not route to ${record.path}, perhaps your object identifier is invalid?`,
            ),
          ),
        );
      }
      if (match.id === null) {
        if (match.pathMatched) return respond(methodNotAllowed(allowedMethods(record.path)));
        return respond(errorResponse(new ApiError(404, CODES.NO_ROUTE, 'No route for that URI')));
      }
      endpoint = match.id;
      params = match.params;
    }
    record.endpoint = endpoint;
    record.params = params;

    // 2. Auth (§1.4): a Bearer token, or X-Auth-Email + X-Auth-Key together.
    const credential = credentialOf(record.headers);
    if (!credential || credential.secret.startsWith('invalid')) {
      return respond(errorResponse(new ApiError(401, CODES.AUTH, 'Authentication error')));
    }

    // 3. Budget (per credential), headers on every authenticated answer.
    const budgetError = this.chargeBudget(credential.key, extraHeaders);
    if (budgetError) return respond(errorResponse(budgetError));

    // 4. Read-only tokens may not write.
    if (WRITE_METHODS.has(record.method) && credential.secret.startsWith('readonly')) {
      return respond(errorResponse(new ApiError(403, CODES.UNAUTHORIZED, 'Unauthorized to access requested resource')));
    }

    // 5. Account / zone.
    const scopeKind = params.scope === 'zones' ? 'zones' : 'accounts';
    const scopeId = params.scope_id ?? params.account_id ?? '';
    if (!HEX32.test(scopeId)) {
      return respond(
        errorResponse(
          new ApiError(
            400,
            CODES.BAD_IDENTIFIER,
            `Could not route to /${scopeKind}/${scopeId}, perhaps your object identifier is invalid?`,
          ),
        ),
      );
    }
    const scope = endpoint.startsWith('securityCenter.') ? this.state.insightScope(scopeKind, scopeId) : undefined;
    const known = scopeKind === 'zones' ? scope !== undefined : this.state.hasAccount(scopeId);
    if (!known)
      return respond(errorResponse(new ApiError(403, CODES.UNAUTHORIZED, 'Unauthorized to access requested resource')));

    const ctx: HandlerContext = {
      state: this.state,
      endpoint: endpoint === POLL_ENDPOINT ? 'emailSecurity.investigate.list' : endpoint,
      params,
      query: record.query,
      body: record.body,
      accountId: scope?.accountId ?? scopeId,
      principal: credential.principal,
    };
    if (scope) ctx.scope = scope;

    // 6. Faults.
    const fault = this.takeFault(endpoint, record.method);
    const isWrite = WRITE_METHODS.has(record.method);
    const run = (): SimResponse => this.run(endpoint, ctx);
    if (fault) {
      const kind = fault.response.kind;
      if (kind === 'delay') {
        await this.sleep(fault.response.ms);
        return respond(run());
      }
      if (kind === 'drop-field' || kind === 'enum-drift') return respond(driftResponse(run(), fault));
      if (kind === 'reset-mid-body') {
        // Reads (and writes marked afterProcessing) produce the real body; other writes are not applied.
        const response = !isWrite || fault.afterProcessing ? run() : ok(null);
        return { type: 'reset-mid-body', response };
      }
      if (isWrite && fault.afterProcessing) run(); // the state change happens; the answer is the fault
      return this.faultOutcome(fault);
    }
    return respond(run());
  }

  private run(endpoint: SimEndpointId, ctx: HandlerContext): SimResponse {
    try {
      if (endpoint === POLL_ENDPOINT) return this.poll(ctx);
      if (endpoint === 'emailSecurity.investigate.list' && this.slowSearchPolls > 0) return this.startSlowSearch(ctx);
      return handlers[endpoint](ctx);
    } catch (error) {
      if (error instanceof ApiError) return errorResponse(error);
      throw error;
    }
  }

  /** E1 202 flow (seed 001): validate now, answer 202 + Location; the poll URL answers later. */
  private startSlowSearch(ctx: HandlerContext): SimResponse {
    listMessages(ctx); // validation errors (400) come back directly, not via the poll
    const id = randomBytes(8).toString('hex');
    this.pendingSearches.set(id, { accountId: ctx.accountId, query: ctx.query, remaining: this.slowSearchPolls });
    return this.pendingAnswer(ctx.accountId, id);
  }

  private pendingAnswer(accountId: string, id: string): SimResponse {
    const location = `${this.origin}${BASE}/accounts/${accountId}/email-security/investigate/poll/${id}`;
    return {
      status: 202,
      headers: { location, 'retry-after': '0' },
      body: {
        success: true,
        errors: [],
        messages: [{ code: 202, message: 'Search in progress; poll the Location URL for results' }],
        result: null,
      },
    };
  }

  private poll(ctx: HandlerContext): SimResponse {
    const id = ctx.params.search_id ?? '';
    const pending = this.pendingSearches.get(id);
    if (!pending || pending.accountId !== ctx.accountId)
      throw new ApiError(404, CODES.NO_ROUTE, 'Search not found or expired');
    if (pending.remaining > 0) {
      pending.remaining--;
      return this.pendingAnswer(ctx.accountId, id);
    }
    return listMessages({ ...ctx, query: pending.query });
  }

  private takeFault(endpoint: SimEndpointId, method: string): FaultRule | undefined {
    for (let i = 0; i < this.faults.length; i++) {
      const active = this.faults[i] as ActiveFault;
      const { rule } = active;
      if (rule.endpoint !== undefined && rule.endpoint !== '*' && rule.endpoint !== endpoint) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue;
      if (rule.probability !== undefined && this.faultRng() >= rule.probability) continue;
      active.remaining--;
      if (active.remaining <= 0) this.faults.splice(i, 1);
      return rule;
    }
    return undefined;
  }

  private faultOutcome(rule: FaultRule): Outcome {
    const r = rule.response;
    const respond = (response: SimResponse): Outcome => ({ type: 'response', response });
    switch (r.kind) {
      case 'status':
        return respond({ status: r.status, headers: r.headers ?? {}, body: r.body ?? defaultErrorFor(r.status) });
      case 'malformed-json':
        return respond({ status: 200, raw: { contentType: 'application/json', data: '{"success":tr' } });
      case 'empty-200':
        return respond({ status: 200, raw: { contentType: 'application/json', data: '' } });
      case 'empty-204':
        return respond({ status: 204, raw: { contentType: 'application/json', data: '' } });
      case 'success-false':
        return respond({
          status: 200,
          body: errorEnvelope(1000, 'An internal error occurred while processing the request'),
        });
      case 'html':
        return respond({
          status: r.status,
          raw: {
            contentType: 'text/html; charset=UTF-8',
            data: `<!DOCTYPE html>\n<html><head><title>${r.status} | Gateway error</title></head><body><h1>Error ${r.status}</h1><p>The upstream proxy returned an error page.</p></body></html>\n`,
          },
        });
      case 'reset':
        return { type: 'reset' };
      case 'hang':
        return { type: 'hang' };
      default:
        // delay / drop-field / enum-drift / reset-mid-body are handled in dispatch().
        return respond(defaultResponse());
    }
  }

  /**
   * Cloudflare-style budget: `limit` requests per `windowSeconds` per credential. Going over answers
   * 429 (code 971) with Retry-After and locks the credential out for `lockoutSeconds` — every call
   * during the lockout is refused, like Cloudflare's 5-minute block.
   */
  private chargeBudget(key: string, headers: Record<string, string>): ApiError | undefined {
    const budget = this.budget;
    if (!budget) return undefined;
    const now = Date.now();
    let usage = this.budgetUsage.get(key);
    if (!usage || (now >= usage.windowStart + budget.windowSeconds * 1000 && now >= usage.lockedUntil)) {
      usage = { windowStart: now, used: 0, lockedUntil: 0 };
      this.budgetUsage.set(key, usage);
    }
    headers['ratelimit-policy'] = `"default";q=${budget.limit};w=${budget.windowSeconds}`;
    if (usage.lockedUntil > now) {
      const wait = Math.ceil((usage.lockedUntil - now) / 1000);
      headers.ratelimit = `"default";r=0;t=${wait}`;
      return new ApiError(429, CODES.RATE_LIMITED, 'Please wait and consider throttling your request speed', {
        'retry-after': String(wait),
      });
    }
    usage.used++;
    if (usage.used > budget.limit) {
      usage.lockedUntil = now + budget.lockoutSeconds * 1000;
      const wait = Math.max(1, budget.lockoutSeconds);
      headers.ratelimit = `"default";r=0;t=${wait}`;
      return new ApiError(429, CODES.RATE_LIMITED, 'Please wait and consider throttling your request speed', {
        'retry-after': String(wait),
      });
    }
    const reset = Math.max(0, Math.ceil((usage.windowStart + budget.windowSeconds * 1000 - now) / 1000));
    headers.ratelimit = `"default";r=${budget.limit - usage.used};t=${reset}`;
    return undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const data = Buffer.from(JSON.stringify(body ?? null));
    res.writeHead(status, {
      ...headers,
      'content-type': 'application/json',
      'content-length': String(data.length),
      'cf-ray': cfRay(),
    });
    res.end(data);
  }

  // ───────────────────────────── control API ─────────────────────────────

  /** Out-of-process control (benchmarks): not recorded, no auth, no budget, no latency. */
  private async control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const raw = await readBody(req);
    if (raw === null) return void res.destroy();
    let body: unknown;
    try {
      body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      return this.writeJson(res, 400, { ok: false, error: 'body is not JSON' });
    }
    const action = `${req.method ?? 'GET'} ${url.pathname.slice(CONTROL.length)}`;
    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    switch (action) {
      case 'GET requests': {
        const endpoint = url.searchParams.get('endpoint');
        return this.writeJson(
          res,
          200,
          endpoint ? this.requests.filter((r) => r.endpoint === endpoint) : this.requests,
        );
      }
      case 'GET counts': {
        const counts: Record<string, number> = {};
        for (const r of this.requests) {
          const key = r.endpoint ?? 'unmatched';
          counts[key] = (counts[key] ?? 0) + 1;
        }
        return this.writeJson(res, 200, { total: this.requests.length, endpoints: counts });
      }
      case 'POST reset':
        this.onReset?.();
        return this.writeJson(res, 200, { ok: true });
      case 'POST reset-requests':
        this.resetRequests();
        return this.writeJson(res, 200, { ok: true });
      case 'POST faults': {
        if (typeof fields.response !== 'object' || fields.response === null)
          return this.writeJson(res, 400, { ok: false, error: 'a FaultRule needs a response' });
        this.injectFault(fields as unknown as FaultRule);
        return this.writeJson(res, 200, { ok: true });
      }
      case 'DELETE faults':
        this.clearFaults();
        return this.writeJson(res, 200, { ok: true });
      case 'POST latency':
        if (typeof fields.ms !== 'number')
          return this.writeJson(res, 400, { ok: false, error: '{ms: number} expected' });
        this.setLatency(fields.ms);
        return this.writeJson(res, 200, { ok: true });
      case 'POST budget': {
        const budget = body === null || body === undefined ? null : (fields as unknown as BudgetOptions);
        if (
          budget &&
          !(
            typeof budget.limit === 'number' &&
            typeof budget.windowSeconds === 'number' &&
            typeof budget.lockoutSeconds === 'number'
          )
        ) {
          return this.writeJson(res, 400, {
            ok: false,
            error: '{limit, windowSeconds, lockoutSeconds} or null expected',
          });
        }
        this.setBudget(budget);
        return this.writeJson(res, 200, { ok: true });
      }
      case 'POST slow-search':
        if (typeof fields.pollsBeforeReady !== 'number')
          return this.writeJson(res, 400, { ok: false, error: '{pollsBeforeReady: number} expected' });
        this.setSlowSearch(fields.pollsBeforeReady);
        return this.writeJson(res, 200, { ok: true });
      case 'POST e1-paging':
        if (fields.mode !== 'cursor' && fields.mode !== 'legacy')
          return this.writeJson(res, 400, { ok: false, error: "{mode: 'cursor' | 'legacy'} expected" });
        this.state.e1Paging = fields.mode;
        return this.writeJson(res, 200, { ok: true });
      case 'POST messages': {
        const accountId = typeof fields.accountId === 'string' ? fields.accountId : '';
        const count = typeof fields.count === 'number' ? fields.count : 1;
        if (!this.state.hasAccount(accountId))
          return this.writeJson(res, 400, { ok: false, error: 'unknown accountId' });
        return this.writeJson(res, 200, { ok: true, ids: this.state.addMessages(accountId, count) });
      }
      default:
        return this.writeJson(res, 404, { ok: false, error: `unknown control action ${action}` });
    }
  }

  /** Set by index.ts: the full reset (state + knobs). */
  onReset?: () => void;
}

function credentialOf(headers: Record<string, string>): { key: string; secret: string; principal: string } | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (match) {
      const token = match[1] as string;
      return { key: `token:${token}`, secret: token, principal: `api-token:${token.slice(0, 8)}` };
    }
  }
  const email = headers['x-auth-email'];
  const apiKey = headers['x-auth-key'];
  if (email && apiKey) return { key: `key:${email}:${apiKey}`, secret: apiKey, principal: email };
  return undefined;
}

function allowedMethods(path: string): string[] {
  return (['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const).filter((m) => matchEndpoint(m, path).id !== null);
}

function methodNotAllowed(allow: string[]): SimResponse {
  return {
    status: 405,
    headers: { allow: allow.join(', ') },
    body: errorEnvelope(CODES.METHOD_NOT_ALLOWED, 'Method not allowed'),
  };
}

function defaultResponse(): SimResponse {
  return ok(null);
}

/** `drop-field` / `enum-drift`: schema drift applied to a deep copy of `result` (or each item). */
function driftResponse(response: SimResponse, rule: FaultRule): SimResponse {
  const r = rule.response;
  if (r.kind !== 'drop-field' && r.kind !== 'enum-drift') return response;
  if (typeof response.body !== 'object' || response.body === null || !('result' in response.body)) return response;
  const body = JSON.parse(JSON.stringify(response.body)) as Envelope;
  const mutate = (target: unknown) => {
    if (typeof target !== 'object' || target === null) return;
    const path = r.field.split('.');
    let node = target as Record<string, unknown>;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      if (typeof next !== 'object' || next === null) return;
      node = next as Record<string, unknown>;
    }
    const last = path[path.length - 1] as string;
    if (r.kind === 'drop-field') delete node[last];
    else node[last] = r.value;
  };
  if (Array.isArray(body.result)) body.result.forEach(mutate);
  else mutate(body.result);
  return { ...response, body };
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(null));
    req.on('aborted', () => resolve(null));
  });
}

/** JSON when it parses (whatever the content type claims), else the raw text; undefined when empty. */
function parseBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function cfRay(): string {
  return `${randomBytes(8).toString('hex')}-SIM`;
}
