/**
 * Relay connections over Cloudflare's page-number paging (E1, E13, E17, S1).
 *
 * A cursor is the absolute offset of an item plus what fixes the result set: a digest of the
 * filter (and account) and the resolved time window. Page 3 therefore means the same messages while
 * new mail arrives (the window's `end` is frozen at the first page), and a cursor replayed with a
 * different filter is refused instead of silently paging something else.
 */
import { badUserInput } from '../errors.js';
import { encodeConnectionCursor } from './cursors.js';
import { type ConnectionArgs, type PagingPlan, planPaging } from './plan.js';

/** The absolute offsets [start, end) a plan asks for, once the total is known where needed. */
export function windowFor(plan: PagingPlan, total: number | null): { start: number; end: number } {
  if (plan.direction === 'forward') {
    const start = plan.after ? plan.after.o + 1 : 0;
    let end = start + plan.size;
    if (plan.before) end = Math.min(end, plan.before.o);
    return { start, end: Math.max(start, end) };
  }
  const end = plan.before ? plan.before.o : (total ?? 0);
  let start = Math.max(0, end - plan.size);
  if (plan.after) start = Math.max(start, plan.after.o + 1);
  return { start, end: Math.max(start, end) };
}

/**
 * Upstream pages covering [start, end) with per_page = the window size: one call when the window is
 * aligned (the usual case when a client keeps the same `first`), two when it straddles a boundary.
 */
export function pagesFor(window: { start: number; end: number }): { perPage: number; pages: number[] } {
  const perPage = Math.max(1, window.end - window.start);
  const firstPage = Math.floor(window.start / perPage) + 1;
  const lastPage = Math.floor((window.end - 1) / perPage) + 1;
  const pages = [firstPage];
  if (lastPage !== firstPage) pages.push(lastPage);
  return { perPage, pages };
}

/**
 * The whole Relay connection over a page-number endpoint (E1, E13, E17, S1): plans the window, reads
 * the total first only for `last` without `before`, fetches the one (or two) covering pages, and
 * builds edges whose cursors carry the digest (and the pinned time window, when there is one).
 */
export async function pageConnection<Item, Node>(
  args: ConnectionArgs,
  options: {
    digest: string;
    cap: number;
    defaultSize: number;
    /** Already planned by the caller (e.g. to read the pinned window from the cursor first). */
    plan?: PagingPlan;
    /** Extra cursor fields that pin the result set, such as the resolved time window. */
    pin?: { s?: string; e?: string };
    fetch: (page: number, perPage: number) => Promise<{ items: Item[]; total: number | null }>;
    map: (item: Item) => Node;
  },
) {
  const plan =
    options.plan ?? planPaging(args, { digest: options.digest, cap: options.cap, defaultSize: options.defaultSize });
  if (plan.size === 0) {
    // `first: 0` / `last: 0` asks for nothing: answer without spending a call.
    return {
      edges: [],
      totalCount: null,
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    };
  }
  let total: number | null = null;
  let probe: { items: Item[]; total: number | null } | null = null;
  if (plan.direction === 'backward' && !plan.before) {
    // `last` without `before` needs the total first (the Pothos #1287 lesson).
    probe = await options.fetch(1, Math.max(1, plan.size));
    total = probe.total;
    if (total === null)
      throw badUserInput('`last` without `before` needs a total count, which Cloudflare did not send', ['last']);
  }
  const range = windowFor(plan, total);
  let items: Item[] = [];
  if (range.end > range.start) {
    const { perPage, pages } = pagesFor(range);
    const reuseProbe = probe !== null && pages.length === 1 && pages[0] === 1 && perPage === Math.max(1, plan.size);
    const results =
      reuseProbe && probe ? [probe] : await Promise.all(pages.map((page) => options.fetch(page, perPage)));
    const firstPageStart = ((pages[0] ?? 1) - 1) * perPage;
    items = results.flatMap((result) => result.items).slice(range.start - firstPageStart, range.end - firstPageStart);
    total = total ?? results[0]?.total ?? null;
  }
  const edges = items.map((item, index) => ({
    cursor: encodeConnectionCursor({ v: 1, k: options.digest, o: range.start + index, ...options.pin }),
    node: options.map(item),
  }));
  const endOffset = range.start + edges.length;
  const hasNextPage = total !== null ? endOffset < total : edges.length === range.end - range.start && edges.length > 0;
  return {
    edges,
    totalCount: total,
    pageInfo: {
      // Paging backward from `before`, that item itself comes next.
      hasNextPage: plan.before ? true : hasNextPage,
      hasPreviousPage: range.start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
