import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { compareEventIds } from '../../../src/live/store.js';
import { SIMULATOR_ACCOUNT_ID } from '../../../src/simulator/index.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { arrivals, FAST_LIVE, type QueueEvent, subscribeTriage } from '../../helpers/triage.js';

const E1 = 'emailSecurity.investigate.list';
const E3 = 'emailSecurity.investigate.detections.get';

const subscribe = (t: TestGateway, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  subscribeTriage((init) => t.gateway.yoga.fetch('http://gateway.test/graphql', init), variables, headers);
describe('triageQueue: one poller for the whole team', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ env: FAST_LIVE });
  });
  afterAll(async () => t.close());

  test('five subscribers get the newest page, then each new message exactly once, with one detection call per new message', async () => {
    const subscribers = await Promise.all(Array.from({ length: 5 }, () => subscribe(t, { first: 3 })));
    for (const subscriber of subscribers) {
      const { event, frame } = await subscriber.next();
      expect(event?.kind).toBe('SNAPSHOT');
      expect(event?.messages).toHaveLength(3);
      expect(frame.id).toBe(event?.eventId);
    }
    await vi.waitFor(() => expect(t.gateway.services.live.stats().polls).toBeGreaterThanOrEqual(1));
    t.sim.resetRequests();
    const added = t.sim.addMessages(SIMULATOR_ACCOUNT_ID, 3);
    const received = await Promise.all(subscribers.map((subscriber) => arrivals(subscriber, 3)));
    for (const events of received) {
      expect(events.map((event) => event.messages[0]?.id).sort()).toEqual([...added].sort());
      expect(new Set(events.map((event) => event.eventId)).size).toBe(3);
      expect(events.every((event) => event.messages[0]?.detection !== null)).toBe(true);
    }
    // Five subscribers resolved `detection` on three arrivals: three calls, fetched by the poller.
    const detectionCalls = t.sim.requests.filter((request) => request.endpoint === E3);
    expect(detectionCalls.map((request) => request.params.investigate_id ?? request.path).length).toBe(3);
    expect(t.gateway.services.live.stats()).toMatchObject({ topics: 1, subscriptions: 5 });
    await Promise.all(subscribers.map((subscriber) => subscriber.close()));
  });

  test('searches follow the polls, not the subscribers: ten subscribers cost one search per poll', async () => {
    const filter = { detectionsOnly: true };
    const subscribers = await Promise.all(Array.from({ length: 10 }, () => subscribe(t, { filter, first: 2 })));
    for (const subscriber of subscribers) expect((await subscriber.next()).event?.kind).toBe('SNAPSHOT');
    const hub = t.gateway.services.live;
    await vi.waitFor(() => expect(hub.stats().topics).toBe(1));
    t.sim.resetRequests();
    const pollsBefore = hub.stats().polls;
    await vi.waitFor(() => expect(hub.stats().polls - pollsBefore).toBeGreaterThanOrEqual(4), { timeout: 10_000 });
    await Promise.all(subscribers.map((subscriber) => subscriber.close()));
    const polls = hub.stats().polls - pollsBefore;
    // A poll is one search when fewer than 100 messages are new; one in flight at the hang-up may land.
    expect(t.sim.count(E1)).toBeGreaterThanOrEqual(polls - 1);
    expect(t.sim.count(E1)).toBeLessThanOrEqual(polls + 1);
  });

  test('when the last subscriber leaves, the poller stops', async () => {
    const subscriber = await subscribe(t, { filter: { subject: 'invoice' } });
    expect((await subscriber.next()).event?.kind).toBe('SNAPSHOT');
    const hub = t.gateway.services.live;
    await vi.waitFor(() => expect(hub.stats().leading).toBeGreaterThanOrEqual(1));
    await subscriber.close();
    await vi.waitFor(() => expect(hub.stats()).toMatchObject({ topics: 0, leading: 0, subscriptions: 0 }));
    t.sim.resetRequests();
    // Longer than two poll intervals: a poller still running would search.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(t.sim.count(E1)).toBe(0);
  });

  test('a client that reconnects with its last event id gets exactly the events it missed, by argument or Last-Event-ID', async () => {
    // A snapshot larger than what earlier tests added: their mail is in it, not replayed.
    const first = await subscribe(t, { first: 10 });
    await first.next();
    const [seen] = await Promise.all([arrivals(first, 1), Promise.resolve(t.sim.addMessages(SIMULATOR_ACCOUNT_ID, 1))]);
    const lastEventId = seen[0]?.eventId as string;
    await first.close();
    // Mail arrives while nobody watches; a watcher keeps the poller going meanwhile.
    const keeper = await subscribe(t, { first: 10 });
    await keeper.next();
    const missed = t.sim.addMessages(SIMULATOR_ACCOUNT_ID, 2);
    await arrivals(keeper, 2);
    for (const resume of [
      () => subscribe(t, { first: 1, lastEventId }),
      () => subscribe(t, { first: 1 }, { 'last-event-id': lastEventId }),
    ]) {
      const again = await resume();
      const replay = await arrivals(again, 2);
      expect(replay.map((event) => event.messages[0]?.id).sort()).toEqual([...missed].sort());
      await again.close();
    }
    await keeper.close();
  });

  test('150 messages arriving between two polls (more than one page) all arrive, each once, in arrival order', async () => {
    const subscriber = await subscribe(t, { first: 1 });
    await subscriber.next();
    const polls = t.gateway.services.live.stats().polls;
    await vi.waitFor(() => expect(t.gateway.services.live.stats().polls).toBeGreaterThan(polls));
    const added = t.sim.addMessages(SIMULATOR_ACCOUNT_ID, 150);
    const events = await arrivals(subscriber, 150);
    const ids = events.map((event) => event.messages[0]?.id);
    expect(new Set(ids)).toEqual(new Set(added));
    expect(events.map((event) => event.eventId)).toEqual(
      [...events.map((event) => event.eventId)].sort(compareEventIds),
    );
    await subscriber.close();
  });

  test('a lastEventId past the newest event (never issued here) gets a RESYNC, not silence', async () => {
    const subscription = await subscribe(t, { first: 2, lastEventId: '9999999999999-0' });
    const { event } = await subscription.next();
    expect(event?.kind).toBe('RESYNC');
    expect(event?.messages).toHaveLength(2);
    await subscription.close();
  });

  test('bad input is refused with BAD_USER_INPUT before any upstream call', async () => {
    t.sim.resetRequests();
    for (const variables of [
      { filter: { start: new Date(Date.now() - 60_000).toISOString() } },
      { first: 0 },
      { first: 101 },
      { lastEventId: 'not-an-id' },
      { filter: { subject: 'x'.repeat(2000) } },
    ]) {
      const subscription = await subscribe(t, variables);
      const { errors } = await subscription.next();
      expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      await subscription.close();
    }
    expect(t.sim.count()).toBe(0);
    await vi.waitFor(() => expect(t.gateway.services.live.stats().subscriptions).toBe(0));
  });
});

describe('triageQueue: bounds and replay buffer', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({
      env: { ...FAST_LIVE, LIVE_MAX_PER_CALLER: '2', LIVE_REPLAY_EVENTS: '2' },
    });
  });
  afterAll(async () => t.close());
  // A closed stream leaves its topic a moment later: each test starts with none held.
  afterEach(async () => {
    await vi.waitFor(() => expect(t.gateway.services.live.stats().subscriptions).toBe(0));
  });

  test('a caller past LIVE_MAX_PER_CALLER is refused with TOO_MANY_SUBSCRIPTIONS and no upstream call', async () => {
    const held = [await subscribe(t), await subscribe(t)];
    for (const subscription of held) await subscription.next();
    t.sim.resetRequests();
    const refused = await subscribe(t, { filter: { sender: 'someone-else.example' } });
    const { errors } = await refused.next();
    expect(errors?.[0]?.extensions?.code).toBe('TOO_MANY_SUBSCRIPTIONS');
    expect(t.sim.count(E1)).toBeLessThanOrEqual(2); // the held topic's own polls only
    await refused.close();
    await Promise.all(held.map((subscription) => subscription.close()));
  });

  test('a resume point older than the replay buffer gets a RESYNC with the newest messages, then the live stream', async () => {
    const polls = t.gateway.services.live.stats().polls;
    const keeper = await subscribe(t, { first: 2 });
    const snapshot = (await keeper.next()).event as QueueEvent;
    await vi.waitFor(() => expect(t.gateway.services.live.stats().polls).toBeGreaterThan(polls));
    // Four events, one at a time (a single poll larger than the buffer would resync the keeper too).
    for (let i = 0; i < 4; i++) {
      t.sim.addMessages(SIMULATOR_ACCOUNT_ID, 1);
      await arrivals(keeper, 1);
    }
    const late = await subscribe(t, { first: 2, lastEventId: snapshot.eventId });
    const { event } = await late.next();
    expect(event?.kind).toBe('RESYNC');
    expect(event?.messages).toHaveLength(2);
    const [fresh] = t.sim.addMessages(SIMULATOR_ACCOUNT_ID, 1);
    // The RESYNC page may come from the search cache: what it lacks follows as arrivals, each once.
    const held = new Set(event?.messages.map((message) => message.id));
    while (!held.has(fresh as string)) {
      const [arrived] = await arrivals(late, 1);
      const id = arrived?.messages[0]?.id as string;
      expect(held.has(id)).toBe(false);
      held.add(id);
    }
    await late.close();
    await keeper.close();
  });
});

describe('triageQueue in forward mode', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ env: { ...FAST_LIVE, CREDENTIALS_MODE: 'forward' } });
  });
  afterAll(async () => t.close());

  test('two Cloudflare credentials never share a poller, even on the same filter', async () => {
    const alice = await subscribe(t, {}, { authorization: 'Bearer token-of-alice' });
    const bob = await subscribe(t, {}, { authorization: 'Bearer token-of-bob' });
    await alice.next();
    await bob.next();
    expect(t.gateway.services.live.stats()).toMatchObject({ topics: 2, subscriptions: 2 });
    await vi.waitFor(() => {
      const authorizations = new Set(
        t.sim.requests.filter((request) => request.endpoint === E1).map((request) => request.headers.authorization),
      );
      expect(authorizations).toEqual(new Set(['Bearer token-of-alice', 'Bearer token-of-bob']));
    });
    await alice.close();
    await bob.close();
  });
});

describe('triageQueue and the budget', () => {
  let t: TestGateway;
  beforeAll(async () => {
    // 1 % of 1,200 per 5 minutes for all live topics: with two topics, one poll each per 50 s,
    // although the configured interval is 250 ms and the slowest "short budget" interval 1 s.
    t = await startTestGateway({
      env: { ...FAST_LIVE, LIVE_BUDGET_SHARE: '0.01', LIVE_MAX_POLL_INTERVAL_MS: '1000' },
    });
  });
  afterAll(async () => t.close());

  test('all live topics together never poll faster than LIVE_BUDGET_SHARE of the window allows', async () => {
    const first = await subscribe(t, { filter: { subject: 'invoice' } });
    const second = await subscribe(t, { filter: { subject: 'payroll' } });
    await first.next();
    await second.next();
    const hub = t.gateway.services.live;
    await vi.waitFor(() => expect(hub.stats().polls).toBe(2));
    // Several times the configured interval and the short-budget ceiling: no second poll.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(hub.stats().polls).toBe(2);
    await first.close();
    await second.close();
  });
});

describe('triageQueue: new filters per caller', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ env: { ...FAST_LIVE, LIVE_MAX_NEW_TOPICS_PER_MINUTE: '2' } });
  });
  afterAll(async () => t.close());

  test('a caller who keeps opening new filters is refused past LIVE_MAX_NEW_TOPICS_PER_MINUTE (each would be a new poller)', async () => {
    for (const subject of ['churn-1', 'churn-2']) {
      const subscription = await subscribe(t, { filter: { subject } });
      expect((await subscription.next()).event?.kind).toBe('SNAPSHOT');
      await subscription.close();
      await vi.waitFor(() => expect(t.gateway.services.live.stats().subscriptions).toBe(0));
    }
    const refused = await subscribe(t, { filter: { subject: 'churn-3' } });
    expect((await refused.next()).errors?.[0]?.extensions?.code).toBe('TOO_MANY_SUBSCRIPTIONS');
    await refused.close();
  });
});
