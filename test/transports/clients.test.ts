import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import {
  ApolloClient as ApolloClient3,
  gql as gql3,
  HttpLink as HttpLink3,
  InMemoryCache as InMemoryCache3,
} from '@apollo/client-v3/core';
import { Client as UrqlClient, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createSseClient } from 'graphql-sse';
import { type Client as WsClient, createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import WebSocket from 'ws';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createTokenSigner, type TokenSigner } from '../helpers/tokens.js';
import { sseReader } from '../helpers/sse.js';
import { FAST_LIVE, type QueueEvent, TRIAGE_QUEUE } from '../helpers/triage.js';

/*
 * The clients people use, against a gateway in JWT mode over real sockets: each one subscribes to
 * the live triage queue (and runs a query) with its own transport, and sees a new message arrive.
 */

const ORIGIN = 'https://triage.example';
let t: TestGateway;
let signer: TokenSigner;
let url: string;
let wsUrl: string;
let token: string;

beforeAll(async () => {
  signer = await createTokenSigner();
  t = await startTestGateway({
    env: { ...signer.env, ...FAST_LIVE, CORS_ORIGINS: ORIGIN, WS_MAX_PAYLOAD_BYTES: '8192' },
  });
  ({ url, wsUrl } = await t.listen());
  token = await signer.sign();
});
afterAll(async () => t.close());

/** Collects events from `subscribe` until a message added after the snapshot arrives; returns them. */
async function untilArrival(subscribe: (onEvent: (event: QueueEvent) => void) => () => void): Promise<QueueEvent[]> {
  const events: QueueEvent[] = [];
  const stop = subscribe((event) => events.push(event));
  try {
    await vi.waitFor(() => expect(events[0]?.kind).toBe('SNAPSHOT'), { timeout: 10_000 });
    const polls = t.gateway.services.live.stats().polls;
    await vi.waitFor(() => expect(t.gateway.services.live.stats().polls).toBeGreaterThan(polls));
    const [added] = t.sim.addMessages(SIMULATOR_ACCOUNT_ID, 1);
    await vi.waitFor(
      () => expect(events.some((event) => event.kind === 'ARRIVED' && event.messages[0]?.id === added)).toBe(true),
      { timeout: 10_000 },
    );
    return events;
  } finally {
    stop();
  }
}

/** What the tests use of an Apollo Client, either major. */
interface ApolloLike {
  subscribe(options: { query: unknown; variables: Record<string, unknown> }): {
    subscribe(observer: { next(result: { data?: unknown }): void }): { unsubscribe(): void };
  };
  stop(): void;
}

function viaApollo(client: ApolloLike, query: unknown) {
  return (onEvent: (event: QueueEvent) => void) => {
    const subscription = client.subscribe({ query, variables: { first: 2 } }).subscribe({
      next: (result) => result.data && onEvent((result.data as { triageQueue: QueueEvent }).triageQueue),
    });
    return () => subscription.unsubscribe();
  };
}

function wsClient(params: Record<string, unknown>, options: { origin?: string } = {}): WsClient {
  return createWsClient({
    url: wsUrl,
    connectionParams: params,
    retryAttempts: 0,
    lazy: true,
    webSocketImpl: class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, options.origin ? { headers: { origin: options.origin } } : {});
      }
    },
  });
}

describe('graphql-ws over WebSocket on /graphql', () => {
  test('graphql-ws with the token in connectionParams streams the snapshot and then the arrival', async () => {
    const client = wsClient({ authorization: `Bearer ${token}` }, { origin: ORIGIN });
    const events = await untilArrival((onEvent) =>
      client.subscribe<{ triageQueue: QueueEvent }>(
        { query: TRIAGE_QUEUE, variables: { first: 3 } },
        {
          next: (result) => result.data && onEvent(result.data.triageQueue),
          error: () => undefined,
          complete: () => undefined,
        },
      ),
    );
    expect(events[0]?.messages).toHaveLength(3);
    await client.dispose();
  });

  test('a connection without a valid token is closed with 4403 and never reaches Cloudflare', async () => {
    t.sim.resetRequests();
    for (const params of [{}, { authorization: 'Bearer not-a-jwt' }]) {
      const client = wsClient(params);
      const closed = await new Promise<{ code?: number }>((resolve) => {
        client.on('closed', (event) => resolve(event as { code?: number }));
        client.subscribe(
          { query: '{ __typename }' },
          { next: () => undefined, error: () => undefined, complete: () => undefined },
        );
      });
      expect(closed.code).toBe(4403);
      await client.dispose();
    }
    expect(t.sim.count()).toBe(0);
  });

  test('a socket dropped without `complete` frees its subscriptions and stops the poller', async () => {
    for (const drop of ['close', 'terminate'] as const) {
      const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
      await new Promise((resolve) => socket.on('open', resolve));
      const messages: { type: string }[] = [];
      socket.on('message', (data) => messages.push(JSON.parse(String(data))));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
      await vi.waitFor(() => expect(messages.some((message) => message.type === 'connection_ack')).toBe(true));
      socket.send(
        JSON.stringify({
          id: '1',
          type: 'subscribe',
          payload: { query: TRIAGE_QUEUE, variables: { filter: { subject: `dropped-${drop}` } } },
        }),
      );
      await vi.waitFor(() => expect(messages.some((message) => message.type === 'next')).toBe(true));
      expect(t.gateway.services.live.stats().subscriptions).toBeGreaterThanOrEqual(1);
      socket[drop]();
      await vi.waitFor(() => expect(t.gateway.services.live.stats()).toMatchObject({ subscriptions: 0, topics: 0 }));
    }
  });

  test('a caller without the read scope gets FORBIDDEN on every transport and starts no poller', async () => {
    const writeOnly = await signer.sign({ sub: 'writer', scope: 'email-security:write' });
    t.sim.resetRequests();
    const client = wsClient({ authorization: `Bearer ${writeOnly}` });
    const errors = await new Promise<unknown>((resolve) =>
      client.subscribe(
        { query: TRIAGE_QUEUE, variables: { filter: { subject: 'no-scope' } } },
        { next: (result) => resolve(result.errors), error: resolve, complete: () => undefined },
      ),
    );
    expect(JSON.stringify(errors)).toContain('FORBIDDEN');
    await client.dispose();
    const sse = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${writeOnly}`,
      },
      body: JSON.stringify({ query: TRIAGE_QUEUE }),
    });
    expect(await sse.text()).toContain('FORBIDDEN');
    expect(t.gateway.services.live.stats().topics).toBe(0);
    expect(t.sim.count()).toBe(0);
  });

  test('a browser page from an origin outside CORS_ORIGINS cannot open the socket', async () => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws', { headers: { origin: 'https://evil.example' } });
    socket.on('error', () => undefined);
    const status = await new Promise<number>((resolve) => {
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('open', () => resolve(101));
    });
    expect(status).toBe(403);
    socket.terminate();
  });

  test('a message larger than WS_MAX_PAYLOAD_BYTES closes the connection (1009)', async () => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    await new Promise((resolve) => socket.on('open', resolve));
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(10_000) } }));
    expect(await closed).toBe(1009);
  });

  test('the connection closes with 4403 when its token expires', async () => {
    const shortLived = await signer.sign({}, { ttlSeconds: 2 });
    const client = wsClient({ authorization: `Bearer ${shortLived}` });
    const closed = new Promise<{ code?: number; reason?: string }>((resolve) =>
      client.on('closed', (event) => resolve(event as { code?: number; reason?: string })),
    );
    client.subscribe(
      { query: TRIAGE_QUEUE, variables: { first: 1 } },
      { next: () => undefined, error: () => undefined, complete: () => undefined },
    );
    const event = await closed;
    expect(event.code).toBe(4403);
    expect(event.reason).toMatch(/expired/i);
    await client.dispose();
  }, 10_000);
});

describe('Apollo Client', () => {
  // Both majors in use: each one's HttpLink speaks the multipart protocol by itself.
  test.each([
    [
      '4',
      () =>
        new ApolloClient({
          cache: new InMemoryCache(),
          link: new HttpLink({ uri: url, headers: { authorization: `Bearer ${token}` } }),
        }),
      gql,
    ],
    [
      '3',
      () =>
        new ApolloClient3({
          cache: new InMemoryCache3(),
          link: new HttpLink3({ uri: url, headers: { authorization: `Bearer ${token}` } }),
        }),
      gql3,
    ],
  ] as const)(
    'Apollo Client %s over HTTP multipart subscriptions gets the snapshot and the arrival',
    async (_major, create, parse) => {
      const client = create() as unknown as ApolloLike;
      await untilArrival(viaApollo(client, parse(TRIAGE_QUEUE)));
      client.stop();
    },
  );

  test("Apollo Client 4's GraphQLWsLink subscribes over WebSocket", async () => {
    const ws = wsClient({ authorization: `Bearer ${token}` });
    const client = new ApolloClient({ cache: new InMemoryCache(), link: new GraphQLWsLink(ws) });
    await untilArrival(viaApollo(client as unknown as ApolloLike, gql(TRIAGE_QUEUE)));
    client.stop();
    await ws.dispose();
  });
  test('a subscription refused before it starts is a typed error in the multipart protocol, not a 406', async () => {
    const writeOnly = await signer.sign({ sub: 'writer', scope: 'email-security:write' });
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'multipart/mixed;subscriptionSpec=1.0',
        authorization: `Bearer ${writeOnly}`,
      },
      body: JSON.stringify({ query: TRIAGE_QUEUE }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed;boundary="graphql";subscriptionSpec="1.0"/);
    expect(await response.text()).toMatch(/"payload":\{"errors":\[\{[^\n]*"code":"FORBIDDEN"/);
  });
});

describe('urql', () => {
  test("urql's default GET query with Authorization passes CSRF prevention (no extra header)", async () => {
    const requests: string[] = [];
    const client = new UrqlClient({
      url,
      exchanges: [fetchExchange],
      fetchOptions: { headers: { authorization: `Bearer ${token}` } },
      fetch: (input, init) => {
        requests.push(init?.method ?? 'GET');
        return fetch(input, init);
      },
    });
    const result = await client.query('query Newest { messages(first: 1) { nodes { id } } }', {}).toPromise();
    expect(result.error).toBeUndefined();
    expect(requests).toEqual(['GET']);
    expect((result.data as { messages: { nodes: unknown[] } }).messages.nodes).toHaveLength(1);
  });

  test('urql subscribes through its subscriptionExchange over graphql-ws', async () => {
    const ws = wsClient({ authorization: `Bearer ${token}` });
    const client = new UrqlClient({
      url,
      exchanges: [
        fetchExchange,
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
          }),
        }),
      ],
    });
    await untilArrival((onEvent) => {
      const { unsubscribe } = client
        .subscription(TRIAGE_QUEUE, { first: 2 })
        .subscribe((result) => result.data && onEvent((result.data as { triageQueue: QueueEvent }).triageQueue));
      return unsubscribe;
    });
    await ws.dispose();
  });
});

describe('graphql-sse', () => {
  for (const singleConnection of [false, true]) {
    test(`graphql-sse in ${singleConnection ? 'single-connection' : 'distinct-connections'} mode streams the snapshot and the arrival`, async () => {
      const client = createSseClient({
        url: `${url}/stream`,
        headers: { authorization: `Bearer ${token}` },
        singleConnection,
        retryAttempts: 0,
      });
      await untilArrival((onEvent) =>
        client.subscribe<{ triageQueue: QueueEvent }>(
          { query: TRIAGE_QUEUE, variables: { first: 2 } },
          {
            next: (result) => result.data && onEvent(result.data.triageQueue),
            error: () => undefined,
            complete: () => undefined,
          },
        ),
      );
      client.dispose();
    });
  }

  test('another caller cannot open or use a graphql-sse reservation (single-connection mode): 403', async () => {
    const other = await signer.sign({ sub: 'analyst-2' });
    const reserved = await fetch(`${url}/stream`, { method: 'PUT', headers: { authorization: `Bearer ${token}` } });
    expect(reserved.status).toBe(201);
    const streamToken = await reserved.text();
    const stolen = await fetch(`${url}/stream`, {
      headers: {
        accept: 'text/event-stream',
        authorization: `Bearer ${other}`,
        'x-graphql-event-stream-token': streamToken,
      },
    });
    expect(stolen.status).toBe(403);
    const injected = await fetch(`${url}/stream`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${other}`,
        'x-graphql-event-stream-token': streamToken,
      },
      body: JSON.stringify({ query: TRIAGE_QUEUE, extensions: { operationId: 'x' } }),
    });
    expect(injected.status).toBe(403);
  });

  test('a graphql-sse reservation whose stream closes ends its operations: slots and pollers are freed', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const reserved = await fetch(`${url}/stream`, { method: 'PUT', headers: auth });
    const streamToken = await reserved.text();
    const controller = new AbortController();
    const stream = await fetch(`${url}/stream`, {
      headers: { ...auth, accept: 'text/event-stream', 'x-graphql-event-stream-token': streamToken },
      signal: controller.signal,
    });
    const reader = sseReader(stream, controller);
    const posted = await fetch(`${url}/stream`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'x-graphql-event-stream-token': streamToken },
      body: JSON.stringify({
        query: TRIAGE_QUEUE,
        variables: { filter: { subject: 'reserved-stream' } },
        extensions: { operationId: 'op-1' },
      }),
    });
    expect(posted.status).toBe(202);
    let frame = await reader.next();
    while (frame && !JSON.stringify(frame.data).includes('SNAPSHOT')) frame = await reader.next();
    expect(t.gateway.services.live.stats().subscriptions).toBe(1);
    await reader.close();
    await vi.waitFor(() => expect(t.gateway.services.live.stats()).toMatchObject({ subscriptions: 0, topics: 0 }));
  });

  test('the graphql-sse endpoint refuses a caller without a token (401) before any upstream call', async () => {
    t.sim.resetRequests();
    const response = await fetch(`${url}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: TRIAGE_QUEUE }),
    });
    expect(response.status).toBe(401);
    expect(t.sim.count()).toBe(0);
  });
});

describe('graphql-ws under the gateway-wide rules', () => {
  let strict: TestGateway;
  let strictWsUrl: string;
  beforeAll(async () => {
    strict = await startTestGateway({
      env: { ...signer.env, PERSISTED_OPERATIONS_ONLY: 'true', WS_MAX_CONNECTIONS: '1' },
    });
    ({ wsUrl: strictWsUrl } = await strict.listen());
  });
  afterAll(async () => strict.close());

  test('in trusted-documents mode an arbitrary operation over WebSocket is refused like over HTTP', async () => {
    const client = createWsClient({
      url: strictWsUrl,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      webSocketImpl: WebSocket,
    });
    const errors = await new Promise<unknown>((resolve) =>
      client.subscribe(
        { query: '{ __typename }' },
        { next: () => undefined, error: resolve, complete: () => undefined },
      ),
    );
    expect(JSON.stringify(errors)).toContain('PERSISTED_QUERY_ONLY');
    // WS_MAX_CONNECTIONS=1 and this client holds the one socket: a second is refused at the upgrade.
    const second = new WebSocket(strictWsUrl, 'graphql-transport-ws');
    second.on('error', () => undefined);
    const status = await new Promise<number>((resolve) => {
      second.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      second.on('open', () => resolve(101));
    });
    expect(status).toBe(503);
    await client.dispose();
  });
});
