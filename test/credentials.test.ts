import { describe, expect, test } from 'vitest';
import { createGateway } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { SIMULATOR_ACCOUNT_ID } from '../src/simulator/index.js';
import { bearer, post, READ_MAIL } from './helpers/auth.js';
import { startTestGateway, useTestGateway, type TestGateway } from './helpers/gateway.js';

describe('forward mode', () => {
  let t: TestGateway;
  useTestGateway(
    (gateway) => {
      t = gateway;
    },
    { env: { CREDENTIALS_MODE: 'forward', CLOUDFLARE_API_TOKEN: '', CACHE_ENABLED: 'true' }, reset: true },
  );

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
