/**
 * One scenario, measured: warm-up, the unloaded probe (one client, sequential), then a fixed number
 * of requests under load, with the upstream calls, CPU and memory of every process doing the work.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Request as AutocannonRequest } from 'autocannon';
import { type LoadResult, percentile, runLoad } from '../lib/load.js';
import { type Child, cpuMs, memory, round } from '../lib/processes.js';
import type { ScenarioResult } from '../lib/results.js';
import type { SimulatorControl, SimulatorProcess } from '../lib/simulator.js';
import { timedRequest } from './http.js';
import {
  CONNECTIONS,
  DURATION,
  LATENCY_MS,
  PROBE_MAX,
  PROBE_SECONDS,
  SIM_BUDGET,
  THINK_MS,
  WARMUP,
} from './settings.js';

export interface ScenarioSpec {
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

type UpstreamCounts = { total: number; endpoints: Record<string, number> };

/** Seed state back, knobs back, then the bench's latency and (raised) budget; budget usage is cleared. */
export async function resetSimulator(control: SimulatorControl): Promise<void> {
  await control.post('reset');
  await control.post('latency', { ms: LATENCY_MS });
  await control.post('budget', SIM_BUDGET);
}

/** Waits until the simulator has seen no request for 300 ms (at most `maxMs`). */
async function quiesce(control: SimulatorControl, maxMs = 10_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = (await control.get<UpstreamCounts>('counts')).total;
  let quietSince = Date.now();
  while (Date.now() < deadline && Date.now() - quietSince < 300) {
    await sleep(50);
    const now = (await control.get<UpstreamCounts>('counts')).total;
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    }
  }
}

export async function measure(simulator: SimulatorProcess, spec: ScenarioSpec): Promise<ScenarioResult> {
  const { control } = simulator;
  process.stdout.write(`\n▶ ${spec.id} ${spec.label}\n`);
  await resetSimulator(control);
  const loadOptions = {
    url: spec.url,
    requests: spec.requests,
    ...(spec.verifyBody ? { verifyBody: spec.verifyBody } : {}),
  };
  const warmup = await runLoad({ ...loadOptions, connections: CONNECTIONS, durationSeconds: WARMUP });
  // Requests cut off at the end of the warm-up can keep an app calling upstream (the SDK loop does
  // not cancel): wait until the simulator has been quiet for 300 ms, then a second, so that the
  // gateway's pacer bucket is full again; the unloaded probe is one page at a time with a think time.
  await quiesce(control);
  await sleep(1_000);
  const probe = await unloadedProbe(spec);
  await quiesce(control);
  await control.post('reset-requests');
  const watched = [...spec.processes, simulator.child];
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
  const counts = await control.get<UpstreamCounts>('counts');

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
