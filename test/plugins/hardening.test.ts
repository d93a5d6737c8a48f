import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createTokenSigner, type TokenSigner } from '../helpers/tokens.js';

describe('production hardening', () => {
  let t: TestGateway;
  let authorization: string;
  let signer: TokenSigner;
  beforeAll(async () => {
    signer = await createTokenSigner();
    t = await startTestGateway({
      env: { NODE_ENV: 'production', ...signer.env, CORS_ORIGINS: 'https://triage.example.com' },
    });
    ({ authorization } = await signer.bearer({ scope: 'email-security:read email-security:write' }));
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (body: string, path = '/graphql') =>
    t.gateway.yoga.fetch(`http://gateway.test${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body,
    });

  test('an enum value typo gets no "Did you mean" suggestion', async () => {
    const response = await post(
      JSON.stringify({ query: 'mutation { moveMessages(input: { ids: ["x"], destination: INBO }) { __typename } }' }),
    );
    const text = await response.text();
    expect(text).toMatch(/INBO/);
    expect(text).not.toMatch(/Did you mean/);
  });

  test('a body that is not JSON is refused without echoing it or the parser error', async () => {
    const response = await t.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization },
      body: '{"query":"{',
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(text).not.toMatch(/originalError|SyntaxError|position/);
  });

  test('responses carrying mail are marked no-store and vary by Origin', async () => {
    const response = await post(JSON.stringify({ query: '{ messages(first: 1) { nodes { subject } } }' }));
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('vary')).toMatch(/Origin/);
  });

  test('another path ending in /graphql is gated as well', async () => {
    const response = await t.gateway.yoga.fetch('http://gateway.test/foo/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ messages(first: 1) { nodes { subject } } }' }),
    });
    expect(response.status).toBe(401);
  });

  test('/metrics does not expose the query strings of GET requests', async () => {
    const query = encodeURIComponent('query($f: MessageFilter) { messages(first: 1, filter: $f) { nodes { id } } }');
    const variables = encodeURIComponent(JSON.stringify({ f: { subject: 'confidential merger' } }));
    await t.gateway.yoga.fetch(`http://gateway.test/graphql?query=${query}&variables=${variables}`, {
      headers: { authorization, 'x-graphql-yoga-csrf': '1' },
    });
    const metrics = await (await t.gateway.yoga.fetch('http://gateway.test/metrics')).text();
    expect(metrics).not.toMatch(/merger/);
  });

  test('/ready does not name the upstream address', async () => {
    const text = await (await t.gateway.yoga.fetch('http://gateway.test/ready')).text();
    expect(text).not.toContain(t.sim.baseUrl);
  });

  test('SUBGRAPH_SDL=true serves the subgraph SDL to an authenticated router in production', async () => {
    const router = await startTestGateway({ env: { NODE_ENV: 'production', ...signer.env, SUBGRAPH_SDL: 'true' } });
    try {
      const { body } = await router.query<{ _service: { sdl: string } }>('{ _service { sdl } }', {}, { authorization });
      expect(body.data?._service.sdl).toMatch(/@key/);
    } finally {
      await router.close();
    }
  });
});
