/**
 * Scenario 4's router: Hive Gateway (`createGatewayRuntime`, as the federation test composes it) on
 * node:http in its own process, serving a supergraph composed by the driver. It forwards the
 * caller's Authorization header to the subgraphs, as a real deployment would. Env: PORT,
 * SUPERGRAPH_PATH.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway';

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
const server = createServer(gateway);
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
const stop = () => {
  server.close(() => {
    void Promise.resolve(gateway.dispose()).finally(() => process.exit(0));
  });
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
