import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import { type GraphQLErrorJson, startTestGateway, type TestGateway } from '../helpers/gateway.js';

let t: TestGateway;
const LIMIT = 20;

beforeAll(async () => {
  t = await startTestGateway({
    env: {
      BUDGET_ENABLED: 'true',
      BUDGET_LIMIT: String(LIMIT),
      BUDGET_SAFETY_MARGIN: '0',
      BUDGET_WRITE_RESERVE: '5',
      BUDGET_MAX_QUEUE_MS: '0',
      UPSTREAM_FANOUT_CONCURRENCY: '4',
    },
    simulator: { budget: { limit: LIMIT, windowSeconds: 300, lockoutSeconds: 300 } },
  });
});
afterAll(async () => {
  await t.close();
});

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
