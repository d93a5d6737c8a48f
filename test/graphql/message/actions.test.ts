import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { SIMULATOR_ACCOUNT_ID } from '../../../src/simulator/index.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

let t: TestGateway;

beforeAll(async () => {
  // E9 attribution still matches rows by investigate id: keep the simulator's old fill.
  t = await startTestGateway({ simulator: { moveResultMessageId: 'investigate' } });
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => {
  t.sim.reset();
});

const MOVE = /* GraphQL */ `
  mutation Move($input: MoveMessagesInput!) {
    moveMessages(input: $input) {
      __typename
      ... on MoveMessagesPayload {
        movedCount failedCount replayed destination
        outcomes { id status reason recipients { recipient success } }
      }
      ... on MutationError { code message }
      ... on ValidationError { issues { path message } }
    }
  }
`;

const RELEASE = /* GraphQL */ `
  mutation Release($input: ReleaseMessagesInput!) {
    releaseMessages(input: $input) {
      __typename
      ... on ReleaseMessagesPayload { releasedCount replayed outcomes { id status delivered failed undelivered message { isQuarantined actionLog { operation } } } }
      ... on MutationError { code message }
    }
  }
`;

const RECLASSIFY = /* GraphQL */ `
  mutation Reclassify($input: ReclassifyMessageInput!) {
    reclassifyMessage(input: $input) {
      __typename
      ... on ReclassifyMessagePayload { id expectedDisposition replayed updatedMessage { actionLog { operation } } }
      ... on MutationError { code message }
      ... on ValidationError { issues { path message } }
    }
  }
`;

type Result = Record<string, unknown> & {
  __typename: string;
  code?: string;
  outcomes?: { id: string; status: string; reason: string | null }[];
};

async function mutate(
  document: string,
  input: Record<string, unknown>,
  headers?: Record<string, string>,
): Promise<Result> {
  const { body } = await t.query<Record<string, Result>>(document, { input }, headers);
  expect(body.errors).toBeUndefined();
  return Object.values(body.data ?? {})[0] as Result;
}

async function messageIds(
  filter: (m: { id: string; isQuarantined: boolean; deliveryStatus: string[] | null }) => boolean,
  count: number,
) {
  const { body } = await t.query<{
    messages: { nodes: { id: string; isQuarantined: boolean; deliveryStatus: string[] | null }[] };
  }>(`{ messages(first: 100) { nodes { id isQuarantined deliveryStatus } } }`);
  const ids = (body.data?.messages.nodes ?? [])
    .filter(filter)
    .slice(0, count)
    .map((m) => m.id);
  t.sim.resetRequests();
  return ids;
}

const movable = (m: { isQuarantined: boolean; deliveryStatus: string[] | null }) =>
  !(m.deliveryStatus ?? []).some((s) => s === 'REJECTED' || s === 'BOUNCED');

const fakeIds = (count: number, prefix = 'x') =>
  Array.from(
    { length: count },
    (_, index) => `${prefix}${String(index).padStart(6, '0')}-2024-01-05T10:00:00-00000000`,
  );

describe('moveMessages', () => {
  test('moving one message uses E8 and the move is visible in a later query', async () => {
    const [id] = await messageIds(movable, 1);
    const result = await mutate(MOVE, { ids: [id], destination: 'JUNK_EMAIL' });
    expect(result).toMatchObject({
      __typename: 'MoveMessagesPayload',
      movedCount: 1,
      failedCount: 0,
      destination: 'JUNK_EMAIL',
    });
    expect(t.sim.count('emailSecurity.investigate.move.create')).toBe(1);
    expect(t.sim.requests.find((r) => r.endpoint === 'emailSecurity.investigate.move.create')?.body).toEqual({
      destination: 'JunkEmail',
    });
    const later = await t.query<{
      message: { actionLog: { operation: string; folder: string | null }[]; deliveryStatus: string[] };
    }>(`query($id: ID!) { message(id: $id) { deliveryStatus actionLog { operation folder } } }`, { id });
    expect(later.body.data?.message.actionLog.at(-1)).toEqual({ operation: 'MOVE', folder: 'JunkEmail' });
    expect(later.body.data?.message.deliveryStatus).toEqual(['MOVED']);
  });

  test('moving several messages uses E9 with one outcome per id', async () => {
    const ids = await messageIds(movable, 3);
    const result = await mutate(MOVE, {
      ids: [...ids, 'unknown-2024-01-05T10:00:00-00000000'],
      destination: 'DELETED_ITEMS',
    });
    expect(t.sim.count('emailSecurity.investigate.move.bulk')).toBe(1);
    expect(result.outcomes?.map((o) => o.status)).toEqual(['MOVED', 'MOVED', 'MOVED', 'NOT_FOUND']);
    expect(result).toMatchObject({ movedCount: 3, failedCount: 1 });
  });

  for (const [count, calls] of [
    [1000, 1],
    [1001, 2],
    [2500, 3],
  ] as const) {
    test(`${count} ids are sent in ${calls} E9 batch(es) of at most 1,000 with ${count} outcomes`, async () => {
      const ids = fakeIds(count);
      const result = await mutate(MOVE, { ids, destination: 'INBOX' });
      expect(t.sim.count('emailSecurity.investigate.move.bulk')).toBe(calls);
      const sizes = t.sim.requests.map((r) => (r.body as { ids: string[] }).ids.length);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(1000);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(count);
      expect(result.outcomes).toHaveLength(count);
      expect(result.outcomes?.map((o) => o.id)).toEqual(ids);
      expect(result.outcomes?.every((o) => o.status === 'NOT_FOUND')).toBe(true);
    });
  }

  test('a failed batch does not hide the others: its ids are OUTCOME_UNKNOWN, the rest are reported', async () => {
    const real = await messageIds(movable, 2);
    const ids = [...real, ...fakeIds(2000)];
    t.sim.injectFault({ endpoint: 'emailSecurity.investigate.move.bulk', response: { kind: 'status', status: 502 } });
    const result = await mutate(MOVE, { ids, destination: 'INBOX' });
    expect(result.__typename).toBe('MoveMessagesPayload');
    expect(t.sim.count('emailSecurity.investigate.move.bulk')).toBe(3);
    const statuses = result.outcomes?.map((o) => o.status) ?? [];
    expect(statuses.slice(0, 1000).every((s) => s === 'OUTCOME_UNKNOWN')).toBe(true);
    expect(statuses.slice(1000).every((s) => s === 'NOT_FOUND')).toBe(true);
    expect(result.outcomes?.[0]?.reason).toMatch(/OUTCOME_UNKNOWN/);
  });

  test('a 5xx on a single move is OutcomeUnknownError after exactly one upstream call', async () => {
    const [id] = await messageIds(movable, 1);
    t.sim.injectFault({
      endpoint: 'emailSecurity.investigate.move.create',
      afterProcessing: true,
      response: { kind: 'status', status: 500 },
    });
    const result = await mutate(MOVE, { ids: [id], destination: 'INBOX' });
    expect(result).toMatchObject({ __typename: 'OutcomeUnknownError', code: 'OUTCOME_UNKNOWN' });
    expect(t.sim.count('emailSecurity.investigate.move.create')).toBe(1);
  });

  test('a repeat with the same idempotency key returns the first result without a second upstream call', async () => {
    const [id] = await messageIds(movable, 1);
    const input = { ids: [id], destination: 'JUNK_EMAIL', idempotencyKey: 'move-1' };
    const first = await mutate(MOVE, input);
    const second = await mutate(MOVE, input);
    expect(first.replayed).toBe(false);
    expect(second.replayed).toBe(true);
    expect(second.outcomes).toEqual(first.outcomes);
    expect(t.sim.count('emailSecurity.investigate.move.create')).toBe(1);
  });

  test('the same idempotency key with a different input is a ConflictError and sends nothing', async () => {
    const [a, b] = await messageIds(movable, 2);
    await mutate(MOVE, { ids: [a], destination: 'JUNK_EMAIL', idempotencyKey: 'move-2' });
    const conflict = await mutate(MOVE, { ids: [b], destination: 'JUNK_EMAIL', idempotencyKey: 'move-2' });
    expect(conflict).toMatchObject({ __typename: 'ConflictError', code: 'CONFLICT' });
    expect(t.sim.count('emailSecurity.investigate.move.create')).toBe(1);
  });

  test('after an unknown outcome, a repeat with the same key is refused as OUTCOME_UNKNOWN instead of being sent again', async () => {
    const [id] = await messageIds(movable, 1);
    t.sim.injectFault({ endpoint: 'emailSecurity.investigate.move.create', response: { kind: 'status', status: 503 } });
    const input = { ids: [id], destination: 'INBOX', idempotencyKey: 'move-3' };
    expect((await mutate(MOVE, input)).__typename).toBe('OutcomeUnknownError');
    expect((await mutate(MOVE, input)).__typename).toBe('OutcomeUnknownError');
    expect(t.sim.count('emailSecurity.investigate.move.create')).toBe(1);
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ['no ids', { ids: [], destination: 'INBOX' }, 'input.ids'],
    ['a path-traversal id', { ids: ['..'], destination: 'INBOX' }, 'input.ids.0'],
    ['an id containing a slash', { ids: ['a/b'], destination: 'INBOX' }, 'input.ids.0'],
    ['a duplicate id', { ids: ['a', 'a'], destination: 'INBOX' }, 'input.ids.1'],
    ['a malformed account id', { ids: ['a'], destination: 'INBOX', accountId: 'nope' }, 'input.accountId'],
  ];
  for (const [name, input, path] of invalid) {
    test(`${name} is a ValidationError at ${path} with zero upstream calls`, async () => {
      const result = await mutate(MOVE, input);
      expect(result.__typename).toBe('ValidationError');
      expect((result.issues as { path: string[] }[]).map((issue) => issue.path.join('.'))).toContain(path);
      expect(t.sim.count()).toBe(0);
    });
  }
});

describe('releaseMessages', () => {
  test('a release row without a `delivered` list and with no failed or undelivered recipient is ACCEPTED, never NOT_RELEASED', async () => {
    const ids = await messageIds((m) => m.isQuarantined, 2);
    t.sim.injectFault({
      endpoint: 'emailSecurity.investigate.release.bulk',
      afterProcessing: true,
      response: { kind: 'drop-field', field: 'delivered' },
    });
    const result = await mutate(RELEASE, { ids });
    const statuses = (result.outcomes as unknown as { status: string }[]).map((outcome) => outcome.status);
    expect(statuses).toEqual(['ACCEPTED', 'ACCEPTED']);
    expect(t.sim.count('emailSecurity.investigate.release.bulk')).toBe(1);
  });

  test('releasing a quarantined message sends {"ids": [...]} and the message leaves quarantine', async () => {
    const [id] = await messageIds((m) => m.isQuarantined, 1);
    const result = await mutate(RELEASE, { ids: [id] });
    expect(result.__typename).toBe('ReleaseMessagesPayload');
    expect(t.sim.requests.find((r) => r.endpoint === 'emailSecurity.investigate.release.bulk')?.body).toEqual({
      ids: [id],
    });
    const outcome = (
      result.outcomes as unknown as {
        status: string;
        delivered: string[];
        message: { isQuarantined: boolean; actionLog: { operation: string }[] };
      }[]
    )[0];
    expect(outcome?.status).toBe('RELEASED');
    expect(outcome?.delivered.length).toBeGreaterThan(0);
    expect(outcome?.message.isQuarantined).toBe(false);
    expect(outcome?.message.actionLog.at(-1)?.operation).toBe('RELEASE');
    // Fresh read: the payload's message came from a new E2 call after the release.
    expect(t.sim.count('emailSecurity.investigate.get')).toBe(1);
  });

  test('a message that is not quarantined is reported NOT_RELEASED with its undelivered recipients', async () => {
    const [id] = await messageIds((m) => !m.isQuarantined, 1);
    const result = await mutate(RELEASE, { ids: [id] });
    const outcome = (result.outcomes as unknown as { status: string; undelivered: string[] }[])[0];
    expect(outcome?.status).toBe('NOT_RELEASED');
    expect(outcome?.undelivered.length).toBeGreaterThan(0);
  });

  test('Cloudflare refusing the credential is a ForbiddenError', async () => {
    t.sim.injectFault({
      endpoint: 'emailSecurity.investigate.release.bulk',
      response: { kind: 'status', status: 403 },
    });
    const result = await mutate(RELEASE, { ids: ['a-2024-01-05T10:00:00-00000000'] });
    expect(result).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
  });

  test('a release that times out after sending is OutcomeUnknownError after exactly one call', async () => {
    const [id] = await messageIds((m) => m.isQuarantined, 1);
    t.sim.injectFault({
      endpoint: 'emailSecurity.investigate.release.bulk',
      afterProcessing: true,
      response: { kind: 'reset' },
    });
    const result = await mutate(RELEASE, { ids: [id] });
    expect(result.__typename).toBe('OutcomeUnknownError');
    expect(t.sim.count('emailSecurity.investigate.release.bulk')).toBe(1);
  });
});

describe('reclassifyMessage', () => {
  test('a reclassification is sent with its EML and recorded in the action log', async () => {
    const [id] = await messageIds(() => true, 1);
    const eml = Buffer.from('Subject: hi\r\n\r\nbody').toString('base64');
    const result = await mutate(RECLASSIFY, {
      id,
      expectedDisposition: 'MALICIOUS',
      emlContent: eml,
      escalatedSubmissionId: 'sub-1',
    });
    expect(result).toMatchObject({ __typename: 'ReclassifyMessagePayload', id, expectedDisposition: 'MALICIOUS' });
    expect(t.sim.requests.find((r) => r.endpoint === 'emailSecurity.investigate.reclassify.create')?.body).toEqual({
      expected_disposition: 'MALICIOUS',
      eml_content: eml,
      escalated_submission_id: 'sub-1',
    });
    expect((result.updatedMessage as { actionLog: { operation: string }[] }).actionLog.at(-1)?.operation).toBe(
      'RECLASSIFY',
    );
  });

  test('EML that is not base64 is a ValidationError with zero upstream calls', async () => {
    const result = await mutate(RECLASSIFY, { id: 'a', expectedDisposition: 'NONE', emlContent: 'not base64!' });
    expect(result.__typename).toBe('ValidationError');
    expect(t.sim.count()).toBe(0);
  });

  test('an unknown message is a NotFoundError', async () => {
    const result = await mutate(RECLASSIFY, {
      id: 'missing-2024-01-05T10:00:00-00000000',
      expectedDisposition: 'NONE',
    });
    expect(result).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
  });
});

describe('audit', () => {
  test('every mutation writes one audit line naming actor, action, ids and outcome, without secrets or EML', async () => {
    const [id] = await messageIds(movable, 1);
    const before = t.logs.length;
    const eml = Buffer.from('Subject: secret-eml-marker').toString('base64');
    await mutate(MOVE, { ids: [id], destination: 'JUNK_EMAIL', idempotencyKey: 'audit-1' });
    await mutate(RECLASSIFY, { id, expectedDisposition: 'NONE', emlContent: eml });
    const lines = t.logs.slice(before);
    const audits = lines.filter((line) => line.audit).map((line) => line.audit as Record<string, unknown>);
    expect(audits).toHaveLength(2);
    expect(audits[0]).toMatchObject({
      actor: 'development',
      action: 'moveMessages',
      accountId: SIMULATOR_ACCOUNT_ID,
      result: 'applied',
      outcomes: [{ id, outcome: 'MOVED', reason: null }],
      idempotencyKey: 'audit-1',
      details: { destination: 'JunkEmail' },
    });
    expect(audits[0]?.requestId).toEqual(expect.any(String));
    const text = JSON.stringify(lines);
    expect(text).not.toContain('test-token');
    expect(text).not.toContain(eml);
  });
});
