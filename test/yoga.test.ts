import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { createTokenSigner } from './helpers/tokens.js';

describe('production mode', () => {
  let t: TestGateway;
  let headers: Record<string, string>;
  beforeAll(async () => {
    const signer = await createTokenSigner();
    t = await startTestGateway({ env: { NODE_ENV: 'production', ...signer.env } });
    headers = await signer.bearer({ sub: 'router', scope: 'email-security:read' });
  });
  afterAll(async () => {
    await t.close();
  });

  test('GraphiQL is off', async () => {
    const response = await t.gateway.yoga.fetch('http://gateway.test/graphql', { headers: { accept: 'text/html' } });
    expect(await response.text()).not.toMatch(/graphiql/i);
  });

  test('introspection is off', async () => {
    const { body } = await t.query('{ __schema { types { name } } }', {}, headers);
    expect(body.errors?.[0]?.message).toMatch(/introspection/i);
  });

  test('the subgraph SDL is refused like introspection, even to an authenticated token', async () => {
    const { body } = await t.query<{ _service: { sdl: string } }>('{ _service { sdl } }', {}, headers);
    expect(body.data?._service).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('errors stay masked: an expected failure keeps its code, details stay internal', async () => {
    t.sim.injectFault({ endpoint: 'emailSecurity.investigate.list', response: { kind: 'status', status: 403 } });
    const { body } = await t.query('{ messages(first: 1) { totalCount } }', {}, headers);
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(body)).not.toMatch(/stack|originalError/);
  });

  test('starting in production without a JWT verifier is refused: development auth would grant every scope', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        CLOUDFLARE_API_TOKEN: 't',
        CLOUDFLARE_ACCOUNT_ID: '023e105f4ecef8ad9ca31a8372d0c353',
      }),
    ).toThrow(ConfigError);
  });
});
