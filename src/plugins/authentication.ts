import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { AuthInfo } from '../auth.js';
import type { GatewayContext, GatewayServices } from '../context.js';
import { gatewayError } from '../graphql/errors.js';

const authenticated = new WeakMap<Request, AuthInfo>();

/** Records the identity another transport (WebSocket) established for a request it executes. */
export function rememberAuthentication(request: Request, auth: AuthInfo): void {
  authenticated.set(request, auth);
}

/** The identity the authentication plugin established for this HTTP request (undefined: none). */
export function authenticationOf(request: Request): AuthInfo | undefined {
  return authenticated.get(request);
}

/**
 * Authentication on every GraphQL operation — queries, mutations, subscriptions and `_entities`
 * alike. It runs in `onRequest`, before the body is parsed: an unauthenticated caller gets a 401
 * and learns nothing about the schema (no validation messages), costs no upstream call and no
 * budget, and leaves one security log line without the token.
 *
 * Not an Envelop auth plugin: `@envelop/generic-auth` checks per field in a validation rule, i.e.
 * after parsing and validating the caller's document and with one error per root field. The scopes
 * themselves are declared per type and field with Pothos scope-auth (src/graphql/builder.ts).
 */
export function useAuthentication(
  services: GatewayServices,
  graphqlEndpoints: readonly string[],
): Plugin<GatewayContext> {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      // yoga serves GraphQL on any path ending in the endpoint (`/x/graphql` too): gate them all.
      if (!graphqlEndpoints.some((endpoint) => url.pathname.endsWith(endpoint)) || request.method === 'OPTIONS') return;
      // The GraphiQL page itself is static HTML with no data; its queries authenticate like any other.
      if (services.config.graphiql && request.method === 'GET' && request.headers.get('accept')?.includes('text/html'))
        return;
      const result = await services.authenticate(request);
      if (result.ok) {
        authenticated.set(request, result.auth);
        return;
      }
      services.logger.warn(
        {
          security: {
            event: 'unauthenticated',
            reason: result.reason,
            tokenSent: result.tokenSent,
            method: request.method,
            requestId: request.headers.get('x-request-id')?.slice(0, 128) ?? null,
          },
        },
        'request refused: not authenticated',
      );
      const challenge = result.tokenSent
        ? `Bearer realm="email-security-gateway", error="invalid_token", error_description="${result.reason.replace(/["\\]/g, "'")}"`
        : 'Bearer realm="email-security-gateway"';
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({
            errors: [{ message: `Authentication required: ${result.reason}`, extensions: { code: 'UNAUTHENTICATED' } }],
          }),
          {
            status: 401,
            headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': challenge },
          },
        ),
      );
    },
    onSubscribe({ args }) {
      const context = args.contextValue as GatewayContext;
      const expiresAt = context.auth.expiresAt;
      if (expiresAt === null) return;
      const remaining = expiresAt - Date.now();
      if (remaining > MAX_TIMER_MS) return;
      // The subscription's own work (polling) listens to the context's signal: at expiry it stops
      // at once, instead of at its next event. A subscription sends no writes, so nothing is cut short.
      const expiry = AbortSignal.timeout(Math.max(0, remaining));
      context.signal = AbortSignal.any([context.signal, expiry]);
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) return;
          setResult(untilExpiry(result, expiry));
        },
      };
    },
  };
}

const EXPIRED = Symbol('expired');
/** setTimeout's ceiling (about 24.8 days): a token valid for longer is not timed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A subscription ends with an UNAUTHENTICATED error event when the caller's token expires. */
async function* untilExpiry(
  source: AsyncIterable<ExecutionResult>,
  expiry: AbortSignal,
): AsyncGenerator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  const expired = new Promise<typeof EXPIRED>((resolve) => {
    if (expiry.aborted) resolve(EXPIRED);
    else expiry.addEventListener('abort', () => resolve(EXPIRED), { once: true });
  });
  try {
    while (true) {
      const next = await Promise.race([iterator.next(), expired]);
      if (next === EXPIRED) {
        yield {
          errors: [
            gatewayError(
              'UNAUTHENTICATED',
              'The token expired: the subscription has ended; subscribe again with a fresh token',
            ),
          ],
        };
        return;
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}
