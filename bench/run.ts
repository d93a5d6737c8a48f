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
 * Probes (sequential, 1 client, p50 over BENCH_PROBE_RUNS runs, default 40): the critical path measured
 * directly against the simulator (one E1 search, then one E3 detection), one upstream RTT (one E3), and
 * the deferred triage page's time to its first multipart part. A last phase profiles the compiled
 * gateway (`node --cpu-prof`) under the loaded triage page and summarises self time by package.
 *
 * Env knobs: BENCH_DURATION (s, default 8), BENCH_WARMUP (s, default 2), BENCH_CONNECTIONS (default 10),
 * BENCH_PROBE_RUNS (default 40), BENCH_ONLY (comma-separated scenario ids, plus `probes` / `profile`),
 * BENCH_PROFILE=0 (skip the profile), BENCH_BASELINE_DIST (a second build of the gateway, e.g. one
 * compiled from another commit with `tsc -p tsconfig.build.json --outDir bench/out/dist-base`: the
 * triage scenario then also runs against it, back to back, and the headline shows after ÷ before;
 * BENCH_BASELINE_LABEL names it), BENCH_GATEWAY_ENV (JSON of extra settings for the load gateway) and
 * BENCH_GATEWAY_NODE_ARGS (extra node flags for it) to try a knob against the baseline.
 *
 * Gateways: `gateway-defaults` (every default, cache off: scenario 2, paced at UPSTREAM_MAX_RPS 150)
 * and `gateway` (the pacer raised like the budget: 1, 2L, 2d, 4, 5, the probes' deferred page).
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { compositionHasErrors, composeServices } from '@theguild/federation-composition';
import type { Request as AutocannonRequest } from 'autocannon';
import { Kind, parse, print } from 'graphql';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { SIMULATOR_ACCOUNT_ID } from '../src/simulator/constants.js';
import { type LoadResult, percentile, runLoad } from './lib/load.js';
import { type ProfileSummary, summariseProfile } from './lib/profile.js';
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
import {
  type BenchResults,
  type ProbeResults,
  publishRequested,
  type ScenarioResult,
  writeReports,
} from './lib/report.js';
import { caseManagementTypeDefs } from './servers/case-management.js';

const LATENCY_MS = 25;
const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const PROBE_SECONDS = 3;
const PROBE_MAX = 30;
const PROBE_RUNS = Number(process.env.BENCH_PROBE_RUNS ?? 40);
const BASELINE_DIST = process.env.BENCH_BASELINE_DIST ?? '';
/** BENCH_GATEWAY_ENV: JSON of extra settings for the load gateway (e.g. '{"UPSTREAM_MAX_IN_FLIGHT":"256"}'), to try a knob. */
const EXTRA_ENV = JSON.parse(process.env.BENCH_GATEWAY_ENV ?? '{}') as Record<string, string>;
/** BENCH_GATEWAY_NODE_ARGS: extra node flags for the load gateway (e.g. `--max-semi-space-size=32`); the baseline gets none. */
const EXTRA_NODE_ARGS = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** How the report names the baseline build (e.g. `main@8fa327e`). */
const BASELINE_LABEL = process.env.BENCH_BASELINE_LABEL ?? (BASELINE_DIST ? relative(ROOT, BASELINE_DIST) : '');
const ONLY = new Set(
  (process.env.BENCH_ONLY ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean),
);
/** Whether a scenario (or `probes`, `profile`) runs: all of them unless BENCH_ONLY names some. */
const wants = (id: string) => (ONLY.size === 0 ? id !== 'profile' || process.env.BENCH_PROFILE !== '0' : ONLY.has(id));
/** High enough that no scenario can trip the simulator's lockout; usage is also reset before each scenario. */
const SIM_BUDGET = { limit: 50_000_000, windowSeconds: 300, lockoutSeconds: 300 };
const GATEWAY_BUDGET_LIMIT = '50000000';
const ISSUER = 'esgw-bench';
const AUDIENCE = 'email-security-gateway';
const TRIAGE_PAGE = 25;
const FEDERATED_CASES = 5;
/** Report order (the run order differs: scenarios sharing a gateway process run together). */
const ORDER = ['1', '2', '2L', '2-base', '2d', '3', '4', '5', 'a', 'b', 'c'];
/** UPSTREAM_MAX_RPS for the load scenarios (the simulator has no per-IP limit; Cloudflare's is 200/s). */
const PACER_RAISED = '100000';

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
  // Requests cut off at the end of the warm-up can keep an app calling upstream (the SDK loop does
  // not cancel): wait until the simulator has been quiet for 300 ms, then a second, so that the
  // gateway's pacer bucket is full again; the unloaded probe is one page at a time with a think time.
  await quiesce();
  await sleep(1_000);
  const probe = await unloadedProbe(spec);
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

// ───────────────────────────── probes (one client, sequential) ─────────────────────────────

/**
 * Think time between two unloaded requests: one analyst opening pages, not a client hammering
 * back to back. 200 ms ≥ 26 calls ÷ UPSTREAM_MAX_RPS 150 (173 ms), so the pacer's bucket refills
 * between pages and every page is measured alone, as the targets mean.
 */
const THINK_MS = 200;

/** The scenario's request, one at a time (PROBE_MAX of them, at most PROBE_SECONDS of requests), THINK_MS apart. */
async function unloadedProbe(
  spec: ScenarioSpec,
): Promise<{ completed: number; failed: number; latencyMs: { p50: number; p95: number } }> {
  const times: number[] = [];
  let failed = 0;
  const deadline = performance.now() + PROBE_SECONDS * 1000 + PROBE_MAX * THINK_MS;
  for (let i = 0; i < PROBE_MAX && performance.now() < deadline; i++) {
    const template = spec.requests[i % spec.requests.length] as AutocannonRequest;
    // (autocannon also takes a module path as setupRequest; this benchmark only builds functions)
    const setup = typeof template.setupRequest === 'function' ? template.setupRequest : null;
    const built = (setup ? setup({ ...template }, {}) : template) as AutocannonRequest;
    const response = await timedRequest(`${spec.url}${built.path ?? '/'}`, {
      method: (built.method ?? 'GET') as 'GET' | 'POST',
      headers: built.headers as Record<string, string> | undefined,
      body: built.body as string | undefined,
    });
    if (response.status < 200 || response.status >= 300 || (spec.verifyBody && !spec.verifyBody(response.body)))
      failed++;
    times.push(response.totalMs);
    await sleep(THINK_MS);
  }
  times.sort((a, b) => a - b);
  return {
    completed: times.length,
    failed,
    latencyMs: { p50: round(percentile(times, 50), 1), p95: round(percentile(times, 95), 1) },
  };
}

const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 });

interface Timed {
  status: number;
  body: string;
  /** ms from sending the request to the end of the first complete multipart part (or of the body). */
  firstPartMs: number;
  totalMs: number;
  parts: number;
}

/** One HTTP request over a keep-alive socket; for multipart/mixed it times the first complete part. */
function timedRequest(
  url: string,
  init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest(url, { method: init.method, headers: init.headers, agent: probeAgent }, (res) => {
      let body = '';
      let firstPartMs = Number.NaN;
      res.setEncoding('utf8');
      // multipart/mixed from yoga: "\r\n---" then per part "\r\nContent-Type…\r\n\r\n{json}\r\n---".
      const parts = () => Math.max(0, body.split('\r\n---').length - 2);
      const multipart = String(res.headers['content-type'] ?? '').startsWith('multipart/mixed');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (multipart && Number.isNaN(firstPartMs) && parts() >= 1) firstPartMs = performance.now() - started;
      });
      res.on('end', () => {
        const totalMs = performance.now() - started;
        resolve({
          status: res.statusCode ?? 0,
          body,
          firstPartMs: multipart ? firstPartMs : totalMs,
          totalMs,
          parts: multipart ? parts() : 1,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const p50 = (values: number[]) =>
  round(
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    ),
    1,
  );

/** Unloaded latencies measured directly: the triage page's critical path and one upstream RTT. */
async function upstreamProbes(): Promise<{ criticalPathP50: number; oneRttP50: number; searchP50: number }> {
  const base = `${simOrigin}/client/v4/accounts/${SIMULATOR_ACCOUNT_ID}/email-security/investigate`;
  const headers = { authorization: 'Bearer bench-probe-token', accept: 'application/json' };
  const search = () => timedRequest(`${base}?detections_only=true&per_page=${TRIAGE_PAGE}`, { method: 'GET', headers });
  const first = JSON.parse((await search()).body) as { result: { id: string }[] };
  const ids = first.result.map((message) => message.id);
  const critical: number[] = [];
  const searches: number[] = [];
  const single: number[] = [];
  for (let i = 0; i < PROBE_RUNS; i++) {
    const started = performance.now();
    const page = await search();
    const id = (JSON.parse(page.body) as { result: { id: string }[] }).result[i % TRIAGE_PAGE]?.id ?? ids[0];
    await timedRequest(`${base}/${encodeURIComponent(id as string)}/detections`, { method: 'GET', headers });
    critical.push(performance.now() - started);
    searches.push(page.totalMs);
    await sleep(THINK_MS / 2);
    single.push(
      (
        await timedRequest(`${base}/${encodeURIComponent(ids[i % ids.length] as string)}/detections`, {
          method: 'GET',
          headers,
        })
      ).totalMs,
    );
    await sleep(THINK_MS / 2);
  }
  return { criticalPathP50: p50(critical), oneRttP50: p50(single), searchP50: p50(searches) };
}

/** The deferred triage page over HTTP (multipart/mixed): time to the first part, to the last, parts per response. */
async function deferredProbe(
  url: string,
  token: string,
  body: unknown,
): Promise<{ firstPartP50: number; totalP50: number; parts: number; failed: number }> {
  const firsts: number[] = [];
  const totals: number[] = [];
  let parts = 0;
  let failed = 0;
  const init = {
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  };
  await timedRequest(`${url}/graphql`, init); // warm (parse/validate caches, sockets)
  await sleep(1_000); // the pacer's bucket full again
  for (let i = 0; i < PROBE_RUNS; i++) {
    const response = await timedRequest(`${url}/graphql`, init);
    if (response.status !== 200 || !verifyGraphql(response.body) || Number.isNaN(response.firstPartMs)) failed++;
    firsts.push(response.firstPartMs);
    totals.push(response.totalMs);
    parts = response.parts;
    await sleep(THINK_MS);
  }
  return { firstPartP50: p50(firsts), totalP50: p50(totals), parts, failed };
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
  script = 'dist/server.js',
  nodeArgs: string[] = [],
): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const child = spawnNode(
    name,
    [...nodeArgs, script],
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
  const triagePageOnly = print({
    kind: Kind.DOCUMENT,
    definitions: parse(triageDocument).definitions.filter(
      (definition) => definition.kind === Kind.OPERATION_DEFINITION && definition.name?.value === 'TriagePage',
    ),
  });
  const triageDeferredBody = {
    query: triageDocument,
    operationName: 'TriagePageDeferred',
    variables: { first: TRIAGE_PAGE, filter: { detectionsOnly: true } },
  };
  const federatedQuery = `query CasePage($offset: Int!) { cases(offset: $offset, first: ${FEDERATED_CASES}) { id title message { id subject finalDisposition detection { action threatCategories { name } } } } }`;
  const messageQuery =
    'query MessageById($id: ID!) { message(id: $id) { id subject from fromName scannedAt finalDisposition deliveryStatus isQuarantined } }';

  simulator = await startSimulator();
  await resetSimulator();
  const results: ScenarioResult[] = [];
  const triageSpec = (
    id: string,
    label: string,
    description: string,
    gateway: { child: Child; url: string },
  ): ScenarioSpec => ({
    id,
    label,
    group: 'gateway',
    description,
    cache: 'off',
    url: gateway.url,
    requests: [graphqlRequest(triageBody, token)],
    verifyBody: verifyGraphql,
    processes: [gateway.child],
    criticalPathMs: 2 * LATENCY_MS,
  });

  // Unloaded probes straight at the simulator: the critical path the triage page cannot beat.
  let probes: ProbeResults | undefined;
  if (wants('probes')) {
    process.stdout.write('\n▶ probes: critical path (E1 then E3) and one upstream RTT (E3), measured directly\n');
    await resetSimulator();
    const upstream = await upstreamProbes();
    probes = { runs: PROBE_RUNS, ...upstream, deferred: null };
    process.stdout.write(
      `  critical path p50 ${upstream.criticalPathP50} ms  one RTT p50 ${upstream.oneRttP50} ms  search p50 ${upstream.searchP50} ms\n`,
    );
  }

  // Gateway D: every default (pacer 150 upstream requests/s, in-flight cap 64, fan-out 100) except
  // the cache, OFF so the page measures the fan-out: scenario 2 and the deferred time to first part.
  const triageDescription = `TriagePage (schema/operations/triage.graphql): messages(first: ${TRIAGE_PAGE}, detectionsOnly) with detection per message; every setting at its default (UPSTREAM_FANOUT_CONCURRENCY 100: the page's 25 detections in one wave; UPSTREAM_MAX_IN_FLIGHT 64; UPSTREAM_MAX_RPS 150, which under load paces the gateway to 150 ÷ 26 ≈ 5.8 pages/s by design — Cloudflare allows 200 requests/s per IP).`;
  if (wants('2') || wants('2d')) {
    const gatewayD = await startGateway('gateway-defaults', publicKeyPem, { CACHE_ENABLED: 'false' });
    if (wants('2')) results.push(await measure(triageSpec('2', 'triage page, defaults', triageDescription, gatewayD)));
    await stop(gatewayD.child);
  }

  // Gateway A: production-like, cache OFF, the pacer raised to what the simulator takes (as the
  // budget is: the load test measures the gateway's CPU and latency, not the 150/s pacing): 1, 2L, 2d, 4, 5.
  const gatewayA = await startGateway(
    'gateway',
    publicKeyPem,
    { CACHE_ENABLED: 'false', UPSTREAM_MAX_RPS: PACER_RAISED, ...EXTRA_ENV },
    'dist/server.js',
    EXTRA_NODE_ARGS,
  );
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

  if (wants('1')) {
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
  }
  const loadedDescription = `Scenario 2 with UPSTREAM_MAX_RPS=${PACER_RAISED} (the pacer raised like the budget, so the load measures the gateway, not the pacing; in-flight cap 64 and fan-out 100 at their defaults).`;
  if (wants('2L')) results.push(await measure(triageSpec('2L', 'triage page, loaded', loadedDescription, gatewayA)));
  if (wants('2d')) {
    results.push(
      await measure({
        id: '2d',
        label: 'triage page, @defer (multipart)',
        group: 'gateway',
        description: `TriagePageDeferred (schema/operations/triage.graphql) with \`accept: multipart/mixed\`: the list (E1) in the first part, then each message's detection (E3) in its own part; loaded like 2, the whole multipart response counted.`,
        cache: 'off',
        url: gatewayA.url,
        requests: [
          {
            ...graphqlRequest(triageDeferredBody, token),
            headers: {
              'content-type': 'application/json',
              accept: 'multipart/mixed',
              authorization: `Bearer ${token}`,
            },
          },
        ],
        verifyBody: verifyGraphql,
        processes: [gatewayA.child],
        criticalPathMs: 2 * LATENCY_MS,
      }),
    );
    // Time to first part, on a warm process (hundreds of pages in): one page at a time, so the
    // pacer (raised on this gateway) has its full bucket and does not act, exactly as at defaults.
    if (probes) {
      process.stdout.write(
        '\n▶ probe: deferred triage page (TriagePageDeferred, multipart/mixed), time to first part\n',
      );
      await resetSimulator();
      probes.deferred = await deferredProbe(gatewayA.url, token, triageDeferredBody);
      const d = probes.deferred;
      process.stdout.write(
        `  first part p50 ${d.firstPartP50} ms  whole response p50 ${d.totalP50} ms  parts ${d.parts}  failed ${d.failed}\n`,
      );
    }
  }

  // Scenario 4: Hive Gateway → case-management subgraph + this gateway as a subgraph.
  if (wants('4')) {
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
  }

  const destinations = ['JUNK_EMAIL', 'INBOX', 'DELETED_ITEMS'];
  const reclassifications = ['SPAM', 'NONE', 'BULK'];
  const runId = Date.now().toString(36);
  if (wants('5')) {
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
  }
  await stop(gatewayA.child);

  // A/B: the same loaded triage page against a baseline build (BENCH_BASELINE_DIST), right after 2L.
  if (BASELINE_DIST && wants('2L')) {
    const baseline = await startGateway(
      'gateway-baseline',
      publicKeyPem,
      { CACHE_ENABLED: 'false', UPSTREAM_MAX_RPS: PACER_RAISED },
      join(BASELINE_DIST, 'server.js'),
    );
    results.push(
      await measure(
        triageSpec(
          '2-base',
          'triage page, loaded, baseline build',
          `Scenario 2L against the baseline build ${BASELINE_LABEL} (BENCH_BASELINE_DIST), same settings, right after 2L.`,
          baseline,
        ),
      ),
    );
    if (wants('2d') && probes) {
      await resetSimulator();
      probes.deferredBaseline = await deferredProbe(baseline.url, token, triageDeferredBody);
      process.stdout.write(
        `  baseline build, deferred: first part p50 ${probes.deferredBaseline.firstPartP50} ms  whole response p50 ${probes.deferredBaseline.totalP50} ms\n`,
      );
    }
    await stop(baseline.child);
  }

  // Gateway B: cache ON, scenario 3 only.
  if (wants('3')) {
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
  }

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
    if (!wants(id)) continue;
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
  if (wants('c')) {
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

  // Profile: the compiled gateway under the loaded triage page, `node --cpu-prof`.
  let profile: (ProfileSummary & { requests: number; cpuMsPerRequest: number }) | undefined;
  if (wants('profile')) {
    process.stdout.write('\n▶ profile: node --cpu-prof dist/server.js under the loaded triage page\n');
    const profileDir = join(logDir, 'cpu-profile');
    const profiled = await startGateway(
      'gateway-profiled',
      publicKeyPem,
      { CACHE_ENABLED: 'false', UPSTREAM_MAX_RPS: PACER_RAISED },
      'dist/server.js',
      ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
    );
    const spawnedAt = performance.now();
    await resetSimulator();
    const options = {
      url: profiled.url,
      requests: [graphqlRequest(triageBody, token)],
      verifyBody: verifyGraphql,
      connections: CONNECTIONS,
    };
    await runLoad({ ...options, durationSeconds: WARMUP });
    // The profile covers the whole process; only the measured load (after start-up and warm-up) is summarised.
    const skipMs = performance.now() - spawnedAt;
    const before = cpuMs(profiled.child.pid);
    const load = await runLoad({ ...options, durationSeconds: DURATION });
    const cpuPerRequest = round((cpuMs(profiled.child.pid) - before) / Math.max(1, load.completed), 2);
    await stop(profiled.child, 15_000);
    const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
    if (file) {
      profile = {
        ...summariseProfile(join(profileDir, file), skipMs, load.durationSeconds * 1000),
        requests: load.completed,
        cpuMsPerRequest: cpuPerRequest,
      };
      // Kept for a closer look (Chrome DevTools / speedscope): bench/out is gitignored.
      mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
      copyFileSync(join(profileDir, file), join(ROOT, 'bench/out/gateway-triage.cpuprofile'));
      for (const entry of profile.groups.slice(0, 10))
        process.stdout.write(`  ${String(entry.percent).padStart(5)} %  ${entry.name}\n`);
    } else {
      process.stdout.write('  ⚠ no .cpuprofile written\n');
    }
  }

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
    ...(probes ? { probes } : {}),
    ...(profile ? { profile } : {}),
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
