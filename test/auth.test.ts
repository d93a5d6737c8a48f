import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { createGateway } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { SIMULATOR_ACCOUNT_ID } from '../src/simulator/index.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import {
  ALL_SCOPES,
  createTokenSigner,
  type SignOptions,
  TEST_AUDIENCE,
  TEST_ISSUER,
  TEST_SUBJECT,
  type TokenSigner,
} from './helpers/tokens.js';

const READ_MAIL = '{ messages(first: 2) { nodes { id subject from detection { action } } } }';

let signer: TokenSigner;

/** A full-scope token unless the claims say otherwise; `undefined` removes a claim to forge a bad one. */
const token = (claims: Record<string, unknown> = {}, options?: SignOptions) =>
  signer.sign({ scope: ALL_SCOPES, ...claims }, options);

const isUnauthenticatedEvent = (line: Record<string, unknown>) =>
  (line.security as { event?: string } | undefined)?.event === 'unauthenticated';
const bearer = (value: string) => ({ authorization: `Bearer ${value}` });
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function post(t: TestGateway, body: unknown, headers: Record<string, string> = {}) {
  return t.gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  signer = await createTokenSigner();
});

describe('authentication in production JWT mode', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({
      env: { NODE_ENV: 'production', ...signer.env },
    });
  });
  afterAll(async () => {
    await t.close();
  });
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
  beforeAll(async () => {
    t = await startTestGateway({
      env: {
        ...signer.env,
        CORS_ORIGINS: 'https://triage.example.com',
        INTROSPECTION: 'true',
      },
      simulator: { bulkJobStepMs: 60_000 },
    });
  });
  afterAll(async () => {
    await t.close();
  });

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

describe('forward mode', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({
      env: { CREDENTIALS_MODE: 'forward', CLOUDFLARE_API_TOKEN: '', CACHE_ENABLED: 'true' },
    });
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(() => {
    t.sim.reset();
  });

  const DETAIL = 'query($id: ID!) { message(id: $id) { subject detection { action } raw } }';

  test('a caller without Cloudflare credentials is 401 and nothing is sent', async () => {
    const response = await post(t, { query: READ_MAIL });
    expect(response.status).toBe(401);
    expect(t.sim.count()).toBe(0);
  });

  test('after Cloudflare rejects a forwarded token, it reads nothing from the cache', async () => {
    const caller = bearer('forwarded-token-1');
    const listed = (await (
      await post(t, { query: '{ messages(first: 1, filter: { detectionsOnly: true }) { nodes { id } } }' }, caller)
    ).json()) as {
      data: { messages: { nodes: { id: string }[] } };
    };
    const id = listed.data.messages.nodes[0]?.id;
    // Accepted once (trust established), then cached.
    await post(t, { query: DETAIL, variables: { id } }, caller);
    await post(t, { query: DETAIL, variables: { id } }, caller);
    t.sim.resetRequests();
    const cached = (await (await post(t, { query: DETAIL, variables: { id } }, caller)).json()) as {
      data: { message: { subject: string; raw: string } };
    };
    expect(cached.data.message.subject).toEqual(expect.any(String));
    expect(t.sim.count()).toBe(0);
    // Cloudflare revokes the token: any call it makes now is answered 403.
    t.sim.injectFault({
      endpoint: '*',
      times: Number.POSITIVE_INFINITY,
      response: {
        kind: 'status',
        status: 403,
        body: {
          success: false,
          errors: [{ code: 10000, message: 'Authentication error' }],
          messages: [],
          result: null,
        },
      },
    });
    await post(t, { query: '{ messages(first: 1) { nodes { id } } }' }, caller);
    t.sim.resetRequests();
    const after = (await (await post(t, { query: DETAIL, variables: { id } }, caller)).json()) as {
      data: { message: unknown } | null;
      errors?: unknown[];
    };
    expect(JSON.stringify(after.data ?? null)).not.toMatch(/"subject":"|Subject:/);
    expect(t.sim.count()).toBeGreaterThan(0);
  });

  test('cached data is served to a forwarded token only within FORWARD_TRUST_SECONDS of its last accepted call', async () => {
    const strict = await startTestGateway({
      env: { CREDENTIALS_MODE: 'forward', CLOUDFLARE_API_TOKEN: '', CACHE_ENABLED: 'true', FORWARD_TRUST_SECONDS: '0' },
    });
    try {
      const id = strict.sim.state.listMessages(SIMULATOR_ACCOUNT_ID)[0]?.id;
      const caller = bearer('forwarded-token-2');
      for (let index = 0; index < 3; index++)
        await post(
          strict,
          { query: 'query($id: ID!) { message(id: $id) { detection { action } } }', variables: { id } },
          caller,
        );
      // With no trust window every read asks Cloudflare: 3 × (E2 + E3).
      expect(strict.sim.count('emailSecurity.investigate.detections.get')).toBe(3);
    } finally {
      await strict.close();
    }
  });
});

describe('readiness tells the truth', () => {
  test('/ready is not ready while Cloudflare rejects the configured token', async () => {
    const t = await startTestGateway({ env: { CLOUDFLARE_API_TOKEN: 'invalid-revoked-token' } });
    try {
      const response = await t.gateway.yoga.fetch('http://gateway.test/ready');
      expect(response.status).toBe(503);
      const body = (await response.json()) as { checks: { upstream: { credential: string } } };
      expect(body.checks.upstream.credential).toBe('rejected');
      // A second look within the minute spends no further Cloudflare call.
      const calls = t.sim.count();
      await t.gateway.yoga.fetch('http://gateway.test/ready');
      expect(t.sim.count()).toBe(calls);
    } finally {
      await t.close();
    }
  });

  test('/ready is ready when Cloudflare accepts the token, learned from the real call a query made', async () => {
    const t = await startTestGateway();
    try {
      await t.query('{ messages(first: 1) { nodes { id } } }');
      t.sim.resetRequests();
      const response = await t.gateway.yoga.fetch('http://gateway.test/ready');
      expect(response.status).toBe(200);
      expect(
        ((await response.json()) as { checks: { upstream: { credential: string } } }).checks.upstream.credential,
      ).toBe('accepted');
      expect(t.sim.count()).toBe(0);
    } finally {
      await t.close();
    }
  });
});

describe('start-up refusals', () => {
  const account = '023e105f4ecef8ad9ca31a8372d0c353';
  const variablesOf = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.issues.map((issue) => issue.variable);
      throw error;
    }
  };

  test('real Cloudflare credentials without a verifier are refused, naming AUTH_PUBLIC_KEY', () => {
    expect(variablesOf({ CLOUDFLARE_API_TOKEN: 't', CLOUDFLARE_ACCOUNT_ID: account })).toEqual(['AUTH_PUBLIC_KEY']);
  });

  test('AUTH_DISABLED=true opts out outside production and is refused in production', () => {
    expect(variablesOf({ CLOUDFLARE_API_TOKEN: 't', CLOUDFLARE_ACCOUNT_ID: account, AUTH_DISABLED: 'true' })).toEqual(
      [],
    );
    expect(
      variablesOf({
        NODE_ENV: 'production',
        CLOUDFLARE_API_TOKEN: 't',
        CLOUDFLARE_ACCOUNT_ID: account,
        AUTH_DISABLED: 'true',
      }),
    ).toContain('AUTH_DISABLED');
  });

  test('production without Cloudflare credentials is refused unless SIMULATOR=true says so', () => {
    const verifier = { AUTH_PUBLIC_KEY: 'x', AUTH_ISSUER: TEST_ISSUER, AUTH_AUDIENCE: TEST_AUDIENCE };
    expect(variablesOf({ NODE_ENV: 'production', ...verifier })).toEqual(['CLOUDFLARE_API_TOKEN']);
    expect(variablesOf({ NODE_ENV: 'production', SIMULATOR: 'true', ...verifier })).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'production', SIMULATOR: 'true', ...verifier }).upstreamMode).toBe('simulator');
  });

  test('an AUTH_PUBLIC_KEY that is not a key stops start-up with a ConfigError naming it', async () => {
    const config = loadConfig({
      AUTH_PUBLIC_KEY: 'definitely not a PEM',
      AUTH_ISSUER: TEST_ISSUER,
      AUTH_AUDIENCE: TEST_AUDIENCE,
    });
    const failure = await createGateway(config, createLogger({ level: 'silent', pretty: false })).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).issues[0]?.variable).toBe('AUTH_PUBLIC_KEY');
  });

  test('a CORS_ORIGINS entry that is a wildcard is refused', () => {
    expect(variablesOf({ CORS_ORIGINS: '*' })).toEqual(['CORS_ORIGINS']);
  });
});

describe('development mode on the embedded simulator', () => {
  test('with no credentials and no verifier, a caller with no token reads simulated mail and every log line says it is simulated', async () => {
    const lines: Record<string, unknown>[] = [];
    const { Writable } = await import('node:stream');
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        callback();
      },
    });
    const gateway = await createGateway(
      loadConfig({ LOG_LEVEL: 'info' }),
      createLogger({ level: 'info', pretty: false, destination }),
    );
    try {
      const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ messages(first: 1) { nodes { subject } } }' }),
      });
      expect(
        ((await response.json()) as { data: { messages: { nodes: unknown[] } } }).data.messages.nodes,
      ).toHaveLength(1);
      const ready = (await (await gateway.yoga.fetch('http://gateway.test/ready')).json()) as {
        checks: { upstream: { simulated: boolean } };
      };
      expect(ready.checks.upstream.simulated).toBe(true);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.every((line) => line.simulated === true)).toBe(true);
    } finally {
      await gateway.close();
    }
  });
});

describe('scopes in JWT mode', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ env: signer.env });
  });
  afterAll(async () => {
    await t.close();
  });

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

describe('npm run token (scripts/dev-token.ts)', () => {
  const run = promisify(execFile);
  let keyDirectory: string;
  beforeAll(async () => {
    keyDirectory = await mkdtemp(join(tmpdir(), 'dev-token-'));
  });
  afterAll(async () => {
    await rm(keyDirectory, { recursive: true, force: true });
  });

  /** Runs the script as `npm run token` does; returns the token and the variables it tells you to start with. */
  async function mint(scope: string) {
    const { stdout, stderr } = await run(process.execPath, [
      '--import',
      'tsx',
      'scripts/dev-token.ts',
      '--keys',
      keyDirectory,
      '--scope',
      scope,
    ]);
    const env = Object.fromEntries([...stderr.matchAll(/(AUTH_\w+)='([^']*)'/g)].map((match) => [match[1], match[2]]));
    return { token: stdout.trim(), env: env as Record<string, string> };
  }

  test('a minted token is accepted by a gateway started with the printed variables, and a second token from the same keys too', async () => {
    const first = await mint('email-security:read');
    expect(Object.keys(first.env).sort()).toEqual(['AUTH_AUDIENCE', 'AUTH_ISSUER', 'AUTH_PUBLIC_KEY']);
    // The env file (for compose --env-file) holds exactly the printed assignments.
    expect(await readFile(join(keyDirectory, 'gateway.env'), 'utf8')).toBe(
      Object.entries(first.env)
        .map(([name, value]) => `${name}='${value}'\n`)
        .join(''),
    );
    const t = await startTestGateway({ env: first.env });
    try {
      const anonymous = await post(t, { query: READ_MAIL });
      expect(anonymous.status).toBe(401);
      const second = await mint('email-security:read email-security:write');
      expect(second.env).toEqual(first.env);
      for (const { token: minted } of [first, second]) {
        const body = (await (await post(t, { query: READ_MAIL }, bearer(minted))).json()) as {
          data: { messages: { nodes: unknown[] } };
          errors?: unknown;
        };
        expect(body.errors).toBeUndefined();
        expect(body.data.messages.nodes.length).toBeGreaterThan(0);
      }
    } finally {
      await t.close();
    }
  }, 60_000);

  test('a minted token without the scope an operation needs is refused with FORBIDDEN naming it', async () => {
    const { token: readOnly, env } = await mint('email-security:read');
    const t = await startTestGateway({ env });
    try {
      const response = await post(t, { query: '{ messages(first: 1) { nodes { raw } } }' }, bearer(readOnly));
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]?.extensions.code).toBe('FORBIDDEN');
      expect(body.errors[0]?.message).toMatch(/email-security:raw/);
    } finally {
      await t.close();
    }
  }, 60_000);

  test('a misspelt scope is refused by the script with one line and exit 2, before any token is made', async () => {
    const failed = await mint('email-security:reed').catch(
      (error: { code: number; stderr: string; stdout: string }) => error,
    );
    expect((failed as { code: number }).code).toBe(2);
    expect((failed as { stdout: string }).stdout).toBe('');
    expect((failed as { stderr: string }).stderr).toMatch(/^token: unknown scope email-security:reed/);
  }, 30_000);
});
