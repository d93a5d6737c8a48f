import { badUserInput } from '../errors.js';
import { type AnyCursorPayload, encodeConnectionCursor, type UpstreamCursorPayload } from './cursors.js';
import type { PagingPlan } from './plan.js';

/** One page of an upstream-cursor list: Cloudflare's `next` / `previous` (null at either end). */
export interface CursorPage<Item> {
  items: Item[];
  next: string | null;
  previous: string | null;
}

const emptyConnection = (hasPreviousPage: boolean, hasNextPage: boolean) => ({
  edges: [],
  totalCount: null,
  pageInfo: { hasNextPage, hasPreviousPage, startCursor: null, endCursor: null },
});

/**
 * A Relay connection over Cloudflare's cursor paging (E1, contract#current-api: `cursor=` + `per_page`, stop
 * when `next` is null; backward with `previous`). There is no total (`totalCount` is null) and no
 * way to jump to the end, so `last` needs `before`. `per_page` is pinned by the first page's cursors
 * because an upstream cursor is only valid with the query it was issued for; a `first` larger than it
 * walks several upstream pages.
 */
export async function upstreamCursorConnection<Item extends { id: string }, Node>(
  plan: PagingPlan<AnyCursorPayload>,
  options: {
    digest: string;
    pin?: { s?: string; e?: string };
    /** per_page for the upstream calls when no cursor pins it. */
    perPage: number;
    fetch: (cursor: string | undefined, perPage: number) => Promise<CursorPage<Item>>;
    /** The first page (no cursor), when the caller already fetched it to detect the paging style. */
    firstPage?: CursorPage<Item>;
    map: (item: Item) => Node;
  },
) {
  const pinned = [plan.after, plan.before].find((c): c is UpstreamCursorPayload => c?.v === 2);
  const perPage = pinned?.p ?? options.perPage;
  const maxPages = Math.ceil(plan.size / perPage) + 2;
  const fetchPage = (cursor: string | undefined) =>
    cursor === undefined && options.firstPage ? Promise.resolve(options.firstPage) : options.fetch(cursor, perPage);
  type Placed = { item: Item; cursor: string | undefined; index: number; page: CursorPage<Item> };
  const after = plan.after?.v === 2 ? plan.after : null;
  const before = plan.before?.v === 2 ? plan.before : null;
  const toConnection = (placed: Placed[], hasPreviousPage: boolean, hasNextPage: boolean) => {
    const edges = placed.map(({ item, cursor, index, page }) => ({
      cursor: encodeConnectionCursor({
        v: 2,
        k: options.digest,
        ...options.pin,
        p: perPage,
        ...(cursor === undefined ? {} : { c: cursor }),
        i: index,
        id: item.id,
        ...(index === page.items.length - 1 ? { nx: page.next } : {}),
        ...(index === 0 ? { pv: page.previous } : {}),
      }),
      node: options.map(item),
    }));
    return {
      edges,
      totalCount: null,
      pageInfo: {
        hasNextPage,
        hasPreviousPage,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  };
  if (plan.size === 0) return emptyConnection(false, false);

  if (plan.direction === 'forward') {
    let cursor: string | undefined;
    let skip = 0;
    if (after?.nx === null) return emptyConnection(true, false);
    if (after?.nx !== undefined && after.nx !== null) cursor = after.nx;
    else if (after) {
      cursor = after.c;
      skip = after.i + 1;
    }
    const placed: Placed[] = [];
    let hasPreviousPage = after !== null;
    let hasNextPage = false;
    for (let pages = 0; pages < maxPages; pages++) {
      const page = await fetchPage(cursor);
      if (pages === 0) hasPreviousPage = skip > 0 || page.previous !== null;
      let reachedBefore = false;
      for (let index = skip; index < page.items.length; index++) {
        const item = page.items[index] as Item;
        if (before && item.id === before.id) {
          reachedBefore = true;
          break;
        }
        placed.push({ item, cursor, index, page });
      }
      skip = 0;
      if (reachedBefore) {
        hasNextPage = true;
        break;
      }
      if (placed.length >= plan.size) {
        const last = placed[plan.size - 1] as Placed;
        hasNextPage = placed.length > plan.size || last.index < last.page.items.length - 1 || page.next !== null;
        break;
      }
      if (page.next === null) {
        hasNextPage = false;
        break;
      }
      cursor = page.next;
      // Short pages that still have a `next`: stop walking, but say there is more.
      hasNextPage = true;
    }
    return toConnection(placed.slice(0, plan.size), hasPreviousPage, hasNextPage);
  }

  // Backward: from `before`'s page towards the start, following `previous`.
  if (!before)
    throw badUserInput(
      '`last` without `before` needs the end of the list, which Cloudflare’s cursor paging does not give: page forward, then back with `before`',
      ['last'],
    );
  let cursor: string | undefined;
  let take: number | undefined;
  if (before.i > 0) {
    cursor = before.c;
    take = before.i;
  } else {
    if (before.pv === null || before.pv === undefined) return emptyConnection(false, true);
    cursor = before.pv;
  }
  let placed: Placed[] = [];
  let reachedStart = false;
  for (let pages = 0; pages < maxPages; pages++) {
    const page = await fetchPage(cursor);
    const end = take ?? page.items.length;
    take = undefined;
    const segment: Placed[] = [];
    let reachedAfter = false;
    for (let index = end - 1; index >= 0; index--) {
      const item = page.items[index] as Item;
      if (after && item.id === after.id) {
        reachedAfter = true;
        break;
      }
      segment.unshift({ item, cursor, index, page });
    }
    placed = [...segment, ...placed];
    if (reachedAfter) {
      reachedStart = true;
      break;
    }
    if (placed.length >= plan.size) break;
    if (page.previous === null) {
      reachedStart = true;
      break;
    }
    cursor = page.previous;
  }
  const kept = placed.slice(-plan.size);
  const firstKept = kept[0];
  const hasPreviousPage =
    placed.length > kept.length ||
    (!reachedStart && firstKept !== undefined && (firstKept.index > 0 || firstKept.page.previous !== null));
  return toConnection(kept, after !== null ? true : hasPreviousPage, true);
}
