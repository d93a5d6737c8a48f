/**
 * Outputs of a benchmark run: latest.json, the `## Benchmarks` section of benchmarks.md (other
 * sections of that file are kept) and benchmarks.svg (hand-written SVG).
 *
 * A plain run writes them to bench/out/ (gitignored), so trying `npm run bench` or `npm run soak`
 * leaves the working tree clean; `--publish` (or BENCH_PUBLISH=1) writes the tracked, published
 * files instead: bench/results/latest.json, docs/benchmarks.md and docs/benchmarks.svg.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LoadResult } from './load.js';
import { ROOT, round } from './processes.js';

export interface ScenarioResult {
  id: string;
  label: string;
  group: 'gateway' | 'alternative';
  description: string;
  cache: 'off' | 'on' | null;
  servedBy: string;
  load: LoadResult;
  unloaded: { requests: number; p50: number; p95: number; failed: number };
  criticalPathMs: number | null;
  p50OverCriticalPath: number | null;
  unloadedP50OverCriticalPath: number | null;
  upstreamCallsPerOp: number;
  upstreamCallsPerOpByEndpoint: Record<string, number>;
  cpuMsPerRequest: number;
  rssMiB: number;
  peakRssMiB: number;
  processes: { name: string; cpuMsPerRequest: number; rssMiB: number; peakRssMiB: number }[];
}

export interface BenchResults {
  generatedAt: string;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    kernel: string;
    node: string;
    loadAverage1m: { atStart: number; atEnd: number };
  };
  settings: {
    upstreamLatencyMs: number;
    connections: number;
    durationSeconds: number;
    warmupSeconds: number;
    unloadedProbe: { connections: number; seconds: number; maxRequests: number };
    simulatorBudget: { limit: number; windowSeconds: number; lockoutSeconds: number };
    gatewayBudgetLimit: number;
    triagePageSize: number;
  };
  scenarios: ScenarioResult[];
  headline?: Record<string, number | null>;
}

const SECTION = '## Benchmarks';

/** `--publish` on the command line or BENCH_PUBLISH=1: overwrite the tracked, published results. */
export function publishRequested(argv = process.argv, env = process.env): boolean {
  return argv.includes('--publish') || env.BENCH_PUBLISH === '1';
}

export interface OutputPaths {
  /** Folder for latest.json, soak.json and soak.md. */
  resultsDir: string;
  doc: string;
  svg: string;
}

export function outputPaths(publish = publishRequested()): OutputPaths {
  if (publish)
    return {
      resultsDir: join(ROOT, 'bench/results'),
      doc: join(ROOT, 'docs/benchmarks.md'),
      svg: join(ROOT, 'docs/benchmarks.svg'),
    };
  const out = join(ROOT, 'bench/out');
  return { resultsDir: out, doc: join(out, 'benchmarks.md'), svg: join(out, 'benchmarks.svg') };
}

/** The document a section is written into: the published one as the starting point of a private copy. */
function readDoc(paths: OutputPaths): string {
  const published = join(ROOT, 'docs/benchmarks.md');
  const source = existsSync(paths.doc) ? paths.doc : published;
  return existsSync(source) ? readFileSync(source, 'utf8') : '# Performance\n';
}

export function writeReports(results: BenchResults, paths = outputPaths()): OutputPaths {
  results.headline = headline(results);
  mkdirSync(paths.resultsDir, { recursive: true });
  writeFileSync(join(paths.resultsDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(paths.svg, renderSvg(results));
  writeFileSync(paths.doc, replaceSection(readDoc(paths), renderMarkdown(results)));
  return paths;
}

/** Replaces one `## ` section of benchmarks.md (the soak writes `## Soak` the same way). */
export function writeDocSection(heading: string, section: string, paths = outputPaths()): void {
  mkdirSync(dirname(paths.doc), { recursive: true });
  writeFileSync(paths.doc, replaceSection(readDoc(paths), section, heading));
}

/** Replaces the `## Benchmarks` (or another) section, up to the next `## ` heading, or appends it. */
export function replaceSection(document: string, section: string, heading = SECTION): string {
  const lines = document.split('\n');
  const start = lines.findIndex((line) => line.trim() === heading || line.startsWith(`${heading} `));
  if (start === -1) return `${document.replace(/\s*$/, '')}\n\n${section.trim()}\n`;
  let end = lines.findIndex((line, index) => index > start && /^## /.test(line));
  if (end === -1) end = lines.length;
  const before = lines.slice(0, start).join('\n').replace(/\s*$/, '');
  const after = lines.slice(end).join('\n').trim();
  return `${before ? `${before}\n\n` : ''}${section.trim()}\n${after ? `\n${after}\n` : ''}`;
}

function byId(results: BenchResults, id: string): ScenarioResult | undefined {
  return results.scenarios.find((scenario) => scenario.id === id);
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return round(a / b, 2);
}

function headline(results: BenchResults): Record<string, number | null> {
  const triage = byId(results, '2');
  const wide = byId(results, '2b');
  const cached = byId(results, '3');
  const sequential = byId(results, 'a');
  const parallel = byId(results, 'b');
  const floor = byId(results, 'c');
  return {
    sdkSequentialP50OverGatewayTriageP50: ratio(sequential?.load.latencyMs.p50, triage?.load.latencyMs.p50),
    gatewayTriageP50OverSdkPromiseAllP50: ratio(triage?.load.latencyMs.p50, parallel?.load.latencyMs.p50),
    gatewayFanout25P50OverSdkPromiseAllP50: ratio(wide?.load.latencyMs.p50, parallel?.load.latencyMs.p50),
    gatewayTriageRpsOverSdkSequentialRps: ratio(triage?.load.requestsPerSecond, sequential?.load.requestsPerSecond),
    gatewayTriageRpsOverSdkPromiseAllRps: ratio(triage?.load.requestsPerSecond, parallel?.load.requestsPerSecond),
    unloadedSdkSequentialP50OverGatewayTriageP50: ratio(sequential?.unloaded.p50, triage?.unloaded.p50),
    unloadedGatewayTriageP50OverCriticalPath: triage?.unloadedP50OverCriticalPath ?? null,
    unloadedGatewayFanout25P50OverCriticalPath: wide?.unloadedP50OverCriticalPath ?? null,
    unloadedSdkPromiseAllP50OverCriticalPath: parallel?.unloadedP50OverCriticalPath ?? null,
    gatewayTriageUpstreamCallsPerOp: triage?.upstreamCallsPerOp ?? null,
    sdkTriageUpstreamCallsPerOp: sequential?.upstreamCallsPerOp ?? null,
    cachedTriageUpstreamCallsPerOp: cached?.upstreamCallsPerOp ?? null,
    uncachedP50OverCachedP50: ratio(triage?.load.latencyMs.p50, cached?.load.latencyMs.p50),
    gatewayTriageCpuMsPerRequest: triage?.cpuMsPerRequest ?? null,
    floorCpuMsPerRequest: floor?.cpuMsPerRequest ?? null,
    gatewayCpuOverFloorCpu: ratio(triage?.cpuMsPerRequest, floor?.cpuMsPerRequest),
    gatewayCpuOverheadMsPerRequest: triage && floor ? round(triage.cpuMsPerRequest - floor.cpuMsPerRequest, 2) : null,
    sdkPromiseAllCpuMsPerRequest: parallel?.cpuMsPerRequest ?? null,
    gatewayCpuOverSdkPromiseAllCpu: ratio(triage?.cpuMsPerRequest, parallel?.cpuMsPerRequest),
  };
}

// ───────────────────────────── markdown ─────────────────────────────

const fmt = (value: number | null | undefined, digits = 1): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits).replace(/\.0+$/, '');
const times = (value: number | null | undefined): string =>
  value === null || value === undefined ? '—' : `${fmt(value, 1)}×`;

function cpuCell(scenario: ScenarioResult): string {
  const others = scenario.processes.slice(1).filter((p) => p.name !== 'simulator');
  const extra = others.map((p) => ` + ${p.name} ${fmt(p.cpuMsPerRequest, 2)}`).join('');
  return `${fmt(scenario.cpuMsPerRequest, 2)}${extra}`;
}

export function renderMarkdown(results: BenchResults): string {
  const h = results.headline ?? headline(results);
  const m = results.machine;
  const s = results.settings;
  const rows = results.scenarios.map((scenario) => {
    const l = scenario.load;
    const cache = scenario.cache === null ? 'n/a' : scenario.cache;
    return `| ${scenario.id} | ${scenario.label} | ${cache} | ${l.completed} | ${fmt(l.requestsPerSecond)} | ${fmt(l.latencyMs.p50)} | ${fmt(l.latencyMs.p95)} | ${fmt(l.latencyMs.p99)} | ${fmt(scenario.unloaded.p50)} | ${fmt(scenario.upstreamCallsPerOp, 2)} | ${scenario.criticalPathMs ?? '—'} | ${times(scenario.p50OverCriticalPath)} / ${times(scenario.unloadedP50OverCriticalPath)} | ${cpuCell(scenario)} | ${fmt(scenario.rssMiB)} | ${l.failed} |`;
  });
  const descriptions = results.scenarios.map(
    (scenario) =>
      `- **${scenario.id} — ${scenario.label}** (served by \`${scenario.servedBy}\`): ${scenario.description}`,
  );
  return `${SECTION}

Generated by \`npm run bench\` on ${results.generatedAt.slice(0, 10)} (${results.generatedAt}). Raw numbers: [\`bench/results/latest.json\`](../bench/results/latest.json). **The ratios are the result; absolute numbers depend on the machine.**

**Machine:** ${m.cpu}, ${m.cores} cores, ${fmt(m.memoryGiB)} GiB RAM, ${m.kernel}, Node ${m.node}. The simulator, the serving process(es) and the load generator share these ${m.cores} cores, so CPU-heavy scenarios compete with their own load generator. 1-minute load average ${fmt(m.loadAverage1m.atStart, 2)} before the run and ${fmt(m.loadAverage1m.atEnd, 2)} after it (anything else running on the machine shifts absolute numbers).

![p50 / p95 latency per scenario](./benchmarks.svg)

### Headline

- **Triage page (25 messages + 25 detections) vs. an app calling the official SDK with sequential awaits:** the SDK app's p50 is **${times(h.sdkSequentialP50OverGatewayTriageP50)}** the gateway's under load (unloaded: ${times(h.unloadedSdkSequentialP50OverGatewayTriageP50)}); the gateway serves ${times(h.gatewayTriageRpsOverSdkSequentialRps)} the requests/s.
- **vs. the same app with \`Promise.all\`:** gateway p50 = ${times(h.gatewayTriageP50OverSdkPromiseAllP50)} the Promise.all app's at the default fan-out limit of 8 concurrent upstream calls per request (${times(h.gatewayFanout25P50OverSdkPromiseAllP50)} with \`UPSTREAM_FANOUT_CONCURRENCY=25\`); throughput ${times(h.gatewayTriageRpsOverSdkPromiseAllRps)}. The gateway deliberately caps per-request fan-out to protect the shared Cloudflare budget; Promise.all has no cap.
- **Critical path** (search RTT + one fan-out RTT = 2 × ${s.upstreamLatencyMs} ms): unloaded gateway p50 = ${times(h.unloadedGatewayTriageP50OverCriticalPath)} the critical path at fan-out 8 (4 waves of detections), ${times(h.unloadedGatewayFanout25P50OverCriticalPath)} at fan-out 25; Promise.all app ${times(h.unloadedSdkPromiseAllP50OverCriticalPath)}.
- **Upstream calls per triage page:** gateway ${fmt(h.gatewayTriageUpstreamCallsPerOp, 2)} (1 search + 25 detections; the search result primes the messages), SDK app ${fmt(h.sdkTriageUpstreamCallsPerOp, 2)}; with the read cache warm ${fmt(h.cachedTriageUpstreamCallsPerOp, 2)}, and p50 drops ${times(h.uncachedP50OverCachedP50)}.
- **Gateway's own CPU:** ${fmt(h.gatewayTriageCpuMsPerRequest, 2)} ms per triage page vs. ${fmt(h.floorCpuMsPerRequest, 2)} ms for the floor (bare yoga + Pothos, static data, same operation) — ${times(h.gatewayCpuOverFloorCpu)}, i.e. ${fmt(h.gatewayCpuOverheadMsPerRequest, 2)} ms/request above bare GraphQL execution. Most of it is the 26 upstream HTTP calls themselves: the SDK Promise.all app, which makes the same calls with no GraphQL at all, spends ${fmt(h.sdkPromiseAllCpuMsPerRequest, 2)} ms/request, so the gateway costs ${times(h.gatewayCpuOverSdkPromiseAllCpu)} a hand-written parallel client (zod parsing, budget governor, JWT verification, DataLoader, logging and GraphQL execution included). On ${results.machine.cores} cores this CPU, not the 25 ms upstream latency, is what limits throughput and what the loaded latencies above the unloaded ones show (queueing).

### Results

${s.connections} connections, about ${s.durationSeconds} s measured per scenario (a fixed number of requests sized from the warm-up rate, at least ${s.connections * 6}) after ${s.warmupSeconds} s warm-up; simulator latency ${s.upstreamLatencyMs} ms on every upstream call.

| # | Scenario | Cache | responses | req/s | p50 ms | p95 ms | p99 ms | unloaded p50 ms | upstream calls/op | critical path ms | p50 ÷ critical path (loaded / unloaded) | CPU ms/req | RSS MiB | failed |
|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

${descriptions.join('\n')}

### Method

- \`npm run bench\` = \`npm run build\` then \`node --import tsx bench/run.ts\`. The gateway runs as in production: compiled JS (\`node dist/server.js\`), its own process, \`NODE_ENV=production\` with a JWT verifier (\`AUTH_PUBLIC_KEY\`: the bench generates an RS256 key pair with jose and signs a token with scope \`email-security:write email-security:raw\`), \`LOG_LEVEL=info\` (one JSON log line per operation, written to a file), budget governor on.
- Every process runs on the driver's Node binary (\`process.execPath\`, reported above; the machine's Node unless the bench is started with another).
- The Cloudflare simulator runs standalone (\`node dist/simulator/main.js\`, own process) with a fixed ${s.upstreamLatencyMs} ms latency on every response and its budget emulation **on**. To keep the bench from tripping the lockout, the budget is **raised** to ${s.simulatorBudget.limit.toLocaleString('en-US')} requests / ${s.simulatorBudget.windowSeconds} s (\`POST /__simulator/budget\`) **and** the simulator is reset before each scenario (\`POST /__simulator/reset\`: seed data, knobs and budget usage), then latency and budget are set again. The gateway's own budget governor stays enabled with \`BUDGET_LIMIT=${s.gatewayBudgetLimit}\` (the default 1,200 / 5 min would throttle a load test by design).
- **Cache:** scenarios 1, 2, 2b, 4 and 5 run with \`CACHE_ENABLED=false\` so they measure the upstream fan-out; scenario 3 runs a separate gateway process with \`CACHE_ENABLED=true\` (default TTLs), warmed by the warm-up phase.
- Load: autocannon 9 (programmatic API) in the driver process, ${s.connections} connections. Per scenario: ${s.warmupSeconds} s warm-up at ${s.connections} connections; an unloaded probe (1 connection, at most ${s.unloadedProbe.maxRequests} requests / ${s.unloadedProbe.seconds} s); a wait until the simulator has seen no request for 300 ms; then the measured phase: a fixed number of requests (warm-up rate × ${s.durationSeconds} s, at least ${s.connections * 6}), so it ends with nothing in flight and the per-request divisions are exact (a safety stop bounds it at 2 × ${s.durationSeconds} + 5 s). Percentiles are computed from every response time. A response counts as failed on a non-2xx status, a GraphQL \`errors\` entry or an \`…Error\` union member.
- **Upstream calls/op:** \`GET /__simulator/counts\` after the measured phase (requests were reset just before it) ÷ responses completed.
- **CPU ms/req:** utime + stime of the serving process from \`/proc/<pid>/stat\` (clock ticks from \`getconf CLK_TCK\`) before/after the measured phase ÷ responses. For scenario 4 the cell shows Hive Gateway + this gateway (as subgraph) + the case-management subgraph. **RSS:** \`VmRSS\` of the serving process from \`/proc/<pid>/status\` after the measured phase. The bench servers (SDK app, floor, Hive Gateway, subgraph) are TypeScript run with tsx, which adds a few MiB of RSS but no per-request CPU.
- **Critical path:** upstream round trips that must happen one after another × ${s.upstreamLatencyMs} ms — 2 for the triage page (search, then the detections in parallel) and for the federated query (E2 via \`_entities\`, then E3), 1 for \`message(id:)\`; "—" where it does not apply (cache, static floor, mutations).
- Alternatives on the same simulator: (a) an internal app using the official \`cloudflare\` SDK 7.3.0 (\`baseURL\` = simulator, \`apiToken\`, \`maxRetries: 0\`) the way such apps are usually written — \`await investigate.list(...)\`, then \`for (…) await detections.get(...)\`; (b) the same with \`Promise.all\`; both served as a tiny node:http endpoint loaded the same way. (c) The floor: bare yoga + Pothos answering the same TriagePage operation from static data.
- Loopback only: every process binds 127.0.0.1 and is started with \`bench/lib/loopback-guard.mjs\` preloaded, which throws on any TCP connection to a non-loopback host. All processes are stopped by PID (also on SIGINT/SIGTERM).
`;
}

// ───────────────────────────── SVG ─────────────────────────────

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderSvg(results: BenchResults): string {
  const scenarios = results.scenarios;
  const width = 1000;
  const left = 290;
  const right = 110;
  const top = 92;
  const rowHeight = 46;
  const bar = 15;
  const plotWidth = width - left - right;
  const height = top + scenarios.length * rowHeight + 62;
  const values = scenarios
    .flatMap((s) => [s.load.latencyMs.p50, s.load.latencyMs.p95, s.unloaded.p50])
    .filter((v) => Number.isFinite(v) && v > 0);
  const minDecade = Math.floor(Math.log10(Math.max(0.1, Math.min(...values))));
  const maxDecade = Math.ceil(Math.log10(Math.max(...values)));
  const x = (value: number) =>
    left + ((Math.log10(Math.max(value, 10 ** minDecade)) - minDecade) / (maxDecade - minDecade)) * plotWidth;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(
    `<text x="20" y="30" font-size="19" font-weight="bold" fill="#111">Latency under load: p50 and p95 per scenario (ms, log scale)</text>`,
  );
  const s = results.settings;
  out.push(
    `<text x="20" y="52" font-size="12.5" fill="#555">${escapeXml(`${s.connections} connections, ${s.durationSeconds} s each; simulator latency ${s.upstreamLatencyMs} ms per upstream call; ${results.machine.cores} cores (${results.machine.cpu}); ${results.generatedAt.slice(0, 10)}`)}</text>`,
  );
  // legend
  const legendY = 72;
  out.push(
    `<rect x="${left}" y="${legendY - 10}" width="14" height="10" fill="#2563eb"/><text x="${left + 20}" y="${legendY}" font-size="12" fill="#333">p50</text>`,
  );
  out.push(
    `<rect x="${left + 60}" y="${legendY - 10}" width="14" height="10" fill="#93c5fd"/><text x="${left + 80}" y="${legendY}" font-size="12" fill="#333">p95</text>`,
  );
  out.push(
    `<rect x="${left + 120}" y="${legendY - 10}" width="14" height="10" fill="#ea580c"/><text x="${left + 140}" y="${legendY}" font-size="12" fill="#333">p50 alternative</text>`,
  );
  out.push(
    `<rect x="${left + 250}" y="${legendY - 10}" width="14" height="10" fill="#fdba74"/><text x="${left + 270}" y="${legendY}" font-size="12" fill="#333">p95 alternative</text>`,
  );
  out.push(
    `<line x1="${left + 390}" y1="${legendY - 12}" x2="${left + 390}" y2="${legendY + 2}" stroke="#111" stroke-width="2" stroke-dasharray="3,2"/><text x="${left + 398}" y="${legendY}" font-size="12" fill="#333">critical path</text>`,
  );
  out.push(
    `<circle cx="${left + 492}" cy="${legendY - 4}" r="4.5" fill="#ffffff" stroke="#111" stroke-width="1.5"/><text x="${left + 502}" y="${legendY}" font-size="12" fill="#333">p50 unloaded (1 connection)</text>`,
  );
  // grid
  const plotBottom = top + scenarios.length * rowHeight;
  for (let decade = minDecade; decade <= maxDecade; decade++) {
    for (const multiple of [1, 2, 5]) {
      const value = multiple * 10 ** decade;
      if (value > 10 ** maxDecade) continue;
      const gx = x(value);
      const major = multiple === 1;
      out.push(
        `<line x1="${gx.toFixed(1)}" y1="${top - 6}" x2="${gx.toFixed(1)}" y2="${plotBottom}" stroke="${major ? '#cbd5e1' : '#eef2f7'}" stroke-width="1"/>`,
      );
      out.push(
        `<text x="${gx.toFixed(1)}" y="${plotBottom + 18}" font-size="11" fill="${major ? '#333' : '#888'}" text-anchor="middle">${value >= 1 ? value : value.toFixed(1)}</text>`,
      );
    }
  }
  out.push(
    `<text x="${left + plotWidth / 2}" y="${plotBottom + 40}" font-size="12" fill="#333" text-anchor="middle">latency (ms, log scale)</text>`,
  );
  scenarios.forEach((scenario, index) => {
    const y = top + index * rowHeight;
    const alternative = scenario.group === 'alternative';
    if (index > 0 && alternative && scenarios[index - 1]?.group !== 'alternative') {
      out.push(`<line x1="20" y1="${y - 2}" x2="${width - 20}" y2="${y - 2}" stroke="#94a3b8" stroke-width="1"/>`);
    }
    const title = `${scenario.id}. ${scenario.label}`;
    const subtitle = `${fmt(scenario.load.requestsPerSecond)} req/s · ${fmt(scenario.upstreamCallsPerOp, 1)} upstream/op · ${fmt(scenario.cpuMsPerRequest, 1)} ms CPU`;
    out.push(
      `<text x="${left - 10}" y="${y + 16}" font-size="13" font-weight="bold" fill="#111" text-anchor="end">${escapeXml(title)}</text>`,
    );
    out.push(
      `<text x="${left - 10}" y="${y + 32}" font-size="11" fill="#555" text-anchor="end">${escapeXml(subtitle)}</text>`,
    );
    const bars: [number, string, number][] = [
      [scenario.load.latencyMs.p50, alternative ? '#ea580c' : '#2563eb', y + 4],
      [scenario.load.latencyMs.p95, alternative ? '#fdba74' : '#93c5fd', y + 4 + bar + 2],
    ];
    const unloadedX =
      Number.isFinite(scenario.unloaded.p50) && scenario.unloaded.p50 > 0 ? x(scenario.unloaded.p50) : 0;
    bars.forEach(([value, color, by], barIndex) => {
      const bx = x(value);
      // Keep the p50 label clear of the unloaded marker when it sits at the end of the bar.
      const labelX = barIndex === 0 && unloadedX > bx - 6 ? Math.max(bx, unloadedX) + 8 : bx + 5;
      out.push(
        `<rect x="${left}" y="${by}" width="${Math.max(1, bx - left).toFixed(1)}" height="${bar}" fill="${color}"/>`,
      );
      out.push(
        `<text x="${labelX.toFixed(1)}" y="${by + bar - 3}" font-size="11.5" fill="#111">${fmt(value)} ms</text>`,
      );
    });
    if (Number.isFinite(scenario.unloaded.p50) && scenario.unloaded.p50 > 0) {
      out.push(
        `<circle cx="${x(scenario.unloaded.p50).toFixed(1)}" cy="${y + 4 + bar / 2}" r="4.5" fill="#ffffff" stroke="#111" stroke-width="1.5"/>`,
      );
    }
    if (scenario.criticalPathMs) {
      const cx = x(scenario.criticalPathMs);
      out.push(
        `<line x1="${cx.toFixed(1)}" y1="${y + 1}" x2="${cx.toFixed(1)}" y2="${y + 4 + 2 * bar + 5}" stroke="#111" stroke-width="2" stroke-dasharray="3,2"/>`,
      );
    }
  });
  out.push(`<line x1="${left}" y1="${top - 6}" x2="${left}" y2="${plotBottom}" stroke="#333" stroke-width="1"/>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
