/**
 * Soak test: `npm run soak` (SOAK_MINUTES, default 10).
 *
 * Topology (all on 127.0.0.1):
 *   - the Cloudflare simulator runs as a CHILD PROCESS (src/simulator/main.ts, random port), driven
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
 *
 * Parts in bench/soak/: bounds (and result types), workload (operations and faults), sampler,
 * evaluate (figures and failed bounds), report (soak.json, soak.md, `## Soak`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { Pool } from 'undici';
import { createGateway, type Gateway } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { SIMULATOR_ACCOUNT_ID } from '../src/simulator/constants.js';
import { mulberry32 } from '../src/simulator/prng.js';
import { type SimulatorProcess, startSimulator } from './lib/simulator.js';
import { BOUNDS, type SoakOptions, type SoakResult } from './soak/bounds.js';
import { afterWarmup, evaluate } from './soak/evaluate.js';
import { markdown, writeResults } from './soak/report.js';
import { activeTcpHandles, exposeGc, Sampler } from './soak/sampler.js';
import { createWorkload, FAULTS, type Workload } from './soak/workload.js';

export { BOUNDS, markdown };
export type { Sample, SoakOptions, SoakResult } from './soak/bounds.js';

/** The gateway's governor limit in the soak, and the simulator's budget: the same, so Ratelimit headers agree. */
const GOVERNOR_LIMIT = '100000000';

/** The gateway in this process behind a node:http server on a loopback port; log lines are only counted. */
async function startInProcessGateway(
  cloudflareBaseUrl: string,
  gatewayEnv: Record<string, string>,
): Promise<{ gateway: Gateway; server: Server; url: string; logLines: () => number }> {
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
    CLOUDFLARE_BASE_URL: cloudflareBaseUrl,
    // The simulator stands in for Cloudflare: no verifier, by explicit opt-out.
    AUTH_DISABLED: 'true',
    LOG_LEVEL: 'warn',
    UPSTREAM_TIMEOUT_MS: '1500',
    UPSTREAM_RETRY_BASE_MS: '20',
    UPSTREAM_RETRY_MAX_DELAY_MS: '200',
    UPSTREAM_CONNECTIONS: String(BOUNDS.upstreamConnections),
    BUDGET_LIMIT: GOVERNOR_LIMIT,
    ...gatewayEnv,
  });
  const gateway = await createGateway(gatewayConfig, createLogger({ level: 'warn', pretty: false, destination: sink }));
  const server = createServer(gateway.yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { gateway, server, url, logLines: () => logLines };
}

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
      'simulator: child process (src/simulator/main.ts, budget = governor limit); gateway + node:http server + load generator: this process; loopback only',
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
  const logDir = mkdtempSync(join(tmpdir(), 'bench-soak-'));
  let sim: SimulatorProcess | null = null;
  let gateway: Gateway | null = null;
  let server: Server | null = null;
  let load: Pool | null = null;
  const failures: string[] = [];
  let sampler: Sampler | null = null;
  let workload: Workload | null = null;
  let faultsInjected = 0;
  let serverConnectionsAfterLoad = -1;
  let upstreamConnectedAfterLoad = -1;
  let tcpHandlesAfterClose = -1;

  try {
    sim = await startSimulator({
      logDir,
      latencyMs: config.simLatencyMs,
      args: ['--import', 'tsx', 'src/simulator/main.ts'],
      env: { SIMULATOR_PORT: '0', SIMULATOR_BUDGET_LIMIT: GOVERNOR_LIMIT },
    });
    const control = sim.control;
    const inProcess = await startInProcessGateway(sim.baseUrl, config.gatewayEnv);
    gateway = inProcess.gateway;
    server = inProcess.server;
    const { gateway: gw, server: srv, url } = inProcess;
    load = new Pool(url, { connections: config.concurrency + 2 });
    const pool = load;
    const simOrigin = sim.origin;
    const upstreamStats = () => {
      const stats = (gw.services.http as unknown as { dispatcher: { stats: Record<string, { connected: number }> } })
        .dispatcher.stats;
      return stats[simOrigin]?.connected ?? 0;
    };
    const serverConnections = () =>
      new Promise<number>((resolve) => srv.getConnections((error, count) => resolve(error ? -1 : count)));
    sampler = new Sampler(
      {
        serverConnections,
        upstreamConnected: upstreamStats,
        loadConnected: () => (pool.stats as { connected: number }).connected,
      },
      gc,
      log,
    );
    workload = await createWorkload(url, pool, random);
    const { nextOperation, stats } = workload;

    const started = Date.now();
    const loadEndsAt = started + durationMs - coolDownMs;
    const faultsEndAt = loadEndsAt - Math.min(3_000, coolDownMs);
    const warmupEndsAt = started + durationMs * BOUNDS.warmupShare;

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
            await control.post('reset');
            lastReset = Date.now();
          } else {
            await control.post('reset-requests');
          }
          await control.post('faults', FAULTS[index++ % FAULTS.length]);
          faultsInjected++;
        } catch (error) {
          failures.push(`simulator control failed: ${(error as Error).message}`);
          log(`soak: simulator control failed: ${(error as Error).message}`);
          return;
        }
      }
      await control.delete('faults').catch(() => undefined);
    })();

    const sampling = sampler.sampleUntil({
      started,
      durationMs,
      sampleMs: config.sampleMs,
      warmupEndsAt,
      operations: () => stats.operations,
    });

    await Promise.all([...users, faults, sampling]);
    sampler.stop();

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
    log(
      `soak: ${stats.operations} operations, ${inProcess.logLines()} warn+ log lines, ${faultsInjected} faults injected`,
    );
  } finally {
    sampler?.stop();
    await load?.close().catch(() => undefined);
    if (server) {
      server.closeAllConnections();
      server.close();
    }
    await gateway?.close().catch(() => undefined);
    await sim?.stop().catch(() => undefined);
    rmSync(logDir, { recursive: true, force: true });
  }

  const samples = sampler.samples;
  const evaluation = evaluate({
    durationMs,
    samples,
    stats: workload.stats,
    eventLoop: sampler.eventLoop(afterWarmup(samples, durationMs)),
    faultsInjected,
    serverConnectionsAfterLoad,
    upstreamConnectedAfterLoad,
    tcpHandlesBaseline,
    tcpHandlesAfterClose,
  });
  failures.push(...evaluation.failures);
  const result: SoakResult = {
    ok: failures.length === 0,
    failures,
    bounds: BOUNDS,
    config,
    figures: evaluation.figures,
    samples,
  };
  const { heap, eventLoop, sockets } = result.figures;
  log(
    `soak: ${result.ok ? 'PASS' : 'FAIL'} ${JSON.stringify(heap)} eld=${JSON.stringify(eventLoop)} sockets=${JSON.stringify(sockets)}`,
  );
  for (const failure of failures) log(`soak: FAILED BOUND: ${failure}`);
  if (options.writeResults) await writeResults(result);
  return result;
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
