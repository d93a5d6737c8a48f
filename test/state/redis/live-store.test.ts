import { afterEach, describe, expect, test, vi } from 'vitest';
import { SIMULATOR_ACCOUNT_ID } from '../../../src/simulator/index.js';
import type { TestGateway } from '../../helpers/gateway.js';
import { DURABLE_FLAGS, RedisServer } from '../../helpers/redis-server.js';
import { startReplicaProcess, startReplicas } from '../../helpers/replicas.js';
import { arrivals, FAST_LIVE, subscribeTriage, type TriageSubscription } from '../../helpers/triage.js';

/*
 * The live triage queue on several replicas sharing one real redis-server: one upstream poller for
 * everyone, a leader that dies is replaced, and no event is lost or doubled on the way.
 */

const E1 = 'emailSecurity.investigate.list';
/** Short enough to see a takeover quickly, long enough that a busy CI machine does not lose it. */
const LEASE_MS = 3_000;
const LEASE = { LIVE_LEASE_MS: String(LEASE_MS) };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(count: number) {
  const redis = await RedisServer.start(DURABLE_FLAGS);
  cleanups.push(() => redis.close());
  return { redis, ...(await startReplicas(cleanups, count, redis, { ...FAST_LIVE, ...LEASE })) };
}

const onGateway = (t: TestGateway) => (init: RequestInit) => t.gateway.yoga.fetch('http://gateway.test/graphql', init);
const onUrl = (url: string) => (init: RequestInit) => fetch(`${url}/graphql`, init);

async function snapshotted(subscription: Promise<TriageSubscription>) {
  const ready = await subscription;
  cleanups.push(() => ready.close());
  const { event } = await ready.next();
  expect(event?.kind).toBe('SNAPSHOT');
  return ready;
}

const leading = (gateways: TestGateway[]) =>
  gateways.reduce((sum, gateway) => sum + gateway.gateway.services.live.stats().leading, 0);

describe('the live queue on replicas sharing Redis', () => {
  test('subscribers on two replicas get every arrival exactly once, and only one replica polls Cloudflare', async () => {
    const { all, sim } = await setUp(2);
    const [a, b] = all as [TestGateway, TestGateway];
    const subscribers = await Promise.all(
      [a, a, a, b, b, b].map((replica) => snapshotted(subscribeTriage(onGateway(replica), { first: 5 }))),
    );
    await vi.waitFor(() => expect(leading(all)).toBe(1));
    const polls = () => a.gateway.services.live.stats().polls + b.gateway.services.live.stats().polls;
    const first = polls();
    await vi.waitFor(() => expect(polls()).toBeGreaterThan(first));
    sim.resetRequests();
    const before = polls();
    const startedAt = Date.now();
    const added = sim.addMessages(SIMULATOR_ACCOUNT_ID, 3);
    for (const events of await Promise.all(subscribers.map((subscriber) => arrivals(subscriber, 3)))) {
      expect(events.map((event) => event.messages[0]?.id).sort()).toEqual([...added].sort());
    }
    // Every search since the snapshots is a poll of the one lease holder (one may be in flight at
    // either end). On a starved machine the lease may move between replicas; the polls do not
    // add up then, they pass from one replica to the other.
    expect(Math.abs(sim.count(E1) - (polls() - before))).toBeLessThanOrEqual(1);
    expect(polls() - before).toBeLessThanOrEqual(Math.ceil((Date.now() - startedAt) / 250) + 2);
  }, 30_000);

  test('when the leading replica is killed, another takes over within the lease and no event is lost or doubled', async () => {
    const { all, sim, env } = await setUp(1);
    const b = all[0] as TestGateway;
    const leader = await startReplicaProcess(cleanups, { ...env, CLOUDFLARE_BASE_URL: sim.baseUrl });
    // The first replica with a subscriber leads.
    const onLeader = await snapshotted(subscribeTriage(onUrl(leader.url), { first: 5 }));
    await vi.waitFor(() => expect(sim.count(E1)).toBeGreaterThanOrEqual(2));
    const follower = await snapshotted(subscribeTriage(onGateway(b), { first: 5 }));
    expect(b.gateway.services.live.stats().leading).toBe(0);
    const before = sim.addMessages(SIMULATOR_ACCOUNT_ID, 2);
    const beforeEvents = await arrivals(follower, 2);
    expect(beforeEvents.map((event) => event.messages[0]?.id).sort()).toEqual([...before].sort());
    await arrivals(onLeader, 2);

    await leader.kill();
    const killedAt = Date.now();
    const during = sim.addMessages(SIMULATOR_ACCOUNT_ID, 2);
    await vi.waitFor(() => expect(b.gateway.services.live.stats().leading).toBe(1), {
      timeout: LEASE_MS * 3,
      interval: 20,
    });
    const takeoverMs = Date.now() - killedAt;
    const after = sim.addMessages(SIMULATOR_ACCOUNT_ID, 1);
    const rest = await arrivals(follower, 3);
    expect(rest.map((event) => event.messages[0]?.id).sort()).toEqual([...during, ...after].sort());
    // The lease plus one renewal period (a third of it), with room for a loaded machine.
    expect(takeoverMs).toBeLessThan(LEASE_MS + LEASE_MS / 3 + 2_000);
    console.info(`live leader killed: takeover after ${takeoverMs} ms, 5 arrivals delivered once each`);
  }, 60_000);

  test('with Redis paused, a new live subscription is refused with STATE_UNAVAILABLE; the open ones get what arrived meanwhile once it wakes', async () => {
    const { redis, all, sim } = await setUp(1);
    const a = all[0] as TestGateway;
    const open = await snapshotted(subscribeTriage(onGateway(a), { first: 5 }));
    await vi.waitFor(() => expect(a.gateway.services.live.stats().polls).toBeGreaterThanOrEqual(1));
    redis.pause();
    await vi.waitFor(() => expect(a.gateway.services.state.health().redis).toBe('down'), { timeout: 5_000 });
    const refused = await subscribeTriage(onGateway(a), { filter: { subject: 'other' } });
    cleanups.push(() => refused.close());
    const { errors } = await refused.next();
    expect(errors?.[0]?.extensions?.code).toBe('STATE_UNAVAILABLE');
    const added = sim.addMessages(SIMULATOR_ACCOUNT_ID, 2);
    redis.resume();
    const events = await arrivals(open, 2);
    expect(events.map((event) => event.messages[0]?.id).sort()).toEqual([...added].sort());
  }, 30_000);
});
