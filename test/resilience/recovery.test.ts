/**
 * Recovery after Cloudflare misbehaves: each case first reproduces a failure seen with a
 * fault-injecting proxy, over real HTTP with the simulator's fault knobs, then checks the gateway
 * recovers. Each test gets its own gateway: cache entries and governor lockouts outlive a test.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import { fingerprintCredentials } from '../../src/upstream/fingerprint.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { actionLog, type Body, closeAndExpectNoLeak, codes, MOVE, movable, seededIds, tcpSockets } from './helpers.js';

const E2 = 'emailSecurity.investigate.get' as const;
const E3 = 'emailSecurity.investigate.detections.get' as const;
const E5 = 'emailSecurity.investigate.preview.create' as const;
const E6 = 'emailSecurity.investigate.raw.get' as const;
const E8 = 'emailSecurity.investigate.move.create' as const;

let t: TestGateway | null = null;
let tcpBaseline = 0;

async function start(env: Record<string, string>): Promise<TestGateway> {
  tcpBaseline = tcpSockets();
  t = await startTestGateway({ env });
  return t;
}
afterEach(async () => {
  if (t) await closeAndExpectNoLeak(t, tcpBaseline);
  t = null;
});

const DETECTION = /* GraphQL */ `query($id: ID!) { message(id: $id) { id detection { action } raw } }`;
const PREVIEW = /* GraphQL */ `query($id: ID!) { message(id: $id) { id preview { source screenshot } } }`;
const TRIAGE_PAGE = /* GraphQL */ `{ messages(first: 25) { nodes { id subject detection { action } } } }`;

type Detected = { message: { id: string; detection: { action: string } | null; raw: string | null } | null };
type Triage = { messages: { nodes: { id: string; subject: string | null; detection: { action: string } | null }[] } };

const seeded = (g: TestGateway, predicate: (m: { final_disposition?: string | null }) => boolean) =>
  g.sim.state.listMessages(SIMULATOR_ACCOUNT_ID).find((m) => predicate(m as never))?.id as string;
const detected = (m: { final_disposition?: string | null }) => m.final_disposition === 'MALICIOUS';
const benign = (m: { final_disposition?: string | null }) => m.final_disposition === 'NONE';

describe('no poisoned cache', () => {
  test('a 200 with wrong field types is not cached: once Cloudflare recovers, the same reads succeed with fresh calls', async () => {
    const g = await start({ CACHE_ENABLED: 'true' });
    const id = seeded(g, detected);
    g.sim.injectFault({ endpoint: E3, response: { kind: 'enum-drift', field: 'attachments', value: 'not-an-array' } });
    g.sim.injectFault({ endpoint: E6, response: { kind: 'enum-drift', field: 'raw', value: 42 as never } });
    const broken = (await g.query<Detected>(DETECTION, { id })).body;
    expect(codes(broken).sort()).toEqual(['UPSTREAM_SCHEMA_MISMATCH', 'UPSTREAM_SCHEMA_MISMATCH']);

    g.sim.resetRequests();
    const recovered = (await g.query<Detected>(DETECTION, { id })).body;
    expect(recovered.errors).toBeUndefined();
    expect(recovered.data?.message?.detection?.action).toBeTypeOf('string');
    expect(recovered.data?.message?.raw).toMatch(/Message-ID/i);
    expect(g.sim.count(E3)).toBe(1);
    expect(g.sim.count(E6)).toBe(1);

    // The good answers are cached as before.
    g.sim.resetRequests();
    expect((await g.query<Detected>(DETECTION, { id })).body.errors).toBeUndefined();
    expect(g.sim.count(E3) + g.sim.count(E6)).toBe(0);
  });
});

describe('bounded lockouts', () => {
  test('a 429 with Retry-After 999999999 locks the credential for at most Cloudflare’s 5 minutes and is logged once', async () => {
    const g = await start({ BUDGET_ENABLED: 'true' });
    const id = seeded(g, detected);
    g.sim.injectFault({
      endpoint: E2,
      response: { kind: 'status', status: 429, headers: { 'retry-after': '999999999' } },
    });
    const before = Date.now();
    const first = (await g.query<Detected>(`query($id: ID!) { message(id: $id) { id } }`, { id })).body;
    expect(first.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(first.errors?.[0]?.extensions?.retryAfterSeconds).toBeLessThanOrEqual(300);

    const budget = g.gateway.services.budget;
    if (!budget) throw new Error('the governor is on');
    const state = await budget.remaining(fingerprintCredentials({ kind: 'token', token: 'test-token' }));
    expect(state.lockedUntil).not.toBeNull();
    expect((state.lockedUntil as number) - before).toBeLessThanOrEqual(300_000 + 1_000);
    expect((state.lockedUntil as number) - before).toBeGreaterThan(250_000);

    const second = (await g.query<Detected>(`query($id: ID!) { message(id: $id) { id } }`, { id })).body;
    expect(second.errors?.[0]?.extensions?.retryAfterSeconds).toBeLessThanOrEqual(300);
    expect(g.logs.filter((line) => line.retryAfterHeader === '999999999')).toHaveLength(1);
  });
});

describe('short waits are waited', () => {
  test('after one 429 with Retry-After 1, all 25 sibling detections of a page wait it out instead of failing RATE_LIMITED', async () => {
    const g = await start({ BUDGET_ENABLED: 'true', BUDGET_MAX_QUEUE_MS: '2000' });
    g.sim.setLatency(20);
    g.sim.injectFault({ endpoint: E3, response: { kind: 'status', status: 429, headers: { 'retry-after': '1' } } });
    const { body } = await g.query<Triage>(TRIAGE_PAGE);
    expect(codes(body)).toEqual([]);
    expect(body.data?.messages.nodes).toHaveLength(25);
    expect(body.data?.messages.nodes.every((node) => node.detection !== null)).toBe(true);
  });

  test('a lockout longer than BUDGET_MAX_QUEUE_MS still fails RATE_LIMITED at once', async () => {
    const g = await start({ BUDGET_ENABLED: 'true', BUDGET_MAX_QUEUE_MS: '500' });
    g.sim.injectFault({ endpoint: E3, response: { kind: 'status', status: 429, headers: { 'retry-after': '30' } } });
    const started = Date.now();
    const { body } = await g.query<Triage>(TRIAGE_PAGE);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(codes(body).length).toBeGreaterThan(0);
    expect(new Set(codes(body))).toEqual(new Set(['RATE_LIMITED']));
  });
});

describe('a deadline per request', () => {
  test('a hanging E3 no longer holds a 25-message page: pending detections fail UPSTREAM_TIMEOUT at the deadline and the page is served', async () => {
    const g = await start({ UPSTREAM_TIMEOUT_MS: '500', REQUEST_DEADLINE_MS: '1500' });
    g.sim.injectFault({ endpoint: E3, times: Number.POSITIVE_INFINITY, response: { kind: 'hang' } });
    const started = Date.now();
    const { status, body } = await g.query<Triage>(TRIAGE_PAGE);
    const elapsed = Date.now() - started;
    expect(status).toBe(200);
    // Without a deadline: 4 waves of 8 (fan-out) × 3 attempts × 500 ms ≈ 6.3 s.
    expect(elapsed).toBeLessThan(3_000);
    expect(elapsed).toBeGreaterThanOrEqual(1_400);
    expect(body.data?.messages.nodes).toHaveLength(25);
    expect(body.data?.messages.nodes.every((node) => node.subject !== null && node.detection === null)).toBe(true);
    expect(new Set(codes(body))).toEqual(new Set(['UPSTREAM_TIMEOUT']));
    expect(codes(body)).toHaveLength(25);
    g.sim.clearFaults();
  });

  test('a write already sent when the deadline passes is finished and audited, not abandoned', async () => {
    const g = await start({ REQUEST_DEADLINE_MS: '300' });
    const [id] = seededIds(g, movable, 1) as [string];
    g.sim.injectFault({ endpoint: E8, response: { kind: 'delay', ms: 800 } });
    const { body } = await g.query<{ moveMessages: { __typename: string; movedCount?: number } }>(MOVE, {
      input: { ids: [id], destination: 'INBOX' },
    });
    expect(body.data?.moveMessages).toMatchObject({ __typename: 'MoveMessagesPayload', movedCount: 1 });
    expect(actionLog(g, id)).toContain('MOVE');
    const audit = g.logs.find((line) => line.msg === 'audit') as { audit: { outcomes?: unknown } } | undefined;
    expect(audit).toBeDefined();
  });
});

describe('E5 is a read', () => {
  test('the preview of a benign message (a POST) is retried after a 503 and then cached like E4', async () => {
    const g = await start({ CACHE_ENABLED: 'true' });
    const id = seeded(g, benign);
    g.sim.injectFault({ endpoint: E5, response: { kind: 'status', status: 503 } });
    const first = (await g.query<{ message: { preview: { source: string } | null } }>(PREVIEW, { id })).body as Body<{
      message: { preview: { source: string } | null };
    }>;
    expect(first.errors).toBeUndefined();
    expect(first.data?.message.preview?.source).toBe('ANY_MESSAGE');
    expect(g.sim.count(E5)).toBe(2);

    g.sim.resetRequests();
    const second = (await g.query<{ message: { preview: { source: string } | null } }>(PREVIEW, { id })).body;
    expect(second.errors).toBeUndefined();
    expect(g.sim.count(E5)).toBe(0);
  });
});
