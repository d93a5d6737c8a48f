/**
 * Soak test: `npm run soak` (SOAK_MINUTES, default 10).
 *
 * Topology (all on 127.0.0.1):
 *   - the Cloudflare simulator runs as a CHILD PROCESS (bench/soak/simulator.ts, random port), driven
 *     over its `/__simulator/` control API — so its own state and request log are not measured; it is
 *     reset every minute (moves grow its action logs) and its budget equals the governor's limit;
 *   - the gateway runs IN THIS PROCESS behind a real node:http server (createGateway + yoga), with
 *     the production defaults for cache and budget governor (governor limit raised to 100,000,000 on
 *     both sides so the load is not throttled), UPSTREAM_TIMEOUT_MS=1500;
 *   - the load generator (undici Pool, N virtual users) runs in this process too, so the figures
 *     include it (it keeps only counters and a bounded latency reservoir).
 *
 * Mixed load: triage pages (with detections, and their next page by cursor), message details
 * (detection, trace, preview), insights, bulk jobs, moves/releases/miscategorizations with
 * idempotency keys (some keys replayed on purpose), invalid inputs, and a fault injected every few
 * seconds (5xx bursts, 429 with short Retry-After, hangs past the timeout, resets mid-body, malformed
 * JSON, delays, enum drift). Faults stop for the final cool-down.
 *
 * Sampled every SOAK_SAMPLE_MS (default 5000): RSS, heap used after a forced GC, event-loop delay
 * (perf_hooks.monitorEventLoopDelay, paused during the forced GC), open sockets (gateway server
 * connections, upstream pool, load pool, active TCP handles).
 *
 * Fails (exit 1 / thrown error from runSoak's caller) when a bound in BOUNDS is exceeded; the bounds
 * are printed and written to bench/results/soak.{json,md}. Every loop is bounded in time; the
 * simulator child is stopped by its PID, servers and pools are closed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { mulberry32 } from '../src/simulator/prng.js';
import { outputPaths, writeDocSection } from './lib/report.js';
import { createServer, type Server } from 'node:http';
import { dirname, join, relative } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Writable } from 'node:stream';
import { Pool, request } from 'undici';
import { createGateway, type Gateway } from '../src/app.js';
import { ERROR_CODES } from '../src/graphql/errors.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { SIMULATOR_ACCOUNT_ID } from '../src/simulator/constants.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The pass/fail bounds, stated in the output and in soak.md. */
export const BOUNDS = {
  /** Heap used (after a forced GC): median of the last third minus median of the first third, after warm-up. */
  heapGrowthMaxMb: 50,
  /** Same growth as a share of the first third; only enforced when the growth is also above heapGrowthPctFloorMb. */
  heapGrowthMaxPct: 25,
  heapGrowthPctFloorMb: 10,
  /** RSS, same method. */
  rssGrowthMaxMb: 100,
  /** p99 of the event-loop delay over the whole run after warm-up. */
  eventLoopP99MaxMs: 200,
  /** Share of the run (from the start) excluded as warm-up. */
  warmupShare: 0.2,
  /** Gateway server connections after the load stopped and its client pool closed. */
  serverConnectionsAfter: 0,
  /** Upstream keep-alive sockets after the load stopped: at most the pool size (UPSTREAM_CONNECTIONS). */
  upstreamConnections: 16,
  /** Unexpected answers: INTERNAL_SERVER_ERROR, an untyped error, HTTP other than 200/400, a transport error. */
  unexpectedMax: 0,
  /** A replayed idempotency key answered as a fresh (re-applied) mutation. */
  doubleAppliedMax: 0,
} as const;

/** The gateway's governor limit in the soak, and the simulator's budget: the same, so Ratelimit headers agree. */
const GOVERNOR_LIMIT = '100000000';

/** The closed list of codes a client may see (src/graphql/errors.ts). */
const TYPED = new Set<string>(ERROR_CODES);

export interface SoakOptions {
  minutes: number;
  sampleMs?: number;
  concurrency?: number;
  thinkMs?: number;
  simLatencyMs?: number;
  faultEveryMs?: number;
  /** Extra gateway environment (through the real config parser), e.g. { CACHE_MAX_MB: '32' }. CLI: SOAK_GW_<NAME>=value. */
  gatewayEnv?: Record<string, string>;
  /** Write bench/results/soak.json and soak.md (the CLI does; the vitest smoke run does not). */
  writeResults?: boolean;
  log?: (line: string) => void;
}

export interface Sample {
  atS: number;
  rssMb: number;
  heapUsedMb: number;
  eldP50Ms: number;
  eldP99Ms: number;
  eldMaxMs: number;
  serverConnections: number;
  upstreamConnected: number;
  loadConnected: number;
  activeTcpHandles: number;
  opsPerS: number;
}

export interface SoakResult {
  ok: boolean;
  failures: string[];
  bounds: typeof BOUNDS;
  config: Required<Omit<SoakOptions, 'log' | 'writeResults'>> & { topology: string; node: string };
  figures: {
    durationS: number;
    operations: number;
    opsPerS: number;
    byOperation: Record<string, number>;
    errorCodes: Record<string, number>;
    faultsInjected: number;
    latencyMs: { p50: number; p95: number; p99: number; max: number };
    heap: { firstThirdMb: number; lastThirdMb: number; growthMb: number; growthPct: number; slopeMbPerMin: number };
    rss: { firstThirdMb: number; lastThirdMb: number; growthMb: number };
    eventLoop: { p50Ms: number; p99Ms: number; maxMs: number };
    sockets: {
      maxServerConnections: number;
      maxUpstreamConnected: number;
      serverConnectionsAfterLoad: number;
      upstreamConnectedAfterLoad: number;
      tcpHandlesBaseline: number;
      tcpHandlesAfterClose: number;
    };
    unexpected: number;
    unexpectedExamples: string[];
    replays: number;
    doubleApplied: number;
  };
  samples: Sample[];
}

// ───────────────────────────── small utilities ─────────────────────────────

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const round = (value: number) => Math.round(value * 10) / 10;

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function slopePerMinute(points: { x: number; y: number }[]): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((sum, p) => sum + p.x, 0) / n;
  const my = points.reduce((sum, p) => sum + p.y, 0) / n;
  const num = points.reduce((sum, p) => sum + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((sum, p) => sum + (p.x - mx) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60;
}

function activeTcpHandles(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap' || kind === 'TCPWRAP').length;
}

/** A forced full GC, when it can be exposed (`--expose-gc` at run time via v8 flags). */
function exposeGc(): (() => void) | null {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
}

// ───────────────────────────── simulator child ─────────────────────────────

interface SimProcess {
  child: ChildProcess;
  origin: string;
  baseUrl: string;
  control(action: string, body?: unknown): Promise<void>;
  stop(): Promise<void>;
}

async function startSimulatorProcess(latencyMs: number): Promise<SimProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/soak/simulator.ts')], {
    cwd: ROOT,
    env: { ...process.env, SIMULATOR_LATENCY_MS: String(latencyMs), SOAK_SIM_BUDGET_LIMIT: GOVERNOR_LIMIT },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`simulator did not start within 30 s: ${stderr}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+\/client\/v4)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited with ${code}: ${stderr}`));
    });
  });
  child.stdout?.resume();
  const origin = new URL(baseUrl).origin;
  const controlPool = new Pool(origin, { connections: 2 });
  return {
    child,
    origin,
    baseUrl,
    async control(action, body) {
      // A keep-alive socket the simulator just closed can fail one attempt: retry (the calls are idempotent).
      for (let attempt = 1; ; attempt++) {
        try {
          const response = await request(`${origin}/__simulator/${action}`, {
            dispatcher: controlPool,
            method: action === 'faults' && body === undefined ? 'DELETE' : 'POST',
            headers: { 'content-type': 'application/json' },
            body: body === undefined ? '' : JSON.stringify(body),
          });
          await response.body.dump();
          if (response.statusCode !== 200)
            throw new Error(`simulator control ${action} answered ${response.statusCode}`);
          return;
        } catch (error) {
          if (attempt >= 5) throw error;
          await sleep(50 * attempt);
        }
      }
    },
    async stop() {
      await controlPool.close();
      if (child.exitCode !== null || child.pid === undefined) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(child.pid, 'SIGTERM');
      const killTimer = setTimeout(() => {
        if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      }, 5_000);
      await exited;
      clearTimeout(killTimer);
    },
  };
}

// ───────────────────────────── load ─────────────────────────────

const Q = {
  triage: `query Triage($after: String) { messages(first: 10, after: $after, filter: { detectionsOnly: true }) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id subject from scannedAt finalDisposition isQuarantined detection { action threatCategories { name } links { href } } } } }`,
  detail: `query Detail($id: ID!) { message(id: $id) { id subject actionLog { operation } detection { action attachments { filename sha256 } } trace { inbound { lines { message } } } } }`,
  preview: `query Preview($id: ID!) { message(id: $id) { id preview { source dataUrl } } }`,
  insights: `query Insights($scope: InsightScope!) { insights(scope: $scope, first: 20) { totalCount nodes { id subject severity status } } }`,
  bulkJobs: `{ bulkJobs(first: 5) { nodes { id statusRaw progress } } }`,
  move: `mutation Move($input: MoveMessagesInput!) { moveMessages(input: $input) { __typename
    ... on MoveMessagesPayload { movedCount replayed outcomes { id status } } ... on MutationError { code } } }`,
  release: `mutation Release($input: ReleaseMessagesInput!) { releaseMessages(input: $input) { __typename
    ... on ReleaseMessagesPayload { releasedCount replayed } ... on MutationError { code } } }`,
  intel: `mutation Intel($input: SubmitMiscategorizationInput!) { submitMiscategorization(input: $input) { __typename
    ... on SubmitMiscategorizationPayload { replayed } ... on MutationError { code } } }`,
  invalid: `query Invalid($after: String, $accountId: String) { messages(first: 5, after: $after, accountId: $accountId) { totalCount } }`,
};

const FAULTS: unknown[] = [
  { endpoint: 'emailSecurity.investigate.detections.get', times: 3, response: { kind: 'status', status: 503 } },
  {
    endpoint: 'emailSecurity.investigate.list',
    times: 2,
    response: { kind: 'status', status: 429, headers: { 'retry-after': '0' } },
  },
  { endpoint: 'emailSecurity.investigate.get', times: 1, response: { kind: 'hang' } },
  { endpoint: 'emailSecurity.investigate.detections.get', times: 2, response: { kind: 'reset-mid-body' } },
  { endpoint: 'emailSecurity.investigate.list', times: 1, response: { kind: 'malformed-json' } },
  { endpoint: 'emailSecurity.investigate.trace.get', times: 5, response: { kind: 'delay', ms: 300 } },
  {
    endpoint: 'emailSecurity.investigate.detections.get',
    times: 3,
    response: { kind: 'enum-drift', field: 'final_disposition', value: 'QUANTUM' },
  },
  {
    endpoint: 'emailSecurity.investigate.move.create',
    times: 1,
    afterProcessing: true,
    response: { kind: 'status', status: 502 },
  },
  { endpoint: '*', times: 4, probability: 0.5, response: { kind: 'status', status: 500 } },
];

type Json = { data?: Record<string, unknown> | null; errors?: { message?: string; extensions?: { code?: string } }[] };

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const config = {
    minutes: options.minutes,
    sampleMs: options.sampleMs ?? 5_000,
    concurrency: options.concurrency ?? 6,
    thinkMs: options.thinkMs ?? 40,
    simLatencyMs: options.simLatencyMs ?? 15,
    faultEveryMs: options.faultEveryMs ?? 3_000,
    gatewayEnv: options.gatewayEnv ?? {},
    topology:
      'simulator: child process (bench/soak/simulator.ts, budget = governor limit); gateway + node:http server + load generator: this process; loopback only',
    node: process.version,
  };
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const durationMs = Math.max(5_000, config.minutes * 60_000);
  const coolDownMs = Math.min(5_000, durationMs * 0.1);
  const gc = exposeGc();
  const random = mulberry32(0x50a4);

  log(
    `soak: ${config.minutes} min, ${config.concurrency} virtual users, sample every ${config.sampleMs} ms, fault every ${config.faultEveryMs} ms`,
  );
  log(`soak: bounds ${JSON.stringify(BOUNDS)}`);

  const tcpHandlesBaseline = activeTcpHandles();
  let sim: SimProcess | null = null;
  let gateway: Gateway | null = null;
  let server: Server | null = null;
  let load: Pool | null = null;
  const failures: string[] = [];
  const samples: Sample[] = [];
  const counts: Record<string, number> = {};
  const errorCodes: Record<string, number> = {};
  const unexpectedExamples: string[] = [];
  const latencies: number[] = [];
  let operations = 0;
  let unexpected = 0;
  let replays = 0;
  let doubleApplied = 0;
  let faultsInjected = 0;
  let serverConnectionsAfterLoad = -1;
  let upstreamConnectedAfterLoad = -1;
  let tcpHandlesAfterClose = -1;

  const eld = monitorEventLoopDelay({ resolution: 10 });
  const runEld = monitorEventLoopDelay({ resolution: 10 });

  try {
    sim = await startSimulatorProcess(config.simLatencyMs);

    let logLines = 0;
    const sink = new Writable({
      write(_chunk, _encoding, callback) {
        logLines++;
        callback();
      },
    });
    const gatewayConfig = loadConfig({
      NODE_ENV: 'test',
      CLOUDFLARE_API_TOKEN: 'soak-token',
      CLOUDFLARE_ACCOUNT_ID: SIMULATOR_ACCOUNT_ID,
      CLOUDFLARE_BASE_URL: sim.baseUrl,
      // The simulator stands in for Cloudflare: no verifier, by explicit opt-out.
      AUTH_DISABLED: 'true',
      LOG_LEVEL: 'warn',
      UPSTREAM_TIMEOUT_MS: '1500',
      UPSTREAM_RETRY_BASE_MS: '20',
      UPSTREAM_RETRY_MAX_DELAY_MS: '200',
      UPSTREAM_CONNECTIONS: String(BOUNDS.upstreamConnections),
      BUDGET_LIMIT: GOVERNOR_LIMIT,
      ...config.gatewayEnv,
    });
    gateway = await createGateway(gatewayConfig, createLogger({ level: 'warn', pretty: false, destination: sink }));
    const gw = gateway;
    server = createServer(gw.yoga);
    const srv = server;
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
    load = new Pool(url, { connections: config.concurrency + 2 });
    const pool = load;
    const upstreamStats = () => {
      const stats = (gw.services.http as unknown as { dispatcher: { stats: Record<string, { connected: number }> } })
        .dispatcher.stats;
      return stats[sim?.origin ?? '']?.connected ?? 0;
    };
    const serverConnections = () =>
      new Promise<number>((resolve) => srv.getConnections((error, count) => resolve(error ? -1 : count)));

    const post = async (name: string, query: string, variables: Record<string, unknown> = {}): Promise<Json | null> => {
      const started = performance.now();
      try {
        const response = await request(`${url}/graphql`, {
          dispatcher: pool,
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
          body: JSON.stringify({ query, variables }),
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        });
        const text = await response.body.text();
        const elapsed = performance.now() - started;
        if (latencies.length < 200_000) latencies.push(elapsed);
        else latencies[Math.floor(random() * latencies.length)] = elapsed;
        operations++;
        counts[name] = (counts[name] ?? 0) + 1;
        const body = JSON.parse(text) as Json;
        if (response.statusCode !== 200 && response.statusCode !== 400) throw new Error(`HTTP ${response.statusCode}`);
        for (const error of body.errors ?? []) {
          const code = error.extensions?.code ?? 'NONE';
          errorCodes[code] = (errorCodes[code] ?? 0) + 1;
          if (!TYPED.has(code)) throw new Error(`untyped error ${code}: ${error.message ?? ''}`);
        }
        return body;
      } catch (error) {
        unexpected++;
        if (unexpectedExamples.length < 10) unexpectedExamples.push(`${name}: ${(error as Error).message}`);
        return null;
      }
    };

    // Ids to work on, read through the gateway once.
    const seed = await post('seed', `{ messages(first: 100) { nodes { id isQuarantined deliveryStatus } } }`);
    const nodes =
      (
        seed?.data?.messages as
          | { nodes?: { id: string; isQuarantined: boolean; deliveryStatus: string[] | null }[] }
          | undefined
      )?.nodes ?? [];
    const ids = nodes.map((node) => node.id);
    const movable = nodes
      .filter((node) => !(node.deliveryStatus ?? []).some((s) => s === 'REJECTED' || s === 'BOUNCED'))
      .map((node) => node.id);
    const quarantined = nodes.filter((node) => node.isQuarantined).map((node) => node.id);
    if (ids.length === 0 || movable.length === 0)
      throw new Error('soak: could not read seed messages through the gateway');
    const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)] as T;
    const usedKeys: { key: string; input: Record<string, unknown>; kind: 'move' | 'release' | 'intel' }[] = [];
    let keyCounter = 0;

    const mutationWithKey = async (kind: 'move' | 'release' | 'intel') => {
      const replay = usedKeys.length > 0 && random() < 0.25;
      let entry: (typeof usedKeys)[number];
      if (replay) {
        entry = pick(usedKeys.filter((candidate) => candidate.kind === kind).concat(usedKeys.slice(-1)));
      } else {
        const key = `soak-${kind}-${keyCounter++}`;
        const input =
          kind === 'move'
            ? { ids: [pick(movable)], destination: pick(['INBOX', 'JUNK_EMAIL', 'DELETED_ITEMS']), idempotencyKey: key }
            : kind === 'release'
              ? { ids: [pick(quarantined.length ? quarantined : ids)], idempotencyKey: key }
              : {
                  indicatorType: 'DOMAIN',
                  url: `soak-${keyCounter}.example.com`,
                  contentAdds: [82],
                  idempotencyKey: key,
                };
        entry = { key, input, kind };
        usedKeys.push(entry);
        if (usedKeys.length > 500) usedKeys.shift();
      }
      const query = entry.kind === 'move' ? Q.move : entry.kind === 'release' ? Q.release : Q.intel;
      const body = await post(entry.kind, query, { input: entry.input });
      const result = Object.values(body?.data ?? {})[0] as { __typename?: string; replayed?: boolean } | undefined;
      if (replay && result) {
        replays++;
        // A replayed key must never be applied again: a success payload must say `replayed: true`.
        if (result.replayed === false) doubleApplied++;
      }
    };

    const operationsTable: [number, () => Promise<unknown>][] = [
      [
        30,
        async () => {
          const page = await post('triage', Q.triage);
          const info = (
            page?.data?.messages as { pageInfo?: { hasNextPage: boolean; endCursor: string | null } } | undefined
          )?.pageInfo;
          if (info?.hasNextPage && info.endCursor && random() < 0.5)
            await post('triage-next', Q.triage, { after: info.endCursor });
        },
      ],
      [18, () => post('detail', Q.detail, { id: pick(ids) })],
      [6, () => post('preview', Q.preview, { id: pick(ids) })],
      [10, () => post('insights', Q.insights, { scope: { accountId: SIMULATOR_ACCOUNT_ID } })],
      [6, () => post('bulkJobs', Q.bulkJobs)],
      [14, () => mutationWithKey('move')],
      [5, () => mutationWithKey('release')],
      [4, () => mutationWithKey('intel')],
      [7, () => post('invalid', Q.invalid, random() < 0.5 ? { after: 'not-a-cursor' } : { accountId: '../../zones' })],
    ];
    const totalWeight = operationsTable.reduce((sum, [weight]) => sum + weight, 0);
    const nextOperation = () => {
      let roll = random() * totalWeight;
      for (const [weight, operation] of operationsTable) {
        roll -= weight;
        if (roll < 0) return operation;
      }
      return (operationsTable[0] as [number, () => Promise<unknown>])[1];
    };

    const started = Date.now();
    const loadEndsAt = started + durationMs - coolDownMs;
    const faultsEndAt = loadEndsAt - Math.min(3_000, coolDownMs);
    const warmupEndsAt = started + durationMs * BOUNDS.warmupShare;
    eld.enable();
    let runEldEnabled = false;

    const users = Array.from({ length: config.concurrency }, async () => {
      while (Date.now() < loadEndsAt) {
        await nextOperation()();
        await sleep(config.thinkMs * (0.5 + random()));
      }
    });

    const faults = (async () => {
      let index = 0;
      let lastReset = Date.now();
      while (Date.now() < faultsEndAt) {
        await sleep(Math.min(config.faultEveryMs, Math.max(0, faultsEndAt - Date.now())));
        if (Date.now() >= faultsEndAt) break;
        try {
          // Keep the simulator's own state bounded: moves append to action logs; requests are recorded.
          if (Date.now() - lastReset > 60_000) {
            await sim?.control('reset');
            lastReset = Date.now();
          } else {
            await sim?.control('reset-requests');
          }
          await sim?.control('faults', FAULTS[index++ % FAULTS.length]);
          faultsInjected++;
        } catch (error) {
          failures.push(`simulator control failed: ${(error as Error).message}`);
          log(`soak: simulator control failed: ${(error as Error).message}`);
          return;
        }
      }
      await sim?.control('faults').catch(() => undefined);
    })();

    let lastOps = 0;
    let lastSampleAt = Date.now();
    const sampler = (async () => {
      while (Date.now() < started + durationMs) {
        await sleep(Math.min(config.sampleMs, Math.max(0, started + durationMs - Date.now())));
        eld.disable();
        if (runEldEnabled) runEld.disable();
        gc?.();
        const memory = process.memoryUsage();
        const now = Date.now();
        samples.push({
          atS: round((now - started) / 1000),
          rssMb: mb(memory.rss),
          heapUsedMb: mb(memory.heapUsed),
          eldP50Ms: round(eld.percentile(50) / 1e6),
          eldP99Ms: round(eld.percentile(99) / 1e6),
          eldMaxMs: round(eld.max / 1e6),
          serverConnections: await serverConnections(),
          upstreamConnected: upstreamStats(),
          loadConnected: (pool.stats as { connected: number }).connected,
          activeTcpHandles: activeTcpHandles(),
          opsPerS: round(((operations - lastOps) * 1000) / Math.max(1, now - lastSampleAt)),
        });
        lastOps = operations;
        lastSampleAt = now;
        eld.reset();
        eld.enable();
        if (now >= warmupEndsAt) {
          runEld.enable();
          runEldEnabled = true;
        }
        const last = samples.at(-1) as Sample;
        log(
          `soak: t=${last.atS}s rss=${last.rssMb}MB heap=${last.heapUsedMb}MB eld p99=${last.eldP99Ms}ms ops/s=${last.opsPerS} server-conns=${last.serverConnections} upstream-conns=${last.upstreamConnected}`,
        );
      }
    })();

    await Promise.all([...users, faults, sampler]);
    eld.disable();
    runEld.disable();

    // Cool-down: the load has stopped; let retries/timeouts finish, then close the load client.
    await load.close();
    load = null;
    const settleUntil = Date.now() + 5_000;
    while (Date.now() < settleUntil && (await serverConnections()) > 0) await sleep(50);
    serverConnectionsAfterLoad = await serverConnections();
    upstreamConnectedAfterLoad = upstreamStats();

    // Close everything the gateway owns, then check no TCP handle is left in this process.
    await new Promise<void>((resolve) => {
      srv.close(() => resolve());
      srv.closeAllConnections();
    });
    server = null;
    await gw.close();
    gateway = null;
    await sim.stop();
    sim = null;
    const closeUntil = Date.now() + 5_000;
    while (Date.now() < closeUntil && activeTcpHandles() > tcpHandlesBaseline) await sleep(50);
    tcpHandlesAfterClose = activeTcpHandles();
    log(`soak: ${operations} operations, ${logLines} warn+ log lines, ${faultsInjected} faults injected`);
  } finally {
    eld.disable();
    runEld.disable();
    await load?.close().catch(() => undefined);
    if (server) {
      server.closeAllConnections();
      server.close();
    }
    await gateway?.close().catch(() => undefined);
    await sim?.stop().catch(() => undefined);
  }

  // ───────────────────────────── evaluation ─────────────────────────────
  const durationS = samples.at(-1)?.atS ?? durationMs / 1000;
  const measured = samples.filter((sample) => sample.atS * 1000 >= durationMs * BOUNDS.warmupShare);
  const third = Math.max(1, Math.floor(measured.length / 3));
  const first = measured.slice(0, third);
  const lastThird = measured.slice(-third);
  const heapFirst = median(first.map((s) => s.heapUsedMb));
  const heapLast = median(lastThird.map((s) => s.heapUsedMb));
  const heapGrowth = round(heapLast - heapFirst);
  const heapGrowthPct = heapFirst > 0 ? round((heapGrowth / heapFirst) * 100) : 0;
  const rssFirst = median(first.map((s) => s.rssMb));
  const rssLast = median(lastThird.map((s) => s.rssMb));
  const rssGrowth = round(rssLast - rssFirst);
  const eventLoop = {
    p50Ms: round(runEld.count > 0 ? runEld.percentile(50) / 1e6 : 0),
    p99Ms: round(runEld.count > 0 ? runEld.percentile(99) / 1e6 : Math.max(0, ...measured.map((s) => s.eldP99Ms))),
    maxMs: round(runEld.count > 0 ? runEld.max / 1e6 : 0),
  };
  const sortedLatencies = [...latencies].sort((a, b) => a - b);

  if (measured.length < 2)
    failures.push(`only ${measured.length} samples after warm-up: run longer or sample more often`);
  if (heapGrowth > BOUNDS.heapGrowthMaxMb)
    failures.push(`heap grew ${heapGrowth} MB between the first and last third (bound ${BOUNDS.heapGrowthMaxMb} MB)`);
  if (heapGrowth > BOUNDS.heapGrowthPctFloorMb && heapGrowthPct > BOUNDS.heapGrowthMaxPct) {
    failures.push(
      `heap grew ${heapGrowthPct}% (${heapGrowth} MB) between the first and last third (bound ${BOUNDS.heapGrowthMaxPct}% above ${BOUNDS.heapGrowthPctFloorMb} MB)`,
    );
  }
  if (rssGrowth > BOUNDS.rssGrowthMaxMb) failures.push(`RSS grew ${rssGrowth} MB (bound ${BOUNDS.rssGrowthMaxMb} MB)`);
  if (eventLoop.p99Ms > BOUNDS.eventLoopP99MaxMs)
    failures.push(`event-loop delay p99 ${eventLoop.p99Ms} ms (bound ${BOUNDS.eventLoopP99MaxMs} ms)`);
  if (serverConnectionsAfterLoad !== BOUNDS.serverConnectionsAfter)
    failures.push(
      `${serverConnectionsAfterLoad} gateway server connections still open after the load stopped (bound ${BOUNDS.serverConnectionsAfter})`,
    );
  if (upstreamConnectedAfterLoad > BOUNDS.upstreamConnections)
    failures.push(
      `${upstreamConnectedAfterLoad} upstream sockets after the load (bound ${BOUNDS.upstreamConnections})`,
    );
  if (tcpHandlesAfterClose > tcpHandlesBaseline)
    failures.push(
      `${tcpHandlesAfterClose} active TCP handles after closing everything (baseline ${tcpHandlesBaseline})`,
    );
  if (unexpected > BOUNDS.unexpectedMax)
    failures.push(
      `${unexpected} unexpected answers (bound ${BOUNDS.unexpectedMax}): ${unexpectedExamples.join(' | ')}`,
    );
  if (doubleApplied > BOUNDS.doubleAppliedMax)
    failures.push(`${doubleApplied} replayed idempotency keys were applied again (bound ${BOUNDS.doubleAppliedMax})`);
  if (operations === 0) failures.push('no operation completed');

  const result: SoakResult = {
    ok: failures.length === 0,
    failures,
    bounds: BOUNDS,
    config,
    figures: {
      durationS,
      operations,
      opsPerS: round(operations / Math.max(1, durationS)),
      byOperation: counts,
      errorCodes,
      faultsInjected,
      latencyMs: {
        p50: round(percentile(sortedLatencies, 50)),
        p95: round(percentile(sortedLatencies, 95)),
        p99: round(percentile(sortedLatencies, 99)),
        max: round(sortedLatencies.at(-1) ?? 0),
      },
      heap: {
        firstThirdMb: round(heapFirst),
        lastThirdMb: round(heapLast),
        growthMb: heapGrowth,
        growthPct: heapGrowthPct,
        slopeMbPerMin: round(slopePerMinute(measured.map((s) => ({ x: s.atS, y: s.heapUsedMb })))),
      },
      rss: { firstThirdMb: round(rssFirst), lastThirdMb: round(rssLast), growthMb: rssGrowth },
      eventLoop,
      sockets: {
        maxServerConnections: Math.max(0, ...samples.map((s) => s.serverConnections)),
        maxUpstreamConnected: Math.max(0, ...samples.map((s) => s.upstreamConnected)),
        serverConnectionsAfterLoad,
        upstreamConnectedAfterLoad,
        tcpHandlesBaseline,
        tcpHandlesAfterClose,
      },
      unexpected,
      unexpectedExamples,
      replays,
      doubleApplied,
    },
    samples,
  };
  log(
    `soak: ${result.ok ? 'PASS' : 'FAIL'} ${JSON.stringify(result.figures.heap)} eld=${JSON.stringify(eventLoop)} sockets=${JSON.stringify(result.figures.sockets)}`,
  );
  for (const failure of failures) log(`soak: FAILED BOUND: ${failure}`);
  if (options.writeResults) await writeResults(result);
  return result;
}

export function markdown(result: SoakResult): string {
  const f = result.figures;
  const b = result.bounds;
  const rows: [string, string, string, boolean][] = [
    [
      'Heap used growth (median last third − first third, after GC)',
      `${f.heap.growthMb} MB (${f.heap.growthPct} %) — ${f.heap.firstThirdMb} → ${f.heap.lastThirdMb} MB`,
      `≤ ${b.heapGrowthMaxMb} MB, and ≤ ${b.heapGrowthMaxPct} % when above ${b.heapGrowthPctFloorMb} MB`,
      f.heap.growthMb <= b.heapGrowthMaxMb &&
        !(f.heap.growthMb > b.heapGrowthPctFloorMb && f.heap.growthPct > b.heapGrowthMaxPct),
    ],
    ['Heap slope after warm-up', `${f.heap.slopeMbPerMin} MB/min`, 'reported', true],
    [
      'RSS growth',
      `${f.rss.growthMb} MB — ${f.rss.firstThirdMb} → ${f.rss.lastThirdMb} MB`,
      `≤ ${b.rssGrowthMaxMb} MB`,
      f.rss.growthMb <= b.rssGrowthMaxMb,
    ],
    [
      'Event-loop delay p50 / p99 / max',
      `${f.eventLoop.p50Ms} / ${f.eventLoop.p99Ms} / ${f.eventLoop.maxMs} ms`,
      `p99 ≤ ${b.eventLoopP99MaxMs} ms`,
      f.eventLoop.p99Ms <= b.eventLoopP99MaxMs,
    ],
    [
      'Gateway server connections after the load',
      String(f.sockets.serverConnectionsAfterLoad),
      `= ${b.serverConnectionsAfter}`,
      f.sockets.serverConnectionsAfterLoad === b.serverConnectionsAfter,
    ],
    [
      'Upstream keep-alive sockets after the load (max during)',
      `${f.sockets.upstreamConnectedAfterLoad} (${f.sockets.maxUpstreamConnected})`,
      `≤ ${b.upstreamConnections}`,
      f.sockets.upstreamConnectedAfterLoad <= b.upstreamConnections,
    ],
    [
      'Active TCP handles after closing (baseline)',
      `${f.sockets.tcpHandlesAfterClose} (${f.sockets.tcpHandlesBaseline})`,
      '≤ baseline',
      f.sockets.tcpHandlesAfterClose <= f.sockets.tcpHandlesBaseline,
    ],
    [
      'Unexpected answers (INTERNAL_SERVER_ERROR, untyped, transport)',
      String(f.unexpected),
      `≤ ${b.unexpectedMax}`,
      f.unexpected <= b.unexpectedMax,
    ],
    [
      'Replayed idempotency keys applied again',
      `${f.doubleApplied} of ${f.replays} replays`,
      `≤ ${b.doubleAppliedMax}`,
      f.doubleApplied <= b.doubleAppliedMax,
    ],
  ];
  const codes =
    Object.entries(f.errorCodes)
      .sort(([, a], [, b2]) => b2 - a)
      .map(([code, n]) => `${code} ${n}`)
      .join(', ') || 'none';
  const ops = Object.entries(f.byOperation)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  return [
    `### Soak (${result.config.minutes} min, ${result.ok ? 'PASS' : 'FAIL'})`,
    '',
    `${result.config.topology}. Node ${result.config.node}, ${result.config.concurrency} virtual users (think ${result.config.thinkMs} ms), simulator latency ${result.config.simLatencyMs} ms, gateway env overrides ${JSON.stringify(result.config.gatewayEnv)} (otherwise production defaults: read cache on, budget governor on with its limit raised), a fault every ${result.config.faultEveryMs} ms, samples every ${result.config.sampleMs} ms, first ${b.warmupShare * 100} % excluded as warm-up. Reproduce: \`SOAK_MINUTES=${result.config.minutes} npm run soak\`.`,
    '',
    `Load: ${f.operations} operations in ${f.durationS} s (${f.opsPerS}/s): ${ops}. Latency p50 / p95 / p99 / max: ${f.latencyMs.p50} / ${f.latencyMs.p95} / ${f.latencyMs.p99} / ${f.latencyMs.max} ms. ${f.faultsInjected} faults injected. Error codes seen (all typed): ${codes}.`,
    '',
    '| Figure | Measured | Bound | |',
    '|---|---|---|---|',
    ...rows.map(([name, value, bound, ok]) => `| ${name} | ${value} | ${bound} | ${ok ? 'ok' : '**FAIL**'} |`),
    '',
    ...(result.failures.length ? ['Failures:', '', ...result.failures.map((failure) => `- ${failure}`), ''] : []),
  ].join('\n');
}

/** bench/out/ by default; the published bench/results/ and docs/benchmarks.md with `--publish` (see bench/lib/report.ts). */
async function writeResults(result: SoakResult): Promise<void> {
  const paths = outputPaths();
  await mkdir(paths.resultsDir, { recursive: true });
  await writeFile(join(paths.resultsDir, 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(paths.resultsDir, 'soak.md'), `${markdown(result)}\n`);
  // The figures in benchmarks.md, section "## Soak".
  writeDocSection('## Soak', markdown(result).replace(/^### Soak/, '## Soak'), paths);
  process.stderr.write(
    `soak: wrote ${[join(paths.resultsDir, 'soak.json'), join(paths.resultsDir, 'soak.md'), paths.doc].map((p) => relative(ROOT, p)).join(', ')}\n`,
  );
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const minutes = Number(process.env.SOAK_MINUTES ?? 10);
  if (!Number.isFinite(minutes) || minutes <= 0) {
    process.stderr.write('SOAK_MINUTES must be a positive number\n');
    process.exit(2);
  }
  const env = (name: string) => (process.env[name] === undefined ? undefined : Number(process.env[name]));
  const gatewayEnv = Object.fromEntries(
    Object.entries(process.env)
      .filter(([name, value]) => name.startsWith('SOAK_GW_') && value !== undefined)
      .map(([name, value]) => [name.slice('SOAK_GW_'.length), value as string]),
  );
  runSoak({
    minutes,
    writeResults: true,
    gatewayEnv,
    ...(env('SOAK_SAMPLE_MS') !== undefined ? { sampleMs: env('SOAK_SAMPLE_MS') as number } : {}),
    ...(env('SOAK_CONCURRENCY') !== undefined ? { concurrency: env('SOAK_CONCURRENCY') as number } : {}),
    ...(env('SOAK_THINK_MS') !== undefined ? { thinkMs: env('SOAK_THINK_MS') as number } : {}),
  }).then(
    (result) => {
      process.stdout.write(`${markdown(result)}\n`);
      process.exit(result.ok ? 0 : 1);
    },
    (error: unknown) => {
      process.stderr.write(`soak: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
