/** Small request-parsing helpers shared by the handlers: query params, JSON bodies, enums, paging. */
import { badRequest } from '../envelope.js';

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

/** V4 page-array paging (contract#paging): slices and builds `{count, page, per_page, total_count}`. */
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
