/**
 * The alternatives on the same simulator: (a)/(b) an app on the official `cloudflare` SDK, with
 * sequential awaits and with `Promise.all`; (c) the floor, bare yoga + Pothos on static data.
 */
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/constants.js';
import { stop } from '../lib/processes.js';
import { type RunContext, startBenchServer } from './context.js';
import { graphqlRequest, verifyGraphql } from './http.js';
import { measure } from './measure.js';
import { LATENCY_MS, TRIAGE_PAGE, wants } from './settings.js';

export async function runAlternatives(context: RunContext): Promise<void> {
  const sdkEnv = {
    CLOUDFLARE_BASE_URL: context.simulator.baseUrl,
    CLOUDFLARE_API_TOKEN: 'bench-sdk-token',
    CLOUDFLARE_ACCOUNT_ID: SIMULATOR_ACCOUNT_ID,
  };
  for (const [id, mode, label] of [
    ['a', 'sequential', 'SDK direct, sequential awaits'],
    ['b', 'parallel', 'SDK direct, Promise.all'],
  ] as const) {
    if (!wants(id)) continue;
    const app = await startBenchServer(context, `sdk-${mode}`, 'bench/servers/sdk-app.ts', { ...sdkEnv, MODE: mode });
    context.results.push(
      await measure(context.simulator, {
        id,
        label,
        group: 'alternative',
        description:
          mode === 'sequential'
            ? `cloudflare SDK 7.3.0 (maxRetries 0): investigate.list, then \`await detections.get()\` per message in a for-loop; GET /triage on node:http.`
            : `cloudflare SDK 7.3.0 (maxRetries 0): investigate.list, then Promise.all over detections.get(); GET /triage on node:http.`,
        cache: null,
        url: app.url,
        requests: [{ method: 'GET', path: `/triage?first=${TRIAGE_PAGE}` }],
        processes: [app.child],
        criticalPathMs: 2 * LATENCY_MS,
      }),
    );
    await stop(app.child);
  }
  if (wants('c')) {
    const floor = await startBenchServer(context, 'floor', 'bench/servers/floor.ts', {});
    const { triageBody, triagePageOnly } = context.operations;
    context.results.push(
      await measure(context.simulator, {
        id: 'c',
        label: 'floor: bare yoga + Pothos, static',
        group: 'alternative',
        description:
          'The same TriagePage operation against bare graphql-yoga + Pothos returning static data (no upstream, auth, logging, validation).',
        cache: null,
        url: floor.url,
        // Only the TriagePage operation: the floor's schema has neither `nodes` nor @defer, and a
        // document is validated whole.
        requests: [graphqlRequest({ ...triageBody, query: triagePageOnly }, null)],
        verifyBody: verifyGraphql,
        processes: [floor.child],
        criticalPathMs: null,
      }),
    );
    await stop(floor.child);
  }
}
