import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../canonical-json.js';
import { badUserInput } from './errors.js';

/**
 * Relay connections over Cloudflare's page-number paging (E1, E13, E17, S1).
 *
 * A cursor is the absolute offset of an item plus what fixes the result set: a digest of the
 * filter (and account) and the resolved time window. Page 3 therefore means the same messages while
 * new mail arrives (the window's `end` is frozen at the first page), and a cursor replayed with a
 * different filter is refused instead of silently paging something else.
 */
const offsetCursorSchema = z.object({
  v: z.literal(1),
  /** digest of account + normalised filter */
  k: z.string().min(1).max(64),
  /** absolute offset of the item */
  o: z.number().int().min(0).max(1_000_000),
  /** resolved window start / end (ISO), when the list has one */
  s: z.iso.datetime().optional(),
  e: z.iso.datetime().optional(),
});
export type CursorPayload = z.infer<typeof offsetCursorSchema>;

/**
 * An item of an upstream-cursor list (E1 today, reference §9): where the item sits in Cloudflare's
 * paging, since Cloudflare's cursors name pages, not items. `c` fetches the item's page (absent: the
 * first page), `i` is its index there; the last item of a page carries that page's `next` (`nx`), the
 * first its `previous` (`pv`), so the usual `after: endCursor` / `before: startCursor` cost one call.
 */
const upstreamCursorSchema = z.object({
  v: z.literal(2),
  k: z.string().min(1).max(64),
  s: z.iso.datetime().optional(),
  e: z.iso.datetime().optional(),
  /** per_page the upstream cursors were issued with (they are only valid with the same parameters) */
  p: z.number().int().min(1).max(1000),
  c: z.string().min(1).max(2048).optional(),
  i: z.number().int().min(0).max(1000),
  id: z.string().min(1).max(256),
  nx: z.string().min(1).max(2048).nullable().optional(),
  pv: z.string().min(1).max(2048).nullable().optional(),
  /** checksum of the rest (see encodeCursor) */
  h: z.string().max(32).optional(),
});
export type UpstreamCursorPayload = z.infer<typeof upstreamCursorSchema>;
export type AnyCursorPayload = CursorPayload | UpstreamCursorPayload;

const cursorSchema = z.discriminatedUnion('v', [offsetCursorSchema, upstreamCursorSchema]);

/**
 * Upstream cursors are passed to Cloudflare as they are, so a corrupted one would cost a call (and
 * a 400); a checksum over the payload refuses it locally instead. Not a signature: a deliberate
 * forgery is still only a cursor Cloudflare validates.
 */
function checksum(payload: UpstreamCursorPayload): string {
  const entries = Object.entries(payload)
    .filter(([key, value]) => key !== 'h' && value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256').update(JSON.stringify(entries)).digest('base64url').slice(0, 12);
}

export function encodeCursor(payload: AnyCursorPayload): string {
  const sealed = payload.v === 2 ? { ...payload, h: checksum(payload) } : payload;
  return Buffer.from(JSON.stringify(sealed)).toString('base64url');
}

export function decodeCursor(cursor: string, argumentName: 'after' | 'before'): AnyCursorPayload {
  if (cursor.length > 8192)
    throw badUserInput(`\`${argumentName}\` is not a cursor issued by this gateway`, [argumentName]);
  try {
    const payload = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (payload.v === 2 && payload.h !== checksum(payload)) throw new Error('checksum');
    return payload;
  } catch {
    throw badUserInput(`\`${argumentName}\` is not a cursor issued by this gateway`, [argumentName]);
  }
}

/** A stable digest of what defines a result set; key order does not matter, nor null versus absent. */
export function filterDigest(value: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(value, { omitNull: true }))
    .digest('base64url')
    .slice(0, 22);
}

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

export interface PagingPlan<C extends AnyCursorPayload = CursorPayload> {
  /** Cursors decoded and checked against this filter, if any. */
  after: C | null;
  before: C | null;
  direction: 'forward' | 'backward';
  size: number;
}

/** Validates first/last/after/before before any upstream call (offset cursors only: v1). */
export function planPaging(
  args: ConnectionArgs,
  options: { digest: string; cap: number; defaultSize: number },
): PagingPlan {
  const plan = planAnyPaging(args, options);
  for (const [name, cursor] of [
    ['after', plan.after],
    ['before', plan.before],
  ] as const) {
    if (cursor && cursor.v !== 1) throw badUserInput(`\`${name}\` is not a cursor of this list`, [name]);
  }
  return plan as PagingPlan;
}

/** Like planPaging, accepting both cursor kinds (a list whose upstream may page either way). */
export function planAnyPaging(
  args: ConnectionArgs,
  options: { digest: string; cap: number; defaultSize: number },
): PagingPlan<AnyCursorPayload> {
  const { first, last } = args;
  if (first != null && last != null) throw badUserInput('Pass either `first` or `last`, not both', ['first']);
  for (const [name, value] of [
    ['first', first],
    ['last', last],
  ] as const) {
    if (value != null && (value < 0 || value > options.cap)) {
      throw badUserInput(`\`${name}\` must be between 0 and ${options.cap}`, [name]);
    }
  }
  const after = args.after ? decodeCursor(args.after, 'after') : null;
  const before = args.before ? decodeCursor(args.before, 'before') : null;
  for (const [name, cursor] of [
    ['after', after],
    ['before', before],
  ] as const) {
    if (cursor && cursor.k !== options.digest) {
      throw badUserInput(`\`${name}\` was issued for a different filter or account; start again without a cursor`, [
        name,
      ]);
    }
  }
  if (after && before && after.v !== before.v)
    throw badUserInput('`after` and `before` come from different pagings; start again without a cursor', ['after']);
  if (after?.v === 1 && before?.v === 1 && after.o >= before.o)
    throw badUserInput('`after` must come before `before`', ['after']);
  const direction = last != null || (before && first == null) ? 'backward' : 'forward';
  const size = (direction === 'backward' ? last : first) ?? options.defaultSize;
  return { after, before, direction, size };
}

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
    cursor: encodeCursor({ v: 1, k: options.digest, o: range.start + index, ...options.pin }),
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
 * A Relay connection over Cloudflare's cursor paging (E1, reference §9: `cursor=` + `per_page`, stop
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
      cursor: encodeCursor({
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
