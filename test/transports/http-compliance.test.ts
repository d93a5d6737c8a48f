import { brotliDecompressSync, gunzipSync } from 'node:zlib';
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

describe('pages for a browser', () => {
  const page = (path: string, headers: Record<string, string> = {}) =>
    t.gateway.yoga.fetch(`http://gateway.test${path}`, { headers });

  test('the root URL is a small page linking to /graphql, /health and /ready instead of a blank 404', async () => {
    const response = await fetch(url.replace('/graphql', '/'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    for (const path of ['/graphql', '/health', '/ready']) expect(html).toContain(`href="${path}"`);
    expect(html.length).toBeLessThan(2_000);
  });

  test('GraphiQL is sent brotli- or gzip-compressed as Accept-Encoding asks, and decompresses to the same page', async () => {
    const plain = Buffer.from(await (await page('/graphql', { accept: 'text/html' })).arrayBuffer());
    expect(plain.toString()).toMatch(/<html/i);
    const br = await page('/graphql', { accept: 'text/html', 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('vary')).toMatch(/accept-encoding/i);
    const brBytes = Buffer.from(await br.arrayBuffer());
    expect(brotliDecompressSync(brBytes).equals(plain)).toBe(true);
    expect(brBytes.length).toBeLessThan(plain.length / 3);
    const gz = await page('/graphql', { accept: 'text/html', 'accept-encoding': 'gzip' });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).equals(plain)).toBe(true);
    const refused = await page('/graphql', { accept: 'text/html', 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(refused.headers.get('content-encoding')).toBeNull();
    await refused.body?.cancel();
  }, 60_000);

  test('GraphiQL is cacheable: an ETag, no-cache instead of no-store, and a 304 without a body for a repeat visit', async () => {
    const first = await page('/graphql', { accept: 'text/html', 'accept-encoding': 'br' });
    await first.body?.cancel();
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const repeat = await page('/graphql', {
      accept: 'text/html',
      'accept-encoding': 'br',
      'if-none-match': etag ?? '',
    });
    expect(repeat.status).toBe(304);
    expect(await repeat.text()).toBe('');
    const otherEncoding = await page('/graphql', {
      accept: 'text/html',
      'accept-encoding': 'gzip',
      'if-none-match': etag ?? '',
    });
    expect(otherEncoding.status).toBe(200);
    await otherEncoding.body?.cancel();
  }, 60_000);

  test('GraphQL answers on the same path are still never stored by a cache', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ messages(first: 1) { edges { cursor } } }' }),
    });
    expect(response.headers.get('cache-control')).toBe('no-store');
    await response.body?.cancel();
  });
});
