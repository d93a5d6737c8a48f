/**
 * The `/__simulator/` control API, for drivers in another process (benchmarks, the soak): the same
 * knobs as the in-process `Simulator` object. Not recorded, no auth, no budget, no latency.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, writeJson } from './http-io.js';
import type { BudgetOptions, FaultRule, RecordedRequest } from './public-types.js';
import type { SimulatorState } from './state.js';

export const CONTROL_PREFIX = '/__simulator/';

/** What the control API drives (the server, and the state through it). */
export interface ControlTarget {
  readonly state: SimulatorState;
  readonly requests: RecordedRequest[];
  /** State and knobs back to the start. */
  reset(): void;
  resetRequests(): void;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  setBudget(budget: BudgetOptions): void;
  setSlowSearch(pollsBeforeReady: number): void;
}

export async function handleControl(
  target: ControlTarget,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const raw = await readBody(req);
  if (raw === null) return void res.destroy();
  let body: unknown;
  try {
    body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
  } catch {
    return writeJson(res, 400, { ok: false, error: 'body is not JSON' });
  }
  const action = `${req.method ?? 'GET'} ${url.pathname.slice(CONTROL_PREFIX.length)}`;
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const done = () => writeJson(res, 200, { ok: true });
  const refuse = (error: string) => writeJson(res, 400, { ok: false, error });
  switch (action) {
    case 'GET requests': {
      const endpoint = url.searchParams.get('endpoint');
      return writeJson(res, 200, endpoint ? target.requests.filter((r) => r.endpoint === endpoint) : target.requests);
    }
    case 'GET counts': {
      const counts: Record<string, number> = {};
      for (const r of target.requests) {
        const key = r.endpoint ?? 'unmatched';
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return writeJson(res, 200, { total: target.requests.length, endpoints: counts });
    }
    case 'POST reset':
      target.reset();
      return done();
    case 'POST reset-requests':
      target.resetRequests();
      return done();
    case 'POST faults':
      if (typeof fields.response !== 'object' || fields.response === null)
        return refuse('a FaultRule needs a response');
      target.injectFault(fields as unknown as FaultRule);
      return done();
    case 'DELETE faults':
      target.clearFaults();
      return done();
    case 'POST latency':
      if (typeof fields.ms !== 'number') return refuse('{ms: number} expected');
      target.setLatency(fields.ms);
      return done();
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
        return refuse('{limit, windowSeconds, lockoutSeconds} or null expected');
      }
      target.setBudget(budget);
      return done();
    }
    case 'POST slow-search':
      if (typeof fields.pollsBeforeReady !== 'number') return refuse('{pollsBeforeReady: number} expected');
      target.setSlowSearch(fields.pollsBeforeReady);
      return done();
    case 'POST e1-paging':
      if (fields.mode !== 'cursor' && fields.mode !== 'legacy') return refuse("{mode: 'cursor' | 'legacy'} expected");
      target.state.e1Paging = fields.mode;
      return done();
    case 'POST messages': {
      const accountId = typeof fields.accountId === 'string' ? fields.accountId : '';
      const count = typeof fields.count === 'number' ? fields.count : 1;
      if (!target.state.hasAccount(accountId)) return refuse('unknown accountId');
      return writeJson(res, 200, { ok: true, ids: target.state.addMessages(accountId, count) });
    }
    default:
      return writeJson(res, 404, { ok: false, error: `unknown control action ${action}` });
  }
}
