import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import type { TestGateway } from '../../helpers/gateway.js';
import { RedisServer, VOLATILE_FLAGS } from '../../helpers/redis-server.js';
import { startReplicas } from '../../helpers/replicas.js';

/*
 * Two replicas on one real redis-server, one simulator behind them: identical reads that miss the
 * cache at the same moment on both replicas cost Cloudflare one call, and a replica whose Redis
 * stops answering still answers (it calls for itself).
 */

const TRIAGE = '{ messages(first: 25) { nodes { id subject detection { action } } } }';
const DETECTION = 'query($id: ID!) { message(id: $id) { id detection { action } } }';
const E1 = 'emailSecurity.investigate.list';
const E3 = 'emailSecurity.investigate.detections.get';

const cleanups: (() => Promise<void>)[] = [];
let redis: RedisServer;
let a: TestGateway;
let b: TestGateway;
let sim: TestGateway['sim'];

beforeAll(async () => {
  redis = await RedisServer.start(VOLATILE_FLAGS);
  cleanups.push(() => redis.close());
  // A long lease: what is measured is that a replica waits instead of calling, not the lease; on a
  // starved CI machine a 3 s lease can lapse before the owner's answer is back (then both call, by design).
  const replicas = await startReplicas(cleanups, 2, redis, { CACHE_ENABLED: 'true', SINGLE_FLIGHT_LEASE_MS: '10000' });
  [a, b] = replicas.all as [TestGateway, TestGateway];
  sim = replicas.sim;
  // Until a replica's first probe has found Redis, it reads for itself (by design): what is measured
  // here starts once both share Redis.
  await vi.waitFor(
    () => expect([a, b].map((replica) => replica.gateway.services.state.health().redis)).toEqual(['ready', 'ready']),
    { timeout: 10_000, interval: 20 },
  );
});
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
beforeEach(() => {
  sim.reset();
});

describe('identical reads on two replicas', () => {
  test('two analysts loading the same triage page on two replicas at once cost one search and one detection per message', async () => {
    sim.setLatency(200);
    const [onA, onB] = await Promise.all([a.query(TRIAGE), b.query(TRIAGE)]);
    expect(onA.body.errors).toBeUndefined();
    expect(onB.body.data).toEqual(onA.body.data);
    expect(sim.count(E1)).toBe(1);
    expect(sim.count(E3)).toBe(25);
  });

  test('ten opens of one message spread over both replicas cost one detection call', async () => {
    const id = sim.addMessages('023e105f4ecef8ad9ca31a8372d0c353', 1)[0] as string;
    sim.resetRequests();
    sim.setLatency(200);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? a : b).query(DETECTION, { id })),
    );
    for (const answer of answers) expect(answer.body.errors).toBeUndefined();
    expect(sim.count(E3)).toBe(1);
  });

  test('a replica whose Redis is paused does not wait for the other: it reads for itself and answers', async () => {
    const id = sim.addMessages('023e105f4ecef8ad9ca31a8372d0c353', 1)[0] as string;
    sim.resetRequests();
    redis.pause();
    try {
      const { body } = await a.query(DETECTION, { id });
      expect(body.errors).toBeUndefined();
      expect(sim.count(E3)).toBe(1);
    } finally {
      redis.resume();
    }
  });
});
