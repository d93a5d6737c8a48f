/**
 * Scenario 4's router: Hive Gateway (`createGatewayRuntime`, as the federation test composes it) on
 * node:http in its own process, serving a supergraph composed by the driver. It forwards the
 * caller's Authorization header to the subgraphs, as a real deployment would. Env: PORT,
 * SUPERGRAPH_PATH.
 */
import { readFileSync } from 'node:fs';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { serveOnLoopback } from './serve.js';

const supergraph = readFileSync(process.env.SUPERGRAPH_PATH ?? 'supergraph.graphql', 'utf8');
const gateway = createGatewayRuntime({
  supergraph: () => supergraph,
  logging: 'error',
  graphqlEndpoint: '/graphql',
  healthCheckEndpoint: '/health',
  landingPage: false,
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') }),
  },
});
serveOnLoopback(gateway, () => gateway.dispose());
