import { defineConfig, type GatewayConfigSupergraph } from '@graphql-hive/gateway';

/**
 * Hive Gateway in front of this subgraph (and the company's others). On one machine (the router on
 * 4000, this gateway beside it on 4001):
 *   PORT=4001 npm start
 *   npm run supergraph                       (--self defaults to http://127.0.0.1:4001/graphql)
 *   npm run router                           (hive-gateway with this file, on 127.0.0.1:4000)
 * In a deployment, name each subgraph where the router reaches it, e.g. containers on one network:
 *   npm run supergraph -- --self http://email-gateway:4000/graphql cases=./deploy/supergraph/cases.graphql@http://cases:4000/graphql
 * test/federation/federation.test.ts runs the gateway with exactly this configuration.
 */

/** The name `npm run supergraph` gives this subgraph in the supergraph. */
export const EMAIL_SECURITY_SUBGRAPH = 'email-security';

/** Cloudflare credentials a caller may send (forward mode), or the caller's JWT (gateway mode). */
const CREDENTIAL_HEADERS = ['authorization', 'x-auth-email', 'x-auth-key'] as const;

/** The options themselves (the federation suite passes them to createGatewayRuntime). */
export const gatewayOptions = {
  // Subgraph requests, subscriptions (SSE) included, are JSON POSTs: this subgraph keeps CSRF
  // prevention on, and the GET the gateway would subscribe with cannot carry its header.
  transportEntries: {
    '*.http': { options: { method: 'POST' } },
  },
  // Pass the caller's credential on to this subgraph only: in CREDENTIALS_MODE=forward it is the
  // caller's own Cloudflare token; in gateway mode the JWT that grants the scopes. No other subgraph
  // ever sees it.
  propagateHeaders: {
    fromClientToSubgraphs: ({ request, subgraphName }) => {
      if (subgraphName !== EMAIL_SECURITY_SUBGRAPH) return {};
      return Object.fromEntries(CREDENTIAL_HEADERS.map((name) => [name, request.headers.get(name)]));
    },
  },
  // Demand control from the supergraph's @cost / @listSize: every field that calls Cloudflare costs
  // the calls it makes, connections are sized by `first`/`last`. Objects and the operation itself cost
  // nothing here, so the estimate counts Cloudflare calls, as the subgraph's own limit does (and the
  // default bound is the subgraph's LIMIT_MAX_UPSTREAM_CALLS default). An operation estimated above
  // GATEWAY_MAX_COST is refused here, before it reaches any subgraph (COST_ESTIMATED_TOO_EXPENSIVE).
  demandControl: {
    typeCost: () => 0,
    operationTypeCost: () => 0,
    maxCost: Number(process.env.GATEWAY_MAX_COST ?? 150),
    includeExtensionMetadata: process.env.NODE_ENV !== 'production',
  },
} satisfies Partial<GatewayConfigSupergraph>;

/** What `hive-gateway -c deploy/hive-gateway/gateway.ts` reads. */
export const gatewayConfig = defineConfig(gatewayOptions);
