/**
 * Scenario 4: Hive Gateway (own process) over the case-management subgraph and this gateway as a
 * subgraph, composed here from their SDL.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compositionHasErrors, composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { ROOT, type Server, stop } from '../lib/processes.js';
import { caseManagementTypeDefs } from '../../test/federation/case-management.js';
import { type RunContext, startBenchServer } from './context.js';
import { cyclingRequest, verifyGraphql } from './http.js';
import { measure } from './measure.js';
import { FEDERATED_CASES, LATENCY_MS } from './settings.js';

/** `ids`: the messages the subgraph's cases reference, one case each. */
export async function runFederatedScenario(context: RunContext, gateway: Server, ids: string[]): Promise<void> {
  const cm = await startBenchServer(
    context,
    'case-management',
    'bench/servers/case-management.ts',
    { CASE_MESSAGE_IDS: ids.join(',') },
    '/graphql?query=%7B__typename%7D',
  );
  const composition = composeServices([
    {
      name: 'email-security',
      typeDefs: parse(readFileSync(join(ROOT, 'schema/subgraph.graphql'), 'utf8')),
      url: `${gateway.url}/graphql`,
    },
    { name: 'case-management', typeDefs: parse(caseManagementTypeDefs), url: `${cm.url}/graphql` },
  ]);
  if (compositionHasErrors(composition)) throw new Error(composition.errors.map((error) => error.message).join('\n'));
  const supergraphPath = join(context.logDir, 'supergraph.graphql');
  writeFileSync(supergraphPath, composition.supergraphSdl);
  const hive = await startBenchServer(context, 'hive-gateway', 'bench/servers/hive-gateway.ts', {
    SUPERGRAPH_PATH: supergraphPath,
  });
  context.results.push(
    await measure(context.simulator, {
      id: '4',
      label: 'federated (Hive Gateway)',
      group: 'gateway',
      description: `Through Hive Gateway (own process): \`cases(offset, first: ${FEDERATED_CASES}) { id title message { id subject finalDisposition detection { action threatCategories { name } } } }\` — ${FEDERATED_CASES} cases from the case-management subgraph (offset cycles over 100 cases so concurrent requests differ: Hive Gateway deduplicates identical in-flight subgraph requests), messages resolved by this gateway via _entities (E2, then E3 per message).`,
      cache: 'off',
      url: hive.url,
      requests: [
        cyclingRequest(context.token, (n) => ({
          query: context.operations.federatedQuery,
          operationName: 'CasePage',
          variables: { offset: (n * FEDERATED_CASES) % (ids.length - FEDERATED_CASES + 1) },
        })),
      ],
      verifyBody: verifyGraphql,
      processes: [hive.child, gateway.child, cm.child],
      criticalPathMs: 2 * LATENCY_MS,
    }),
  );
  await stop(hive.child);
  await stop(cm.child);
}
