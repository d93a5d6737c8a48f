import { request } from 'undici';
import { beforeAll, describe, expect, test, vi } from 'vitest';
import type { TestGateway } from '../../helpers/gateway.js';
import { findMessage, t, useMessageGateway } from './helpers.js';

useMessageGateway();

describe('upstream call counts', () => {
  test('the triage page of 25 messages with detection costs 1 search + 25 detection calls, all 25 in one wave', async () => {
    const latencyMs = 600;
    t.sim.setLatency(latencyMs);
    const { body } = await t.query<{ messages: { nodes: { id: string; detection: { action: string } | null }[] } }>(
      `{ messages(first: 25) { nodes { id subject detection { action } } } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.messages.nodes).toHaveLength(25);
    expect(t.sim.count('emailSecurity.investigate.list')).toBe(1);
    expect(t.sim.count('emailSecurity.investigate.detections.get')).toBe(25);
    expect(t.sim.count()).toBe(26);
    const detectionArrivals = t.sim.requests
      .filter((r) => r.endpoint === 'emailSecurity.investigate.detections.get')
      .map((r) => r.at);
    // A second wave could only start after an answer of the first, one latency later: every call that
    // arrived within one latency of the first did not wait for any answer. The per-request cap
    // (UPSTREAM_FANOUT_CONCURRENCY, default 100) does not split a page into waves.
    const firstWave = detectionArrivals.filter((at) => at - (detectionArrivals[0] as number) < latencyMs);
    expect(firstWave).toHaveLength(25);
  });

  test('a search primes the message cache, so message(id) on a listed id costs no extra call', async () => {
    const listed = await findMessage('detection');
    const { body } = await t.query<{ messages: { nodes: { id: string }[] }; message: { subject: string } }>(
      `query($id: ID!) { messages(first: 100) { nodes { id subject } } message(id: $id) { subject } }`,
      { id: listed },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.message.subject).toBeDefined();
    expect(t.sim.count('emailSecurity.investigate.list')).toBe(1);
    expect(t.sim.count('emailSecurity.investigate.get')).toBe(0);
  });

  test("a message's page is no waterfall: its detection and trace go out with the message, not after it", async () => {
    const id = await findMessage('detection');
    t.sim.setLatency(400);
    const { body } = await t.query(
      `query($id: ID!) { message(id: $id) { subject ... on Message { detection { action } } trace { inbound { pending } } } }`,
      { id },
    );
    expect(body.errors).toBeUndefined();
    const arrival = (endpoint: string) => t.sim.requests.find((r) => r.endpoint === endpoint)?.at as number;
    const message = arrival('emailSecurity.investigate.get');
    // After a waterfall they would arrive one 400 ms answer later, at the earliest.
    expect(arrival('emailSecurity.investigate.detections.get') - message).toBeLessThan(400);
    expect(arrival('emailSecurity.investigate.trace.get') - message).toBeLessThan(400);
    expect(t.sim.count()).toBe(3);
  });

  test('an unknown message answers null, with no error from the dependents that went out with it', async () => {
    const { body } = await t.query(
      'query($id: ID!) { message(id: $id) { detection { action } trace { inbound { pending } } } }',
      {
        id: 'no-such-message',
      },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ message: null });
    expect(t.sim.count('emailSecurity.investigate.get')).toBe(1);
    expect(t.sim.count('emailSecurity.investigate.detections.get')).toBe(1);
  });

  test('identical keys in one request cost one upstream call', async () => {
    const id = await findMessage('detection');
    const { body } = await t.query(
      `query($id: ID!) { a: message(id: $id) { detection { action } trace { inbound { pending } } } b: message(id: $id) { subject detection { links { href } } trace { outbound { pending } } } }`,
      { id },
    );
    expect(body.errors).toBeUndefined();
    expect(t.sim.count('emailSecurity.investigate.get')).toBe(1);
    expect(t.sim.count('emailSecurity.investigate.detections.get')).toBe(1);
    expect(t.sim.count('emailSecurity.investigate.trace.get')).toBe(1);
  });

  test('a failing detection on one message nulls only that field, with a located error', async () => {
    t.sim.injectFault({
      endpoint: 'emailSecurity.investigate.detections.get',
      response: { kind: 'status', status: 403 },
    });
    const { body } = await t.query<{ messages: { nodes: { id: string; detection: unknown }[] } }>(
      `{ messages(first: 10) { nodes { id detection { action } } } }`,
    );
    const nodes = body.data?.messages.nodes ?? [];
    expect(nodes).toHaveLength(10);
    expect(nodes.filter((n) => n.detection === null)).toHaveLength(1);
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(body.errors?.[0]?.path).toEqual(['messages', 'nodes', expect.any(Number), 'detection']);
  });
});

describe('error codes', () => {
  const cases: {
    name: string;
    fault: Parameters<TestGateway['sim']['injectFault']>[0];
    code: string;
    extra?: Record<string, unknown>;
  }[] = [
    {
      name: 'a 429 with a long Retry-After',
      fault: {
        endpoint: 'emailSecurity.investigate.list',
        response: { kind: 'status', status: 429, headers: { 'retry-after': '120' } },
      },
      code: 'RATE_LIMITED',
      extra: { retryAfterSeconds: 120 },
    },
    {
      name: 'a 401',
      fault: { endpoint: 'emailSecurity.investigate.list', response: { kind: 'status', status: 401 } },
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'a 403',
      fault: { endpoint: 'emailSecurity.investigate.list', response: { kind: 'status', status: 403 } },
      code: 'FORBIDDEN',
    },
    {
      name: 'repeated 503s',
      fault: { endpoint: 'emailSecurity.investigate.list', times: 3, response: { kind: 'status', status: 503 } },
      code: 'UPSTREAM_UNAVAILABLE',
    },
    {
      name: 'a hanging upstream',
      fault: { endpoint: 'emailSecurity.investigate.list', times: 3, response: { kind: 'hang' } },
      code: 'UPSTREAM_TIMEOUT',
    },
    {
      name: 'a body missing a required field',
      fault: { endpoint: 'emailSecurity.investigate.list', response: { kind: 'drop-field', field: 'id' } },
      code: 'UPSTREAM_SCHEMA_MISMATCH',
    },
    {
      name: 'success:false in a 200',
      fault: { endpoint: 'emailSecurity.investigate.list', response: { kind: 'success-false' } },
      code: 'UPSTREAM_ERROR',
    },
  ];
  for (const { name, fault, code, extra } of cases) {
    test(`${name} surfaces as ${code}`, async () => {
      t.sim.injectFault(fault);
      const { body } = await t.query(`{ messages(first: 2) { totalCount } }`);
      expect(body.errors?.[0]?.extensions).toMatchObject({ code, ...extra });
      expect(body.data).toBeNull();
    });
  }
});

/**
 * The bound is above the simulator's 5 s keep-alive timeout: "no socket open" also waits for idle
 * keep-alive sockets left by earlier tests, which a 3 s bound raced (seen under load).
 */
const SETTLE = { timeout: 10_000, interval: 20 };

describe('cancellation', () => {
  let url: string;
  beforeAll(async () => {
    ({ url } = await t.listen());
  });

  test('a client that disconnects aborts its in-flight upstream calls', async () => {
    t.sim.injectFault({ endpoint: 'emailSecurity.investigate.list', response: { kind: 'hang' } });
    const before = t.logs.length;
    const controller = new AbortController();
    const pending = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ messages(first: 5) { totalCount } }' }),
      signal: controller.signal,
    }).catch((error: unknown) => error);
    await vi.waitFor(() => expect(t.sim.count('emailSecurity.investigate.list')).toBe(1), SETTLE);
    controller.abort();
    await pending;
    await vi.waitFor(
      () => expect(t.logs.slice(before).some((line) => line.errorCode === 'REQUEST_ABORTED')).toBe(true),
      SETTLE,
    );
    await vi.waitFor(() => expect(t.sim.openConnections()).toBe(0), SETTLE);
    expect(t.sim.count('emailSecurity.investigate.list')).toBe(1);
  });
});
