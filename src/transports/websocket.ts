/**
 * GraphQL over WebSocket (the graphql-ws protocol: Apollo Client's GraphQLWsLink, urql, Relay, Hive
 * Gateway's subgraph subscriptions) on the same `/graphql` path as HTTP. `ws` speaks WebSocket and
 * `graphql-ws` speaks the protocol; this file only decides who may connect and runs each operation
 * through the same yoga/Envelop pipeline as HTTP (auth, scopes, limits, masking, tracing).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs } from 'graphql';
import { GraphQLError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { AuthInfo } from '../auth.js';
import type { Gateway } from '../app.js';
import { rememberAuthentication } from '../plugins/authentication.js';
import { persistedDocument } from '../plugins/persisted.js';

interface Connection {
  auth: AuthInfo;
  /** Headers every operation of this connection is executed with (its credential). */
  headers: Headers;
  /** One abort controller per running operation: stopping it stops its upstream polling. */
  operations: Map<string, AbortController>;
  expiry: NodeJS.Timeout | null;
}

/** Header names a client may send in `connectionParams` (browsers cannot set headers on a WebSocket). */
const CREDENTIAL_PARAMS = ['authorization', 'x-auth-email', 'x-auth-key', 'x-request-id', 'traceparent'];

/** setTimeout's ceiling: a token valid for longer is not timed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function connectionHeaders(request: IncomingMessage, params: Record<string, unknown> | undefined): Headers {
  const headers = new Headers();
  for (const name of CREDENTIAL_PARAMS) {
    const fromUpgrade = request.headers[name];
    if (typeof fromUpgrade === 'string') headers.set(name, fromUpgrade);
  }
  for (const [key, value] of Object.entries(params ?? {})) {
    const name = key.toLowerCase();
    if (CREDENTIAL_PARAMS.includes(name) && typeof value === 'string') headers.set(name, value);
  }
  return headers;
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * Serves graphql-ws on `server`'s `/graphql`. A browser's `Origin` must be in CORS_ORIGINS (a page
 * elsewhere cannot ride on a user's network position); the credential comes from the connection
 * parameters (or the upgrade request's headers) and is checked once on connect and again at its
 * expiry, when the connection closes with 4403. Connections and message sizes are bounded.
 */
export function attachWebSocket(server: Server, gateway: Gateway): { close(): Promise<void> } {
  const { services, yoga } = gateway;
  const { config, logger } = services;
  const allowedOrigins = new Set(config.corsOrigins);
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.websocket.maxPayloadBytes });
  const connections = new WeakMap<object, Connection>();

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://gateway').pathname;
    if (!path.endsWith(yoga.graphqlEndpoint)) return refuseUpgrade(socket, 404, 'Not Found');
    const origin = request.headers.origin;
    if (origin && !allowedOrigins.has(origin)) {
      logger.warn({ security: { event: 'websocket-origin-refused', origin } }, 'WebSocket refused: origin not allowed');
      return refuseUpgrade(socket, 403, 'Forbidden');
    }
    if (wss.clients.size >= config.websocket.maxConnections) return refuseUpgrade(socket, 503, 'Service Unavailable');
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  server.on('upgrade', onUpgrade);

  const disposable = useServer(
    {
      connectionInitWaitTimeout: 5_000,
      onConnect: async (ctx) => {
        const headers = connectionHeaders(ctx.extra.request, ctx.connectionParams);
        const result = await services.authenticate(new Request('http://gateway/graphql', { headers }));
        if (!result.ok) {
          logger.warn(
            {
              security: {
                event: 'unauthenticated',
                reason: result.reason,
                tokenSent: result.tokenSent,
                transport: 'websocket',
              },
            },
            'WebSocket refused: not authenticated',
          );
          return false;
        }
        const connection: Connection = { auth: result.auth, headers, operations: new Map(), expiry: null };
        const expiresAt = result.auth.expiresAt;
        if (expiresAt !== null && expiresAt - Date.now() < MAX_TIMER_MS) {
          connection.expiry = setTimeout(
            () => ctx.extra.socket.close(CloseCode.Forbidden, 'Token expired: connect again with a fresh token'),
            Math.max(0, expiresAt - Date.now()),
          );
          connection.expiry.unref();
        }
        connections.set(ctx, connection);
        // graphql-ws first waits for every running operation to return, then calls onClose; a live
        // stream returns only once its signal fires, so the close must fire it first.
        ctx.extra.socket.once('close', () => {
          for (const controller of connection.operations.values()) controller.abort();
        });
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const connection = connections.get(ctx);
        if (!connection) return [new GraphQLError('Not authenticated')];
        let query = payload.query;
        if (config.persistedOperationsOnly) {
          const persisted = persistedDocument(payload);
          if (persisted instanceof GraphQLError) return [persisted];
          query = persisted;
        }
        const controller = new AbortController();
        connection.operations.get(id)?.abort();
        connection.operations.set(id, controller);
        const request = new Request('http://gateway/graphql', {
          method: 'POST',
          headers: connection.headers,
          signal: controller.signal,
        });
        rememberAuthentication(request, connection.auth);
        const params = {
          query,
          variables: payload.variables ?? undefined,
          operationName: payload.operationName ?? undefined,
          extensions: payload.extensions ?? undefined,
        };
        const enveloped = yoga.getEnveloped({ request, params });
        let document: ReturnType<typeof enveloped.parse>;
        try {
          document = enveloped.parse(query ?? '');
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('Syntax error in the operation')];
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        logger.info(
          {
            transport: 'websocket',
            operationId: id,
            operationName: params.operationName ?? null,
            subject: connection.auth.subject,
          },
          'websocket operation started',
        );
        const args: ExecutionArgs = {
          schema: enveloped.schema,
          document,
          operationName: params.operationName ?? null,
          variableValues: params.variables ?? null,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
        return args;
      },
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
      onComplete: (ctx, id) => {
        const connection = connections.get(ctx);
        logger.info({ transport: 'websocket', operationId: id }, 'websocket operation completed');
        connection?.operations.get(id)?.abort();
        connection?.operations.delete(id);
      },
      onClose: (ctx) => {
        const connection = connections.get(ctx);
        if (!connection) return;
        if (connection.expiry) clearTimeout(connection.expiry);
        for (const controller of connection.operations.values()) controller.abort();
        connection.operations.clear();
      },
    },
    wss,
  );

  return {
    async close() {
      server.off('upgrade', onUpgrade);
      // 1001 Going Away: clients reconnect (to another replica) and resume with their last event id.
      for (const client of wss.clients) client.close(1001, 'Server shutting down');
      await disposable.dispose();
    },
  };
}
