/**
 * `npm run bench` (after `npm run build`): the gateway's benchmark suite.
 *
 * Processes (all on 127.0.0.1, each its own PID, stopped by PID in `finally` and on SIGINT/SIGTERM):
 *   simulator   node dist/simulator/main.js, SIMULATOR_LATENCY_MS=25, budget emulation on
 *   gateway     node dist/server.js, NODE_ENV=production, JWT verifier, LOG_LEVEL=info to a file
 *   subgraph    bench/servers/case-management.ts   (scenario 4)
 *   router      bench/servers/hive-gateway.ts      (scenario 4, Hive Gateway runtime)
 *   sdk app     bench/servers/sdk-app.ts           (alternatives a and b)
 *   floor       bench/servers/floor.ts             (alternative c)
 * Load comes from this process (autocannon's programmatic API). Every child is preloaded with
 * bench/lib/loopback-guard.mjs, which refuses any non-loopback TCP connection.
 *
 * Env knobs: BENCH_DURATION (s, default 8), BENCH_WARMUP (s, default 2), BENCH_CONNECTIONS (default 10).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { compositionHasErrors, composeServices } from '@theguild/federation-composition';
import type { AutocannonRequest } from 'autocannon';
import { parse } from 'graphql';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { SIMULATOR_ACCOUNT_ID } from '../src/simulator/constants.js';
import { type LoadResult, runLoad } from './lib/load.js';
import {
  type Child,
  cpuMs,
  freePort,
  killAllSync,
  memory,
  ROOT,
  round,
  spawnNode,
  stop,
  stopAll,
  waitReady,
} from './lib/processes.js';
import { type BenchResults, publishRequested, type ScenarioResult, writeReports } from './lib/report.js';
import { caseManagementTypeDefs } from './servers/case-management.js';

const LATENCY_MS = 25;
const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const PROBE_SECONDS = 3;
const PROBE_MAX = 20;
/** High enough that no scenario can trip the simulator's lockout; usage is also reset before each scenario. */
const SIM_BUDGET = { limit: 50_000_000, windowSeconds: 300, lockoutSeconds: 300 };
const GATEWAY_BUDGET_LIMIT = '50000000';
const ISSUER = 'esgw-bench';
const AUDIENCE = 'email-security-gateway';
const TRIAGE_PAGE = 25;
const FEDERATED_CASES = 5;
/** Report order (the run order differs: scenarios sharing a gateway process run together). */
const ORDER = ['1', '2', '2b', '3', '4', '5', 'a', 'b', 'c'];

const logDir = mkdtempSync(join(tmpdir(), 'esgw-bench-'));
const verifyGraphql = (body: string) => !body.includes('"errors":') && !/"__typename":"\w*Error"/.test(body);

// ───────────────────────────── simulator control ─────────────────────────────

let simOrigin = '';
async function control(method: 'GET' | 'POST', action: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${simOrigin}/__simulator/${action}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok)
    throw new Error(`simulator control ${method} ${action}: ${response.status} ${await response.text()}`);
  return response.json();
}
async function upstreamCounts(): Promise<{ total: number; endpoints: Record<string, number> }> {
  return (await control('GET', 'counts')) as { total: number; endpoints: Record<string, number> };
}
async function quiesce(maxMs = 10_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = (await upstreamCounts()).total;
  let quietSince = Date.now();
  while (Date.now() < deadline && Date.now() - quietSince < 300) {
    await sleep(50);
    const now = (await upstreamCounts()).total;
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    }
  }
}
/** Seed state back, knobs back, then the bench's latency and (raised) budget; budget usage is cleared. */
async function resetSimulator(): Promise<void> {
  await control('POST', 'reset');
  await control('POST', 'latency', { ms: LATENCY_MS });
  await control('POST', 'budget', SIM_BUDGET);
}

// ───────────────────────────── scenarios ─────────────────────────────

interface ScenarioSpec {
  id: string;
  label: string;
  group: 'gateway' | 'alternative';
  description: string;
  cache: 'off' | 'on' | null;
  url: string;
  requests: AutocannonRequest[];
  verifyBody?: (body: string) => boolean;
  /** The serving process first, then any other process doing the work (subgraphs). */
  processes: Child[];
  /** Upstream RTTs on the critical path × LATENCY_MS; null where it does not apply. */
  criticalPathMs: number | null;
}

let simulator: Child;

async function measure(spec: ScenarioSpec): Promise<ScenarioResult> {
  process.stdout.write(`\n▶ ${spec.id} ${spec.label}\n`);
  await resetSimulator();
  const loadOptions = {
    url: spec.url,
    requests: spec.requests,
    ...(spec.verifyBody ? { verifyBody: spec.verifyBody } : {}),
  };
  const warmup = await runLoad({ ...loadOptions, connections: CONNECTIONS, durationSeconds: WARMUP });
  const probe = await runLoad({
    ...loadOptions,
    connections: 1,
    durationSeconds: PROBE_SECONDS,
    maxRequests: PROBE_MAX,
  });

  // Requests cut off at the end of the warm-up/probe can keep an app calling upstream (the SDK loop
  // does not cancel): wait until the simulator has been quiet for 300 ms before counting.
  await quiesce();
  await control('POST', 'reset-requests');
  const watched = [...spec.processes, simulator];
  const cpuBefore = watched.map((child) => cpuMs(child.pid));
  // A fixed number of requests sized from the warm-up rate (≈ DURATION seconds): the run ends with
  // nothing in flight, so upstream calls ÷ responses and CPU ÷ responses are exact.
  const amount = Math.max(
    CONNECTIONS * 6,
    Math.round((warmup.completed / Math.max(0.5, warmup.durationSeconds)) * DURATION),
  );
  const load: LoadResult = await runLoad({
    ...loadOptions,
    connections: CONNECTIONS,
    durationSeconds: DURATION,
    amount,
  });
  const cpuAfter = watched.map((child) => cpuMs(child.pid));
  const counts = await upstreamCounts();

  const perRequest = (index: number) =>
    round(((cpuAfter[index] as number) - (cpuBefore[index] as number)) / Math.max(1, load.completed), 2);
  const serving = spec.processes[0] as Child;
  const perOp = (n: number) => round(n / Math.max(1, load.completed), 2);
  const result: ScenarioResult = {
    id: spec.id,
    label: spec.label,
    group: spec.group,
    description: spec.description,
    cache: spec.cache,
    servedBy: serving.name,
    load,
    unloaded: { requests: probe.completed, p50: probe.latencyMs.p50, p95: probe.latencyMs.p95, failed: probe.failed },
    criticalPathMs: spec.criticalPathMs,
    p50OverCriticalPath: spec.criticalPathMs ? round(load.latencyMs.p50 / spec.criticalPathMs, 2) : null,
    unloadedP50OverCriticalPath: spec.criticalPathMs ? round(probe.latencyMs.p50 / spec.criticalPathMs, 2) : null,
    upstreamCallsPerOp: perOp(counts.total),
    upstreamCallsPerOpByEndpoint: Object.fromEntries(
      Object.entries(counts.endpoints).map(([endpoint, n]) => [endpoint, perOp(n)]),
    ),
    cpuMsPerRequest: perRequest(0),
    ...memory(serving.pid),
    processes: watched.map((child, index) => ({
      name: child.name,
      cpuMsPerRequest: perRequest(index),
      ...memory(child.pid),
    })),
  };
  const l = result.load;
  process.stdout.write(
    `  ${l.requestsPerSecond} req/s  p50 ${l.latencyMs.p50} ms  p95 ${l.latencyMs.p95} ms  p99 ${l.latencyMs.p99} ms  ` +
      `(${l.completed} done, ${l.failed} failed)  unloaded p50 ${probe.latencyMs.p50} ms  upstream/op ${result.upstreamCallsPerOp}  ` +
      `cpu ${result.cpuMsPerRequest} ms/req  rss ${result.rssMiB} MiB\n`,
  );
  if (l.failed > 0 || probe.failed > 0) process.stdout.write(`  ⚠ ${l.failed + probe.failed} failed responses\n`);
  return result;
}

function graphqlRequest(body: unknown, token: string | null, path = '/graphql'): AutocannonRequest {
  return {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  };
}

/** One request whose body is rebuilt for each call (ids cycle, idempotency keys are unique). */
function cyclingRequest(token: string | null, build: (n: number) => unknown): AutocannonRequest {
  let n = 0;
  return {
    ...graphqlRequest({}, token),
    setupRequest: (request) => ({ ...request, body: JSON.stringify(build(n++)) }),
  };
}

// ───────────────────────────── processes ─────────────────────────────

async function startSimulator(): Promise<Child> {
  const port = await freePort();
  const child = spawnNode(
    'simulator',
    ['dist/simulator/main.js'],
    { SIMULATOR_PORT: String(port), SIMULATOR_HOST: '127.0.0.1', SIMULATOR_LATENCY_MS: String(LATENCY_MS) },
    logDir,
  );
  simOrigin = `http://127.0.0.1:${port}`;
  await waitReady(child, `${simOrigin}/__simulator/counts`);
  return child;
}

async function startGateway(
  name: string,
  publicKey: string,
  env: Record<string, string>,
): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const child = spawnNode(
    name,
    ['dist/server.js'],
    {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      CLOUDFLARE_API_TOKEN: 'bench-gateway-token',
      CLOUDFLARE_ACCOUNT_ID: SIMULATOR_ACCOUNT_ID,
      CLOUDFLARE_BASE_URL: `${simOrigin}/client/v4`,
      AUTH_PUBLIC_KEY: publicKey,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      BUDGET_LIMIT: GATEWAY_BUDGET_LIMIT,
      ...env,
    },
    logDir,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(child, `${url}/health`);
  return { child, url };
}

async function startBenchServer(
  name: string,
  file: string,
  env: Record<string, string>,
  health = '/health',
): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const child = spawnNode(
    name,
    ['--import', 'tsx', file],
    { ...env, PORT: String(port), NODE_ENV: 'production' },
    logDir,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(child, `${url}${health}`, 60_000);
  return { child, url };
}

// ───────────────────────────── main ─────────────────────────────

async function main(): Promise<void> {
  for (const file of ['dist/server.js', 'dist/simulator/main.js']) {
    if (!existsSync(join(ROOT, file)))
      throw new Error(`${file} is missing: run \`npm run build\` first (\`npm run bench\` does)`);
  }
  const startedAt = new Date();
  const loadAtStart = round(loadavg()[0] ?? 0, 2);
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const publicKeyPem = await exportSPKI(publicKey);
  const token = await new SignJWT({ scope: 'email-security:read email-security:write email-security:raw' })
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('bench-analyst')
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(privateKey);

  const triageDocument = readFileSync(join(ROOT, 'schema/operations/triage.graphql'), 'utf8');
  const actionsDocument = readFileSync(join(ROOT, 'schema/operations/actions.graphql'), 'utf8');
  const triageBody = {
    query: triageDocument,
    operationName: 'TriagePage',
    variables: { first: TRIAGE_PAGE, filter: { detectionsOnly: true } },
  };
  const federatedQuery = `query CasePage($offset: Int!) { cases(offset: $offset, first: ${FEDERATED_CASES}) { id title message { id subject finalDisposition detection { action threatCategories { name } } } } }`;
  const messageQuery =
    'query MessageById($id: ID!) { message(id: $id) { id subject from fromName scannedAt finalDisposition deliveryStatus isQuarantined } }';

  simulator = await startSimulator();
  await resetSimulator();
  const results: ScenarioResult[] = [];

  // Gateway A: production-like, cache OFF (scenarios 1, 2, 4, 5 measure the fan-out itself).
  const gatewayA = await startGateway('gateway', publicKeyPem, { CACHE_ENABLED: 'false' });
  const idsResponse = await fetch(`${gatewayA.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ messages(first: 100) { nodes { id } } }' }),
  });
  const idsBody = (await idsResponse.json()) as { data?: { messages: { nodes: { id: string }[] } }; errors?: unknown };
  const ids = idsBody.data?.messages.nodes.map((node) => node.id) ?? [];
  if (ids.length < 20)
    throw new Error(`could not list message ids through the gateway: ${JSON.stringify(idsBody).slice(0, 500)}`);
  const pick = (n: number) => ids[n % ids.length] as string;

  results.push(
    await measure({
      id: '1',
      label: 'message(id:)',
      group: 'gateway',
      description: 'One message by id (ids cycle over 100 messages); one E2 call.',
      cache: 'off',
      url: gatewayA.url,
      requests: [
        cyclingRequest(token, (n) => ({
          query: messageQuery,
          operationName: 'MessageById',
          variables: { id: pick(n) },
        })),
      ],
      verifyBody: verifyGraphql,
      processes: [gatewayA.child],
      criticalPathMs: LATENCY_MS,
    }),
  );
  results.push(
    await measure({
      id: '2',
      label: 'triage page',
      group: 'gateway',
      description: `TriagePage (schema/operations/triage.graphql): messages(first: ${TRIAGE_PAGE}, detectionsOnly) with detection per message; UPSTREAM_FANOUT_CONCURRENCY default (8).`,
      cache: 'off',
      url: gatewayA.url,
      requests: [graphqlRequest(triageBody, token)],
      verifyBody: verifyGraphql,
      processes: [gatewayA.child],
      criticalPathMs: 2 * LATENCY_MS,
    }),
  );

  // Scenario 4: Hive Gateway → case-management subgraph + this gateway as a subgraph.
  const cm = await startBenchServer(
    'case-management',
    'bench/servers/case-management.ts',
    { CASE_MESSAGE_IDS: ids.join(',') },
    '/graphql?query=%7B__typename%7D',
  );
  const composition = composeServices([
    {
      name: 'email-security',
      typeDefs: parse(readFileSync(join(ROOT, 'schema/subgraph.graphql'), 'utf8')),
      url: `${gatewayA.url}/graphql`,
    },
    { name: 'case-management', typeDefs: parse(caseManagementTypeDefs), url: `${cm.url}/graphql` },
  ]);
  if (compositionHasErrors(composition)) throw new Error(composition.errors.map((error) => error.message).join('\n'));
  const supergraphPath = join(logDir, 'supergraph.graphql');
  writeFileSync(supergraphPath, composition.supergraphSdl);
  const hive = await startBenchServer('hive-gateway', 'bench/servers/hive-gateway.ts', {
    SUPERGRAPH_PATH: supergraphPath,
  });
  results.push(
    await measure({
      id: '4',
      label: 'federated (Hive Gateway)',
      group: 'gateway',
      description: `Through Hive Gateway (own process): \`cases(offset, first: ${FEDERATED_CASES}) { id title message { id subject finalDisposition detection { action threatCategories { name } } } }\` — ${FEDERATED_CASES} cases from the case-management subgraph (offset cycles over 100 cases so concurrent requests differ: Hive Gateway deduplicates identical in-flight subgraph requests), messages resolved by this gateway via _entities (E2, then E3 per message).`,
      cache: 'off',
      url: hive.url,
      requests: [
        cyclingRequest(token, (n) => ({
          query: federatedQuery,
          operationName: 'CasePage',
          variables: { offset: (n * FEDERATED_CASES) % (ids.length - FEDERATED_CASES + 1) },
        })),
      ],
      verifyBody: verifyGraphql,
      processes: [hive.child, gatewayA.child, cm.child],
      criticalPathMs: 2 * LATENCY_MS,
    }),
  );
  await stop(hive.child);
  await stop(cm.child);

  const destinations = ['JUNK_EMAIL', 'INBOX', 'DELETED_ITEMS'];
  const reclassifications = ['SPAM', 'NONE', 'BULK'];
  const runId = Date.now().toString(36);
  results.push(
    await measure({
      id: '5',
      label: 'mutation mix',
      group: 'gateway',
      description:
        'moveMessages / releaseMessages / reclassifyMessage in turn, one id each (cycling over 100 ids), a distinct idempotency key per request.',
      cache: 'off',
      url: gatewayA.url,
      requests: [
        cyclingRequest(token, (n) => {
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
      processes: [gatewayA.child],
      criticalPathMs: null,
    }),
  );
  await stop(gatewayA.child);

  // Scenario 2b: same triage page, fan-out concurrency raised to the page size.
  const gatewayWide = await startGateway('gateway-fanout25', publicKeyPem, {
    CACHE_ENABLED: 'false',
    UPSTREAM_FANOUT_CONCURRENCY: String(TRIAGE_PAGE),
  });
  results.push(
    await measure({
      id: '2b',
      label: 'triage page, fan-out 25',
      group: 'gateway',
      description: `Scenario 2 with UPSTREAM_FANOUT_CONCURRENCY=${TRIAGE_PAGE} (the whole page in one wave).`,
      cache: 'off',
      url: gatewayWide.url,
      requests: [graphqlRequest(triageBody, token)],
      verifyBody: verifyGraphql,
      processes: [gatewayWide.child],
      criticalPathMs: 2 * LATENCY_MS,
    }),
  );
  await stop(gatewayWide.child);

  // Gateway B: cache ON, scenario 3 only.
  const gatewayCached = await startGateway('gateway-cached', publicKeyPem, { CACHE_ENABLED: 'true' });
  results.push(
    await measure({
      id: '3',
      label: 'triage page, cache warm',
      group: 'gateway',
      description:
        'Scenario 2 repeated with CACHE_ENABLED=true (default TTLs: search 15 s, message 30 s); the warm-up fills the cache.',
      cache: 'on',
      url: gatewayCached.url,
      requests: [graphqlRequest(triageBody, token)],
      verifyBody: verifyGraphql,
      processes: [gatewayCached.child],
      criticalPathMs: null,
    }),
  );
  await stop(gatewayCached.child);

  // Alternatives on the same simulator.
  const sdkEnv = {
    CLOUDFLARE_BASE_URL: `${simOrigin}/client/v4`,
    CLOUDFLARE_API_TOKEN: 'bench-sdk-token',
    CLOUDFLARE_ACCOUNT_ID: SIMULATOR_ACCOUNT_ID,
  };
  for (const [id, mode, label] of [
    ['a', 'sequential', 'SDK direct, sequential awaits'],
    ['b', 'parallel', 'SDK direct, Promise.all'],
  ] as const) {
    const app = await startBenchServer(`sdk-${mode}`, 'bench/servers/sdk-app.ts', { ...sdkEnv, MODE: mode });
    results.push(
      await measure({
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
  const floor = await startBenchServer('floor', 'bench/servers/floor.ts', {});
  results.push(
    await measure({
      id: 'c',
      label: 'floor: bare yoga + Pothos, static',
      group: 'alternative',
      description:
        'The same TriagePage operation against bare graphql-yoga + Pothos returning static data (no upstream, auth, logging, validation).',
      cache: null,
      url: floor.url,
      requests: [graphqlRequest(triageBody, null)],
      verifyBody: verifyGraphql,
      processes: [floor.child],
      criticalPathMs: null,
    }),
  );
  await stop(floor.child);

  const cpu = cpus();
  const bench: BenchResults = {
    generatedAt: startedAt.toISOString(),
    machine: {
      cpu: cpu[0]?.model.trim() ?? 'unknown',
      cores: cpu.length,
      memoryGiB: round(totalmem() / 1024 ** 3, 1),
      kernel: `Linux ${release()}`,
      node: process.version,
      loadAverage1m: { atStart: loadAtStart, atEnd: round(loadavg()[0] ?? 0, 2) },
    },
    settings: {
      upstreamLatencyMs: LATENCY_MS,
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      warmupSeconds: WARMUP,
      unloadedProbe: { connections: 1, seconds: PROBE_SECONDS, maxRequests: PROBE_MAX },
      simulatorBudget: SIM_BUDGET,
      gatewayBudgetLimit: Number(GATEWAY_BUDGET_LIMIT),
      triagePageSize: TRIAGE_PAGE,
    },
    scenarios: [...results].sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id)),
  };
  const written = writeReports(bench);
  const shown = [join(written.resultsDir, 'latest.json'), written.doc, written.svg].map((p) => relative(ROOT, p));
  process.stdout.write(
    `\nwrote ${shown.join(', ')}${publishRequested() ? '' : ' (not published: add --publish to update docs/ and bench/results/)'}\n`,
  );
}

let exiting = false;
async function shutdown(code: number): Promise<never> {
  if (!exiting) {
    exiting = true;
    await stopAll();
    rmSync(logDir, { recursive: true, force: true });
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));
process.on('exit', killAllSync);

try {
  await main();
  await shutdown(0);
} catch (error) {
  // Interrupted (SIGINT/SIGTERM): shutdown() is already stopping everything and exits.
  if (exiting) await new Promise(() => undefined);
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n(logs kept in ${logDir})\n`,
  );
  exiting = true;
  await stopAll();
  process.exit(1);
}
