/**
 * What every step of `npm run bench` shares: the simulator, the token issuer, the operations, the
 * results so far; and how a step starts a gateway or a bench server.
 */
import type { BenchIssuer } from '../lib/gateway.js';
import { startGateway } from '../lib/gateway.js';
import { type Server, startServer } from '../lib/processes.js';
import type { ProbeResults, ScenarioResult } from '../lib/results.js';
import type { SimulatorProcess } from '../lib/simulator.js';
import type { Operations } from './operations.js';
import { GATEWAY_BUDGET_LIMIT } from './settings.js';

export interface RunContext {
  logDir: string;
  simulator: SimulatorProcess;
  issuer: BenchIssuer;
  /** An analyst's token with every scope (read, write, raw). */
  token: string;
  operations: Operations;
  results: ScenarioResult[];
  /** Set by the probes step when it runs (BENCH_ONLY may leave it out). */
  probes: ProbeResults | undefined;
}

/** A compiled gateway on the simulator: production settings, info logs, the budget raised like the simulator's. */
export function startBenchGateway(
  context: RunContext,
  name: string,
  env: Record<string, string>,
  script = 'dist/server.js',
  nodeArgs: string[] = [],
): Promise<Server> {
  return startGateway({
    name,
    logDir: context.logDir,
    cloudflareBaseUrl: context.simulator.baseUrl,
    apiToken: 'bench-gateway-token',
    issuer: context.issuer,
    logLevel: 'info',
    env: { BUDGET_LIMIT: GATEWAY_BUDGET_LIMIT, ...env },
    script,
    nodeArgs,
  });
}

/** One of bench/servers/*.ts under tsx (slower to start than the compiled gateway). */
export function startBenchServer(
  context: RunContext,
  name: string,
  file: string,
  env: Record<string, string>,
  healthPath = '/health',
): Promise<Server> {
  return startServer({
    name,
    args: ['--import', 'tsx', file],
    env: { ...env, NODE_ENV: 'production' },
    logDir: context.logDir,
    healthPath,
    timeoutMs: 60_000,
  });
}
