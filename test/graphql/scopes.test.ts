import { describe, expect, test } from 'vitest';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import { bearer, post } from '../helpers/auth.js';
import { signer, token } from '../helpers/full-scope-tokens.js';
import { useTestGateway, type TestGateway } from '../helpers/gateway.js';
import { TEST_ISSUER, TEST_SUBJECT } from '../helpers/tokens.js';

describe('scopes in JWT mode', () => {
  let t: TestGateway;
  useTestGateway(
    (gateway) => {
      t = gateway;
    },
    { env: signer.env },
  );

  const MOVE =
    'mutation($input: MoveMessagesInput!) { moveMessages(input: $input) { __typename ... on MutationError { code } } }';
  const RELEASE =
    'mutation($input: ReleaseMessagesInput!) { releaseMessages(input: $input) { __typename ... on ReleaseMessagesPayload { releasedCount } } }';

  function movableId(): string {
    const found = t.sim.state
      .listMessages(SIMULATOR_ACCOUNT_ID)
      .find((m) => !(m.delivery_status ?? []).some((s) => s === 'rejected' || s === 'bounced'));
    return found?.id as string;
  }

  test('a token without email-security:write gets a ForbiddenError, zero upstream calls and a refused audit line', async () => {
    t.sim.resetRequests();
    const before = t.logs.length;
    const response = await post(
      t,
      { query: MOVE, variables: { input: { ids: [movableId()], destination: 'INBOX' } } },
      bearer(await token({ scope: 'email-security:read' })),
    );
    const body = (await response.json()) as { data: { moveMessages: { __typename: string; code: string } } };
    expect(body.data.moveMessages).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    expect(t.sim.count()).toBe(0);
    const audit = t.logs.slice(before).find((line) => line.audit)?.audit;
    expect(audit).toMatchObject({ actor: `${TEST_ISSUER}#${TEST_SUBJECT}`, action: 'moveMessages', result: 'refused' });
  });

  test('a ForbiddenError for a mutation names the scope it needs', async () => {
    const response = await post(
      t,
      {
        query:
          'mutation($input: MoveMessagesInput!) { moveMessages(input: $input) { ... on MutationError { message } } }',
        variables: { input: { ids: [movableId()], destination: 'INBOX' } },
      },
      bearer(await token({ scope: 'email-security:read' })),
    );
    const body = (await response.json()) as { data: { moveMessages: { message: string } } };
    expect(body.data.moveMessages.message).toMatch(/^Mutation.moveMessages requires the email-security:write scope/);
  });

  test('a full-scope token reads, releases and reads raw, and the audit names issuer and subject', async () => {
    const full = bearer(await token());
    const quarantined = t.sim.state.listMessages(SIMULATOR_ACCOUNT_ID).find((m) => m.is_quarantined)?.id;
    const before = t.logs.length;
    const released = (await (
      await post(t, { query: RELEASE, variables: { input: { ids: [quarantined] } } }, full)
    ).json()) as {
      data: { releaseMessages: { __typename: string } };
    };
    expect(released.data.releaseMessages.__typename).toBe('ReleaseMessagesPayload');
    expect(t.logs.slice(before).find((line) => line.audit)?.audit).toMatchObject({
      actor: `${TEST_ISSUER}#${TEST_SUBJECT}`,
      authMode: 'jwt',
    });
    const raw = (await (
      await post(
        t,
        { query: '{ messages(first: 1, filter: { detectionsOnly: true }) { nodes { subject raw } } }' },
        full,
      )
    ).json()) as {
      data: { messages: { nodes: { raw: string }[] } };
    };
    expect(raw.data.messages.nodes[0]?.raw).toMatch(/Subject:/);
  });

  test('a write-only token gets no mail through a mutation payload, and the refused fields cost no fresh read', async () => {
    t.sim.resetRequests();
    const response = await post(
      t,
      {
        query:
          'mutation($input: MoveMessagesInput!) { moveMessages(input: $input) { ... on MoveMessagesPayload { movedCount outcomes { id message { subject } } } } }',
        variables: { input: { ids: [movableId()], destination: 'INBOX' } },
      },
      bearer(await token({ scope: 'email-security:write' })),
    );
    const body = (await response.json()) as {
      data: { moveMessages: { movedCount: number; outcomes: { message: unknown }[] } };
      errors: { extensions: { code: string } }[];
    };
    expect(body.data.moveMessages.movedCount).toBe(1);
    expect(body.data.moveMessages.outcomes[0]?.message).toBeNull();
    expect(body.errors[0]?.extensions.code).toBe('FORBIDDEN');
    expect(t.sim.count('emailSecurity.investigate.get')).toBe(0);
  });

  test('a write-only token reads no bulk job through a createBulkAction payload', async () => {
    t.sim.resetRequests();
    const response = await post(
      t,
      {
        query:
          'mutation($input: CreateBulkActionInput!) { createBulkAction(input: $input) { __typename ... on CreateBulkActionPayload { job { id messages(first: 5) { nodes { messageId } } } } } }',
        variables: { input: { action: 'MOVE', destination: 'INBOX', searchParams: { sender: 'nobody@example.com' } } },
      },
      bearer(await token({ scope: 'email-security:write' })),
    );
    const body = (await response.json()) as {
      data: { createBulkAction: { job: unknown } } | null;
      errors: { extensions: { code: string } }[];
    };
    expect(JSON.stringify(body.data)).not.toMatch(/messageId/);
    expect(body.errors[0]?.extensions.code).toBe('FORBIDDEN');
    expect(t.sim.count('emailSecurity.investigate.bulk.messages.list')).toBe(0);
  });

  test('Message.raw needs email-security:raw: FORBIDDEN on the field only, the rest of the message resolves', async () => {
    const response = await post(
      t,
      { query: '{ messages(first: 1, filter: { detectionsOnly: true }) { nodes { id raw } } }' },
      bearer(await token({ scope: 'email-security:read email-security:write' })),
    );
    const body = (await response.json()) as {
      data: { messages: { nodes: { id: string; raw: string | null }[] } };
      errors: { path: unknown[]; extensions: { code: string } }[];
    };
    expect(body.data.messages.nodes[0]?.id).toEqual(expect.any(String));
    expect(body.data.messages.nodes[0]?.raw).toBeNull();
    expect(body.errors[0]?.extensions.code).toBe('FORBIDDEN');
    expect(body.errors[0]?.path).toEqual(['messages', 'nodes', 0, 'raw']);
    expect((body.errors[0] as { message?: string } | undefined)?.message).toMatch(
      /^Message.raw requires the email-security:raw scope/,
    );
  });
});
