import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import { RedisBudgetStore } from '../../src/state/redis/budget-store.js';
import { RedisIdempotencyStore } from '../../src/state/redis/idempotency-store.js';
import { createRedisClient, RedisLink } from '../../src/state/redis/link.js';
import type { BudgetOptions } from '../../src/upstream/budget.js';
import { type GraphQLErrorJson, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { freePort, RedisServer } from '../helpers/redis-server.js';
import { startRewriteProxy } from '../helpers/rewrite-proxy.js';

// ───────────────────────────── a private redis-server per suite ─────────────────────────────

function collectingLogger() {
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      callback();
    },
  });
  return { logs, logger: createLogger({ level: 'debug', pretty: false, destination }) };
}

const OUTAGE_WARNING = /Redis is unavailable: keyed mutations are refused/;

let redis: RedisServer;
let redisUrl: string;
let prefixSeq = 0;
/** Each test gets its own key prefix, so tests sharing the redis-server never see each other's keys. */
const freshPrefix = () => `test${process.pid}-${++prefixSeq}:`;

beforeAll(async () => {
  redis = await RedisServer.start();
  redisUrl = redis.url;
});
afterAll(async () => {
  await redis.close();
});

// ───────────────────────────── two gateway replicas, one simulator, one Redis ─────────────────────────────

/**
 * Replica A with its simulator, and replica B pointed at A's simulator through a proxy that records
 * B's calls: both spend one Cloudflare, and `a.sim` minus `bCalls` is what A sent.
 */
async function startReplicas(
  env: Record<string, string>,
  url = redisUrl,
): Promise<{ a: TestGateway; b: TestGateway; bCalls(): number; close(): Promise<void> }> {
  const shared = { REDIS_URL: url, REDIS_KEY_PREFIX: freshPrefix(), ...env };
  const a = await startTestGateway({ env: shared });
  const proxy = await startRewriteProxy();
  proxy.target = a.sim.origin;
  const b = await startTestGateway({ env: { ...shared, CLOUDFLARE_BASE_URL: `${proxy.origin}/client/v4` } });
  return {
    a,
    b,
    bCalls: () => proxy.requests.length,
    async close() {
      await b.close();
      await proxy.close();
      await a.close();
    },
  };
}

const MOVE = /* GraphQL */ `
  mutation Move($input: MoveMessagesInput!) {
    moveMessages(input: $input) {
      __typename
      ... on MoveMessagesPayload { movedCount failedCount replayed destination }
      ... on MutationError { code message }
    }
  }
`;

describe('two replicas sharing one Redis', () => {
  test('a burst split across both replicas never gets more than the read allowance upstream, and a mutation still uses the write reserve', async () => {
    const LIMIT = 30;
    const RESERVE = 5;
    const readAllowance = LIMIT - RESERVE;
    const { a, b, bCalls, close } = await startReplicas({
      BUDGET_ENABLED: 'true',
      BUDGET_LIMIT: String(LIMIT),
      BUDGET_SAFETY_MARGIN: '0',
      BUDGET_WRITE_RESERVE: String(RESERVE),
      BUDGET_MAX_QUEUE_MS: '0',
    });
    try {
      expect(a.gateway.services.state.kind).toBe('redis');
      expect(b.gateway.services.state.health().redis).toBe('ready');
      const burst = 40;
      const results = await Promise.all(
        Array.from({ length: burst }, (_, index) =>
          (index % 2 === 0 ? a : b).query('{ messages(first: 1) { nodes { id } } }'),
        ),
      );
      const errors = results.flatMap((result) => result.body.errors ?? []);
      const served = results.filter((result) => !result.body.errors);
      expect(a.sim.count()).toBe(readAllowance);
      expect(a.sim.count(undefined, { status: 429 })).toBe(0);
      expect(served).toHaveLength(readAllowance);
      expect(errors).toHaveLength(burst - readAllowance);
      for (const error of errors as GraphQLErrorJson[]) {
        expect(error.extensions?.code).toBe('RATE_LIMITED');
        expect(error.extensions?.retryAfterSeconds).toBeGreaterThan(0);
      }
      // Counted apart at B's proxy: B sent exactly one call per read it served (one search, no
      // cache), so no permit B took from the shared window went to a call that was not answered.
      const servedByB = results.filter((result, index) => index % 2 === 1 && !result.body.errors).length;
      expect(bCalls()).toBe(servedByB);

      const id = a.sim.state.listMessages(SIMULATOR_ACCOUNT_ID).find((message) => message.is_quarantined)?.id;
      const { body } = await b.query<{ releaseMessages: { __typename: string } }>(
        'mutation($i: ReleaseMessagesInput!) { releaseMessages(input: $i) { __typename } }',
        { i: { ids: [id] } },
      );
      expect(body.data?.releaseMessages.__typename).toBe('ReleaseMessagesPayload');
      expect(a.sim.count('emailSecurity.investigate.release.bulk')).toBe(1);
    } finally {
      await close();
    }
  });

  test('a message read through replica A is a cache hit on replica B: zero extra upstream calls', async () => {
    const { a, b, close } = await startReplicas({ CACHE_ENABLED: 'true' });
    try {
      const id = a.sim.state.listMessages(SIMULATOR_ACCOUNT_ID)[0]?.id;
      const document = 'query($id: ID!) { message(id: $id) { id subject detection { action finalDisposition } } }';
      const first = await a.query(document, { id });
      expect(first.body.errors).toBeUndefined();
      const callsThroughA = a.sim.count();
      expect(callsThroughA).toBeGreaterThan(0);
      const second = await b.query(document, { id });
      expect(second.body).toEqual(first.body);
      expect(a.sim.count()).toBe(callsThroughA);
    } finally {
      await close();
    }
  });

  test('an idempotency key used on replica A replays on replica B: one upstream move, and B says replayed', async () => {
    const { a, b, close } = await startReplicas({});
    try {
      const id = a.sim.state.listMessages(SIMULATOR_ACCOUNT_ID).find((message) => !message.is_quarantined)?.id;
      const input = { ids: [id], destination: 'JUNK_EMAIL', idempotencyKey: 'shared-move-1' };
      const first = await a.query<{ moveMessages: Record<string, unknown> }>(MOVE, { input });
      const second = await b.query<{ moveMessages: Record<string, unknown> }>(MOVE, { input });
      expect(first.body.data?.moveMessages).toMatchObject({
        __typename: 'MoveMessagesPayload',
        movedCount: 1,
        replayed: false,
      });
      expect(second.body.data?.moveMessages).toMatchObject({
        __typename: 'MoveMessagesPayload',
        movedCount: 1,
        replayed: true,
      });
      expect(a.sim.count('emailSecurity.investigate.move.create')).toBe(1);
    } finally {
      await close();
    }
  });
});

describe('the request-rate pacer on Redis', () => {
  /** Two replicas load one page each at once under UPSTREAM_MAX_RPS=`rate`: when each call arrived. */
  async function arrivalsOfTwoPages(rate: number, pageSize: number): Promise<number[]> {
    const { a, b, close } = await startReplicas({ UPSTREAM_MAX_RPS: String(rate) });
    try {
      const page = `{ messages(first: ${pageSize}) { nodes { id detection { action } } } }`;
      const results = await Promise.all([a.query(page), b.query(page)]);
      for (const { body } of results) expect(body.errors).toBeUndefined();
      return a.sim.requests.map((r) => r.at).sort((x, y) => x - y);
    } finally {
      await close();
    }
  }

  test('two replicas share one per-second window: 22 calls at 5 per second across both span five seconds of the Redis clock', async () => {
    const arrivals = await arrivalsOfTwoPages(5, 10);
    expect(arrivals).toHaveLength(22);
    // One shared window: never more than 5 starts in any second of the Redis clock, so 22 calls
    // span 5 windows: from late in the first second to early in the fifth, at least 3 s less the
    // first call's own way to the simulator. Each replica alone (5/s each) would span 3 windows,
    // at most 2 s plus that.
    expect((arrivals.at(-1) as number) - (arrivals[0] as number)).toBeGreaterThan(2_500);
  }, 30_000);

  test('slots granted in batches still never exceed the rate: 102 calls at 40 per second across two replicas span three seconds of the Redis clock', async () => {
    const arrivals = await arrivalsOfTwoPages(40, 50);
    expect(arrivals).toHaveLength(102);
    // 40 a second in one shared window: 102 starts need three windows, i.e. more than one full
    // second between the first and the last. Each replica at 40/s alone would need two.
    expect((arrivals.at(-1) as number) - (arrivals[0] as number)).toBeGreaterThan(1_000);
    for (const at of arrivals) {
      const inWindow = arrivals.filter((other) => other >= at && other < at + 1_000).length;
      // Sliding windows may straddle two Redis seconds (up to 2 × 40), never more.
      expect(inWindow).toBeLessThanOrEqual(80);
    }
  }, 30_000);
});

describe('when Redis goes away', () => {
  let outageRedis: RedisServer;
  let t: TestGateway;

  beforeAll(async () => {
    outageRedis = await RedisServer.start();
    t = await startTestGateway({
      env: {
        REDIS_URL: outageRedis.url,
        REDIS_KEY_PREFIX: freshPrefix(),
        CACHE_ENABLED: 'true',
        BUDGET_ENABLED: 'true',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await outageRedis.close();
  });

  test('the gateway keeps serving from local state, warns once, reports down, and is back on Redis once it returns', async () => {
    const state = t.gateway.services.state;
    expect(state.health().redis).toBe('ready');
    const read = (first: number) =>
      t.query<{ messages: { nodes: { id: string }[] } }>(`{ messages(first: ${first}) { nodes { id } } }`);
    expect((await read(1)).body.errors).toBeUndefined();

    await outageRedis.kill();
    for (let first = 2; first <= 6; first++) {
      const { body } = await read(first);
      expect(body.errors).toBeUndefined();
      expect(body.data?.messages.nodes).toHaveLength(first);
    }
    expect(state.health().redis).toBe('down');
    const warnings = t.logs.filter((line) => OUTAGE_WARNING.test(String(line.msg)));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.level).toBe(40);

    await outageRedis.restart();
    await vi.waitFor(() => expect(state.health().redis).toBe('ready'), { timeout: 8_000, interval: 50 });
    expect(t.logs.some((line) => /Redis is reachable again/.test(String(line.msg)))).toBe(true);

    // Back on Redis: the next read spends the shared budget in the new server.
    expect((await read(7)).body.errors).toBeUndefined();
    const probe = new Redis(outageRedis.url);
    try {
      expect((await probe.keys('*budget:*')).length).toBeGreaterThan(0);
    } finally {
      probe.disconnect();
    }
    expect(t.logs.filter((line) => OUTAGE_WARNING.test(String(line.msg)))).toHaveLength(1);
  });
});

// ───────────────────────────── the Lua budget against a real Redis ─────────────────────────────

describe('RedisBudgetStore', () => {
  const links: RedisLink[] = [];
  /** A store as one replica has it: its own client and its own memory fallback. */
  function replica(prefix: string, url = redisUrl, replicas = 1) {
    const { logger, logs } = collectingLogger();
    const link = new RedisLink(createRedisClient(url, prefix), logger);
    links.push(link);
    return { link, logs, store: new RedisBudgetStore(link, () => replicas, options.windowMs) };
  }
  afterAll(async () => {
    await Promise.all(links.map((link) => link.close()));
  });

  const options: BudgetOptions = { limit: 30, windowMs: 60_000, writeReserve: 5, safetyMargin: 0, maxQueueMs: 0 };

  test('200 concurrent takes from three replicas grant exactly the read allowance, each remaining count once', async () => {
    const prefix = freshPrefix();
    const replicas = [replica(prefix), replica(prefix), replica(prefix)];
    await Promise.all(replicas.map((r) => r.link.connect()));
    const decisions = await Promise.all(
      Array.from({ length: 200 }, (_, index) => replicas[index % 3]!.store.take('cred', 'read', Date.now(), options)),
    );
    const granted = decisions.flatMap((decision) => (decision.granted ? [decision.remaining] : []));
    expect(granted).toHaveLength(25);
    expect(new Set(granted).size).toBe(25);
    expect(Math.min(...granted)).toBe(0);
    const refused = decisions.filter((decision) => !decision.granted);
    // Permits just granted come back after the window and up to two of its twentieths.
    expect(
      refused.every(
        (decision) =>
          !decision.granted &&
          !decision.lockedOut &&
          decision.retryAfterMs > 60_000 &&
          decision.retryAfterMs <= 60_000 + 6_000,
      ),
    ).toBe(true);
    // The write reserve is still there, and only it.
    const writes = await Promise.all(
      Array.from({ length: 10 }, () => replicas[0]!.store.take('cred', 'write', Date.now(), options)),
    );
    expect(writes.filter((decision) => decision.granted)).toHaveLength(5);
    expect(await replicas[1]!.store.remaining('cred', Date.now(), options)).toMatchObject({
      remaining: 0,
      lockedUntil: null,
    });
  });

  test('the window follows the Redis clock: replicas whose clocks disagree by 10 minutes share one window', async () => {
    const prefix = freshPrefix();
    const fast = replica(prefix);
    const slow = replica(prefix);
    await Promise.all([fast.link.connect(), slow.link.connect()]);
    const small = { ...options, limit: 4, writeReserve: 0 };
    const now = Date.now();
    const takes = [];
    for (let index = 0; index < 6; index++)
      takes.push(await (index % 2 ? fast : slow).store.take('cred', 'read', now + (index % 2 ? 600_000 : 0), small));
    expect(takes.filter((decision) => decision.granted)).toHaveLength(4);
  });

  test('two replicas taking as fast as they can never get more than the allowance into any span of the window length', async () => {
    const prefix = freshPrefix();
    const pair = [replica(prefix), replica(prefix)];
    await Promise.all(pair.map((r) => r.link.connect()));
    const sliding = { ...options, limit: 5, writeReserve: 0, windowMs: 1_000 };
    const granted: number[] = [];
    const take = async (store: RedisBudgetStore) => {
      if ((await store.take('cred', 'read', Date.now(), sliding)).granted) granted.push(Date.now());
    };
    const started = Date.now();
    // A load paced by the clock: one call, idle for most of a window, then both replicas want far
    // more than the limit for longer than a window, so with fixed windows a full window would
    // open right after the burst that filled the last one.
    await take(pair[0]!.store);
    await sleep(600);
    await Promise.all(
      pair.map(async ({ store }) => {
        while (Date.now() - started < 2_200) {
          await take(store);
          await sleep(5);
        }
      }),
    );
    expect(granted.length).toBeGreaterThan(2 * sliding.limit);
    const busiest = Math.max(
      ...granted.map((start) => granted.filter((at) => at >= start && at < start + sliding.windowMs).length),
    );
    expect(busiest).toBeLessThanOrEqual(sliding.limit);
  });

  test('permits come back once their bucket has left the window', async () => {
    const { store, link } = replica(freshPrefix());
    await link.connect();
    const short = { ...options, limit: 2, writeReserve: 0, windowMs: 200 };
    await store.take('cred', 'read', Date.now(), short);
    await store.take('cred', 'read', Date.now(), short);
    expect((await store.take('cred', 'read', Date.now(), short)).granted).toBe(false);
    await sleep(250);
    expect(await store.take('cred', 'read', Date.now(), short)).toEqual({ granted: true, remaining: 1 });
  });

  test('observe raises the count to what Cloudflare reports and never lowers it', async () => {
    const { store, link } = replica(freshPrefix());
    await link.connect();
    for (let index = 0; index < 10; index++) await store.take('cred', 'read', Date.now(), options);
    const header = (remaining: number, resetSeconds = 0) => ({
      policy: 'default',
      remaining,
      resetSeconds,
      limit: 30,
      windowSeconds: 300,
      observedAt: Date.now(),
    });
    // Cloudflare counts 3 used: lower than ours, ignored.
    await store.observe('cred', header(27), Date.now(), options);
    expect((await store.remaining('cred', Date.now(), options)).remaining).toBe(20);
    // Cloudflare counts 22 used (another client of the token): raised.
    await store.observe('cred', header(8), Date.now(), options);
    expect((await store.remaining('cred', Date.now(), options)).remaining).toBe(8);
    expect((await store.take('cred', 'read', Date.now(), options)).granted).toBe(true);
    // Cloudflare's window ends in 2 s, ours in ~60 s: ours follows.
    await store.observe('cred', header(7, 2), Date.now(), options);
    expect((await store.remaining('cred', Date.now(), options)).resetMs).toBeLessThanOrEqual(2_000);
    expect((await store.remaining('cred', Date.now(), options)).remaining).toBe(7);
  });

  test('a lockout refuses reads and writes alike until it ends, and a shorter one never shortens it', async () => {
    const { store, link } = replica(freshPrefix());
    await link.connect();
    await store.lockout('cred', Date.now() + 1_000);
    await store.lockout('cred', Date.now() + 100);
    for (const kind of ['read', 'write'] as const) {
      const decision = await store.take('cred', kind, Date.now(), options);
      expect(decision).toMatchObject({ granted: false, lockedOut: true });
      expect(!decision.granted && decision.retryAfterMs).toBeGreaterThan(500);
      expect(!decision.granted && decision.retryAfterMs).toBeLessThanOrEqual(1_000);
    }
    expect((await store.remaining('cred', Date.now(), options)).lockedUntil).toBeGreaterThan(Date.now() + 500);
    await sleep(1_050);
    expect((await store.take('cred', 'write', Date.now(), options)).granted).toBe(true);
  });

  test('with Redis unreachable since start, three replicas each grant a third of the window (reads a third of what reads may use) and log it once', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const replicas = [replica(freshPrefix(), url, 3), replica(freshPrefix(), url, 3), replica(freshPrefix(), url, 3)];
    await Promise.all(replicas.map((r) => r.link.connect()));
    expect(replicas[0]!.link.status()).toBe('never-connected');
    const decisions = await Promise.all(
      Array.from({ length: 90 }, (_, index) => replicas[index % 3]!.store.take('cred', 'read', Date.now(), options)),
    );
    // 30 per window, 5 of them reserved for writes: a share is 10, of which 2 are writes'.
    expect(decisions.filter((decision) => decision.granted)).toHaveLength(3 * 8);
    const writes = await Promise.all(
      Array.from({ length: 9 }, (_, index) => replicas[index % 3]!.store.take('cred', 'write', Date.now(), options)),
    );
    expect(writes.filter((decision) => decision.granted)).toHaveLength(3 * 2);
    expect(
      replicas[0]!.logs.filter((line) => /Redis \(REDIS_URL\) is not reachable/.test(String(line.msg))),
    ).toHaveLength(1);
  });
});

describe('RedisIdempotencyStore', () => {
  test('of 20 concurrent reserves of one key from two replicas exactly one goes ahead; the rest see the pending record', async () => {
    const prefix = freshPrefix();
    const { logger } = collectingLogger();
    const links = [
      new RedisLink(createRedisClient(redisUrl, prefix), logger),
      new RedisLink(createRedisClient(redisUrl, prefix), logger),
    ];
    try {
      await Promise.all(links.map((link) => link.connect()));
      const stores = links.map((link) => new RedisIdempotencyStore(link, 10_000, logger));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) => stores[index % 2]!.reserve('k', 'fp', `owner-${index}`, 60)),
      );
      expect(results.filter((result) => result === null)).toHaveLength(1);
      expect(
        results
          .filter((result) => result !== null)
          .every((result) => result?.state === 'pending' && result.fingerprint === 'fp'),
      ).toBe(true);
      const owner = `owner-${results.indexOf(null)}`;
      // Only the owner may mark it sent, settle it or release it.
      expect(await stores[1]!.markSending('k', 'someone-else')).toBe(false);
      expect(await stores[0]!.markSending('k', owner)).toBe(true);
      await stores[0]!.settle('k', owner, { state: 'done', fingerprint: 'fp', result: { moved: 1 } }, 60);
      expect(await stores[1]!.reserve('k', 'fp', 'late-retry', 60)).toEqual({
        state: 'done',
        fingerprint: 'fp',
        result: { moved: 1 },
      });
      await stores[1]!.release('k', 'someone-else');
      expect(await stores[0]!.reserve('k', 'fp', 'another', 60)).toMatchObject({ state: 'done' });
      // A settled key is never freed, not even by its owner.
      await stores[1]!.release('k', owner);
      expect(await stores[0]!.reserve('k', 'fp', 'fresh-owner', 60)).toMatchObject({ state: 'done' });
      // A reservation its owner releases (nothing was sent) is free at once.
      expect(await stores[0]!.reserve('k2', 'fp', owner, 60)).toBeNull();
      await stores[1]!.release('k2', owner);
      expect(await stores[0]!.reserve('k2', 'fp', 'fresh-owner', 60)).toBeNull();
    } finally {
      await Promise.all(links.map((link) => link.close()));
    }
  });

  test('a key a reader saw as OUTCOME_UNKNOWN (its lease lapsed after sending) is never freed by a late release', async () => {
    const { logger } = collectingLogger();
    const link = new RedisLink(createRedisClient(redisUrl, freshPrefix()), logger);
    try {
      await link.connect();
      const store = new RedisIdempotencyStore(link, 300, logger);
      expect(await store.reserve('k', 'fp', 'owner', 60)).toBeNull();
      expect(await store.markSending('k', 'owner')).toBe(true);
      await vi.waitFor(
        async () => expect(await store.reserve('k', 'fp', 'retry', 60)).toMatchObject({ state: 'outcome-unknown' }),
        {
          timeout: 3_000,
          interval: 50,
        },
      );
      await store.release('k', 'owner');
      expect(await store.reserve('k', 'fp', 'retry', 60)).toMatchObject({ state: 'outcome-unknown' });
    } finally {
      await link.close();
    }
  });
});
