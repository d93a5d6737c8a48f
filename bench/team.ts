/**
 * `npm run bench:team`: a SOC team on one Cloudflare token, as the team would use it.
 *
 * BENCH_TEAM_ANALYSTS analysts (default 10), each with their own JWT, each reloading the triage page
 * (the 25 newest detections, with their detection) every 20 s and opening one of its messages
 * (detection, trace, preview) every 30 s; one new message arrives every 30 s; for
 * BENCH_TEAM_SECONDS of real time (default 300; 60 for a CI-sized run). The same seeded schedule
 * runs against:
 *   gateway   two replicas (the build, `dist/server.js`, as the image runs it) on one redis-server,
 *             every default as shipped, half the analysts each;
 *   sdk-app   an app on the official `cloudflare` SDK (bench/servers/sdk-app.ts, `Promise.all`).
 * Cloudflare is the simulator (25 ms per call) enforcing 1,200 requests per 5 minutes per token with
 * a 5-minute lockout; each system has a token of its own and a fresh window.
 *
 * Reported per system: upstream calls, 429s, failed or degraded page loads, triage and message page
 * p50 over the pages that loaded; against the physical limit of the workload: one search per 15 s
 * window in which someone loaded the page, one detection per distinct message shown, one trace and
 * one preview per distinct message opened. Results: bench/results/team.md, and the `## Team` section
 * of docs/benchmarks.md with `--publish` (bench/out/ otherwise). Everything binds to 127.0.0.1 and
 * is stopped by PID.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SIMULATOR_ACCOUNT_ID } from '../src/simulator/constants.js';
import { mulberry32 } from '../src/simulator/prng.js';
import { createIssuer, startGateway } from './lib/gateway.js';
import { p50 } from './lib/load.js';
import { killAllSync, ROOT, round, startRedis, startServer, stopAll } from './lib/processes.js';
import { outputPaths, publishRequested, writeDocSection } from './lib/report.js';
import { type SimulatorControl, startSimulator } from './lib/simulator.js';

const ANALYSTS = Number(process.env.BENCH_TEAM_ANALYSTS ?? 10);
const SECONDS = Number(process.env.BENCH_TEAM_SECONDS ?? 300);
const TRIAGE_EVERY_MS = 20_000;
const OPEN_EVERY_MS = 30_000;
const ARRIVAL_EVERY_MS = 30_000;
const SEARCH_WINDOW_MS = 15_000;
const LATENCY_MS = 25;
const BUDGET = { limit: 1200, windowSeconds: 300, lockoutSeconds: 300 };
const ISSUER = 'esgw-bench-team';

const TRIAGE = /* GraphQL */ `
  query TeamTriage {
    messages(first: 25, filter: { detectionsOnly: true }) {
      nodes {
        id subject from scannedAt finalDisposition isQuarantined
        detection { action threatCategories { name } links { href } attachments { filename sha256 } }
      }
    }
  }
`;
const MESSAGE = /* GraphQL */ `
  query TeamMessage($id: ID!) {
    message(id: $id) {
      id subject
      detection { action findings { name value detection } }
      trace { inbound { pending lines { lineno loggedAt message } } outbound { pending lines { lineno loggedAt message } } }
      preview { dataUrl }
    }
  }
`;

const logDir = mkdtempSync(join(tmpdir(), 'bench-team-'));

interface PageLoad {
  ok: boolean;
  ms: number;
  ids: string[];
}

/** How one system serves the two pages to one analyst. */
interface System {
  name: string;
  triage(analyst: number): Promise<PageLoad>;
  open(analyst: number, id: string): Promise<PageLoad>;
}

interface TeamResult {
  name: string;
  calls: number;
  byEndpoint: Record<string, number>;
  rateLimited: number;
  firstLockoutS: number | null;
  pages: number;
  failed: number;
  triageP50: number;
  messageP50: number;
  shown: Set<string>;
  opened: Set<string>;
  searchWindows: Set<number>;
}

async function timed(work: () => Promise<{ ok: boolean; ids: string[] }>): Promise<PageLoad> {
  const started = performance.now();
  try {
    const { ok, ids } = await work();
    return { ok, ids, ms: performance.now() - started };
  } catch {
    return { ok: false, ids: [], ms: performance.now() - started };
  }
}

function gatewaySystem(replicas: string[], tokens: string[]): System {
  const post = async (analyst: number, query: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(`${replicas[analyst % replicas.length]}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[analyst]}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    return { status: response.status, body };
  };
  return {
    name: 'gateway (2 replicas on Redis)',
    triage: (analyst) =>
      timed(async () => {
        const { status, body } = await post(analyst, TRIAGE);
        const nodes = ((body.data?.messages as { nodes?: { id: string; detection: unknown }[] })?.nodes ?? []) as {
          id: string;
          detection: unknown;
        }[];
        const ok = status === 200 && !body.errors && nodes.length > 0 && nodes.every((node) => node.detection);
        return { ok, ids: nodes.map((node) => node.id) };
      }),
    open: (analyst, id) =>
      timed(async () => {
        const { status, body } = await post(analyst, MESSAGE, { id });
        const message = body.data?.message as { detection: unknown; trace: unknown; preview: unknown } | null;
        const ok = status === 200 && !body.errors && !!message?.detection && !!message.trace && !!message.preview;
        return { ok, ids: [id] };
      }),
  };
}

function sdkSystem(url: string): System {
  return {
    name: 'app on the official SDK (Promise.all)',
    triage: () =>
      timed(async () => {
        const response = await fetch(`${url}/triage?first=25`);
        const body = (await response.json()) as { messages?: { id: string }[] };
        return { ok: response.status === 200, ids: (body.messages ?? []).map((message) => message.id) };
      }),
    open: (_analyst, id) =>
      timed(async () => {
        const response = await fetch(`${url}/message?id=${encodeURIComponent(id)}`);
        await response.arrayBuffer();
        return { ok: response.status === 200, ids: [id] };
      }),
  };
}

/** The workload against one system, for SECONDS of real time. */
async function runTeam(system: System, control: SimulatorControl): Promise<TeamResult> {
  await control.post('budget', BUDGET);
  await control.post('reset-requests', {});
  const started = Date.now();
  const end = started + SECONDS * 1000;
  const triageMs: number[] = [];
  const messageMs: number[] = [];
  const shown = new Set<string>();
  const opened = new Set<string>();
  const searchWindows = new Set<number>();
  let pages = 0;
  let failed = 0;
  // Latency of the pages that loaded: a refused page (a 429 during a lockout) answers fast and
  // would make a locked-out app look quick.
  const record = (load: PageLoad, into: number[]) => {
    pages++;
    if (load.ok) into.push(load.ms);
    else failed++;
  };

  const analyst = async (index: number) => {
    // Seeded: both systems see the same choices.
    const random = mulberry32(1_000 + index);
    let lastPage: string[] = [];
    const triageLoop = async () => {
      await sleep((index * TRIAGE_EVERY_MS) / ANALYSTS);
      while (Date.now() < end) {
        const next = Date.now() + TRIAGE_EVERY_MS;
        searchWindows.add(Math.floor(Date.now() / SEARCH_WINDOW_MS));
        const load = await system.triage(index);
        record(load, triageMs);
        if (load.ok) {
          lastPage = load.ids;
          for (const id of load.ids) shown.add(id);
        }
        await sleep(Math.max(0, next - Date.now()));
      }
    };
    const openLoop = async () => {
      await sleep(2_000 + (index * OPEN_EVERY_MS) / ANALYSTS);
      while (Date.now() < end) {
        const next = Date.now() + OPEN_EVERY_MS;
        const id = lastPage[Math.floor(random() * lastPage.length)];
        if (id) {
          opened.add(id);
          record(await system.open(index, id), messageMs);
        }
        await sleep(Math.max(0, next - Date.now()));
      }
    };
    await Promise.all([triageLoop(), openLoop()]);
  };
  const arrivals = (async () => {
    while (Date.now() + ARRIVAL_EVERY_MS < end) {
      await sleep(ARRIVAL_EVERY_MS);
      await control.post('messages', { accountId: SIMULATOR_ACCOUNT_ID, count: 1 });
    }
  })();
  await Promise.all([...Array.from({ length: ANALYSTS }, (_, index) => analyst(index)), arrivals]);

  const requests = await control.get<{ at: number; endpoint: string | null; status: number }[]>('requests');
  const byEndpoint: Record<string, number> = {};
  for (const request of requests)
    byEndpoint[request.endpoint ?? 'unmatched'] = (byEndpoint[request.endpoint ?? 'unmatched'] ?? 0) + 1;
  const limited = requests.filter((request) => request.status === 429);
  return {
    name: system.name,
    calls: requests.length,
    byEndpoint,
    rateLimited: limited.length,
    firstLockoutS: limited[0] ? round((limited[0].at - started) / 1000, 0) : null,
    pages,
    failed,
    triageP50: p50(triageMs),
    messageP50: p50(messageMs),
    shown,
    opened,
    searchWindows,
  };
}

/** The fewest calls the workload can cost: the issue's definition, from what the team saw. */
function physicalLimit(result: TeamResult): number {
  return result.searchWindows.size + result.shown.size + 2 * result.opened.size;
}

function render(gateway: TeamResult, sdk: TeamResult): string {
  const limit = physicalLimit(gateway);
  const row = (result: TeamResult) =>
    `| ${result.name} | ${result.calls}${result.firstLockoutS === null ? '' : ` (locked out at ${result.firstLockoutS} s)`} | ${result.rateLimited} | ${result.failed} of ${result.pages} | ${result.triageP50} ms | ${result.messageP50} ms |`;
  const short = (endpoint: string) => endpoint.replace('emailSecurity.investigate.', '');
  const breakdown = (result: TeamResult) =>
    Object.entries(result.byEndpoint)
      .sort((a, b) => b[1] - a[1])
      .map(([endpoint, count]) => `${short(endpoint)} ${count}`)
      .join(', ');
  const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 2) : 0);
  return [
    '## Team',
    '',
    `\`npm run bench:team\` (bench/team.ts): ${ANALYSTS} analysts with their own JWTs, each reloading the triage page every 20 s and opening one of its messages (detection, trace, preview) every 30 s, one new message every 30 s, ${SECONDS} s of real time; the simulator answers in ${LATENCY_MS} ms and enforces 1,200 requests per 5 minutes per token with a 5-minute lockout. The gateway is two replicas on one Redis with every default; the SDK app is \`bench/servers/sdk-app.ts\`. Same seeded schedule for both. Run ${new Date().toISOString().slice(0, 16)}Z.`,
    '',
    '| | upstream calls | 429s | failed page loads | triage p50 (pages that loaded) | message page p50 (pages that loaded) |',
    '|---|---|---|---|---|---|',
    row(sdk),
    row(gateway),
    `| physical limit (${gateway.searchWindows.size} search windows + ${gateway.shown.size} messages shown + 2 × ${gateway.opened.size} opened) | ${limit} | | | | |`,
    '',
    `- Gateway calls / physical limit: **${ratio(gateway.calls, limit)}×** (target ≤ 1.1×); 429s: **${gateway.rateLimited}**; failed or degraded page loads: **${gateway.failed}**.`,
    `- Message page p50, gateway / SDK app: **${ratio(gateway.messageP50, sdk.messageP50)}×** (target ≤ 1.0×); triage page p50: **${ratio(gateway.triageP50, sdk.triageP50)}×** (target ≤ 0.5×).`,
    `- Gateway calls by endpoint: ${breakdown(gateway)}.`,
    `- SDK app calls by endpoint: ${breakdown(sdk)}.`,
    '',
  ].join('\n');
}

async function main() {
  const { url: redisUrl } = await startRedis(logDir);
  const simulator = await startSimulator({ logDir, latencyMs: LATENCY_MS });
  const issuer = await createIssuer(ISSUER);
  const tokens = await Promise.all(
    Array.from({ length: ANALYSTS }, (_, index) => issuer.sign(`analyst-${index + 1}`, 'email-security:read')),
  );
  const replicas: string[] = [];
  for (const name of ['replica-a', 'replica-b']) {
    const replica = await startGateway({
      name,
      logDir,
      cloudflareBaseUrl: simulator.baseUrl,
      apiToken: 'bench-team-gateway',
      issuer,
      logLevel: 'warn',
      env: { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: 'bench-team:' },
    });
    replicas.push(replica.url);
  }
  const sdkApp = await startServer({
    name: 'sdk-app',
    args: ['--import', 'tsx', 'bench/servers/sdk-app.ts'],
    env: {
      MODE: 'parallel',
      CLOUDFLARE_BASE_URL: simulator.baseUrl,
      CLOUDFLARE_API_TOKEN: 'bench-team-sdk',
      CLOUDFLARE_ACCOUNT_ID: SIMULATOR_ACCOUNT_ID,
    },
    logDir,
  });

  console.info(`team: ${ANALYSTS} analysts, ${SECONDS} s per system (logs: ${logDir})`);
  const gateway = await runTeam(gatewaySystem(replicas, tokens), simulator.control);
  console.info(`gateway done: ${gateway.calls} calls`);
  const sdk = await runTeam(sdkSystem(sdkApp.url), simulator.control);
  await simulator.control.close();
  const section = render(gateway, sdk);
  console.info(section);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  if (publishRequested()) writeFileSync(join(ROOT, 'bench/results/team.md'), `${section}\n`);
  writeDocSection('## Team', section, outputPaths());
}

process.on('exit', killAllSync);
main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(stopAll);
