import { generateKeyPair } from 'jose';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { SIMULATOR_ACCOUNT_ID } from '../src/simulator/index.js';
import { bearer, post, READ_MAIL } from './helpers/auth.js';
import { signer, token } from './helpers/full-scope-tokens.js';
import { useTestGateway, type TestGateway } from './helpers/gateway.js';
import { ALL_SCOPES, TEST_AUDIENCE, TEST_ISSUER } from './helpers/tokens.js';

const isUnauthenticatedEvent = (line: Record<string, unknown>) =>
  (line.security as { event?: string } | undefined)?.event === 'unauthenticated';
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('authentication in production JWT mode', () => {
  let t: TestGateway;
  useTestGateway(
    (gateway) => {
      t = gateway;
    },
    { env: { NODE_ENV: 'production', ...signer.env } },
  );
  beforeEach(() => {
    t.sim.resetRequests();
  });

  const forgeries: [string, () => Promise<string>][] = [
    ['a garbage bearer', async () => 'not-a-jwt'],
    [
      'an alg:none token',
      async () =>
        `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: 'x', scope: ALL_SCOPES, exp: 9e9 })}.`,
    ],
    ['an expired token', () => token({ exp: Math.floor(Date.now() / 1000) - 60 })],
    ['a token whose nbf is in the future', () => token({ nbf: Math.floor(Date.now() / 1000) + 600 })],
    ['a token from another issuer', () => token({ iss: 'https://evil.test' })],
    ['a token for another audience', () => token({ aud: 'another-service' })],
    ['a token without exp', () => token({ exp: undefined })],
    [
      'an HS256 token keyed with the public PEM (algorithm confusion)',
      () => token({}, { key: new TextEncoder().encode(signer.publicPem), alg: 'HS256' }),
    ],
    [
      'an RS256 token signed by a foreign key',
      async () => token({}, { key: (await generateKeyPair('RS256')).privateKey }),
    ],
    ['a token with no sub, client_id or azp', () => token({ sub: undefined })],
  ];

  test('a request without a token is 401 with a Bearer challenge, UNAUTHENTICATED, and costs no upstream call', async () => {
    const response = await post(t, { query: READ_MAIL });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="email-security-gateway"');
    const body = (await response.json()) as { data?: unknown; errors: { extensions: { code: string } }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect(t.sim.count()).toBe(0);
  });

  test.each(forgeries)(
    '%s is 401 invalid_token, reads nothing, costs no upstream call and is logged without the token',
    async (_name, forge) => {
      const forged = await forge();
      const before = t.logs.length;
      const response = await post(t, { query: READ_MAIL }, bearer(forged));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(
        /^Bearer realm="email-security-gateway", error="invalid_token"/,
      );
      const text = await response.text();
      expect(text).not.toMatch(/subject|detection/);
      expect(JSON.parse(text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(t.sim.count()).toBe(0);
      const lines = t.logs.slice(before);
      expect(lines.filter(isUnauthenticatedEvent)).toHaveLength(1);
      expect(JSON.stringify(lines)).not.toContain(forged.split('.')[1] || forged);
    },
  );

  test.each([
    ['a mutation', { query: 'mutation { releaseMessages(input: { ids: ["x"] }) { __typename } }' }],
    [
      'an _entities lookup',
      {
        query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Message { subject } } }',
        variables: { r: [{ __typename: 'Message', id: 'abc' }] },
      },
    ],
    ['the subgraph SDL', { query: '{ _service { sdl } }' }],
  ])('%s without a valid token is 401 as well', async (_name, body) => {
    const response = await post(t, body, bearer('forged'));
    expect(response.status).toBe(401);
    expect(t.sim.count()).toBe(0);
  });

  test('a subscription without a valid token is 401 and never polls Cloudflare', async () => {
    const before = t.logs.length;
    const response = await post(
      t,
      { query: 'subscription { bulkJobProgress(id: "job-1") { status } }' },
      { accept: 'text/event-stream' },
    );
    expect(response.status).toBe(401);
    // The body ends (a started subscription would keep it open) and the refusal is logged: the
    // request is over, so nothing of it can still reach Cloudflare.
    expect(JSON.parse(await response.text()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    await vi.waitFor(() => expect(t.logs.slice(before).some(isUnauthenticatedEvent)).toBe(true));
    expect(t.sim.count()).toBe(0);
  });

  test('a malformed query from an unauthenticated caller is refused before validation, so it learns nothing of the schema', async () => {
    const response = await post(t, { query: '{ mesages { nodes { id } } }' });
    expect(response.status).toBe(401);
    expect(await response.text()).not.toMatch(/messages|Did you mean/);
  });

  test('a valid token reads mail, and its verification is reused until it expires', async () => {
    const valid = await token();
    for (let index = 0; index < 2; index++) {
      const response = await post(t, { query: READ_MAIL }, bearer(valid));
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        data: { messages: { nodes: { subject: string }[] } };
        errors?: unknown;
      };
      expect(body.errors).toBeUndefined();
      expect(body.data.messages.nodes[0]?.subject).toEqual(expect.any(String));
    }
  });

  test('a valid token without email-security:read reads nothing and costs no upstream call', async () => {
    const response = await post(t, { query: READ_MAIL }, bearer(await token({ scope: 'email-security:write' })));
    const body = (await response.json()) as { data: unknown; errors: { extensions: { code: string } }[] };
    expect(body.data).toBeNull();
    expect(body.errors[0]?.extensions.code).toBe('FORBIDDEN');
    expect(t.sim.count()).toBe(0);
  });

  test('a refusal for a missing scope names the scope the caller lacks', async () => {
    const response = await post(t, { query: READ_MAIL }, bearer(await token({ scope: 'email-security:write' })));
    const body = (await response.json()) as { errors: { message: string }[] };
    expect(body.errors[0]?.message).toMatch(
      /requires the email-security:read scope, which the caller .* does not have/,
    );
  });

  test('a valid token without email-security:read gets no message through _entities', async () => {
    const id = t.sim.state.listMessages(SIMULATOR_ACCOUNT_ID)[0]?.id;
    const response = await post(
      t,
      {
        query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Message { subject from } } }',
        variables: { r: [{ __typename: 'Message', id }] },
      },
      bearer(await token({ scope: 'email-security:write' })),
    );
    const body = (await response.json()) as {
      data: { _entities: ({ subject?: string } | null)[] } | null;
      errors: { extensions: { code: string } }[];
    };
    expect(JSON.stringify(body.data)).not.toMatch(/"subject":"/);
    expect(body.errors[0]?.extensions.code).toBe('FORBIDDEN');
  });

  test('scopes may come as an scp array', async () => {
    const response = await post(
      t,
      { query: READ_MAIL },
      bearer(await token({ scope: undefined, scp: ['email-security:read'] })),
    );
    expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
  });

  test('field suggestions are absent in production, even for an authenticated caller', async () => {
    const response = await post(t, { query: '{ mesages { nodes { id } } }' }, bearer(await token()));
    const text = await response.text();
    expect(text).toMatch(/Cannot query field/);
    expect(text).not.toMatch(/Did you mean/);
  });

  test('a foreign Origin gets no CORS grant', async () => {
    const preflight = await t.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const response = await post(t, { query: READ_MAIL }, { ...bearer(await token()), origin: 'https://evil.example' });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('identity, CORS allow-list and subscription expiry', () => {
  let t: TestGateway;
  useTestGateway(
    (gateway) => {
      t = gateway;
    },
    {
      env: {
        ...signer.env,
        CORS_ORIGINS: 'https://triage.example.com',
        INTROSPECTION: 'true',
      },
      simulator: { bulkJobStepMs: 60_000 },
    },
  );

  const MOVE =
    'mutation($input: MoveMessagesInput!) { moveMessages(input: $input) { __typename ... on MoveMessagesPayload { replayed movedCount } } }';

  test('two service tokens without sub but with different client_ids never share an idempotency replay', async () => {
    const id = t.sim.state
      .listMessages(SIMULATOR_ACCOUNT_ID)
      .find((m) => !(m.delivery_status ?? []).some((s) => s === 'rejected' || s === 'bounced'))?.id;
    const input = { ids: [id], destination: 'INBOX', idempotencyKey: 'shared-key-1' };
    t.sim.resetRequests();
    const first = await post(
      t,
      { query: MOVE, variables: { input } },
      bearer(await token({ sub: undefined, client_id: 'service-a' })),
    );
    const second = await post(
      t,
      { query: MOVE, variables: { input } },
      bearer(await token({ sub: undefined, client_id: 'service-b' })),
    );
    const again = await post(
      t,
      { query: MOVE, variables: { input } },
      bearer(await token({ sub: undefined, client_id: 'service-a' })),
    );
    const payload = async (response: Response) =>
      ((await response.json()) as { data: { moveMessages: { replayed: boolean } } }).data.moveMessages;
    expect((await payload(first)).replayed).toBe(false);
    expect((await payload(second)).replayed).toBe(false);
    expect((await payload(again)).replayed).toBe(true);
    expect(t.sim.count('emailSecurity.investigate.move.create')).toBe(2);
    const actors = t.logs.filter((line) => line.audit).map((line) => (line.audit as { actor: string }).actor);
    expect(actors).toEqual(expect.arrayContaining([`${TEST_ISSUER}#service-a`, `${TEST_ISSUER}#service-b`]));
  });

  test('an allowed Origin gets a CORS grant for itself, without credentials', async () => {
    const response = await post(
      t,
      { query: '{ __typename }' },
      { ...bearer(await token()), origin: 'https://triage.example.com' },
    );
    expect(response.headers.get('access-control-allow-origin')).toBe('https://triage.example.com');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    const other = await post(
      t,
      { query: '{ __typename }' },
      { ...bearer(await token()), origin: 'https://other.example.com' },
    );
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('a subscription ends with an UNAUTHENTICATED event when its token expires', async () => {
    const full = await token();
    const created = await post(
      t,
      {
        query:
          'mutation($input: CreateBulkActionInput!) { createBulkAction(input: $input) { __typename ... on CreateBulkActionPayload { job { id } } } }',
        variables: {
          input: {
            action: 'MOVE',
            destination: 'JUNK_EMAIL',
            searchParams: { start: new Date(Date.now() - 86_400_000).toISOString() },
          },
        },
      },
      bearer(full),
    );
    const jobId = ((await created.json()) as { data: { createBulkAction: { job: { id: string } } } }).data
      .createBulkAction.job.id;
    const shortLived = await token({ exp: Math.floor(Date.now() / 1000) + 2 });
    const started = Date.now();
    const response = await post(
      t,
      { query: `subscription { bulkJobProgress(id: "${jobId}") { status } }` },
      { ...bearer(shortLived), accept: 'text/event-stream' },
    );
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(text).toMatch(/UNAUTHENTICATED/);
    expect(text).toMatch(/event: complete/);
  });
});
