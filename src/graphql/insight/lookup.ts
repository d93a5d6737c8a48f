/**
 * Reading insights by id: there is no single-insight GET (contract#insights), so lookups scan S1, through a
 * request-scoped cache of the insights already listed.
 */
import type { GatewayContext } from '../../context.js';
import type { InsightFilterParams } from '../../upstream/client.js';
import type { CfInsight } from '../../upstream/schemas.js';
import type { ResolvedScope } from '../validation.js';
import { scopeKey } from './scope.js';
import { type InsightShape, shapeInsight } from './types.js';

/**
 * There is no single-insight GET (contract#insights): `insight(id)` and the mutations' re-reads scan S1 with this
 * page size, at most this many pages, so a lookup costs 1 call for scopes of ≤100 insights and never
 * more than 10.
 */
export const LOOKUP_PAGE_SIZE = 100;
export const LOOKUP_MAX_PAGES = 10;

/**
 * Insights listed in this request, by scope and id, so `insights {…} insight(id:)` or a mutation's
 * payload does not scan S1 twice. Request-scoped (keyed by the context object) like the loaders.
 */
interface RequestInsights {
  byScope: Map<string, Map<string, CfInsight>>;
  inFlight: Set<Promise<unknown>>;
}
const requestInsights = new WeakMap<GatewayContext, RequestInsights>();

function insightsOf(context: GatewayContext): RequestInsights {
  let state = requestInsights.get(context);
  if (!state) {
    state = { byScope: new Map(), inFlight: new Set() };
    requestInsights.set(context, state);
  }
  return state;
}

export function cacheFor(context: GatewayContext, scope: ResolvedScope): Map<string, CfInsight> {
  const state = insightsOf(context);
  let cache = state.byScope.get(scopeKey(scope));
  if (!cache) {
    cache = new Map();
    state.byScope.set(scopeKey(scope), cache);
  }
  return cache;
}

/** One S1 page (also the `insights` connection's); primes the request cache and is tracked so lookups can wait for it. */
export function listPage(
  context: GatewayContext,
  scope: ResolvedScope,
  params: InsightFilterParams,
  page: number,
  perPage: number,
  fresh = false,
) {
  const pending = context.client.securityCenter.insights
    .list(scope.upstream, { ...params, page, per_page: perPage }, { fresh })
    .then((result) => {
      const cache = cacheFor(context, scope);
      for (const issue of result.issues) cache.set(issue.id, issue);
      return result;
    });
  const state = insightsOf(context);
  state.inFlight.add(pending);
  void pending.finally(() => state.inFlight.delete(pending)).catch(() => undefined);
  return pending;
}

type LookupResult =
  | { insight: InsightShape; complete: true }
  | { insight: null; complete: boolean; searched: number; total: number | null };

/**
 * Finds one insight by scanning S1 (no single-get endpoint exists, contract#insights): page 1 of 100, then further
 * pages only while the id is missing, at most LOOKUP_MAX_PAGES. `complete: false` means the bound was
 * reached before the whole scope was seen — "absent" would then be a guess, so callers say so.
 * `fresh` skips the request cache and the shared read cache: re-reads after a change, and decisions
 * on security state (classifyInsight's `replaceExisting`), must see Cloudflare's current value.
 */
export async function findInsight(
  context: GatewayContext,
  scope: ResolvedScope,
  id: string,
  options: { fresh: boolean },
): Promise<LookupResult> {
  const state = insightsOf(context);
  if (!options.fresh) {
    if (state.inFlight.size > 0) await Promise.allSettled([...state.inFlight]);
    const cached = cacheFor(context, scope).get(id);
    if (cached) return { insight: shapeInsight(cached, scope), complete: true };
  }
  let searched = 0;
  let total: number | null = null;
  for (let page = 1; page <= LOOKUP_MAX_PAGES; page++) {
    const result = await listPage(context, scope, {}, page, LOOKUP_PAGE_SIZE, options.fresh);
    const hit = result.issues.find((issue) => issue.id === id);
    if (hit) return { insight: shapeInsight(hit, scope), complete: true };
    searched += result.issues.length;
    total = result.count;
    if (result.issues.length < LOOKUP_PAGE_SIZE || (total !== null && searched >= total)) {
      return { insight: null, complete: true, searched, total };
    }
  }
  return { insight: null, complete: false, searched, total };
}
