/**
 * `npm run bench:live`: what the live triage queue costs, measured over real sockets.
 *
 * Processes (127.0.0.1 only, each its own PID, stopped by PID): a redis-server, the simulator
 * (SIMULATOR_LATENCY_MS=25), and two gateway replicas on that Redis with every live default
 * (a poll every 10 s, 20 % of the budget) and the read cache on.
 *
 *   team      50 SSE subscribers on one filter, 25 per replica, for BENCH_LIVE_SECONDS (default 60;
 *             300 for the issue's 5 minutes) with one new message every 30 s: upstream searches
 *             against duration ÷ interval, delivery latency to all 50, detection calls per new
 *             message, events lost or doubled.
 *   takeover  the leading replica is SIGKILLed: time until the other one polls, events lost/doubled.
 *   bulk      eight watchers of one bulk job against one watcher of another: E14 calls each.
 *   idle      1,000 idle live subscriptions on one replica (500 SSE + 500 graphql-ws): RSS growth,
 *             event-loop lag p99 (the gateway's own metric), and the p50 of a query before and during.
 *
 * Results: bench/results/live.md (and stdout).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { memory, ROOT, round, type Server, startRedis, startServer, stopAll } from './lib/processes.js';
import { type SimulatorControl, startSimulator } from './lib/simulator.js';

const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353';
const SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 60);
const POLL_MS = 10_000;
const QUEUE = 'subscription { triageQueue(first: 25) { eventId kind messages { id subject detection { action } } } }';
const logDir = mkdtempSync(join(tmpdir(), 'bench-live-'));
const lines: string[] = [];
const report = (line: string) => {
  lines.push(line);
  console.info(line);
};

type Replica = Server;

/** A replica from source (tsx src/server.ts), in development without auth, on the shared Redis. */
function startReplica(
  name: string,
  cloudflareBaseUrl: string,
  redisUrl: string,
  nodeArgs: string[] = [],
): Promise<Replica> {
  return startServer({
    name,
    args: [...nodeArgs, '--import', 'tsx', 'src/server.ts'],
    env: {
      NODE_ENV: 'development',
      AUTH_DISABLED: 'true',
      LOG_LEVEL: process.env.BENCH_LIVE_LOG_LEVEL ?? 'warn',
      CLOUDFLARE_API_TOKEN: 'bench-token',
      CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
      CLOUDFLARE_BASE_URL: cloudflareBaseUrl,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: 'bench-live:',
      // Every bench subscriber is the same (development) caller: lift the per-caller bound only.
      LIVE_MAX_PER_CALLER: '2000',
    },
    logDir,
  });
}

const counts = async (simulator: SimulatorControl) =>
  (await simulator.get<{ endpoints: Record<string, number> }>('counts')).endpoints;

/** `count` new messages in the simulator's account: their ids. */
const addMessages = async (simulator: SimulatorControl, count: number) =>
  (await simulator.post<{ ids: string[] }>('messages', { accountId: ACCOUNT, count })).ids;

/** One SSE subscriber that records, per message id, when its ARRIVED event came (and how often). */
function sseSubscriber(url: string, query = QUEUE) {
  const controller = new AbortController();
  const arrived = new Map<string, number[]>();
  let snapshot = false;
  const done = (async () => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query }),
      signal: controller.signal,
    });
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      const blocks = buffer.split('\n\n');
      buffer = blocks.pop() ?? '';
      for (const block of blocks) {
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (!data) continue;
        const event = JSON.parse(data.slice(6))?.data?.triageQueue;
        if (!event) continue;
        if (event.kind === 'SNAPSHOT') snapshot = true;
        if (event.kind === 'ARRIVED')
          for (const message of event.messages)
            arrived.set(message.id, [...(arrived.get(message.id) ?? []), Date.now()]);
      }
    }
  })().catch(() => undefined);
  return { arrived, ready: () => snapshot, close: () => controller.abort(), done };
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(20);
  }
  return false;
}

const ready = async (replica: Replica) =>
  (await fetch(`${replica.url}/ready`).then((response) => response.json())) as {
    checks: { live: { subscriptions: number; topics: number; leading: number; polls: number } };
  };

// ───────────────────────────── scenarios ─────────────────────────────

async function team(simulator: SimulatorControl, replicas: Replica[]) {
  const subscribers = Array.from({ length: 50 }, (_, index) => sseSubscriber((replicas[index % 2] as Replica).url));
  await waitFor(() => subscribers.every((subscriber) => subscriber.ready()), 30_000);
  await sleep(POLL_MS + 1_000); // the poller's baseline
  const before = await counts(simulator);
  const started = Date.now();
  const added: { id: string; at: number }[] = [];
  while (Date.now() - started < SECONDS * 1000) {
    const ids = await addMessages(simulator, 1);
    added.push({ id: ids[0] as string, at: Date.now() });
    await sleep(Math.min(30_000, SECONDS * 1000 - (Date.now() - started)));
  }
  // Let the last arrival reach everyone.
  await waitFor(() => subscribers.every((s) => added.every((a) => s.arrived.has(a.id))), POLL_MS * 2 + 5_000);
  const elapsed = (Date.now() - started) / 1000;
  const after = await counts(simulator);
  const searches = (after['emailSecurity.investigate.list'] ?? 0) - (before['emailSecurity.investigate.list'] ?? 0);
  const detections =
    (after['emailSecurity.investigate.detections.get'] ?? 0) -
    (before['emailSecurity.investigate.detections.get'] ?? 0);
  const latencies = added.map((a) =>
    Math.max(...subscribers.map((s) => (s.arrived.get(a.id)?.[0] ?? Number.POSITIVE_INFINITY) - a.at)),
  );
  const lost = subscribers.reduce((sum, s) => sum + added.filter((a) => !s.arrived.has(a.id)).length, 0);
  const doubled = subscribers.reduce(
    (sum, s) => sum + [...s.arrived.values()].filter((times) => times.length > 1).length,
    0,
  );
  report('## team: 50 subscribers on one filter, two replicas');
  report(`- duration ${round(elapsed, 1)} s, poll interval ${POLL_MS / 1000} s, ${added.length} new messages`);
  report(
    `- upstream searches ${searches} (duration ÷ interval = ${round(elapsed / (POLL_MS / 1000), 1)}), independent of the 50 subscribers`,
  );
  report(
    `- delivery to all 50: worst ${round(Math.max(...latencies) / 1000, 2)} s, median ${round(latencies.sort((x, y) => x - y)[Math.floor(latencies.length / 2)] ?? 0, 0)} ms after the message was added (bound: one interval + one RTT)`,
  );
  report(`- detection calls ${detections} for ${added.length} new messages; lost ${lost}, doubled ${doubled}`);
  const live = await Promise.all(replicas.map(async (replica) => (await ready(replica)).checks.live));
  report(`- polls by replica: ${live.map((stats) => stats.polls).join(' / ')} (only the lease holder polls)`);
  return subscribers;
}

async function takeover(
  simulator: SimulatorControl,
  replicas: Replica[],
  subscribers: ReturnType<typeof sseSubscriber>[],
) {
  const states = await Promise.all(replicas.map(ready));
  const leaderIndex = states.findIndex((state) => state.checks.live.leading > 0);
  const leader = replicas[leaderIndex] as Replica;
  const survivor = replicas[1 - leaderIndex] as Replica;
  const onSurvivor = subscribers.filter((_, index) => index % 2 === 1 - leaderIndex);
  await sleep(2_000);
  const killedAt = Date.now();
  process.kill(leader.child.pid, 'SIGKILL');
  const ids = await addMessages(simulator, 2);
  const tookOver = await waitFor(async () => (await ready(survivor)).checks.live.leading > 0, 30_000);
  const takeoverMs = Date.now() - killedAt;
  await waitFor(() => onSurvivor.every((s) => ids.every((id) => s.arrived.has(id))), POLL_MS * 2 + 10_000);
  const deliveredMs = Date.now() - killedAt;
  const lost = onSurvivor.reduce((sum, s) => sum + ids.filter((id) => !s.arrived.has(id)).length, 0);
  const doubled = onSurvivor.reduce(
    (sum, s) => sum + [...s.arrived.values()].filter((times) => times.length > 1).length,
    0,
  );
  report('## takeover: the leading replica SIGKILLed');
  report(
    `- takeover ${tookOver ? `${round(takeoverMs / 1000, 2)} s` : 'none within 30 s'} (lease 6 s + renewal 2 s); both messages added at the kill reached all ${onSurvivor.length} subscribers of the survivor ${round(deliveredMs / 1000, 2)} s after it; lost ${lost}, doubled ${doubled}`,
  );
}

async function bulk(simulator: SimulatorControl, replica: Replica) {
  const create = async () => {
    const response = await fetch(`${replica.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query:
          'mutation($i: CreateBulkActionInput!) { createBulkAction(input: $i) { ... on CreateBulkActionPayload { job { id } } } }',
        variables: {
          i: {
            action: 'MOVE',
            destination: 'JUNK_EMAIL',
            searchParams: { start: new Date(Date.now() - 30 * 86_400_000).toISOString() },
          },
        },
      }),
    });
    return ((await response.json()) as { data: { createBulkAction: { job: { id: string } } } }).data.createBulkAction
      .job.id;
  };
  const watch = async (watchers: number) => {
    const id = await create();
    const before = (await counts(simulator))['emailSecurity.investigate.bulk.get'] ?? 0;
    await Promise.all(
      Array.from({ length: watchers }, async () => {
        const response = await fetch(`${replica.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
          body: JSON.stringify({ query: `subscription { bulkJobProgress(id: "${id}") { status isTerminal } }` }),
        });
        await response.text();
      }),
    );
    return ((await counts(simulator))['emailSecurity.investigate.bulk.get'] ?? 0) - before;
  };
  const one = await watch(1);
  const eight = await watch(8);
  report('## bulk: watchers of one bulk job');
  report(`- 1 watcher: ${one} E14 calls; 8 watchers: ${eight} E14 calls (ratio ${round(eight / Math.max(1, one), 2)})`);
}

async function metric(replica: Replica, name: string): Promise<number> {
  const text = await fetch(`${replica.url}/metrics`).then((response) => response.text());
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? Number.NaN);
}

async function queryP50(replica: Replica, runs = 100): Promise<number> {
  const times: number[] = [];
  for (let index = 0; index < runs; index++) {
    const started = performance.now();
    const response = await fetch(`${replica.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ messages(first: 5) { nodes { id subject } } }' }),
    });
    await response.text();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

/**
 * The JS heap that is really retained: a heap snapshot (SIGUSR2, `--heapsnapshot-signal`) runs a
 * full garbage collection first, so the heap in use right after it is what live objects hold.
 */
async function retainedHeap(replica: Replica): Promise<number> {
  const before = readdirSync(logDir).filter((file) => file.endsWith('.heapsnapshot')).length;
  process.kill(replica.child.pid, 'SIGUSR2');
  await waitFor(() => readdirSync(logDir).filter((file) => file.endsWith('.heapsnapshot')).length > before, 120_000);
  await sleep(500);
  for (const file of readdirSync(logDir)) if (file.endsWith('.heapsnapshot')) rmSync(join(logDir, file));
  return metric(replica, 'nodejs_heap_size_used_bytes');
}

async function idle(replica: Replica) {
  const p50Before = await queryP50(replica);
  const heapBefore = await retainedHeap(replica);
  // After the first heap snapshot, whose own memory would otherwise count as growth.
  const rssBefore = memory(replica.child.pid).rssMiB;
  // Analysts arrive over a minute or so, not in one instant: 50 at a time (25 SSE, 25 WebSocket).
  const sse: ReturnType<typeof sseSubscriber>[] = [];
  const ws = createWsClient({
    url: `${replica.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    lazy: false,
  });
  const wsStops: (() => void)[] = [];
  let wsSnapshots = 0;
  for (let wave = 0; wave < 20; wave++) {
    for (let index = 0; index < 25; index++) {
      sse.push(sseSubscriber(replica.url));
      wsStops.push(
        ws.subscribe(
          { query: QUEUE },
          { next: () => void wsSnapshots++, error: () => undefined, complete: () => undefined },
        ),
      );
    }
    await waitFor(() => sse.every((s) => s.ready()) && wsSnapshots >= wsStops.length, 60_000);
    await sleep(250);
  }
  const held = (await ready(replica)).checks.live.subscriptions;
  await metric(replica, 'nodejs_eventloop_lag_p99_seconds'); // a scrape resets the lag histogram
  await sleep(15_000);
  const rssAfter = memory(replica.child.pid).rssMiB;
  const heapAfter = await retainedHeap(replica);
  const lagP99 = (await metric(replica, 'nodejs_eventloop_lag_p99_seconds')) * 1000;
  const p50During = await queryP50(replica);
  report('## idle: 1,000 live subscriptions on one replica (500 SSE + 500 graphql-ws over one socket)');
  report(
    `- held ${held} subscriptions; RSS ${round(rssBefore, 1)} → ${round(rssAfter, 1)} MiB (+${round(rssAfter - rssBefore, 1)} MiB, target ≤ 64)`,
  );
  report(
    `- JS heap retained (after a full GC) ${round(heapBefore / 2 ** 20, 1)} → ${round(heapAfter / 2 ** 20, 1)} MiB: +${round((heapAfter - heapBefore) / 2 ** 20, 1)} MiB, ${round((heapAfter - heapBefore) / 1000 / 1024, 1)} KiB per subscription (target ≤ 64 MiB); RSS also keeps the heap V8 grew while 1,000 snapshots were served`,
  );
  report(`- event-loop lag p99 ${round(lagP99, 1)} ms over 15 s with them open (target ≤ 20)`);
  report(`- query p50 ${round(p50Before, 1)} ms before, ${round(p50During, 1)} ms with them open`);
  for (const s of sse) s.close();
  for (const stopOne of wsStops) stopOne();
  await ws.dispose();
}

async function main() {
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const { url: redisUrl } = await startRedis(logDir);
  const simulatorProcess = await startSimulator({
    logDir,
    latencyMs: 25,
    args: ['--import', 'tsx', 'src/simulator/main.ts'],
  });
  const { baseUrl, control: simulator } = simulatorProcess;
  const replicas = [
    await startReplica('replica-a', baseUrl, redisUrl),
    await startReplica('replica-b', baseUrl, redisUrl),
  ];
  report(`# Live triage benchmark (${new Date().toISOString()}, BENCH_LIVE_SECONDS=${SECONDS})`);
  const only = new Set((process.env.BENCH_ONLY ?? 'team,takeover,bulk,idle').split(','));
  let subscribers: ReturnType<typeof sseSubscriber>[] = [];
  if (only.has('team') || only.has('takeover')) subscribers = await team(simulator, replicas);
  if (only.has('takeover')) await takeover(simulator, replicas, subscribers);
  for (const subscriber of subscribers) subscriber.close();
  const alive = replicas.filter(
    (replica) => replica.child.process.exitCode === null && replica.child.process.signalCode === null,
  );
  if (only.has('bulk')) await bulk(simulator, alive[0] as Replica);
  // A replica of its own: nothing left over from the other scenarios in its memory.
  if (only.has('idle'))
    await idle(
      await startReplica('replica-idle', baseUrl, redisUrl, [
        `--heapsnapshot-signal=SIGUSR2`,
        `--diagnostic-dir=${logDir}`,
      ]),
    );
  writeFileSync(join(ROOT, 'bench/results/live.md'), `${lines.join('\n')}\n`);
  await simulator.close();
  await stopAll();
}

const shutdown = async () => {
  await stopAll();
};
main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(shutdown);
