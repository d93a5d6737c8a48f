/**
 * The gateway's own scenarios, grouped by the gateway process they share:
 *   `gateway-defaults`  every default, cache off: 2 (paced at UPSTREAM_MAX_RPS 150);
 *   `gateway`           the pacer raised like the budget: 1, 2L, 2d (+ its probe), 4, 5;
 *   `gateway-baseline`  BENCH_BASELINE_DIST's build: 2-base (+ its deferred probe);
 *   `gateway-cached`    cache on: 3.
 */
import { join } from 'node:path';
import type { Server } from '../lib/processes.js';
import { stop } from '../lib/processes.js';
import { type RunContext, startBenchGateway } from './context.js';
import { runFederatedScenario } from './federated.js';
import { cyclingRequest, graphqlRequest, verifyGraphql } from './http.js';
import { measure, resetSimulator, type ScenarioSpec } from './measure.js';
import { deferredProbe } from './probes.js';
import {
  BASELINE_DIST,
  BASELINE_LABEL,
  EXTRA_ENV,
  EXTRA_NODE_ARGS,
  LATENCY_MS,
  PACER_RAISED,
  TRIAGE_PAGE,
  wants,
} from './settings.js';

/** The loaded triage page (TriagePage, cache off) against one gateway. */
export function triageSpec(
  context: RunContext,
  id: string,
  label: string,
  description: string,
  gateway: Server,
): ScenarioSpec {
  return {
    id,
    label,
    group: 'gateway',
    description,
    cache: 'off',
    url: gateway.url,
    requests: [graphqlRequest(context.operations.triageBody, context.token)],
    verifyBody: verifyGraphql,
    processes: [gateway.child],
    criticalPathMs: 2 * LATENCY_MS,
  };
}

/**
 * Gateway D: every default (pacer 150 upstream requests/s, in-flight cap 64, fan-out 100) except
 * the cache, OFF so the page measures the fan-out: scenario 2.
 */
export async function runDefaultsScenario(context: RunContext): Promise<void> {
  if (!wants('2')) return;
  const triageDescription = `TriagePage (schema/operations/triage.graphql): messages(first: ${TRIAGE_PAGE}, detectionsOnly) with detection per message; every setting at its default (UPSTREAM_FANOUT_CONCURRENCY 100: the page's 25 detections in one wave; UPSTREAM_MAX_IN_FLIGHT 64; UPSTREAM_MAX_RPS 150, which under load paces the gateway to 150 ÷ 26 ≈ 5.8 pages/s by design — Cloudflare allows 200 requests/s per IP).`;
  const gatewayD = await startBenchGateway(context, 'gateway-defaults', { CACHE_ENABLED: 'false' });
  context.results.push(
    await measure(context.simulator, triageSpec(context, '2', 'triage page, defaults', triageDescription, gatewayD)),
  );
  await stop(gatewayD.child);
}

/** 100 message ids read through the gateway: the scenarios cycle over them. */
async function listMessageIds(gateway: Server, token: string): Promise<string[]> {
  const idsResponse = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ messages(first: 100) { nodes { id } } }' }),
  });
  const idsBody = (await idsResponse.json()) as { data?: { messages: { nodes: { id: string }[] } }; errors?: unknown };
  const ids = idsBody.data?.messages.nodes.map((node) => node.id) ?? [];
  if (ids.length < 20)
    throw new Error(`could not list message ids through the gateway: ${JSON.stringify(idsBody).slice(0, 500)}`);
  return ids;
}

/**
 * Gateway A: production-like, cache OFF, the pacer raised to what the simulator takes (as the
 * budget is: the load test measures the gateway's CPU and latency, not the 150/s pacing): 1, 2L, 2d, 4, 5.
 */
export async function runLoadGatewayScenarios(context: RunContext): Promise<void> {
  const { operations, token, results } = context;
  const gatewayA = await startBenchGateway(
    context,
    'gateway',
    { CACHE_ENABLED: 'false', UPSTREAM_MAX_RPS: PACER_RAISED, ...EXTRA_ENV },
    'dist/server.js',
    EXTRA_NODE_ARGS,
  );
  const ids = await listMessageIds(gatewayA, token);
  const pick = (n: number) => ids[n % ids.length] as string;

  if (wants('1')) {
    results.push(
      await measure(context.simulator, {
        id: '1',
        label: 'message(id:)',
        group: 'gateway',
        description: 'One message by id (ids cycle over 100 messages); one E2 call.',
        cache: 'off',
        url: gatewayA.url,
        requests: [
          cyclingRequest(token, (n) => ({
            query: operations.messageQuery,
            operationName: 'MessageById',
            variables: { id: pick(n) },
          })),
        ],
        verifyBody: verifyGraphql,
        processes: [gatewayA.child],
        criticalPathMs: LATENCY_MS,
      }),
    );
  }
  const loadedDescription = `Scenario 2 with UPSTREAM_MAX_RPS=${PACER_RAISED} (the pacer raised like the budget, so the load measures the gateway, not the pacing; in-flight cap 64 and fan-out 100 at their defaults).`;
  if (wants('2L'))
    results.push(
      await measure(context.simulator, triageSpec(context, '2L', 'triage page, loaded', loadedDescription, gatewayA)),
    );
  if (wants('2d')) await runDeferredScenario(context, gatewayA);
  if (wants('4')) await runFederatedScenario(context, gatewayA, ids);
  if (wants('5')) results.push(await measure(context.simulator, mutationMixSpec(context, gatewayA, pick)));
  await stop(gatewayA.child);
}

async function runDeferredScenario(context: RunContext, gateway: Server): Promise<void> {
  const { operations, token } = context;
  context.results.push(
    await measure(context.simulator, {
      id: '2d',
      label: 'triage page, @defer (multipart)',
      group: 'gateway',
      description: `TriagePageDeferred (schema/operations/triage.graphql) with \`accept: multipart/mixed\`: the list (E1) in the first part, then each message's detection (E3) in its own part; loaded like 2, the whole multipart response counted.`,
      cache: 'off',
      url: gateway.url,
      requests: [
        {
          ...graphqlRequest(operations.triageDeferredBody, token),
          headers: {
            'content-type': 'application/json',
            accept: 'multipart/mixed',
            authorization: `Bearer ${token}`,
          },
        },
      ],
      verifyBody: verifyGraphql,
      processes: [gateway.child],
      criticalPathMs: 2 * LATENCY_MS,
    }),
  );
  // Time to first part, on a warm process (hundreds of pages in): one page at a time, so the
  // pacer (raised on this gateway) has its full bucket and does not act, exactly as at defaults.
  const probes = context.probes;
  if (probes) {
    process.stdout.write('\n▶ probe: deferred triage page (TriagePageDeferred, multipart/mixed), time to first part\n');
    await resetSimulator(context.simulator.control);
    probes.deferred = await deferredProbe(gateway.url, token, operations.triageDeferredBody);
    const d = probes.deferred;
    process.stdout.write(
      `  first part p50 ${d.firstPartP50} ms  whole response p50 ${d.totalP50} ms  parts ${d.parts}  failed ${d.failed}\n`,
    );
  }
}

function mutationMixSpec(context: RunContext, gateway: Server, pick: (n: number) => string): ScenarioSpec {
  const { actionsDocument } = context.operations;
  const destinations = ['JUNK_EMAIL', 'INBOX', 'DELETED_ITEMS'];
  const reclassifications = ['SPAM', 'NONE', 'BULK'];
  const runId = Date.now().toString(36);
  return {
    id: '5',
    label: 'mutation mix',
    group: 'gateway',
    description:
      'moveMessages / releaseMessages / reclassifyMessage in turn, one id each (cycling over 100 ids), a distinct idempotency key per request.',
    cache: 'off',
    url: gateway.url,
    requests: [
      cyclingRequest(context.token, (n) => {
        const key = `bench-${runId}-${n}`;
        const id = pick(n);
        switch (n % 3) {
          case 0:
            return {
              query: actionsDocument,
              operationName: 'MoveMessages',
              variables: {
                input: { ids: [id], destination: destinations[n % destinations.length], idempotencyKey: key },
              },
            };
          case 1:
            return {
              query: actionsDocument,
              operationName: 'ReleaseMessages',
              variables: { input: { ids: [id], idempotencyKey: key } },
            };
          default:
            return {
              query: actionsDocument,
              operationName: 'ReclassifyMessage',
              variables: {
                input: {
                  id,
                  expectedDisposition: reclassifications[n % reclassifications.length],
                  idempotencyKey: key,
                },
              },
            };
        }
      }),
    ],
    verifyBody: verifyGraphql,
    processes: [gateway.child],
    criticalPathMs: null,
  };
}

/** A/B: the same loaded triage page against a baseline build (BENCH_BASELINE_DIST), right after 2L. */
export async function runBaselineScenario(context: RunContext): Promise<void> {
  if (!BASELINE_DIST || !wants('2L')) return;
  const baseline = await startBenchGateway(
    context,
    'gateway-baseline',
    { CACHE_ENABLED: 'false', UPSTREAM_MAX_RPS: PACER_RAISED },
    join(BASELINE_DIST, 'server.js'),
  );
  context.results.push(
    await measure(
      context.simulator,
      triageSpec(
        context,
        '2-base',
        'triage page, loaded, baseline build',
        `Scenario 2L against the baseline build ${BASELINE_LABEL} (BENCH_BASELINE_DIST), same settings, right after 2L.`,
        baseline,
      ),
    ),
  );
  const probes = context.probes;
  if (wants('2d') && probes) {
    await resetSimulator(context.simulator.control);
    probes.deferredBaseline = await deferredProbe(baseline.url, context.token, context.operations.triageDeferredBody);
    process.stdout.write(
      `  baseline build, deferred: first part p50 ${probes.deferredBaseline.firstPartP50} ms  whole response p50 ${probes.deferredBaseline.totalP50} ms\n`,
    );
  }
  await stop(baseline.child);
}

/** Gateway B: cache ON, scenario 3 only. */
export async function runCachedScenario(context: RunContext): Promise<void> {
  if (!wants('3')) return;
  const gatewayCached = await startBenchGateway(context, 'gateway-cached', { CACHE_ENABLED: 'true' });
  context.results.push(
    await measure(context.simulator, {
      id: '3',
      label: 'triage page, cache warm',
      group: 'gateway',
      description:
        'Scenario 2 repeated with CACHE_ENABLED=true (default TTLs: search 15 s, message 30 s); the warm-up fills the cache.',
      cache: 'on',
      url: gatewayCached.url,
      requests: [graphqlRequest(context.operations.triageBody, context.token)],
      verifyBody: verifyGraphql,
      processes: [gatewayCached.child],
      criticalPathMs: null,
    }),
  );
  await stop(gatewayCached.child);
}
