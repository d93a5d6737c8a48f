import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { SIMULATOR_ACCOUNT_ID } from '../../../src/simulator/index.js';
import { createMoveJob } from '../../helpers/bulk-jobs.js';
import { startTestGateway, useTestGateway, type TestGateway } from '../../helpers/gateway.js';

/*
 * What the read cache knows from the catalogue, counted at the simulator: a search's messages are
 * every replica's E2 answers, a settled trace lives longer than a message's state, and the
 * gateway's own writes make stale exactly what they changed.
 */

const E2 = 'emailSecurity.investigate.get';
const E7 = 'emailSecurity.investigate.trace.get';
const TRIAGE = '{ messages(first: 25) { nodes { id subject detection { action } } } }';
const DETAIL = /* GraphQL */ `
  query Detail($id: ID!) {
    message(id: $id) {
      id
      subject
      isQuarantined
      detection { action }
      trace { inbound { pending lines { message } } outbound { pending lines { message } } }
      preview { source }
    }
  }
`;

interface Detail {
  message: {
    id: string;
    isQuarantined: boolean;
    trace: { outbound: { pending: boolean | null; lines: { message: string }[] | null } };
  } | null;
}

let t: TestGateway;
beforeAll(async () => {
  // A one-second message TTL: what outlives it is kept by its own class, not by luck.
  t = await startTestGateway({ env: { CACHE_ENABLED: 'true', CACHE_TTL_MESSAGE_SECONDS: '1' } });
});
afterAll(async () => {
  await t.close();
});

/** A gateway whose message state outlives the test, for what must hold within the TTL however slow the machine. */
let lasting: TestGateway;
useTestGateway(
  (gateway) => {
    lasting = gateway;
  },
  { env: { CACHE_ENABLED: 'true', CACHE_TTL_MESSAGE_SECONDS: '600' } },
);
beforeEach(() => {
  t.sim.resetRequests();
});

const messages = () => t.sim.state.listMessages(SIMULATOR_ACCOUNT_ID);

describe('answers one request fetched serve the next ones', () => {
  test('a message found by a search opens in a later request without fetching the message again', async () => {
    const page = await lasting.query<{ messages: { nodes: { id: string }[] } }>(TRIAGE);
    const ids = page.body.data?.messages.nodes.map((node) => node.id) ?? [];
    expect(ids).toHaveLength(25);
    lasting.sim.resetRequests();
    for (const id of ids.slice(0, 5)) {
      const { body } = await lasting.query<Detail>(DETAIL, { id });
      expect(body.errors).toBeUndefined();
      expect(body.data?.message?.id).toBe(id);
    }
    expect(lasting.sim.count(E2)).toBe(0);
    expect(lasting.sim.count('emailSecurity.investigate.detections.get')).toBe(0);
    expect(lasting.sim.count(E7)).toBe(5);
  });

  test('a settled trace is served from the cache after the message TTL has passed', async () => {
    const id = messages().find((m) => m.is_quarantined)?.id as string;
    const first = await t.query<Detail>(DETAIL, { id });
    expect(first.body.data?.message?.trace.outbound.pending).not.toBe(true);
    const firstCalls = t.sim.count(E7);
    expect(firstCalls).toBeLessThanOrEqual(1);
    const messageReadAt = t.sim.count(E2);
    // Ask again until the one-second message TTL has passed (the state is read again): the settled
    // trace still comes from the cache.
    let second = await t.query<Detail>(DETAIL, { id });
    await vi.waitFor(
      async () => {
        if (t.sim.count(E2) === messageReadAt) second = await t.query<Detail>(DETAIL, { id });
        expect(t.sim.count(E2)).toBeGreaterThan(messageReadAt);
      },
      { timeout: 10_000, interval: 200 },
    );
    expect(second.body.data?.message?.trace).toEqual(first.body.data?.message?.trace);
    expect(t.sim.count(E7)).toBe(firstCalls);
  });

  test("the gateway's own move makes the trace stale at once: the next read shows the move", async () => {
    const id = messages().find((m) => !m.is_quarantined && m.action_log.length === 0)?.id as string;
    const before = await t.query<Detail>(DETAIL, { id });
    expect(before.body.errors).toBeUndefined();
    const linesBefore = before.body.data?.message?.trace.outbound.lines?.length ?? 0;
    const moved = await t.query<{ moveMessages: { movedCount: number } }>(
      'mutation($i: MoveMessagesInput!) { moveMessages(input: $i) { ... on MoveMessagesPayload { movedCount } } }',
      { i: { ids: [id], destination: 'JUNK_EMAIL' } },
    );
    expect(moved.body.errors).toBeUndefined();
    expect(moved.body.data?.moveMessages.movedCount).toBe(1);
    t.sim.resetRequests();
    const after = await t.query<Detail>(DETAIL, { id });
    expect(t.sim.count(E7)).toBe(1);
    expect(after.body.data?.message?.trace.outbound.lines?.length ?? 0).toBeGreaterThan(linesBefore);
  });

  test('a bulk job the gateway sees finished makes its messages stale: the next read shows the move', async () => {
    const target = messages().find((m) => !m.is_quarantined && m.action_log.length === 0 && m.message_id);
    const id = target?.id as string;
    const before = await t.query<Detail>(DETAIL, { id });
    expect(before.body.errors).toBeUndefined();
    const linesBefore = before.body.data?.message?.trace.outbound.lines?.length ?? 0;
    const jobId = await createMoveJob(t, { messageId: target?.message_id, start: '2000-01-01T00:00:00Z' });
    // Cached from before the job: the move is not visible yet.
    const during = await t.query<Detail>(DETAIL, { id });
    expect(during.body.data?.message?.trace.outbound.lines?.length ?? 0).toBe(linesBefore);
    await vi.waitFor(
      async () => {
        const { body } = await t.query<{ bulkJob: { isTerminal: boolean } }>(
          'query($id: ID!) { bulkJob(id: $id) { isTerminal } }',
          {
            id: jobId,
          },
        );
        expect(body.data?.bulkJob.isTerminal).toBe(true);
      },
      { timeout: 10_000, interval: 100 },
    );
    t.sim.resetRequests();
    const after = await t.query<Detail>(DETAIL, { id });
    expect(t.sim.count(E7)).toBe(1);
    expect(after.body.data?.message?.trace.outbound.lines?.length ?? 0).toBeGreaterThan(linesBefore);
  });
});
