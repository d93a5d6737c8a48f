/**
 * Fault matrix, end to end through GraphQL: every simulator fault knob, with what a client sees
 * (exact `extensions.code` or typed union member), how many upstream calls it cost, that healthy
 * fields keep resolving, that no mutation is applied twice, and that no socket is left behind.
 * After every case: no upstream request still in flight, no orphaned simulator socket, and a healthy
 * triage query works (the gateway did not crash). The last test closes the gateway and checks every
 * TCP socket it opened is gone.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type FaultRule, SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import {
  actionLog,
  type Body,
  closeAndExpectNoLeak,
  codes,
  expectHealthy,
  expectUpstreamSettled,
  MOVE,
  movable,
  RECLASSIFY,
  RELEASE,
  seededIds,
  tcpSockets,
  TRIAGE,
} from './helpers.js';

const TIMEOUT_MS = 600;
const ALWAYS = Number.POSITIVE_INFINITY;

let t: TestGateway;
let tcpBaseline = 0;
let closed = false;

beforeAll(async () => {
  tcpBaseline = tcpSockets();
  t = await startTestGateway({ env: { UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS), UPSTREAM_CONNECTIONS: '16' } });
});
afterAll(async () => {
  if (!closed) await t.close();
});
beforeEach(() => {
  t.sim.reset();
});
afterEach(async (context) => {
  if (closed || context.task.result?.state === 'fail') return;
  t.sim.clearFaults();
  await expectUpstreamSettled(t);
  await expectHealthy(t);
});

type Triage = {
  messages: {
    totalCount: number;
    nodes: {
      id: string;
      subject: string | null;
      detection: { action: string; finalDisposition: string | null } | null;
    }[];
  };
};

async function triage(first = 6): Promise<Body<Triage>> {
  const { status, body } = await t.query<Triage>(TRIAGE, { first });
  expect(status).toBe(200);
  return body;
}

function inject(rule: FaultRule) {
  t.sim.injectFault(rule);
}

const E1 = 'emailSecurity.investigate.list' as const;
const E2 = 'emailSecurity.investigate.get' as const;
const E3 = 'emailSecurity.investigate.detections.get' as const;
const E8 = 'emailSecurity.investigate.move.create' as const;
const E10 = 'emailSecurity.investigate.reclassify.create' as const;
const E11 = 'emailSecurity.investigate.release.bulk' as const;

/** Every node has its subject; exactly `failed` detections are null, each with a located error of `code`. */
function expectFieldLevelFailure(body: Body<Triage>, page: number, failed: number, code: string) {
  const nodes = body.data?.messages.nodes ?? [];
  expect(nodes).toHaveLength(page);
  expect(nodes.every((node) => typeof node.subject === 'string' || node.subject === null)).toBe(true);
  expect(nodes.every((node) => typeof node.id === 'string' && node.id.length > 0)).toBe(true);
  expect(nodes.filter((node) => node.detection === null)).toHaveLength(failed);
  expect(body.errors ?? []).toHaveLength(failed);
  for (const error of body.errors ?? []) {
    expect(error.extensions?.code).toBe(code);
    expect(error.path).toEqual(['messages', 'nodes', expect.any(Number), 'detection']);
  }
}

describe('429 storms with Retry-After (budget governor off)', () => {
  test('a short Retry-After on the search is slept through and the query succeeds after 3 calls', async () => {
    inject({ endpoint: E1, times: 2, response: { kind: 'status', status: 429, headers: { 'retry-after': '0' } } });
    const body = await triage();
    expect(body.errors).toBeUndefined();
    expect(body.data?.messages.nodes).toHaveLength(6);
    expect(t.sim.count(E1)).toBe(3);
    expect(t.sim.count(E1, { status: 429 })).toBe(2);
  });

  test('a storm of short 429s across the detection fan-out is absorbed: every detection resolves', async () => {
    inject({ endpoint: E3, times: 6, response: { kind: 'status', status: 429, headers: { 'retry-after': '0' } } });
    const body = await triage();
    expect(body.errors).toBeUndefined();
    expect(body.data?.messages.nodes.every((node) => node.detection !== null)).toBe(true);
    expect(t.sim.count(E3)).toBe(6 + 6);
  });

  test('a long Retry-After is RATE_LIMITED with retryAfterSeconds after exactly one call', async () => {
    inject({ endpoint: E1, response: { kind: 'status', status: 429, headers: { 'retry-after': '120' } } });
    const body = await triage();
    expect(body.data).toBeNull();
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 120 });
    expect(t.sim.count(E1)).toBe(1);
  });

  test('long 429s on every detection null only the detections, with RATE_LIMITED on each, while subjects resolve', async () => {
    inject({
      endpoint: E3,
      times: ALWAYS,
      response: { kind: 'status', status: 429, headers: { 'retry-after': '120' } },
    });
    const body = await triage(5);
    expectFieldLevelFailure(body, 5, 5, 'RATE_LIMITED');
    expect(body.errors?.every((error) => error.extensions?.retryAfterSeconds === 120)).toBe(true);
    expect(t.sim.count(E3)).toBe(5);
  });

  test('a 429 with a short Retry-After on a move is retried (Cloudflare did not process it) and applied exactly once', async () => {
    const [id] = seededIds(t, movable, 1) as [string];
    const before = actionLog(t, id).filter((op) => op === 'MOVE').length;
    inject({ endpoint: E8, response: { kind: 'status', status: 429, headers: { 'retry-after': '0' } } });
    const { body } = await t.query<{ moveMessages: { __typename: string; movedCount: number } }>(MOVE, {
      input: { ids: [id], destination: 'JUNK_EMAIL' },
    });
    expect(body.data?.moveMessages).toMatchObject({ __typename: 'MoveMessagesPayload', movedCount: 1 });
    expect(t.sim.count(E8)).toBe(2);
    expect(actionLog(t, id).filter((op) => op === 'MOVE').length).toBe(before + 1);
  });
});

describe('5xx bursts', () => {
  test('a 503 burst on the search is retried and the query succeeds after 3 calls', async () => {
    inject({ endpoint: E1, times: 2, response: { kind: 'status', status: 503 } });
    const body = await triage();
    expect(body.errors).toBeUndefined();
    expect(t.sim.count(E1)).toBe(3);
  });

  test('a 502 burst across the detection fan-out is retried: every detection resolves with one extra call per failure', async () => {
    inject({ endpoint: E3, times: 4, response: { kind: 'status', status: 502 } });
    const body = await triage();
    expect(body.errors).toBeUndefined();
    expect(body.data?.messages.nodes.every((node) => node.detection !== null)).toBe(true);
    expect(t.sim.count(E3)).toBe(6 + 4);
  });

  test('an HTML 502 proxy page that persists is UPSTREAM_UNAVAILABLE after 1 + 2 retries, not a crash', async () => {
    inject({ endpoint: E1, times: ALWAYS, response: { kind: 'html', status: 502 } });
    const body = await triage();
    expect(body.data).toBeNull();
    expect(codes(body)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(t.sim.count(E1)).toBe(3);
  });

  test('a persisting 503 on detections nulls only the detections (UPSTREAM_UNAVAILABLE) after 3 attempts each', async () => {
    inject({ endpoint: E3, times: ALWAYS, response: { kind: 'status', status: 503 } });
    const body = await triage(4);
    expectFieldLevelFailure(body, 4, 4, 'UPSTREAM_UNAVAILABLE');
    expect(t.sim.count(E3)).toBe(4 * 3);
  });

  test('a flaky upstream (30 % 503 on detections, seeded) never fails the page: each detection resolves or is UPSTREAM_UNAVAILABLE', async () => {
    inject({ endpoint: E3, times: ALWAYS, probability: 0.3, response: { kind: 'status', status: 503 } });
    const body = await triage(10);
    const nodes = body.data?.messages.nodes ?? [];
    expect(nodes).toHaveLength(10);
    const failed = nodes.filter((node) => node.detection === null).length;
    expect(body.errors ?? []).toHaveLength(failed);
    expect(codes(body).every((code) => code === 'UPSTREAM_UNAVAILABLE')).toBe(true);
  });

  test('a 503 on a single move (applied upstream) is OutcomeUnknownError after exactly one call, and a keyed repeat sends nothing', async () => {
    const [id] = seededIds(t, movable, 1) as [string];
    const before = actionLog(t, id).filter((op) => op === 'MOVE').length;
    inject({ endpoint: E8, afterProcessing: true, response: { kind: 'status', status: 503 } });
    const input = { ids: [id], destination: 'DELETED_ITEMS', idempotencyKey: 'matrix-move-503' };
    const first = await t.query<{ moveMessages: { __typename: string; code: string } }>(MOVE, { input });
    expect(first.body.data?.moveMessages).toMatchObject({ __typename: 'OutcomeUnknownError', code: 'OUTCOME_UNKNOWN' });
    const again = await t.query<{ moveMessages: { __typename: string } }>(MOVE, { input });
    expect(again.body.data?.moveMessages.__typename).toBe('OutcomeUnknownError');
    expect(t.sim.count(E8)).toBe(1);
    expect(actionLog(t, id).filter((op) => op === 'MOVE').length).toBe(before + 1);
  });

  test('a 500 on a release (applied upstream) is OUTCOME_UNKNOWN after exactly one call, released exactly once', async () => {
    const [id] = seededIds(t, (m) => m.is_quarantined, 1) as [string];
    inject({ endpoint: E11, afterProcessing: true, response: { kind: 'status', status: 500 } });
    const { body } = await t.query<{
      releaseMessages: { __typename: string; code?: string; outcomes?: { status: string }[] };
    }>(RELEASE, { input: { ids: [id] } });
    expect(body.errors).toBeUndefined();
    // README, "Never applied twice": sent, then a 5xx or a reset is OutcomeUnknownError.
    expect(body.data?.releaseMessages).toMatchObject({ __typename: 'OutcomeUnknownError', code: 'OUTCOME_UNKNOWN' });
    expect(t.sim.count(E11)).toBe(1);
    expect(actionLog(t, id).filter((op) => op === 'RELEASE')).toHaveLength(1);
  });

  test('a 502 on a reclassification is OutcomeUnknownError after exactly one call', async () => {
    const [id] = seededIds(t, () => true, 1) as [string];
    inject({ endpoint: E10, afterProcessing: true, response: { kind: 'status', status: 502 } });
    const { body } = await t.query<{ reclassifyMessage: { __typename: string; code: string } }>(RECLASSIFY, {
      input: { id, expectedDisposition: 'NONE' },
    });
    expect(body.data?.reclassifyMessage).toMatchObject({ __typename: 'OutcomeUnknownError', code: 'OUTCOME_UNKNOWN' });
    expect(t.sim.count(E10)).toBe(1);
    expect(t.sim.state.reclassifications).toHaveLength(1);
  });
});

describe('upstream timeouts (UPSTREAM_TIMEOUT_MS = 600)', () => {
  test('a hanging message read is UPSTREAM_TIMEOUT on that root field only, after 3 attempts; the other root field resolves', async () => {
    const [id] = seededIds(t, () => true, 1) as [string];
    inject({ endpoint: E2, times: ALWAYS, response: { kind: 'hang' } });
    const started = Date.now();
    const { body } = await t.query<{ message: unknown; messages: { nodes: { subject: string | null }[] } }>(
      `query($id: ID!) { message(id: $id) { id subject } messages(first: 3) { nodes { subject } } }`,
      { id },
    );
    expect(body.data?.message).toBeNull();
    expect(body.data?.messages.nodes).toHaveLength(3);
    expect(codes(body)).toEqual(['UPSTREAM_TIMEOUT']);
    expect(body.errors?.[0]?.path).toEqual(['message']);
    expect(t.sim.count(E2)).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * TIMEOUT_MS - 50);
  });

  test('hanging detections null only the detections (UPSTREAM_TIMEOUT) while subjects resolve', async () => {
    inject({ endpoint: E3, times: ALWAYS, response: { kind: 'hang' } });
    const body = await triage(3);
    expectFieldLevelFailure(body, 3, 3, 'UPSTREAM_TIMEOUT');
  });

  test('a delay shorter than the timeout is only slower: the page resolves without error', async () => {
    inject({ endpoint: E3, times: 3, response: { kind: 'delay', ms: 200 } });
    const body = await triage(3);
    expect(body.errors).toBeUndefined();
    expect(t.sim.count(E3)).toBe(3);
  });

  test('a move that hangs after being applied is OutcomeUnknownError after one call, applied exactly once', async () => {
    const [id] = seededIds(t, movable, 1) as [string];
    const before = actionLog(t, id).filter((op) => op === 'MOVE').length;
    inject({ endpoint: E8, afterProcessing: true, response: { kind: 'hang' } });
    const { body } = await t.query<{ moveMessages: { __typename: string; code: string } }>(MOVE, {
      input: { ids: [id], destination: 'INBOX' },
    });
    expect(body.data?.moveMessages).toMatchObject({ __typename: 'OutcomeUnknownError', code: 'OUTCOME_UNKNOWN' });
    expect(t.sim.count(E8)).toBe(1);
    expect(actionLog(t, id).filter((op) => op === 'MOVE').length).toBe(before + 1);
  });

  test('a reclassification that hangs is OutcomeUnknownError after one call and recorded once', async () => {
    const [id] = seededIds(t, () => true, 1) as [string];
    inject({ endpoint: E10, afterProcessing: true, response: { kind: 'hang' } });
    const { body } = await t.query<{ reclassifyMessage: { __typename: string } }>(RECLASSIFY, {
      input: { id, expectedDisposition: 'SPAM' },
    });
    expect(body.data?.reclassifyMessage.__typename).toBe('OutcomeUnknownError');
    expect(t.sim.count(E10)).toBe(1);
    expect(t.sim.state.reclassifications).toHaveLength(1);
  });
});

describe('connection resets', () => {
  test('a reset before the answer on the search is retried and the query succeeds after 2 calls', async () => {
    inject({ endpoint: E1, response: { kind: 'reset' } });
    const body = await triage();
    expect(body.errors).toBeUndefined();
    expect(t.sim.count(E1)).toBe(2);
  });

  test('a reset mid-body on the search is retried and the query succeeds after 2 calls', async () => {
    inject({ endpoint: E1, response: { kind: 'reset-mid-body' } });
    const body = await triage();
    expect(body.errors).toBeUndefined();
    expect(t.sim.count(E1)).toBe(2);
  });

  test('a search that always resets mid-body is UPSTREAM_UNAVAILABLE after 3 calls', async () => {
    inject({ endpoint: E1, times: ALWAYS, response: { kind: 'reset-mid-body' } });
    const body = await triage();
    expect(body.data).toBeNull();
    expect(codes(body)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(t.sim.count(E1)).toBe(3);
  });

  test('detections that always reset mid-body null only the detections (UPSTREAM_UNAVAILABLE)', async () => {
    inject({ endpoint: E3, times: ALWAYS, response: { kind: 'reset-mid-body' } });
    const body = await triage(3);
    expectFieldLevelFailure(body, 3, 3, 'UPSTREAM_UNAVAILABLE');
  });

  test('a release whose answer is cut mid-body is OUTCOME_UNKNOWN after one call, released exactly once', async () => {
    const [id] = seededIds(t, (m) => m.is_quarantined, 1) as [string];
    inject({ endpoint: E11, afterProcessing: true, response: { kind: 'reset-mid-body' } });
    const { body } = await t.query<{ releaseMessages: { __typename: string; outcomes?: { status: string }[] } }>(
      RELEASE,
      { input: { ids: [id], idempotencyKey: 'matrix-release-reset' } },
    );
    expect(body.errors).toBeUndefined();
    // README, "Never applied twice": sent, then a 5xx or a reset is OutcomeUnknownError.
    expect(body.data?.releaseMessages).toMatchObject({ __typename: 'OutcomeUnknownError', code: 'OUTCOME_UNKNOWN' });
    const again = await t.query(RELEASE, { input: { ids: [id], idempotencyKey: 'matrix-release-reset' } });
    expect(again.body.errors).toBeUndefined();
    expect(t.sim.count(E11)).toBe(1);
    expect(actionLog(t, id).filter((op) => op === 'RELEASE')).toHaveLength(1);
  });

  test('a move whose connection resets after it was applied is OutcomeUnknownError after one call, applied once', async () => {
    const [id] = seededIds(t, movable, 1) as [string];
    const before = actionLog(t, id).filter((op) => op === 'MOVE').length;
    inject({ endpoint: E8, afterProcessing: true, response: { kind: 'reset' } });
    const { body } = await t.query<{ moveMessages: { __typename: string } }>(MOVE, {
      input: { ids: [id], destination: 'INBOX' },
    });
    expect(body.data?.moveMessages.__typename).toBe('OutcomeUnknownError');
    expect(t.sim.count(E8)).toBe(1);
    expect(actionLog(t, id).filter((op) => op === 'MOVE').length).toBe(before + 1);
  });
});

describe('bodies that break the contract', () => {
  const rootCases: [string, FaultRule['response'], string][] = [
    ['malformed JSON in a 200', { kind: 'malformed-json' }, 'UPSTREAM_SCHEMA_MISMATCH'],
    ['an empty 200', { kind: 'empty-200' }, 'UPSTREAM_SCHEMA_MISMATCH'],
    ['an empty 204', { kind: 'empty-204' }, 'UPSTREAM_SCHEMA_MISMATCH'],
    ['an HTML page in a 200', { kind: 'html', status: 200 }, 'UPSTREAM_SCHEMA_MISMATCH'],
    ['success:false inside a 200', { kind: 'success-false' }, 'UPSTREAM_ERROR'],
    ['a result item missing its required id', { kind: 'drop-field', field: 'id' }, 'UPSTREAM_SCHEMA_MISMATCH'],
  ];
  for (const [name, response, code] of rootCases) {
    test(`${name} on the search is ${code} after exactly one call (not retried)`, async () => {
      inject({ endpoint: E1, response });
      const body = await triage();
      expect(body.data).toBeNull();
      expect(codes(body)).toEqual([code]);
      expect(t.sim.count(E1)).toBe(1);
    });

    test(`${name} on one detection nulls only that detection with ${code}; subjects and other detections resolve`, async () => {
      inject({
        endpoint: E3,
        response: response.kind === 'drop-field' ? { kind: 'drop-field', field: 'action' } : response,
      });
      const body = await triage(6);
      expectFieldLevelFailure(body, 6, 1, code);
      expect(t.sim.count(E3)).toBe(6);
    });
  }

  test('a required field missing from one message read is UPSTREAM_SCHEMA_MISMATCH on that field only', async () => {
    const [id] = seededIds(t, () => true, 1) as [string];
    inject({ endpoint: E2, response: { kind: 'drop-field', field: 'client_recipients' } });
    const { body } = await t.query<{ message: unknown; messages: { nodes: { subject: string | null }[] } }>(
      `query($id: ID!) { message(id: $id) { id subject } messages(first: 2) { nodes { id subject } } }`,
      { id },
    );
    expect(body.data?.message).toBeNull();
    expect(body.data?.messages.nodes).toHaveLength(2);
    expect(codes(body)).toEqual(['UPSTREAM_SCHEMA_MISMATCH']);
    expect(body.errors?.[0]?.path).toEqual(['message']);
    // The client sees the fact, not the parser's internals.
    expect(body.errors?.[0]?.message).not.toMatch(/zod|ZodError|client_recipients/);
  });

  test('an unknown enum value in a detection nulls only that enum field; the rest of the detection resolves without error', async () => {
    inject({
      endpoint: E3,
      times: ALWAYS,
      response: { kind: 'enum-drift', field: 'final_disposition', value: 'QUANTUM' },
    });
    const body = await triage(3);
    expect(body.errors).toBeUndefined();
    for (const node of body.data?.messages.nodes ?? []) {
      expect(node.detection?.finalDisposition).toBeNull();
      expect(typeof node.detection?.action).toBe('string');
    }
  });

  test('an unknown enum value in every search item nulls that field on each node; the page resolves without error', async () => {
    inject({ endpoint: E1, response: { kind: 'enum-drift', field: 'delivery_mode', value: 'CARRIER_PIGEON' } });
    const { body } = await t.query<{
      messages: { nodes: { id: string; subject: string | null; deliveryMode: string | null }[] };
    }>(`{ messages(first: 5) { nodes { id subject deliveryMode } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data?.messages.nodes).toHaveLength(5);
    expect(body.data?.messages.nodes.every((node) => node.deliveryMode === null && node.id.length > 0)).toBe(true);
  });

  test('an empty 204 on an envelope-only write (S2 dismiss) is a success after exactly one call', async () => {
    const insight = t.sim.state.listInsights(SIMULATOR_ACCOUNT_ID)[0];
    expect(insight).toBeDefined();
    inject({ endpoint: 'securityCenter.insights.dismiss', response: { kind: 'empty-204' } });
    const { body } = await t.query<{ dismissInsight: { __typename: string; dismissed?: boolean } }>(
      `mutation($input: DismissInsightInput!) { dismissInsight(input: $input) { __typename ... on DismissInsightPayload { dismissed } ... on MutationError { code } } }`,
      { input: { id: insight?.id, scope: { accountId: SIMULATOR_ACCOUNT_ID }, dismiss: true } },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.dismissInsight).toMatchObject({ __typename: 'DismissInsightPayload', dismissed: true });
    expect(t.sim.count('securityCenter.insights.dismiss')).toBe(1);
  });

  test('success:false inside a 200 answering a move is OUTCOME_UNKNOWN after one call, and the same key sends nothing more', async () => {
    // A 2xx that says "failed" contradicts itself (Cloudflare refuses with a 4xx): after the write
    // was sent, the gateway cannot tell whether it was applied (here it was).
    const [id] = seededIds(t, movable, 1) as [string];
    const before = actionLog(t, id).length;
    inject({ endpoint: E8, afterProcessing: true, response: { kind: 'success-false' } });
    const input = { ids: [id], destination: 'INBOX', idempotencyKey: 'success-false-after-send' };
    const { body } = await t.query<{ moveMessages: { __typename: string; code: string } }>(MOVE, { input });
    expect(body.data?.moveMessages).toMatchObject({ __typename: 'OutcomeUnknownError', code: 'OUTCOME_UNKNOWN' });
    expect(t.sim.count(E8)).toBe(1);
    expect(actionLog(t, id)).toHaveLength(before + 1);
    const retry = await t.query<{ moveMessages: { __typename: string } }>(MOVE, { input });
    expect(retry.body.data?.moveMessages.__typename).toBe('OutcomeUnknownError');
    expect(t.sim.count(E8)).toBe(1);
  });

  test('malformed JSON answering a move (applied upstream) is not retried: one call, applied once', async () => {
    const [id] = seededIds(t, movable, 1) as [string];
    const before = actionLog(t, id).filter((op) => op === 'MOVE').length;
    inject({ endpoint: E8, afterProcessing: true, response: { kind: 'malformed-json' } });
    const { body } = await t.query<{ moveMessages: { __typename: string; code: string } }>(MOVE, {
      input: { ids: [id], destination: 'INBOX' },
    });
    expect(body.errors).toBeUndefined();
    // README, "Never applied twice": a 2xx body that is not JSON came after the write was sent.
    expect(body.data?.moveMessages).toMatchObject({ __typename: 'OutcomeUnknownError', code: 'OUTCOME_UNKNOWN' });
    expect(t.sim.count(E8)).toBe(1);
    expect(actionLog(t, id).filter((op) => op === 'MOVE').length).toBe(before + 1);
  });
});

describe('leaks', () => {
  test('after the whole matrix, closing the gateway leaves zero simulator connections and no extra TCP socket in the process', async () => {
    expect(t.sim.openConnections()).toBeLessThanOrEqual(t.gateway.services.config.upstream.connections);
    closed = true;
    await closeAndExpectNoLeak(t, tcpBaseline);
  });
});
