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
 *
 * The steps live in bench/run/: settings (the knobs above), measure (one scenario), probes,
 * gateway-scenarios, federated (4), alternatives (a, b, c), profile.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { createIssuer } from './lib/gateway.js';
import { killAllSync, ROOT, round, stopAll } from './lib/processes.js';
import { publishRequested, writeReports } from './lib/report.js';
import type { BenchResults } from './lib/results.js';
import { startSimulator } from './lib/simulator.js';
import { runAlternatives } from './run/alternatives.js';
import type { RunContext } from './run/context.js';
import {
  runBaselineScenario,
  runCachedScenario,
  runDefaultsScenario,
  runLoadGatewayScenarios,
} from './run/gateway-scenarios.js';
import { resetSimulator } from './run/measure.js';
import { loadOperations } from './run/operations.js';
import { type GatewayProfile, profileGateway } from './run/profile.js';
import { upstreamProbes } from './run/probes.js';
import {
  CONNECTIONS,
  DURATION,
  GATEWAY_BUDGET_LIMIT,
  ISSUER,
  LATENCY_MS,
  ORDER,
  PROBE_MAX,
  PROBE_RUNS,
  PROBE_SECONDS,
  SIM_BUDGET,
  TRIAGE_PAGE,
  WARMUP,
  wants,
} from './run/settings.js';

const logDir = mkdtempSync(join(tmpdir(), 'esgw-bench-'));

/** Unloaded probes straight at the simulator: the critical path the triage page cannot beat. */
async function probesStep(context: RunContext): Promise<void> {
  if (!wants('probes')) return;
  process.stdout.write('\n▶ probes: critical path (E1 then E3) and one upstream RTT (E3), measured directly\n');
  await resetSimulator(context.simulator.control);
  const upstream = await upstreamProbes(context.simulator.baseUrl);
  context.probes = { runs: PROBE_RUNS, ...upstream, deferred: null };
  process.stdout.write(
    `  critical path p50 ${upstream.criticalPathP50} ms  one RTT p50 ${upstream.oneRttP50} ms  search p50 ${upstream.searchP50} ms\n`,
  );
}

function collectResults(
  context: RunContext,
  startedAt: Date,
  loadAtStart: number,
  profile: GatewayProfile | undefined,
): BenchResults {
  const cpu = cpus();
  return {
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
    scenarios: [...context.results].sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id)),
    ...(context.probes ? { probes: context.probes } : {}),
    ...(profile ? { profile } : {}),
  };
}

async function main(): Promise<void> {
  for (const file of ['dist/server.js', 'dist/simulator/main.js']) {
    if (!existsSync(join(ROOT, file)))
      throw new Error(`${file} is missing: run \`npm run build\` first (\`npm run bench\` does)`);
  }
  const startedAt = new Date();
  const loadAtStart = round(loadavg()[0] ?? 0, 2);
  const issuer = await createIssuer(ISSUER);
  const context: RunContext = {
    logDir,
    simulator: await startSimulator({ logDir, latencyMs: LATENCY_MS }),
    issuer,
    token: await issuer.sign('bench-analyst', 'email-security:read email-security:write email-security:raw'),
    operations: loadOperations(),
    results: [],
    probes: undefined,
  };
  await resetSimulator(context.simulator.control);

  await probesStep(context);
  await runDefaultsScenario(context);
  await runLoadGatewayScenarios(context);
  await runBaselineScenario(context);
  await runCachedScenario(context);
  await runAlternatives(context);
  const profile = wants('profile') ? await profileGateway(context) : undefined;
  await context.simulator.control.close();

  const written = writeReports(collectResults(context, startedAt, loadAtStart, profile));
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
