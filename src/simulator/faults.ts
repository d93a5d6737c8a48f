/**
 * Fault injection: rules queued by tests and benchmarks (`injectFault`, `POST /__simulator/faults`)
 * that replace or spoil the answer of the next matching requests.
 */
import { type Envelope, type SimResponse, defaultErrorFor, errorEnvelope, ok } from './envelope.js';
import { type Rng, mulberry32 } from './prng.js';
import type { FaultRule } from './public-types.js';
import type { SimEndpointId } from './routes.js';

/** What the server does with a request in the end. */
export type Outcome =
  | { type: 'response'; response: SimResponse }
  | { type: 'reset' }
  | { type: 'reset-mid-body'; response: SimResponse }
  | { type: 'hang' };

interface ActiveFault {
  rule: FaultRule;
  remaining: number;
}

export class FaultInjector {
  private faults: ActiveFault[] = [];
  private rng: Rng;

  constructor(private readonly seed: number) {
    this.rng = this.freshRng();
  }

  inject(rule: FaultRule): void {
    const times = rule.times === undefined ? 1 : rule.times === null ? Number.POSITIVE_INFINITY : rule.times;
    this.faults.push({ rule, remaining: times });
  }

  clear(): void {
    this.faults = [];
  }

  /** No rules, and the probability rolls start over from the seed. */
  reset(): void {
    this.faults = [];
    this.rng = this.freshRng();
  }

  /** The first rule that matches this request, used up by one; rules match in the order injected. */
  take(endpoint: SimEndpointId, method: string): FaultRule | undefined {
    for (let i = 0; i < this.faults.length; i++) {
      const active = this.faults[i] as ActiveFault;
      const { rule } = active;
      if (rule.endpoint !== undefined && rule.endpoint !== '*' && rule.endpoint !== endpoint) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue;
      if (rule.probability !== undefined && this.rng() >= rule.probability) continue;
      active.remaining--;
      if (active.remaining <= 0) this.faults.splice(i, 1);
      return rule;
    }
    return undefined;
  }

  private freshRng(): Rng {
    return mulberry32((this.seed ^ 0x3c6ef372) >>> 0);
  }
}

/**
 * Applies a fault to a request. `run` executes the handler (the state change included); whether it
 * runs depends on the fault: reads always produce their real body where the fault needs one, writes
 * change state only when the rule says `afterProcessing`.
 */
export async function applyFault(
  rule: FaultRule,
  isWrite: boolean,
  run: () => SimResponse,
  sleep: (ms: number) => Promise<void>,
): Promise<Outcome> {
  const kind = rule.response.kind;
  if (kind === 'delay') {
    await sleep(rule.response.ms);
    return respond(run());
  }
  if (kind === 'drop-field' || kind === 'enum-drift') return respond(driftResponse(run(), rule));
  if (kind === 'reset-mid-body') {
    const response = !isWrite || rule.afterProcessing ? run() : ok(null);
    return { type: 'reset-mid-body', response };
  }
  if (isWrite && rule.afterProcessing) run(); // the state change happens; the answer is the fault
  return faultOutcome(rule);
}

function respond(response: SimResponse): Outcome {
  return { type: 'response', response };
}

function faultOutcome(rule: FaultRule): Outcome {
  const r = rule.response;
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
      // delay / drop-field / enum-drift / reset-mid-body are handled in applyFault().
      return respond(ok(null));
  }
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
