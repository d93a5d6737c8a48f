import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { type DocumentNode, print } from 'graphql';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { attachWebSocket } from '../../src/transports/websocket.js';
import {
  type Simulator,
  type SimulatorOptions,
  SIMULATOR_ACCOUNT_ID,
  startSimulator,
} from '../../src/simulator/index.js';
import { afterAll, beforeAll, beforeEach } from 'vitest';

export interface TestGateway {
  gateway: Gateway;
  sim: Simulator;
  /** Every log line the gateway wrote, parsed. */
  logs: Record<string, unknown>[];
  /**
   * POSTs a GraphQL operation through `yoga.fetch` (in process, no port): a string, or a typed
   * document generated from schema/operations (sent as its printed text).
   */
  query<T = Record<string, unknown>>(
    query: string | DocumentNode,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: { data?: T; errors?: GraphQLErrorJson[] } }>;
  /**
   * Serves the gateway on a loopback port as `server.ts` does (HTTP and graphql-ws); closed with the
   * gateway. Real client libraries talk to it over real sockets.
   */
  listen(): Promise<Listening>;
  close(): Promise<void>;
}

export interface Listening {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The GraphQL endpoint, `${origin}/graphql`. */
  url: string;
  wsUrl: string;
  server: Server;
}

export interface GraphQLErrorJson {
  message: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown> & { code?: string };
}

/**
 * A gateway wired to a fresh simulator over real HTTP on loopback, configured through the same
 * environment parsing as production.
 */
export async function startTestGateway(
  options: { env?: Record<string, string>; simulator?: SimulatorOptions; gateway?: GatewayOptions } = {},
): Promise<TestGateway> {
  const sim = await startSimulator({ budget: null, ...options.simulator });
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      callback();
    },
  });
  const env = options.env ?? {};
  // The simulator stands in for Cloudflare over real HTTP, so without a verifier the gateway needs
  // the explicit opt-out (refused in production, where suites configure a verifier).
  const needsAuthOptOut =
    !env.AUTH_PUBLIC_KEY && !env.AUTH_JWKS_URL && env.CREDENTIALS_MODE !== 'forward' && env.NODE_ENV !== 'production';
  const config = loadConfig({
    NODE_ENV: 'test',
    ...(needsAuthOptOut ? { AUTH_DISABLED: 'true' } : {}),
    CLOUDFLARE_API_TOKEN: 'test-token',
    CLOUDFLARE_ACCOUNT_ID: SIMULATOR_ACCOUNT_ID,
    CLOUDFLARE_BASE_URL: sim.baseUrl,
    UPSTREAM_RETRY_BASE_MS: '10',
    UPSTREAM_RETRY_MAX_DELAY_MS: '50',
    UPSTREAM_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'debug',
    // Suites count upstream calls exactly and inject 429s at will: no read cache and no budget
    // governor (whose lockout would outlive one test), unless a suite turns them on to test them.
    CACHE_ENABLED: 'false',
    BUDGET_ENABLED: 'false',
    ...options.env,
  });
  const logger = createLogger({ level: config.log.level, pretty: false, destination });
  const gateway = await createGateway(config, logger, options.gateway);
  const listeners: { server: Server; websocket: { close(): Promise<void> } }[] = [];
  return {
    gateway,
    sim,
    logs,
    async query(query, variables, headers) {
      const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
        body: JSON.stringify({ query: typeof query === 'string' ? query : print(query), variables }),
      });
      return { status: response.status, body: (await response.json()) as never };
    },
    async listen() {
      const server = createServer(gateway.yoga);
      const websocket = attachWebSocket(server, gateway);
      listeners.push({ server, websocket });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const origin = `http://127.0.0.1:${port}`;
      return { origin, url: `${origin}/graphql`, wsUrl: `ws://127.0.0.1:${port}/graphql`, server };
    },
    async close() {
      gateway.services.live.drain();
      for (const { server, websocket } of listeners) {
        await websocket.close();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
      await gateway.close();
      await sim.close();
    },
  };
}

/**
 * One gateway for the enclosing test file or `describe`: started before its first test and handed to
 * `started` (which keeps it), closed after its last. With `reset`, every test starts on a freshly
 * seeded simulator and an empty log.
 */
export function useTestGateway(
  started: (gateway: TestGateway) => void,
  options: Parameters<typeof startTestGateway>[0] & { reset?: boolean; startTimeoutMs?: number } = {},
): void {
  let gateway: TestGateway | undefined;
  beforeAll(async () => {
    gateway = await startTestGateway(options);
    started(gateway);
  }, options.startTimeoutMs);
  afterAll(async () => {
    await gateway?.close();
  });
  if (options.reset) {
    beforeEach(() => {
      gateway?.sim.reset();
      gateway?.logs.splice(0);
    });
  }
}
