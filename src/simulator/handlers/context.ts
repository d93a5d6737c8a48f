/** What every endpoint handler receives, plus small request-parsing helpers shared by handlers. */
import type { EndpointId } from '../../upstream/endpoints.js';
import { badRequest, type SimResponse } from '../envelope.js';
import type { InsightScope, SimulatorState } from '../state.js';

export interface HandlerContext {
  state: SimulatorState;
  endpoint: EndpointId;
  /** Decoded path params (`account_id`, `investigate_id`, `job_id`, `issue_id`, `scope`, `scope_id`). */
  params: Record<string, string>;
  query: Record<string, string[]>;
  body: unknown;
  /** The account the request is about (for zone-scoped insight calls: the zone's owner). */
  accountId: string;
  /** Set for Security Center endpoints. */
  scope?: InsightScope;
  /** Who is calling (email for key auth, a token label otherwise): audit `changed_by`, action-log `requested_by`. */
  principal: string;
}

export type Handler = (ctx: HandlerContext) => SimResponse;

export function first(query: Record<string, string[]>, name: string): string | undefined {
  return query[name]?.[0];
}

export function all(query: Record<string, string[]>, name: string): string[] {
  return query[name] ?? [];
}

/** Positive integer query param (`page`, `per_page`); 400 on anything else. */
export function intParam(
  query: Record<string, string[]>,
  name: string,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = first(query, name);
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw badRequest(`${name}: expected a positive integer`);
  const value = Number(raw);
  if (value < 1) throw badRequest(`${name}: must be at least 1`);
  if (value > max) throw badRequest(`${name}: must be at most ${max}`);
  return value;
}

export function bodyObject(body: unknown, what = 'request body'): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest(`${what}: expected a JSON object`);
  return body as Record<string, unknown>;
}

export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw badRequest(`${name}: must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** V4 page-array paging (§1.3): slices and builds `{count, page, per_page, total_count}`. */
export function pageSlice<T>(
  items: readonly T[],
  page: number,
  perPage: number,
): { items: T[]; info: { count: number; page: number; per_page: number; total_count: number; total_pages: number } } {
  const slice = items.slice((page - 1) * perPage, page * perPage);
  return {
    items: slice,
    info: {
      count: slice.length,
      page,
      per_page: perPage,
      total_count: items.length,
      total_pages: Math.ceil(items.length / perPage),
    },
  };
}
