/**
 * E9/E11 attribution: Cloudflare does not say which id a move result's `message_id` carries
 * (contract#current-api). Rows are rewritten on their way back (a proxy between gateway and simulator) to
 * hold the investigate id, the postfix id, the RFC 822 Message-ID or null; one row per recipient.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { SIMULATOR_ACCOUNT_ID } from '../../../src/simulator/index.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { type RewriteProxy, startRewriteProxy } from '../../helpers/rewrite-proxy.js';

let t: TestGateway;
let proxy: RewriteProxy;

beforeAll(async () => {
  proxy = await startRewriteProxy();
  // The proxy rewrites each row from the investigate id, so the simulator must fill that one.
  t = await startTestGateway({
    env: { CLOUDFLARE_BASE_URL: `${proxy.origin}/client/v4` },
    simulator: { moveResultMessageId: 'investigate' },
  });
  proxy.target = t.sim.origin;
});
afterAll(async () => {
  await t.close();
  await proxy.close();
});
beforeEach(() => {
  t.sim.reset();
  t.logs.length = 0;
  proxy.rewrite = null;
});

const E2 = 'emailSecurity.investigate.get';
const E9 = 'emailSecurity.investigate.move.bulk';
const E11 = 'emailSecurity.investigate.release.bulk';

type Outcome = {
  id: string;
  status: string;
  reason: string | null;
  recipients: { recipient: string; success: boolean }[];
  message?: { id: string } | null;
};
type MovePayload = { __typename: string; movedCount: number; failedCount: number; outcomes: Outcome[] };

const MOVE = (withMessage: boolean) => /* GraphQL */ `
  mutation Move($input: MoveMessagesInput!) {
    moveMessages(input: $input) {
      __typename
      ... on MoveMessagesPayload { movedCount failedCount outcomes { id status reason recipients { recipient success } ${withMessage ? 'message { id }' : ''} } }
      ... on MutationError { code message }
    }
  }
`;

/** Movable seeded messages with at least two recipients: E9 answers one row per recipient. */
function messages(count: number) {
  const found = t.sim.state
    .listMessages(SIMULATOR_ACCOUNT_ID)
    .filter(
      (m) =>
        m.client_recipients.length >= 2 && !(m.delivery_status ?? []).some((s) => s === 'rejected' || s === 'bounced'),
    )
    .slice(0, count);
  expect(found).toHaveLength(count);
  return found;
}

/** Rewrites every E9 row's `message_id` with `to(investigate id)`. */
function rewriteMoveRows(to: (id: string) => string | null) {
  proxy.rewrite = ({ path }, body) => {
    if (!path.endsWith('/email-security/investigate/move')) return body;
    const envelope = body as { result: { message_id: string | null }[] };
    return {
      ...envelope,
      result: envelope.result.map((row) => ({
        ...row,
        message_id: row.message_id === null ? null : to(row.message_id),
      })),
    };
  };
}

async function move(ids: string[], withMessage = false): Promise<MovePayload> {
  const { body } = await t.query<{ moveMessages: MovePayload }>(MOVE(withMessage), {
    input: { ids, destination: 'JUNK_EMAIL' },
  });
  expect(body.errors).toBeUndefined();
  return body.data?.moveMessages as MovePayload;
}

const auditOf = (action: string) =>
  t.logs
    .filter((line) => (line.audit as { action?: string } | undefined)?.action === action)
    .map((line) => line.audit as Record<string, unknown>);

describe('move results matched by whichever id message_id holds', () => {
  test('rows carrying the investigate id are MOVED per message with their recipients and cost no read', async () => {
    const picked = messages(3);
    t.sim.resetRequests();
    const result = await move(picked.map((m) => m.id));
    expect(result).toMatchObject({ movedCount: 3, failedCount: 0 });
    picked.forEach((m, index) => {
      expect(result.outcomes[index]).toMatchObject({ id: m.id, status: 'MOVED' });
      expect(result.outcomes[index]?.recipients.map((r) => r.recipient).sort()).toEqual(
        [...m.client_recipients].sort(),
      );
    });
    expect(t.sim.count(E9)).toBe(1);
    expect(t.sim.count(E2)).toBe(0);
  });

  test('rows carrying the postfix id are MOVED per message, matched without any read', async () => {
    const picked = messages(3);
    const postfix = new Map(picked.map((m) => [m.id, m.postfix_id]));
    rewriteMoveRows((id) => postfix.get(id) ?? id);
    t.sim.resetRequests();
    const result = await move(picked.map((m) => m.id));
    expect(result.outcomes.map((o) => o.status)).toEqual(['MOVED', 'MOVED', 'MOVED']);
    expect(result.outcomes.map((o) => o.recipients.length)).toEqual(picked.map((m) => m.client_recipients.length));
    expect(t.sim.count(E9)).toBe(1);
    expect(t.sim.count(E2)).toBe(0);
  });

  test('rows carrying the RFC 822 Message-ID are MOVED per message after one fresh read per message, which the payload reuses', async () => {
    const picked = messages(3);
    const rfc822 = new Map(picked.map((m) => [m.id, m.message_id as string]));
    expect([...rfc822.values()].every((value) => value.startsWith('<'))).toBe(true);
    rewriteMoveRows((id) => rfc822.get(id) ?? id);
    t.sim.resetRequests();
    const result = await move(
      picked.map((m) => m.id),
      true,
    );
    expect(result).toMatchObject({ movedCount: 3, failedCount: 0 });
    picked.forEach((m, index) => {
      expect(result.outcomes[index]).toMatchObject({ id: m.id, status: 'MOVED', message: { id: m.id } });
      expect(result.outcomes[index]?.recipients).toHaveLength(m.client_recipients.length);
    });
    expect(t.sim.count(E9)).toBe(1);
    // One E2 per message to learn its Message-ID, after the move; `message` in the payload reuses it.
    expect(t.sim.count(E2)).toBe(3);
    expect(auditOf('moveMessages')).toEqual([expect.objectContaining({ result: 'applied' })]);
  });

  test('rows per recipient attributed by RFC 822 Message-ID keep their own results: one failed mailbox makes that message PARTIAL', async () => {
    const picked = messages(2);
    const rfc822 = new Map(picked.map((m) => [m.id, m.message_id as string]));
    const firstRecipient = picked[0]?.client_recipients[0];
    proxy.rewrite = ({ path }, body) => {
      if (!path.endsWith('/email-security/investigate/move')) return body;
      const envelope = body as {
        result: { message_id: string; recipient: string; success: boolean; status: string }[];
      };
      return {
        ...envelope,
        result: envelope.result.map((row) => ({
          ...row,
          message_id: rfc822.get(row.message_id) ?? row.message_id,
          ...(row.message_id === picked[0]?.id && row.recipient === firstRecipient
            ? { success: false, status: 'mailbox unavailable' }
            : {}),
        })),
      };
    };
    const result = await move(picked.map((m) => m.id));
    expect(result.outcomes.map((o) => [o.status, o.reason])).toEqual([
      ['PARTIAL', 'mailbox unavailable'],
      ['MOVED', null],
    ]);
    expect(result.outcomes[0]?.recipients.find((r) => r.recipient === firstRecipient)?.success).toBe(false);
    expect(result).toMatchObject({ movedCount: 1, failedCount: 1 });
  });

  test('more than 100 messages whose rows carry RFC 822 ids are not read one by one: they are ACCEPTED after one call', async () => {
    const picked = t.sim.state
      .listMessages(SIMULATOR_ACCOUNT_ID)
      .filter(
        (m) =>
          m.client_recipients.length > 0 && !(m.delivery_status ?? []).some((s) => s === 'rejected' || s === 'bounced'),
      )
      .slice(0, 120);
    expect(picked).toHaveLength(120);
    const rfc822 = new Map(picked.map((m) => [m.id, m.message_id as string]));
    rewriteMoveRows((id) => rfc822.get(id) ?? id);
    t.sim.resetRequests();
    const result = await move(picked.map((m) => m.id));
    expect(new Set(result.outcomes.map((o) => o.status))).toEqual(new Set(['ACCEPTED']));
    expect(t.sim.count(E9)).toBe(1);
    expect(t.sim.count(E2)).toBe(0);
  });

  test('rows with a null message_id that all succeeded make every message ACCEPTED, never FAILED, and are audited as applied', async () => {
    const picked = messages(2);
    proxy.rewrite = ({ path }, body) => {
      if (!path.endsWith('/email-security/investigate/move')) return body;
      const envelope = body as { result: Record<string, unknown>[] };
      return { ...envelope, result: envelope.result.map((row) => ({ ...row, message_id: null })) };
    };
    t.sim.resetRequests();
    const result = await move(picked.map((m) => m.id));
    expect(result).toMatchObject({ movedCount: 0, failedCount: 0 });
    expect(result.outcomes.map((o) => o.status)).toEqual(['ACCEPTED', 'ACCEPTED']);
    expect(result.outcomes[0]?.reason).toMatch(/per-message detail is unavailable/);
    // Nothing to look up: a null id names no message.
    expect(t.sim.count(E2)).toBe(0);
    expect(auditOf('moveMessages')).toEqual([
      expect.objectContaining({
        result: 'applied',
        outcomes: picked.map((m) => expect.objectContaining({ id: m.id, outcome: 'ACCEPTED' })),
      }),
    ]);
  });

  test('unattributable rows of which some failed make the messages OUTCOME_UNKNOWN, not FAILED', async () => {
    const picked = messages(2);
    proxy.rewrite = ({ path }, body) => {
      if (!path.endsWith('/email-security/investigate/move')) return body;
      const envelope = body as { result: Record<string, unknown>[] };
      return {
        ...envelope,
        result: envelope.result.map((row, index) => ({ ...row, message_id: null, success: index !== 0 })),
      };
    };
    const result = await move(picked.map((m) => m.id));
    expect(result.outcomes.map((o) => o.status)).toEqual(['OUTCOME_UNKNOWN', 'OUTCOME_UNKNOWN']);
  });

  test('a single-message move keeps every row whatever id it names, even null', async () => {
    const [picked] = messages(1);
    proxy.rewrite = (_request, body) => {
      const envelope = body as { result?: unknown };
      return Array.isArray(envelope.result)
        ? { ...envelope, result: envelope.result.map((row: Record<string, unknown>) => ({ ...row, message_id: null })) }
        : body;
    };
    const result = await move([picked?.id as string]);
    expect(result.outcomes).toEqual([expect.objectContaining({ status: 'MOVED' })]);
    expect(result.outcomes[0]?.recipients).toHaveLength(picked?.client_recipients.length ?? 0);
  });
});

describe('unknown ids', () => {
  const unknown = 'Zz9Unknown00000-2024-01-05T10:00:00-00000000';

  test('an unknown id is NOT_FOUND for a move and for a release alike', async () => {
    const [known] = messages(1);
    const moved = await move([known?.id as string, unknown]);
    expect(moved.outcomes.map((o) => o.status)).toEqual(['MOVED', 'NOT_FOUND']);
    const { body } = await t.query<{
      releaseMessages: { outcomes: { id: string; status: string; failed: string[] }[] };
    }>(
      `mutation($input: ReleaseMessagesInput!) { releaseMessages(input: $input) { ... on ReleaseMessagesPayload { outcomes { id status failed } } } }`,
      { input: { ids: [unknown] } },
    );
    expect(body.data?.releaseMessages.outcomes).toEqual([{ id: unknown, status: 'NOT_FOUND', failed: [unknown] }]);
    expect(t.sim.count(E11)).toBe(1);
  });

  test('release rows naming the postfix id instead of the investigate id are matched to their messages', async () => {
    const quarantined = t.sim.state
      .listMessages(SIMULATOR_ACCOUNT_ID)
      .filter((m) => m.is_quarantined)
      .slice(0, 2);
    expect(quarantined).toHaveLength(2);
    const postfix = new Map(quarantined.map((m) => [m.id, m.postfix_id]));
    proxy.rewrite = ({ path }, body) => {
      if (!path.endsWith('/email-security/investigate/release')) return body;
      const envelope = body as { result: { id: string }[] };
      return { ...envelope, result: envelope.result.map((row) => ({ ...row, id: postfix.get(row.id) ?? row.id })) };
    };
    const { body } = await t.query<{
      releaseMessages: { releasedCount: number; outcomes: { id: string; status: string }[] };
    }>(
      `mutation($input: ReleaseMessagesInput!) { releaseMessages(input: $input) { ... on ReleaseMessagesPayload { releasedCount outcomes { id status } } } }`,
      { input: { ids: quarantined.map((m) => m.id) } },
    );
    expect(body.data?.releaseMessages).toEqual({
      releasedCount: 2,
      outcomes: quarantined.map((m) => ({ id: m.id, status: 'RELEASED' })),
    });
  });
});
