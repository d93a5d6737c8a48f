/**
 * 429s and Cloudflare's lockout with the budget governor ON (BUDGET_ENABLED=true): after a long 429
 * the gateway stops sending for that credential, and with its limit set to the simulator's budget it
 * never trips the simulator's lockout (zero 429s upstream) — callers get RATE_LIMITED instead.
 * Each test gets its own gateway: a governor lockout outlives a test on purpose.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startRewriteProxy } from '../helpers/rewrite-proxy.js';
import {
  actionLog,
  type Body,
  closeAndExpectNoLeak,
  codes,
  MOVE,
  movable,
  seededIds,
  tcpSockets,
  TRIAGE,
} from './helpers.js';

const E1 = 'emailSecurity.investigate.list' as const;
const E8 = 'emailSecurity.investigate.move.create' as const;

let t: TestGateway | null = null;
let tcpBaseline = 0;

async function start(env: Record<string, string>): Promise<TestGateway> {
  tcpBaseline = tcpSockets();
  t = await startTestGateway({ env: { BUDGET_ENABLED: 'true', ...env } });
  return t;
}
afterEach(async () => {
  if (t) await closeAndExpectNoLeak(t, tcpBaseline);
  t = null;
});

type Triage = { messages: { nodes: { id: string; subject: string | null; detection: { action: string } | null }[] } };
type MoveResult = {
  moveMessages: { __typename: string; code?: string; retryAfterSeconds?: number; movedCount?: number };
};

describe('a long 429 with the governor on', () => {
  test('the first query is RATE_LIMITED, and later reads and writes are refused as RATE_LIMITED without reaching Cloudflare', async () => {
    const g = await start({});
    g.sim.injectFault({ endpoint: E1, response: { kind: 'status', status: 429, headers: { 'retry-after': '120' } } });
    const first = (await g.query<Triage>(TRIAGE, { first: 3 })).body;
    expect(first.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 120 });
    expect(g.sim.count()).toBe(1);

    // The fault is spent: Cloudflare would answer now, but the governor honours the lockout.
    const second = (await g.query<Triage>(TRIAGE, { first: 3 })).body;
    expect(codes(second)).toEqual(['RATE_LIMITED']);
    const retryAfter = second.errors?.[0]?.extensions?.retryAfterSeconds as number;
    expect(retryAfter).toBeGreaterThan(100);
    expect(retryAfter).toBeLessThanOrEqual(120);

    const [id] = seededIds(g, movable, 1) as [string];
    const before = actionLog(g, id).length;
    const move = (await g.query<MoveResult>(MOVE, { input: { ids: [id], destination: 'INBOX' } })).body;
    expect(move.data?.moveMessages).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
    expect(move.data?.moveMessages.retryAfterSeconds).toBeGreaterThan(100);
    expect(actionLog(g, id)).toHaveLength(before);

    expect(g.sim.count()).toBe(1);
  });

  test('a short Retry-After is still slept through with the governor on: the query succeeds and nothing stays locked', async () => {
    const g = await start({});
    g.sim.injectFault({
      endpoint: E1,
      times: 2,
      response: { kind: 'status', status: 429, headers: { 'retry-after': '0' } },
    });
    const first = (await g.query<Triage>(TRIAGE, { first: 3 })).body;
    expect(first.errors).toBeUndefined();
    const second = (await g.query<Triage>(TRIAGE, { first: 3 })).body;
    expect(second.errors).toBeUndefined();
    expect(g.sim.count(E1)).toBe(4);
  });
});

describe('lockout emulation: gateway budget = simulator budget', () => {
  const LIMIT = 40;
  const WRITE_RESERVE = 5;

  test('a load that wants more than the budget never trips the simulator lockout: zero 429s upstream, RATE_LIMITED fields instead, writes keep their reserve', async () => {
    const g = await start({
      BUDGET_LIMIT: String(LIMIT),
      BUDGET_WINDOW_SECONDS: '300',
      BUDGET_WRITE_RESERVE: String(WRITE_RESERVE),
      BUDGET_SAFETY_MARGIN: '0',
      BUDGET_MAX_QUEUE_MS: '0',
    });
    g.sim.setBudget({ limit: LIMIT, windowSeconds: 300, lockoutSeconds: 300 });

    const bodies: Body<Triage>[] = [];
    // 10 triage pages of 6 (7 calls each = 70 wanted), half of them concurrently.
    for (let round = 0; round < 2; round++) {
      const results = await Promise.all(Array.from({ length: 5 }, () => g.query<Triage>(TRIAGE, { first: 6 })));
      for (const result of results) {
        expect(result.status).toBe(200);
        bodies.push(result.body);
      }
    }
    const allCodes = bodies.flatMap((body) => codes(body));
    expect(allCodes.length).toBeGreaterThan(0);
    expect(new Set(allCodes)).toEqual(new Set(['RATE_LIMITED']));
    for (const error of bodies.flatMap((body) => body.errors ?? []))
      expect(error.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    // Pages that got their search keep their subjects even when detections were refused.
    const served = bodies.filter((body) => body.data?.messages);
    expect(served.length).toBeGreaterThan(0);
    for (const body of served) expect(body.data?.messages.nodes.every((node) => node.id.length > 0)).toBe(true);

    expect(g.sim.count(undefined, { status: 429 })).toBe(0);
    expect(g.sim.count(undefined, { method: 'GET' })).toBeLessThanOrEqual(LIMIT - WRITE_RESERVE);

    // Reads are spent; a write still goes through on the reserve, exactly once.
    const [id] = seededIds(g, movable, 1) as [string];
    const move = (await g.query<MoveResult>(MOVE, { input: { ids: [id], destination: 'JUNK_EMAIL' } })).body;
    expect(move.data?.moveMessages).toMatchObject({ __typename: 'MoveMessagesPayload', movedCount: 1 });
    expect(g.sim.count(E8)).toBe(1);

    // Spend the whole budget with writes: the one that would go over is refused locally.
    const results: string[] = [];
    for (let index = 0; index < WRITE_RESERVE + 2; index++) {
      const r = (
        await g.query<MoveResult>(MOVE, { input: { ids: [id], destination: index % 2 ? 'INBOX' : 'JUNK_EMAIL' } })
      ).body;
      results.push(r.data?.moveMessages.__typename ?? 'none');
    }
    expect(results).toContain('RateLimitedError');
    expect(g.sim.count()).toBeLessThanOrEqual(LIMIT);
    expect(g.sim.count(undefined, { status: 429 })).toBe(0);

    // The gateway keeps refusing reads without sending them.
    const after = g.sim.count();
    const locked = (await g.query<Triage>(TRIAGE, { first: 1 })).body;
    expect(codes(locked)).toEqual(['RATE_LIMITED']);
    expect(g.sim.count()).toBe(after);
  });
});

// ───────────── the upstream calls counted by a proxy, with window arithmetic of the test's own ─────────────

/**
 * The fewest requests the busiest window can hold when the timeline is cut into consecutive windows
 * of `windowMs`, over every placement of the cuts (1 ms steps): at most the limit if and only if
 * some fixed-window schedule explains the traffic, wherever the gateway's window began.
 */
function busiestFixedWindow(times: number[], windowMs: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let phase = 0; phase < windowMs; phase++) {
    const perWindow = new Map<number, number>();
    for (const at of times) {
      const window = Math.floor((at - phase) / windowMs);
      perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
    }
    best = Math.min(best, Math.max(...perWindow.values()));
  }
  return best;
}

/** The most requests inside any span of `windowMs`, wherever it starts (a sliding window). */
function busiestSlidingWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((x, y) => x - y);
  let busiest = 0;
  for (let first = 0, last = 0; last < sorted.length; last++) {
    while ((sorted[last] as number) - (sorted[first] as number) >= windowMs) first++;
    busiest = Math.max(busiest, last - first + 1);
  }
  return busiest;
}

describe('the budget seen by an independent observer (a proxy between the gateway and the simulator)', () => {
  const LIMIT = 10;
  const WINDOW_MS = 2_000;
  /** When each upstream call reached the proxy. */
  let arrivals: number[] = [];
  const refused: string[] = [];

  beforeAll(async () => {
    const proxy = await startRewriteProxy();
    // The simulator enforces no budget and sends no Ratelimit headers: only the gateway's own
    // window holds the traffic back.
    const g = await startTestGateway({
      env: {
        CLOUDFLARE_BASE_URL: `${proxy.origin}/client/v4`,
        BUDGET_ENABLED: 'true',
        BUDGET_LIMIT: String(LIMIT),
        BUDGET_WINDOW_SECONDS: String(WINDOW_MS / 1000),
        BUDGET_WRITE_RESERVE: '0',
        BUDGET_SAFETY_MARGIN: '0',
        BUDGET_MAX_QUEUE_MS: '0',
      },
    });
    proxy.target = g.sim.origin;
    try {
      const search = async () => (await g.query('{ messages(first: 1) { totalCount } }')).body;
      const started = Date.now();
      expect((await search()).errors).toBeUndefined();
      // A load paced by the clock, not a wait for a condition: idle for most of the first window,
      // then want far more than the limit for longer than a window, so a boundary falls inside the
      // burst wherever the gateway's window began.
      await sleep(WINDOW_MS * 0.6);
      while (Date.now() - started < WINDOW_MS * 2.2) {
        const bodies = await Promise.all(Array.from({ length: 3 }, search));
        refused.push(...bodies.flatMap((body) => codes(body)));
        await sleep(20);
      }
      arrivals = proxy.requests.map((request) => request.at);
    } finally {
      await g.close();
      await proxy.close();
    }
  }, 30_000);

  test('the load wanted more than the limit, and what was not sent failed RATE_LIMITED', () => {
    expect(refused.length).toBeGreaterThan(0);
    expect(new Set(refused)).toEqual(new Set(['RATE_LIMITED']));
    expect(arrivals.length).toBeGreaterThan(LIMIT);
  });

  test('the upstream calls fit consecutive windows of the configured length with at most the limit in each', () => {
    expect(busiestFixedWindow(arrivals, WINDOW_MS)).toBeLessThanOrEqual(LIMIT);
  });

  // Fixed windows would fail this: a burst at the end of one window and another at the start of the
  // next put up to 2 × limit − 1 calls into one window's length (19 of 10 here), which trips the
  // lockout should Cloudflare count "1,200 per 5 minutes" over any 5 minutes.
  test('no span of the window length ever holds more than the limit (a sliding window)', () => {
    expect(busiestSlidingWindow(arrivals, WINDOW_MS)).toBeLessThanOrEqual(LIMIT);
  });
});
