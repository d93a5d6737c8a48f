/**
 * The simulator as its own process: `npm run simulator`, the benchmarks and the soak all start it
 * through here, so there is one entry and one set of environment variables.
 */
import { DEFAULT_BUDGET, type Simulator, startSimulator } from './index.js';
import type { SimulatorOptions } from './public-types.js';

/**
 * SIMULATOR_PORT (default 8787; 0 = a free port), SIMULATOR_HOST (default 127.0.0.1, loopback only),
 * SIMULATOR_LATENCY_MS (default 0), SIMULATOR_BUDGET_LIMIT (requests per 5 minutes, default the
 * simulator's own budget; a driver raises it to match the gateway's governor).
 */
export function standaloneOptionsFromEnv(env: NodeJS.ProcessEnv): SimulatorOptions {
  const options: SimulatorOptions = {
    host: env.SIMULATOR_HOST ?? '127.0.0.1',
    port: Number(env.SIMULATOR_PORT ?? 8787),
    latencyMs: Number(env.SIMULATOR_LATENCY_MS ?? 0),
  };
  if (env.SIMULATOR_BUDGET_LIMIT !== undefined)
    options.budget = { ...DEFAULT_BUDGET, limit: Number(env.SIMULATOR_BUDGET_LIMIT) };
  return options;
}

/** Starts the simulator, prints its base URL on one line (drivers wait for it), stops on SIGTERM / SIGINT. */
export async function runStandalone(options: SimulatorOptions): Promise<Simulator> {
  const simulator = await startSimulator(options);
  process.stdout.write(`Cloudflare simulator listening on ${simulator.baseUrl}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    simulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return simulator;
}
