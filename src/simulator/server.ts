/**
 * The HTTP side of the simulator: a bare node:http server on loopback (fast enough for load
 * benchmarks) and the request pipeline. Routing (router.ts), the budget (budget.ts), fault injection
 * (faults.ts) and the control API (control-api.ts) each live in their own file.
 *
 * Order of checks for a `/client/v4` request (each may answer early):
 *   route (404 / 405) → auth (401) → budget (429) → read-only token on a write (403)
 *   → account/zone id (400 / 403) → fault rule → handler → response faults → latency → send.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { BudgetMeter } from './budget.js';
import { CONTROL_PREFIX, type ControlTarget, handleControl } from './control-api.js';
import { credentialOf } from './credentials.js';
import { ApiError, CODES, type SimResponse, errorEnvelope, errorResponse } from './envelope.js';
import { FaultInjector, type Outcome, applyFault } from './faults.js';
import type { HandlerContext } from './handlers/handler.js';
import { cfRay, parseBody, readBody, writeJson } from './http-io.js';
import type { BudgetOptions, FaultRule, RecordedRequest } from './public-types.js';
import { matchRoute } from './router.js';
import type { SimEndpointId } from './routes.js';
import type { SimulatorState } from './state.js';

export const API_PREFIX = '/client/v4';
const HEX32 = /^[0-9a-f]{32}$/;
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface ServerSettings {
  latencyMs: number;
  budget: BudgetOptions;
  seed: number;
}

export class SimulatorServer implements ControlTarget {
  readonly requests: RecordedRequest[] = [];
  readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly faults: FaultInjector;
  private readonly budget: BudgetMeter;
  private latencyMs: number;
  origin = '';

  constructor(
    readonly state: SimulatorState,
    private readonly defaults: ServerSettings,
  ) {
    this.latencyMs = defaults.latencyMs;
    this.budget = new BudgetMeter(defaults.budget);
    this.faults = new FaultInjector(defaults.seed);
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // Last resort: never let a handler bug kill the process or leave the socket open.
        if (!res.headersSent && !res.destroyed)
          writeJson(res, 500, errorEnvelope(10013, `Simulator error: ${String(error)}`));
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
    this.faults.inject(rule);
  }
  clearFaults(): void {
    this.faults.clear();
  }
  setBudget(budget: BudgetOptions): void {
    this.budget.set(budget);
  }
  setSlowSearch(polls: number): void {
    this.state.slowSearches.configure(polls);
  }
  resetRequests(): void {
    this.requests.length = 0;
  }
  /** State back to seed; faults, latency, budget, slow search back to the options; requests cleared. */
  reset(): void {
    this.state.load();
    this.faults.reset();
    this.latencyMs = this.defaults.latencyMs;
    this.setBudget(this.defaults.budget);
    this.setSlowSearch(0);
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
    if (url.pathname.startsWith(CONTROL_PREFIX)) return handleControl(this, req, res, url);
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
      path: url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) || '/' : url.pathname,
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
    record.status = response.status;
    if (outcome.type === 'reset-mid-body') {
      const data = Buffer.from(JSON.stringify(response.body ?? null));
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
    writeJson(res, response.status, response.body, allHeaders);
  }

  private async dispatch(url: URL, record: RecordedRequest, extraHeaders: Record<string, string>): Promise<Outcome> {
    const respond = (response: SimResponse): Outcome => ({ type: 'response', response });
    const refuse = (status: number, code: number, message: string): Outcome =>
      respond(errorResponse(new ApiError(status, code, message)));
    if (!url.pathname.startsWith(`${API_PREFIX}/`)) return refuse(404, CODES.NO_ROUTE, 'No route for that URI');

    // 1. Route.
    const route = matchRoute(record.method, record.path);
    if (route.kind === 'bad-encoding')
      return refuse(
        400,
        CODES.BAD_IDENTIFIER,
        `Could not route to ${record.path}, perhaps your object identifier is invalid?`,
      );
    if (route.kind === 'wrong-method') return respond(methodNotAllowed(route.allowed));
    if (route.kind === 'no-route') return refuse(404, CODES.NO_ROUTE, 'No route for that URI');
    const { id: endpoint, params } = route;
    record.endpoint = endpoint;
    record.params = params;

    // 2. Auth (contract#auth).
    const credential = credentialOf(record.headers);
    if (!credential || credential.secret.startsWith('invalid')) return refuse(401, CODES.AUTH, 'Authentication error');

    // 3. Budget (per credential), headers on every authenticated answer.
    const budgetError = this.budget.charge(credential.key, extraHeaders);
    if (budgetError) return respond(errorResponse(budgetError));

    // 4. Read-only tokens may not write.
    const isWrite = WRITE_METHODS.has(record.method);
    if (isWrite && credential.secret.startsWith('readonly'))
      return refuse(403, CODES.UNAUTHORIZED, 'Unauthorized to access requested resource');

    // 5. Account / zone.
    const scopeKind = params.scope === 'zones' ? 'zones' : 'accounts';
    const scopeId = params.scope_id ?? params.account_id ?? '';
    if (!HEX32.test(scopeId)) {
      return refuse(
        400,
        CODES.BAD_IDENTIFIER,
        `Could not route to /${scopeKind}/${scopeId}, perhaps your object identifier is invalid?`,
      );
    }
    const scope = endpoint.startsWith('securityCenter.') ? this.state.insightScope(scopeKind, scopeId) : undefined;
    const known = scopeKind === 'zones' ? scope !== undefined : this.state.hasAccount(scopeId);
    if (!known) return refuse(403, CODES.UNAUTHORIZED, 'Unauthorized to access requested resource');

    const ctx: HandlerContext = {
      state: this.state,
      params,
      query: record.query,
      body: record.body,
      accountId: scope?.accountId ?? scopeId,
      principal: credential.principal,
      baseUrl: `${this.origin}${API_PREFIX}`,
    };
    if (scope) ctx.scope = scope;

    // 6. Faults, then the handler.
    const run = (): SimResponse => {
      try {
        return route.handler(ctx);
      } catch (error) {
        if (error instanceof ApiError) return errorResponse(error);
        throw error;
      }
    };
    const fault = this.faults.take(endpoint, record.method);
    if (fault) return applyFault(fault, isWrite, run, (ms) => this.sleep(ms));
    return respond(run());
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
}

function methodNotAllowed(allow: readonly string[]): SimResponse {
  return {
    status: 405,
    headers: { allow: allow.join(', ') },
    body: errorEnvelope(CODES.METHOD_NOT_ALLOWED, 'Method not allowed'),
  };
}
