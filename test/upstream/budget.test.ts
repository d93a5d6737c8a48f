import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { MemoryBudgetStore } from '../../src/upstream/budget.js';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import { type GraphQLErrorJson, startTestGateway, useTestGateway, type TestGateway } from '../helpers/gateway.js';

let t: TestGateway;
const LIMIT = 20;

useTestGateway(
  (gateway) => {
    t = gateway;
  },
  {
    env: {
      BUDGET_ENABLED: 'true',
      BUDGET_LIMIT: String(LIMIT),
      BUDGET_SAFETY_MARGIN: '0',
      BUDGET_WRITE_RESERVE: '5',
      BUDGET_MAX_QUEUE_MS: '0',
      UPSTREAM_FANOUT_CONCURRENCY: '4',
    },
    simulator: { budget: { limit: LIMIT, windowSeconds: 300, lockoutSeconds: 300 } },
  },
);

describe('Cloudflare budget governor', () => {
  beforeEach(() => {
    t.sim.resetRequests();
  });

  test('a burst larger than the budget never trips Cloudflare: excess fields fail RATE_LIMITED while the rest resolves', async () => {
    const { body } = await t.query<{
      messages: { nodes: { id: string; subject: string | null; detection: { action: string } | null }[] };
    }>('{ messages(first: 25) { nodes { id subject detection { action } } } }');
    const nodes = body.data?.messages.nodes ?? [];
    expect(nodes).toHaveLength(25);
    expect(nodes.every((node) => typeof node.id === 'string')).toBe(true);
    const readAllowance = LIMIT - 5;
    // One search + as many detections as the read share allows; never more.
    expect(t.sim.count()).toBe(readAllowance);
    expect(t.sim.count(undefined, { status: 429 })).toBe(0);
    const limited = (body.errors ?? []).filter((error: GraphQLErrorJson) => error.extensions?.code === 'RATE_LIMITED');
    expect(limited).toHaveLength(25 - (readAllowance - 1));
    expect(limited[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    expect(nodes.filter((node) => node.detection !== null)).toHaveLength(readAllowance - 1);
  });

  test('a mutation still goes through on the share reserved for writes', async () => {
    const id = t.sim.state.listMessages(SIMULATOR_ACCOUNT_ID).find((m) => m.is_quarantined)?.id;
    const { body } = await t.query<{ releaseMessages: { __typename: string } }>(
      'mutation($i: ReleaseMessagesInput!) { releaseMessages(input: $i) { __typename } }',
      { i: { ids: [id] } },
    );
    expect(body.data?.releaseMessages.__typename).toBe('ReleaseMessagesPayload');
    expect(t.sim.count('emailSecurity.investigate.release.bulk')).toBe(1);
  });

  test('upstreamBudget shows what is left without calling Cloudflare', async () => {
    const { body } = await t.query<{ upstreamBudget: Record<string, unknown> }>(
      '{ upstreamBudget { enabled limit windowSeconds remaining resetSeconds writeReserve lockedOut retryAfterSeconds } }',
    );
    expect(body.data?.upstreamBudget).toMatchObject({
      enabled: true,
      limit: LIMIT,
      windowSeconds: 300,
      writeReserve: 5,
      lockedOut: false,
    });
    expect(body.data?.upstreamBudget.remaining).toBeLessThanOrEqual(4);
    expect(t.sim.count()).toBe(0);
  });
});

describe('in step with Cloudflare headers', () => {
  let small: TestGateway;
  beforeAll(async () => {
    // The gateway believes in 1,200 requests; Cloudflare says 10. The headers win.
    small = await startTestGateway({
      env: { BUDGET_ENABLED: 'true', BUDGET_SAFETY_MARGIN: '0', BUDGET_WRITE_RESERVE: '0', BUDGET_MAX_QUEUE_MS: '0' },
      simulator: { budget: { limit: 10, windowSeconds: 300, lockoutSeconds: 300 } },
    });
  });
  afterAll(async () => {
    await small.close();
  });

  test('a quota smaller than configured is learned from the Ratelimit headers and never exceeded', async () => {
    for (let round = 0; round < 4; round++)
      await small.query('{ messages(first: 3) { nodes { id detection { action } } } }');
    expect(small.sim.count()).toBe(10);
    expect(small.sim.count(undefined, { status: 429 })).toBe(0);
    const { body } = await small.query<{ upstreamBudget: { remaining: number } }>('{ upstreamBudget { remaining } }');
    expect(body.data?.upstreamBudget.remaining).toBe(0);
  });
});

describe('after a 429', () => {
  test('the credential is locked out for Retry-After and nothing more is sent until then', async () => {
    const g = await startTestGateway({ env: { BUDGET_ENABLED: 'true', BUDGET_MAX_QUEUE_MS: '0' } });
    try {
      g.sim.injectFault({
        endpoint: 'emailSecurity.investigate.list',
        response: { kind: 'status', status: 429, headers: { 'retry-after': '120' } },
      });
      const first = await g.query('{ messages(first: 1) { totalCount } }');
      expect(first.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 120 });
      const second = await g.query('{ messages(first: 1) { totalCount } }');
      expect(second.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(g.sim.count()).toBe(1);
      const budget = await g.query<{ upstreamBudget: { lockedOut: boolean; retryAfterSeconds: number } }>(
        '{ upstreamBudget { lockedOut retryAfterSeconds } }',
      );
      expect(budget.body.data?.upstreamBudget.lockedOut).toBe(true);
      expect(budget.body.data?.upstreamBudget.retryAfterSeconds).toBeGreaterThan(100);
    } finally {
      await g.close();
    }
  });
});

describe('the sliding window, on a clock of the test', () => {
  const options = { limit: 10, windowMs: 1_000, writeReserve: 0, safetyMargin: 0, maxQueueMs: 0 };
  const header = (remaining: number, resetSeconds: number) => ({
    policy: 'default',
    remaining,
    resetSeconds,
    limit: options.limit,
    windowSeconds: 1,
    observedAt: 0,
  });

  /** The most grants inside any span of the window's length. */
  function busiestSpan(times: number[]): number {
    return Math.max(...times.map((start) => times.filter((at) => at >= start && at < start + options.windowMs).length));
  }

  test('a load asking every millisecond never gets more than the limit into any span of the window length, and loses at most a tenth of the throughput', async () => {
    const store = new MemoryBudgetStore();
    const granted: number[] = [];
    // One call, then a load from late in the window on: with fixed windows the next window would
    // open while this one's permits are still recent.
    for (const now of [1_000, ...Array.from({ length: 10_000 }, (_, index) => 1_990 + index)])
      if ((await store.take('c', 'read', now, options)).granted) granted.push(now);
    expect(busiestSpan(granted)).toBeLessThanOrEqual(options.limit);
    // A permit comes back at most two buckets (100 ms) after its window: 10 per 1.1 s, not 10 per second.
    expect(granted.length).toBeGreaterThanOrEqual(90);
  });

  test('a refused permit says exactly when the oldest permits leave the span, and is granted then', async () => {
    const store = new MemoryBudgetStore();
    for (let index = 0; index < 4; index++) await store.take('c', 'read', 1_070, options);
    for (let index = 0; index < 6; index++) await store.take('c', 'read', 1_720, options);
    const refused = await store.take('c', 'read', 1_900, options);
    // The bucket 1,050–1,100 ms counts until no span of 1 s that ends later reaches it (2,100 ms),
    // and one guard bucket longer: 2,150 ms.
    expect(refused).toEqual({ granted: false, retryAfterMs: 250, lockedOut: false });
    expect((await store.take('c', 'read', 2_149, options)).granted).toBe(false);
    expect(await store.take('c', 'read', 2_150, options)).toEqual({ granted: true, remaining: 3 });
    // The next permits come back when the bucket 1,700–1,750 ms stops counting.
    expect((await store.remaining('c', 2_150, options)).resetMs).toBe(650);
  });

  test('Cloudflare’s count wins while it is higher, counts our grants on top, and stops counting when its window resets', async () => {
    const store = new MemoryBudgetStore();
    await store.take('c', 'read', 1_000, options);
    await store.observe('c', header(2, 1), 1_000, options);
    expect(await store.remaining('c', 1_000, options)).toMatchObject({ remaining: 2, resetMs: 1_000 });
    await store.take('c', 'read', 1_500, options);
    await store.take('c', 'read', 1_500, options);
    expect(await store.take('c', 'read', 1_500, options)).toEqual({
      granted: false,
      retryAfterMs: 500,
      lockedOut: false,
    });
    // A lower count from Cloudflare never loosens ours.
    await store.observe('c', header(5, 1), 1_600, options);
    expect((await store.take('c', 'read', 1_900, options)).granted).toBe(false);
    // Cloudflare's window has reset: only our own 3 permits count, until their buckets leave the span.
    expect(await store.take('c', 'read', 2_000, options)).toEqual({ granted: true, remaining: 6 });
  });
});
