import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { TriagePageDeferredDocument } from '../../client/generated/gql/graphql.js';
import { startTestGateway, useTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createTokenSigner, type TokenSigner } from '../helpers/tokens.js';

interface Part {
  data?: unknown;
  errors?: { message: string; path?: unknown[]; extensions?: { code?: string } }[];
  incremental?: {
    data?: Record<string, unknown>;
    items?: unknown[];
    path: (string | number)[];
    errors?: { extensions?: { code?: string } }[];
  }[];
  hasNext: boolean;
}

/** Reads a multipart/mixed GraphQL response part by part, noting when each part arrived. */
async function parts(response: Response): Promise<{ part: Part; atMs: number }[]> {
  expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed/);
  const started = Date.now();
  const decoder = new TextDecoder();
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const result: { part: Part; atMs: number }[] = [];
  let buffer = '';
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let match = /\r\n\r\n(\{.*?\})\r\n---/s.exec(buffer);
    while (match) {
      result.push({ part: JSON.parse(match[1] as string) as Part, atMs: Date.now() - started });
      buffer = buffer.slice((match.index ?? 0) + match[0].length - 3);
      match = /\r\n\r\n(\{.*?\})\r\n---/s.exec(buffer);
    }
  }
  return result;
}

async function post(t: TestGateway, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return t.gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed', ...headers },
    body: JSON.stringify(body),
  });
}

const DEFERRED =
  '{ messages(first: 5, filter: { detectionsOnly: true }) { nodes { id subject ... @defer { detection { action } } } } }';

describe('@defer and @stream (development auth)', () => {
  let t: TestGateway;
  useTestGateway(
    (gateway) => {
      t = gateway;
    },
    { simulator: { latencyMs: 30 } },
  );
  beforeEach(() => {
    t.sim.reset();
    t.sim.setLatency(30);
  });

  test('the list arrives first, after one upstream round trip, and each detection arrives in its own later part', async () => {
    const received = await parts(await post(t, { query: DEFERRED }));
    const [first, ...rest] = received;
    const nodes = (
      (first as { part: Part }).part.data as { messages: { nodes: { id: string; detection?: unknown }[] } }
    ).messages.nodes;
    expect(nodes).toHaveLength(5);
    expect(nodes.every((node) => node.detection === undefined)).toBe(true);
    expect(first?.part.hasNext).toBe(true);
    const incremental = rest.flatMap(({ part }) => part.incremental ?? []);
    expect(incremental).toHaveLength(5);
    // One part per detection: Investigate has no batch endpoint, so none waits for its siblings.
    expect(rest.filter(({ part }) => (part.incremental?.length ?? 0) > 0)).toHaveLength(5);
    expect(incremental.map((entry) => entry.path[2]).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(
      incremental.every(
        (entry) => typeof (entry.data?.detection as { action?: unknown } | undefined)?.action === 'string',
      ),
    ).toBe(true);
    expect(rest.at(-1)?.part.hasNext).toBe(false);
    expect(t.sim.count('emailSecurity.investigate.detections.get')).toBe(5);
  });

  test('the request log line covers the whole incremental response: 1 search + 5 detections', async () => {
    const before = t.logs.length;
    await parts(await post(t, { query: DEFERRED }));
    const line = t.logs.slice(before).find((entry) => entry.msg === 'graphql request');
    expect(line).toMatchObject({ upstreamCalls: 6, errors: 0 });
  });

  test('a failing detection errors only its own deferred part; the others and the list are served', async () => {
    t.sim.injectFault({
      endpoint: 'emailSecurity.investigate.detections.get',
      times: 1,
      response: { kind: 'status', status: 403 },
    });
    const received = await parts(await post(t, { query: DEFERRED }));
    const incremental = received.flatMap(({ part }) => part.incremental ?? []);
    const failed = incremental.filter((entry) => entry.errors?.length);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(incremental.filter((entry) => entry.data?.detection)).toHaveLength(4);
  });

  test('@stream delivers list items after the initial count, one part each', async () => {
    const received = await parts(
      await post(t, { query: '{ messages(first: 4) { nodes @stream(initialCount: 1) { id } } }' }),
    );
    const first = received[0]?.part.data as { messages: { nodes: unknown[] } };
    expect(first.messages.nodes).toHaveLength(1);
    const items = received.flatMap(({ part }) => part.incremental ?? []).flatMap((entry) => entry.items ?? []);
    expect(items).toHaveLength(3);
  });

  test('the cost limit counts deferred fields: an over-budget deferred query is refused with zero upstream calls', async () => {
    const response = await t.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: '{ messages(first: 100) { nodes { id ... @defer { detection { action } raw } } } }',
      }),
    });
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(t.sim.count()).toBe(0);
  });
});

describe('@defer with scopes and trusted documents', () => {
  let t: TestGateway;
  let readOnly: Record<string, string>;
  let full: Record<string, string>;
  let signer: TokenSigner;
  beforeAll(async () => {
    signer = await createTokenSigner();
    t = await startTestGateway({ env: { ...signer.env, PERSISTED_OPERATIONS_ONLY: 'true' } });
    readOnly = await signer.bearer({ scope: 'email-security:read' });
    full = await signer.bearer({ scope: 'email-security:read email-security:raw' });
  });
  afterAll(async () => {
    await t.close();
  });

  const hashOf = (document: object) => (document as { __meta__?: { hash?: string } }).__meta__?.hash as string;

  test('the trusted TriagePageDeferred operation runs by documentId and streams its detections', async () => {
    const received = await parts(
      await post(
        t,
        { documentId: hashOf(TriagePageDeferredDocument), variables: { first: 3, filter: { detectionsOnly: true } } },
        readOnly,
      ),
    );
    expect(received[0]?.part.data).toMatchObject({ messages: { nodes: expect.any(Array) } });
    expect(received.flatMap(({ part }) => part.incremental ?? [])).toHaveLength(3);
    expect(received.at(-1)?.part.hasNext).toBe(false);
  });

  test('a deferred raw field without email-security:raw is FORBIDDEN in its part and costs no E6 call', async () => {
    const open = await startTestGateway({ env: signer.env });
    try {
      const query = '{ messages(first: 2, filter: { detectionsOnly: true }) { nodes { id ... @defer { raw } } } }';
      const denied = await parts(await post(open, { query }, readOnly));
      const entries = denied.flatMap(({ part }) => part.incremental ?? []);
      expect(entries.length).toBeGreaterThan(0);
      expect(entries.every((entry) => entry.errors?.[0]?.extensions?.code === 'FORBIDDEN')).toBe(true);
      expect(open.sim.count('emailSecurity.investigate.raw.get')).toBe(0);
      const allowed = await parts(await post(open, { query }, full));
      expect(
        allowed.flatMap(({ part }) => part.incremental ?? []).every((entry) => typeof entry.data?.raw === 'string'),
      ).toBe(true);
    } finally {
      await open.close();
    }
  });
});
