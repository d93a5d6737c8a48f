import { beforeEach, describe, expect, test, vi } from 'vitest';
import { t, useMessageGateway } from './helpers.js';

useMessageGateway();

interface PageResult {
  messages: {
    totalCount: number | null;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
    edges: { cursor: string; node: { id: string } }[];
  };
}

const PAGE = /* GraphQL */ `
  query Page($first: Int, $last: Int, $after: String, $before: String, $filter: MessageFilter) {
    messages(first: $first, last: $last, after: $after, before: $before, filter: $filter) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id } }
    }
  }
`;

const ids = (result: PageResult) => result.messages.edges.map((edge) => edge.node.id);

async function page(variables: Record<string, unknown>) {
  const { body } = await t.query<PageResult>(PAGE, variables);
  expect(body.errors).toBeUndefined();
  return body.data as PageResult;
}

/** The E1 requests the gateway sent since the last reset: per_page, cursor and page only. */
const searches = () =>
  t.sim.requests
    .filter((r) => r.endpoint === 'emailSecurity.investigate.list')
    .map((r) => ({ per_page: r.query.per_page?.[0], cursor: r.query.cursor?.[0], page: r.query.page?.[0] }));

describe.each([
  { mode: 'cursor' as const, title: 'the current API (cursor paging, no total)' },
  { mode: 'legacy' as const, title: 'the legacy API (page numbers and a real total)' },
])('messages paging against $title', ({ mode }) => {
  beforeEach(() => t.sim.setE1Paging(mode));
  const total = () => t.sim.state.listMessages(t.gateway.services.config.accountId as string).length;
  const expectedTotal = () => (mode === 'cursor' ? null : total());

  test('paging forward with first/after and back with last/before visits every message exactly once', async () => {
    const forward: string[][] = [];
    let result = await page({ first: 25 });
    forward.push(ids(result));
    expect(result.messages.pageInfo.hasPreviousPage).toBe(false);
    for (let guard = 0; result.messages.pageInfo.hasNextPage && guard < 50; guard++) {
      expect(result.messages.totalCount).toBe(expectedTotal());
      result = await page({ first: 25, after: result.messages.pageInfo.endCursor });
      forward.push(ids(result));
    }
    const all = forward.flat();
    expect(all).toEqual(t.sim.state.listMessages(t.gateway.services.config.accountId as string).map((m) => m.id));
    expect(new Set(all).size).toBe(total());
    expect(result.messages.pageInfo.hasNextPage).toBe(false);
    expect(result.messages.totalCount).toBe(expectedTotal());

    const backward: string[][] = [];
    let cursor = result.messages.pageInfo.startCursor;
    backward.unshift(ids(result));
    for (let guard = 0; guard < 50; guard++) {
      const back = await page({ last: 25, before: cursor });
      if (back.messages.edges.length === 0) break;
      backward.unshift(ids(back));
      expect(back.messages.pageInfo.hasNextPage).toBe(true);
      if (!back.messages.pageInfo.hasPreviousPage) break;
      cursor = back.messages.pageInfo.startCursor;
    }
    expect(backward.flat()).toEqual(all);
    if (mode === 'cursor') expect(searches().every((request) => request.page === undefined)).toBe(true);
  });

  test('the first page, the next page and the way back send the expected E1 paging parameters', async () => {
    t.sim.resetRequests();
    const first = await page({ first: 10 });
    const second = await page({ first: 10, after: first.messages.pageInfo.endCursor });
    const back = await page({ last: 10, before: second.messages.pageInfo.startCursor });
    expect(ids(back)).toEqual(ids(first));
    expect(back.messages.pageInfo.hasPreviousPage).toBe(false);
    expect(second.messages.pageInfo.hasPreviousPage).toBe(true);
    expect(ids(second).some((id) => ids(first).includes(id))).toBe(false);
    const sent = searches();
    expect(sent).toHaveLength(3);
    if (mode === 'cursor') {
      expect(sent[0]).toEqual({ per_page: '10', cursor: undefined, page: undefined });
      expect(sent[1]?.cursor).toBeTypeOf('string');
      expect(sent[1]?.page).toBeUndefined();
      // Back from page 2's first item is page 2's `previous`, i.e. Cloudflare's cursor of page 1.
      expect(sent[2]?.cursor).toBeTypeOf('string');
      expect(sent[2]?.page).toBeUndefined();
    } else {
      expect(sent).toEqual([
        { per_page: '10', cursor: undefined, page: undefined },
        { per_page: '10', cursor: undefined, page: '2' },
        { per_page: '10', cursor: undefined, page: undefined },
      ]);
    }
  });

  test('an aligned page costs exactly one search call', async () => {
    const first = await page({ first: 10 });
    t.sim.resetRequests();
    await page({ first: 10, after: first.messages.pageInfo.endCursor });
    expect(t.sim.count('emailSecurity.investigate.list')).toBe(1);
  });

  test('a first larger than the pinned page size walks several upstream pages and stays in order', async () => {
    const first = await page({ first: 10 });
    const next = await page({ first: 30, after: first.messages.pageInfo.endCursor });
    const reference = t.sim.state.listMessages(t.gateway.services.config.accountId as string).map((m) => m.id);
    expect(ids(next)).toEqual(reference.slice(10, 40));
    expect(next.messages.pageInfo.hasNextPage).toBe(true);
  });

  test('paging from the middle of an upstream page continues with the next item', async () => {
    const first = await page({ first: 10 });
    const reference = t.sim.state.listMessages(t.gateway.services.config.accountId as string).map((m) => m.id);
    const fromMiddle = await page({ first: 5, after: first.messages.edges[3]?.cursor });
    expect(ids(fromMiddle)).toEqual(reference.slice(4, 9));
    const backFromMiddle = await page({ last: 3, before: first.messages.edges[5]?.cursor });
    expect(ids(backFromMiddle)).toEqual(reference.slice(2, 5));
  });

  test('later pages stay stable while new mail arrives', async () => {
    const first = await page({ first: 10 });
    const expectedSecond = await page({ first: 10, after: first.messages.pageInfo.endCursor });
    t.sim.addMessages(t.gateway.services.config.accountId as string, 5);
    const second = await page({ first: 10, after: first.messages.pageInfo.endCursor });
    expect(ids(second)).toEqual(ids(expectedSecond));
    // A new first page sees the new mail once its second has passed (windows end on whole seconds).
    const addedAt = Date.now();
    await vi.waitFor(() => expect(Math.floor(Date.now() / 1000)).toBeGreaterThan(Math.floor(addedAt / 1000)), {
      timeout: 2_000,
    });
    const fresh = await page({ first: 10 });
    expect(ids(fresh).slice(5)).toEqual(ids(first).slice(0, 5));
    if (mode === 'legacy') expect(fresh.messages.totalCount).toBe((first.messages.totalCount ?? 0) + 5);
  });
});

describe('messages paging in either mode', () => {
  test.each(['cursor', 'legacy'] as const)(
    'last without before is BAD_USER_INPUT with zero calls against the %s API, since the end is not addressable',
    async (mode) => {
      t.sim.setE1Paging(mode);
      const { body } = await t.query(PAGE, { last: 3 });
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0]?.message).toMatch(/before/);
      expect(t.sim.count()).toBe(0);
    },
  );

  test('a cursor used with a different filter is BAD_USER_INPUT and costs no upstream call', async () => {
    const first = await page({ first: 5 });
    t.sim.resetRequests();
    const { body } = await t.query(PAGE, {
      first: 5,
      after: first.messages.pageInfo.endCursor,
      filter: { finalDisposition: 'SPAM' },
    });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toMatch(/different filter/);
    expect(t.sim.count()).toBe(0);
  });

  test('a tampered cursor is BAD_USER_INPUT and costs no upstream call', async () => {
    const { body } = await t.query(PAGE, { first: 5, after: 'eyJ2IjoxfQ' });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(t.sim.count()).toBe(0);
  });

  test('first above the cap of 100 is BAD_USER_INPUT and costs no upstream call', async () => {
    const { body } = await t.query(PAGE, { first: 101 });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(t.sim.count()).toBe(0);
  });

  test('a start in the future is BAD_USER_INPUT and costs no upstream call', async () => {
    const { body } = await t.query(PAGE, { first: 5, filter: { start: '2999-01-01T00:00:00Z' } });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(t.sim.count()).toBe(0);
  });

  test('an accountId that is not 32 hex characters is BAD_USER_INPUT and costs no upstream call', async () => {
    const { body } = await t.query(`{ messages(first: 1, accountId: "../../zones") { totalCount } }`);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(t.sim.count()).toBe(0);
  });
});

describe('a page-number cursor after the deployment moved to cursor paging', () => {
  test('is refused with BAD_USER_INPUT instead of answering page 1 again as page 2', async () => {
    t.sim.setE1Paging('legacy');
    const query = 'query($after: String) { messages(first: 5, after: $after) { pageInfo { endCursor } nodes { id } } }';
    const first = await t.query<{ messages: { pageInfo: { endCursor: string }; nodes: { id: string }[] } }>(query);
    const cursor = first.body.data?.messages.pageInfo.endCursor as string;
    t.sim.setE1Paging('cursor');
    const replay = await t.query<{ messages: { nodes: { id: string }[] } }>(query, { after: cursor });
    expect(replay.body.data?.messages ?? null).toBeNull();
    expect(replay.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(replay.body.errors?.[0]?.extensions?.argumentPath).toEqual(['after']);
  });
});
