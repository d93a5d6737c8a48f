import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let t: TestGateway;
let url: string;

beforeAll(async () => {
  t = await startTestGateway();
  ({ url } = await t.listen());
});
afterAll(async () => {
  await t.close();
});

describe('GraphQL over HTTP', () => {
  test('the graphql-http audit reports zero errors (warnings are listed in the output)', async () => {
    // The audit's GETs carry the CSRF header a real client sends; the CSRF rule itself is tested below.
    const csrfFetch: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('x-graphql-yoga-csrf', '1');
      return fetch(input, { ...init, headers });
    };
    const results = await auditServer({ url, fetchFn: csrfFetch });
    const errors = results.filter((result) => result.status === 'error');
    const warnings = results.filter((result) => result.status === 'warn');
    for (const result of results) {
      if (result.status !== 'ok') await result.response.body?.cancel().catch(() => undefined);
    }
    console.log(
      `graphql-http audit: ${results.length - errors.length - warnings.length} ok, ${warnings.length} warn, ${errors.length} error`,
    );
    for (const warning of warnings) console.log(`  warn: ${warning.name}`);
    expect(errors.map((error) => `${error.name}: ${'reason' in error ? error.reason : ''}`)).toEqual([]);
  });

  test('a query over GET answers application/graphql-response+json', async () => {
    const response = await fetch(`${url}?query=${encodeURIComponent('{ messages(first: 1) { edges { cursor } } }')}`, {
      headers: { accept: 'application/graphql-response+json', 'x-graphql-yoga-csrf': '1' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/graphql-response\+json/);
    expect(((await response.json()) as { data: { messages: { edges: unknown[] } } }).data.messages.edges).toHaveLength(
      1,
    );
  });

  test('a mutation over GET is refused with 405 and never reaches Cloudflare', async () => {
    t.sim.resetRequests();
    const mutation = 'mutation { releaseMessages(input: { ids: ["a"] }) { __typename } }';
    const response = await fetch(`${url}?query=${encodeURIComponent(mutation)}`, {
      headers: { accept: 'application/graphql-response+json', 'x-graphql-yoga-csrf': '1' },
    });
    expect(response.status).toBe(405);
    expect(t.sim.count()).toBe(0);
  });

  test('a simple cross-site GET without a preflight header is refused by CSRF prevention', async () => {
    const response = await fetch(`${url}?query=${encodeURIComponent('{ messages(first: 1) { edges { cursor } } }')}`);
    expect(response.status).toBe(403);
    await response.body?.cancel();
  });

  test('GraphiQL still opens in a browser (HTML GET)', async () => {
    const response = await fetch(url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/<html/i);
  });
});
