import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { compositionHasErrors, composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { gatewayOptions } from '../../deploy/hive-gateway/gateway.js';
import { renderSchemas } from '../../scripts/print-schema.js';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import { caseManagementTypeDefs, createCaseManagementYoga } from './case-management.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { sseReader } from '../helpers/sse.js';
import { createMoveJob, LAST_30_DAYS } from '../helpers/bulk-jobs.js';

let t: TestGateway;
let servers: Server[] = [];
let messageIds: string[] = [];

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

beforeAll(async () => {
  // 50 aliased message(id:) lookups are the baseline the _entities count is compared with.
  t = await startTestGateway({
    env: { LIMIT_MAX_ALIASES: '64', LIVE_POLL_INTERVAL_MS: '250', LIVE_BUDGET_SHARE: '1' },
  });
  messageIds = t.sim.state
    .listMessages(SIMULATOR_ACCOUNT_ID)
    .slice(0, 60)
    .map((message) => message.id);
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  servers = [];
  await t.close();
});

describe('Federation v2 subgraph', () => {
  test('_service.sdl links federation v2.9 (with the demand-control directives) and declares Message as an entity keyed by id', async () => {
    const { body } = await t.query<{ _service: { sdl: string } }>('{ _service { sdl } }');
    const sdl = body.data?._service.sdl ?? '';
    expect(sdl).toMatch(
      /@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.9", import: \["@key", "@shareable", "@cost", "@listSize"\]\)/,
    );
    expect(sdl).toMatch(/type Message\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type PageInfo\s+@shareable/);
  });

  test('50 Message representations cost the same deduplicated calls as 50 message(id:) lookups', async () => {
    const ids = [...messageIds.slice(0, 45), ...messageIds.slice(0, 5)];
    t.sim.resetRequests();
    const direct = await t.query(
      `{ ${ids.map((id, index) => `m${index}: message(id: ${JSON.stringify(id)}) { id subject }`).join(' ')} }`,
    );
    expect(direct.body.errors).toBeUndefined();
    const directCalls = t.sim.count('emailSecurity.investigate.get');
    t.sim.resetRequests();
    const entities = await t.query<{ _entities: { id: string; subject: string }[] }>(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Message { id subject } } }',
      { r: ids.map((id) => ({ __typename: 'Message', id })) },
    );
    expect(entities.body.errors).toBeUndefined();
    expect(entities.body.data?._entities.map((entity) => entity.id)).toEqual(ids);
    expect(t.sim.count('emailSecurity.investigate.get')).toBe(directCalls);
    expect(directCalls).toBe(45);
  });
});

describe('composition and a real gateway', () => {
  let supergraphSdl = '';
  let gateway: ReturnType<typeof createGatewayRuntime>;

  beforeAll(async () => {
    const messagesUrl = await listen(t.gateway.yoga);
    const cases = messageIds
      .slice(0, 3)
      .map((messageId, index) => ({ id: `case-${index + 1}`, title: `Phishing wave ${index + 1}`, messageId }));
    const casesUrl = await listen(createCaseManagementYoga(cases));
    const result = composeServices([
      {
        name: 'email-security',
        typeDefs: parse(renderSchemas()['schema/subgraph.graphql'] as string),
        url: messagesUrl,
      },
      { name: 'case-management', typeDefs: parse(caseManagementTypeDefs), url: casesUrl },
    ]);
    if (compositionHasErrors(result)) throw new Error(result.errors.map((error) => error.message).join('\n'));
    supergraphSdl = result.supergraphSdl;
    gateway = createGatewayRuntime({ ...gatewayOptions, supergraph: () => supergraphSdl, logging: false });
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  async function viaGateway<T>(query: string) {
    const response = await gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as { data?: T; errors?: unknown[] };
  }

  test('our subgraph composes with a case-management subgraph that extends Message', () => {
    expect(supergraphSdl).toMatch(/join__type\(graph: EMAIL_SECURITY, key: "id"\)/);
    expect(supergraphSdl).toMatch(/join__type\(graph: CASE_MANAGEMENT, key: "id"\)/);
  });

  test('a query from cases to messages resolves through _entities with the direct upstream cost', async () => {
    t.sim.resetRequests();
    const result = await viaGateway<{
      cases: { id: string; message: { id: string; subject: string; finalDisposition: string | null } }[];
    }>('{ cases { id title message { id subject finalDisposition } } }');
    expect(result.errors).toBeUndefined();
    expect(result.data?.cases.map((item) => item.message.id)).toEqual(messageIds.slice(0, 3));
    expect(result.data?.cases.every((item) => typeof item.message.subject === 'string')).toBe(true);
    const throughGateway = t.sim.count();
    t.sim.resetRequests();
    await t.query(
      `{ ${messageIds
        .slice(0, 3)
        .map((id, index) => `m${index}: message(id: ${JSON.stringify(id)}) { id subject finalDisposition }`)
        .join(' ')} }`,
    );
    expect(throughGateway).toBe(t.sim.count());
    expect(throughGateway).toBe(3);
  });

  test('a bulkJobProgress subscription through Hive Gateway streams to COMPLETED (SSE to the client and to this subgraph)', async () => {
    const id = await createMoveJob(t, LAST_30_DAYS());
    const response = await gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        query: `subscription { bulkJobProgress(id: "${id}") { id status progress isTerminal } }`,
      }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    const payloads = text
      .split('\n')
      .filter((line) => line.startsWith('data:') && line.length > 6)
      .map(
        (line) =>
          JSON.parse(line.slice(5)) as {
            data?: { bulkJobProgress: { status: string; isTerminal: boolean } };
            errors?: { message: string }[];
          },
      );
    expect(payloads.flatMap((payload) => payload.errors ?? [])).toEqual([]);
    expect(payloads.at(-1)?.data?.bulkJobProgress).toMatchObject({ id, status: 'COMPLETED', isTerminal: true });
  });

  test('the live triageQueue through Hive Gateway delivers the snapshot and then a new message (SSE to the client and to this subgraph)', async () => {
    const controller = new AbortController();
    const response = await gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        query: 'subscription { triageQueue(first: 3) { eventId kind messages { id subject } } }',
      }),
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = sseReader(response, controller);
    const nextEvent = async () => {
      for (;;) {
        const frame = await reader.next();
        if (!frame) throw new Error('the stream ended');
        if (frame.event !== 'next') continue;
        return (frame.data as { data: { triageQueue: { kind: string; messages: { id: string }[] } } }).data.triageQueue;
      }
    };
    expect((await nextEvent()).kind).toBe('SNAPSHOT');
    const polls = t.gateway.services.live.stats().polls;
    await vi.waitFor(() => expect(t.gateway.services.live.stats().polls).toBeGreaterThan(polls));
    const [added] = t.sim.addMessages(SIMULATOR_ACCOUNT_ID, 1);
    let event = await nextEvent();
    while (event.messages[0]?.id !== added) event = await nextEvent();
    expect(event.kind).toBe('ARRIVED');
    await reader.close();
    // Hive Gateway closes its stream to this subgraph; until then the poller runs and the next
    // test, which counts upstream calls, would see its polls.
    await vi.waitFor(() => expect(t.gateway.services.live.stats().topics).toBe(0));
  });

  test('the supergraph keeps the demand-control directives: @cost on detection, trace, preview, raw and @listSize on messages', () => {
    expect(supergraphSdl).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/cost\/v0\.1"/);
    expect(supergraphSdl).toMatch(/directive @cost\(weight: Int!\)/);
    for (const field of ['detection: Detection', 'trace: Trace', 'preview: Preview', 'raw: String']) {
      expect(supergraphSdl).toMatch(new RegExp(`${field}[^\\n]*@cost\\(weight: 1\\)`));
    }
    const listSize =
      /\): MessageConnection! [^\n]*@cost\(weight: 1\) @listSize\(([^)]*)\)/.exec(supergraphSdl)?.[1] ?? '';
    expect(listSize).toMatch(/slicingArguments: \["first", "last"\]/);
    expect(listSize).toMatch(/sizedFields: \["edges", "nodes"\]/);
    expect(listSize).toMatch(/requireOneSlicingArgument: false/);
  });

  test("Hive Gateway's cost limit prices messages by first and each detection as one call, and refuses an operation over the limit before it reaches this subgraph", async () => {
    const limited = createGatewayRuntime({
      ...gatewayOptions,
      demandControl: { maxCost: 50, includeExtensionMetadata: true },
      supergraph: () => supergraphSdl,
      logging: false,
    });
    try {
      const run = async (first: number) => {
        const response = await limited.fetch('http://gateway.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: `{ messages(first: ${first}) { nodes { id detection { action } } } }` }),
        });
        return (await response.json()) as {
          data?: { messages: { nodes: unknown[] } };
          errors?: { message: string; extensions?: { code?: string } }[];
          extensions?: Record<string, unknown>;
        };
      };
      t.sim.resetRequests();
      // 1 (search) + 1 (connection) + 5 × (1 Message + 1 detection call + 1 Detection) = 17
      const small = await run(5);
      expect(small.errors).toBeUndefined();
      expect(small.data?.messages.nodes).toHaveLength(5);
      expect(small.extensions?.cost).toMatchObject({ estimated: 17 });
      expect(t.sim.count()).toBe(6);
      t.sim.resetRequests();
      // 2 + 20 × 3 = 62 > 50
      const large = await run(20);
      expect(large.data ?? null).toBeNull();
      expect(large.errors?.[0]?.extensions?.code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
      expect(t.sim.count()).toBe(0);
    } finally {
      await limited.dispose();
    }
  });

  test('a query from messages to cases adds the other subgraph fields with one search call', async () => {
    t.sim.resetRequests();
    const result = await viaGateway<{ messages: { nodes: { id: string; cases: { title: string }[] }[] } }>(
      '{ messages(first: 5) { nodes { id subject cases { title } } } }',
    );
    expect(result.errors).toBeUndefined();
    const nodes = result.data?.messages.nodes ?? [];
    expect(nodes).toHaveLength(5);
    expect(nodes.filter((node) => node.cases.length > 0).length).toBeGreaterThanOrEqual(1);
    expect(t.sim.count()).toBe(1);
  });
});

describe('Insight entity', () => {
  test('Insight is an entity keyed by id and resolves representations from one shared listing', async () => {
    const { body: sdl } = await t.query<{ _service: { sdl: string } }>('{ _service { sdl } }');
    expect(sdl.data?._service.sdl).toMatch(/type Insight\s+@key\(fields: "id"\)/);
    const ids = t.sim.state
      .listInsights(SIMULATOR_ACCOUNT_ID)
      .slice(0, 10)
      .map((insight) => String(insight.id));
    t.sim.resetRequests();
    const { body } = await t.query<{ _entities: { id: string; subject: string }[] }>(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Insight { id subject } } }',
      { r: ids.map((id: string) => ({ __typename: 'Insight', id })) },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?._entities.map((entity) => entity.id)).toEqual(ids);
    expect(t.sim.count('securityCenter.insights.list')).toBe(1);
  });
});

describe('forward mode behind Hive Gateway (deploy/hive-gateway/gateway.ts)', () => {
  let forward: TestGateway;
  let gateway: ReturnType<typeof createGatewayRuntime>;
  const seen: { subgraph: string; authorization: string | undefined }[] = [];
  const ownServers: Server[] = [];

  async function listenRecording(
    subgraph: string,
    handler: (req: IncomingMessage, res: ServerResponse) => void,
  ): Promise<string> {
    const server = createServer((req, res) => {
      seen.push({ subgraph, authorization: req.headers.authorization });
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ownServers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  }

  beforeAll(async () => {
    forward = await startTestGateway({ env: { CREDENTIALS_MODE: 'forward', CLOUDFLARE_API_TOKEN: '' } });
    const ids = forward.sim.state
      .listMessages(SIMULATOR_ACCOUNT_ID)
      .slice(0, 2)
      .map((message) => message.id);
    const messagesUrl = await listenRecording('email-security', forward.gateway.yoga);
    const casesUrl = await listenRecording(
      'case-management',
      createCaseManagementYoga(
        ids.map((messageId, index) => ({ id: `case-${index}`, title: `Case ${index}`, messageId })),
      ),
    );
    const result = composeServices([
      {
        name: 'email-security',
        typeDefs: parse(renderSchemas()['schema/subgraph.graphql'] as string),
        url: messagesUrl,
      },
      { name: 'case-management', typeDefs: parse(caseManagementTypeDefs), url: casesUrl },
    ]);
    if (compositionHasErrors(result)) throw new Error(result.errors.map((error) => error.message).join('\n'));
    gateway = createGatewayRuntime({ ...gatewayOptions, supergraph: () => result.supergraphSdl, logging: false });
  });
  afterAll(async () => {
    await gateway?.dispose();
    for (const server of ownServers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await forward?.close();
  });

  async function viaGateway(query: string, headers: Record<string, string> = {}) {
    const response = await gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as {
      data?: { cases: { message: { subject: string | null } }[] } | null;
      errors?: { extensions?: { code?: string } }[];
    };
  }

  test("the caller's Authorization reaches this subgraph and Cloudflare, and no other subgraph", async () => {
    seen.length = 0;
    forward.sim.resetRequests();
    const result = await viaGateway('{ cases { id message { id subject } } }', {
      authorization: 'Bearer caller-own-cloudflare-token',
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.cases.every((item) => typeof item.message.subject === 'string')).toBe(true);
    expect(
      seen.filter((request) => request.subgraph === 'email-security').map((request) => request.authorization),
    ).toEqual(['Bearer caller-own-cloudflare-token']);
    expect(
      seen.filter((request) => request.subgraph === 'case-management').map((request) => request.authorization),
    ).toEqual([undefined]);
    expect(forward.sim.requests.length).toBeGreaterThan(0);
    expect(
      forward.sim.requests.every((request) => request.headers.authorization === 'Bearer caller-own-cloudflare-token'),
    ).toBe(true);
  });

  test('without Authorization the call through the router is UNAUTHENTICATED and Cloudflare is not called', async () => {
    forward.sim.resetRequests();
    const result = await viaGateway('{ messages(first: 1) { nodes { id } } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(forward.sim.requests).toHaveLength(0);
  });
});
