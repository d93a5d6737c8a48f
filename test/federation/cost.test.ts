import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { compositionHasErrors, composeServices } from '@theguild/federation-composition';
import { type ASTNode, Kind, parse, print, visit } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { gatewayOptions } from '../../deploy/hive-gateway/gateway.js';
import { renderSchemas } from '../../scripts/print-schema.js';
import { schema } from '../../src/graphql/index.js';
import { estimateUpstreamCost } from '../../src/plugins/limits.js';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * The router and this subgraph price an operation from the same `@cost` / `@listSize` directives.
 * Hive Gateway's demand control reads them from the supergraph; with its defaults for what the
 * directives do not say (1 per object type, 10 per mutation) set to 0 it counts Cloudflare calls
 * only, which is what the gateway's own limit counts.
 */

let t: TestGateway;
let server: Server;
let router: ReturnType<typeof createGatewayRuntime>;

/**
 * One operation of a schema/operations file with the fragments it spreads: a file may also hold an
 * operation using `@defer`, which the router's public schema does not declare.
 */
function operationFrom(file: string, name: string): string {
  const document = parse(readFileSync(new URL(`../../schema/operations/${file}.graphql`, import.meta.url), 'utf8'));
  const fragments = new Map(
    document.definitions
      .filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const operation = document.definitions.find(
    (definition) => definition.kind === Kind.OPERATION_DEFINITION && definition.name?.value === name,
  );
  if (!operation) throw new Error(`no operation ${name} in ${file}.graphql`);
  const used = new Set<string>();
  const spreadsOf = (node: ASTNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (fragment && !used.has(spread.name.value)) {
          used.add(spread.name.value);
          spreadsOf(fragment);
        }
      },
    });
  spreadsOf(operation);
  return [operation, ...[...used].map((fragmentName) => fragments.get(fragmentName) as ASTNode)].map(print).join('\n');
}

beforeAll(async () => {
  t = await startTestGateway();
  server = createServer(t.gateway.yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const composed = composeServices([
    { name: 'email-security', typeDefs: parse(renderSchemas()['schema/subgraph.graphql'] as string), url },
  ]);
  if (compositionHasErrors(composed)) throw new Error(composed.errors.map((error) => error.message).join('\n'));
  router = createGatewayRuntime({
    ...gatewayOptions,
    demandControl: { includeExtensionMetadata: true, typeCost: () => 0, operationTypeCost: () => 0 },
    supergraph: () => composed.supergraphSdl,
    logging: false,
  });
});
afterAll(async () => {
  await router?.dispose();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await t.close();
});

describe('the router and the gateway price operations alike', () => {
  test('for the operations in schema/operations, the router, the gateway and the Cloudflare calls made give the same number', async () => {
    const [message, toMove] = t.sim.state.listMessages(SIMULATOR_ACCOUNT_ID);
    const [insight] = t.sim.state.listInsights(SIMULATOR_ACCOUNT_ID);
    const scope = { accountId: SIMULATOR_ACCOUNT_ID };
    const operations = [
      { file: 'triage', name: 'TriagePage', variables: { first: 10 } },
      { file: 'message-details', name: 'MessageDetails', variables: { id: message?.id } },
      { file: 'message-details', name: 'MessageRaw', variables: { id: message?.id } },
      { file: 'insights', name: 'InsightsDashboard', variables: { scope, first: 5 } },
      { file: 'insights', name: 'InsightDetails', variables: { scope, id: insight?.id } },
      { file: 'bulk', name: 'BulkJobs', variables: { first: 5 } },
      {
        file: 'actions',
        name: 'MoveMessages',
        variables: { input: { ids: [toMove?.id], destination: 'JUNK_EMAIL' } },
      },
    ];
    const prices: Record<string, { router: unknown; gateway: number; calls: number }> = {};
    for (const { file, name, variables } of operations) {
      const query = operationFrom(file, name);
      t.sim.resetRequests();
      const response = await router.fetch('http://router.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, operationName: name, variables }),
      });
      const result = (await response.json()) as { errors?: unknown[]; extensions?: { cost?: { estimated?: number } } };
      expect(result.errors, name).toBeUndefined();
      prices[name] = {
        router: result.extensions?.cost?.estimated,
        gateway: estimateUpstreamCost(schema, parse(query), name, variables),
        calls: t.sim.count(),
      };
    }
    const agreed = (gateway: number) => ({ router: gateway, gateway, calls: gateway });
    expect(prices).toEqual({
      // One search, and a detection per message of the page.
      TriagePage: agreed(11),
      // The message, its detection, trace and preview.
      MessageDetails: agreed(4),
      MessageRaw: agreed(2),
      // The severity counts and one page of insights.
      InsightsDashboard: agreed(2),
      // The insight (one S1 page), its context and one page of its audit log.
      InsightDetails: agreed(3),
      BulkJobs: agreed(1),
      // The move, and the message read fresh for its one outcome.
      MoveMessages: agreed(2),
    });
  });
});
