import { beforeEach, describe, expect, test } from 'vitest';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import { startTestGateway, useTestGateway, type TestGateway } from '../helpers/gateway.js';

const TRIAGE = '{ messages(first: 25) { nodes { id subject isQuarantined detection { action } } } }';

describe('upstream read cache', () => {
  let t: TestGateway;
  useTestGateway(
    (gateway) => {
      t = gateway;
    },
    { env: { CACHE_ENABLED: 'true' } },
  );
  beforeEach(() => {
    t.sim.resetRequests();
  });

  test('a repeated triage page within the TTL costs at most one upstream call and no detection call', async () => {
    const first = await t.query(TRIAGE);
    expect(first.body.errors).toBeUndefined();
    expect(t.sim.count()).toBe(26);
    t.sim.resetRequests();
    const second = await t.query(TRIAGE);
    expect(second.body.data).toEqual(first.body.data);
    // The search window steps every search TTL; a repeat that straddles a step re-runs only the search.
    expect(t.sim.count()).toBeLessThanOrEqual(1);
    expect(t.sim.count('emailSecurity.investigate.detections.get')).toBe(0);
  });

  test('after the short search TTL only the search is fetched again; detections stay cached', async () => {
    const short = await startTestGateway({ env: { CACHE_ENABLED: 'true', CACHE_TTL_SEARCH_SECONDS: '1' } });
    try {
      await short.query(TRIAGE);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      short.sim.resetRequests();
      await short.query(TRIAGE);
      expect(short.sim.count('emailSecurity.investigate.list')).toBe(1);
      expect(short.sim.count('emailSecurity.investigate.detections.get')).toBe(0);
    } finally {
      await short.close();
    }
  });

  test('a release invalidates the cached message and searches, so the next read is fresh', async () => {
    const id = t.sim.state.listMessages(SIMULATOR_ACCOUNT_ID).find((m) => m.is_quarantined)?.id as string;
    const read = () =>
      t.query<{ message: { isQuarantined: boolean } }>('query($id: ID!) { message(id: $id) { isQuarantined } }', {
        id,
      });
    expect((await read()).body.data?.message.isQuarantined).toBe(true);
    const afterFirstRead = t.sim.count('emailSecurity.investigate.get');
    expect((await read()).body.data?.message.isQuarantined).toBe(true);
    expect(t.sim.count('emailSecurity.investigate.get')).toBe(afterFirstRead);
    await t.query('mutation($i: ReleaseMessagesInput!) { releaseMessages(input: $i) { __typename } }', {
      i: { ids: [id] },
    });
    t.sim.resetRequests();
    expect((await read()).body.data?.message.isQuarantined).toBe(false);
    expect(t.sim.count('emailSecurity.investigate.get')).toBe(1);
  });
});

describe('cache keys include the credential', () => {
  let t: TestGateway;
  useTestGateway(
    (gateway) => {
      t = gateway;
    },
    { env: { CACHE_ENABLED: 'true', CREDENTIALS_MODE: 'forward', CLOUDFLARE_API_TOKEN: '' } },
  );

  test("in forward mode one caller never gets what was fetched with another caller's token", async () => {
    const query = '{ messages(first: 3) { nodes { id } } }';
    // A forwarded token is answered from the cache only once Cloudflare has accepted it: the first
    // call establishes that, the second fills the cache, the third is a hit.
    for (let index = 0; index < 3; index++) await t.query(query, {}, { authorization: 'Bearer token-a' });
    expect(t.sim.count()).toBe(2);
    await t.query(query, {}, { authorization: 'Bearer token-b' });
    expect(t.sim.count()).toBe(3);
    expect(t.sim.requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer token-a',
      'Bearer token-a',
      'Bearer token-b',
    ]);
  });

  test('in forward mode a caller without credentials is a 401 UNAUTHENTICATED and nothing is sent', async () => {
    t.sim.resetRequests();
    const { status, body } = await t.query('{ messages(first: 3) { nodes { id } } }');
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(t.sim.count()).toBe(0);
  });
});

describe('MemoryCacheStore', () => {
  test('expired entries are purged on a timer, not kept until the size bound', async () => {
    const { MemoryCacheStore } = await import('../../src/upstream/cache.js');
    const store = new MemoryCacheStore({ maxEntries: 1000, maxBytes: 10_000_000, purgeIntervalMs: 20 });
    try {
      for (let index = 0; index < 100; index++) await store.set(`k${index}`, 'x'.repeat(100), 10);
      expect(store.size).toBe(100);
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(store.size).toBe(0);
    } finally {
      store.close();
    }
  });

  test('the byte bound counts keys and two bytes per character', async () => {
    const { MemoryCacheStore } = await import('../../src/upstream/cache.js');
    const store = new MemoryCacheStore({ maxEntries: 1000, maxBytes: 10_000 });
    try {
      for (let index = 0; index < 50; index++) await store.set(`key-${index}`, 'y'.repeat(500), 60_000);
      // each entry ≈ 2 × 506 + 64 bytes: at most 9 fit in 10,000
      expect(store.size).toBeLessThanOrEqual(9);
    } finally {
      store.close();
    }
  });
});
