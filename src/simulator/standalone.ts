/**
 * The simulator as its own process: `npm run simulator`, the benchmarks and the soak all start it
 * through here, so there is one entry and one set of environment variables.
 */
import {
  DEFAULT_BUDGET,
  SIMULATOR_ACCOUNT_ID,
  SIMULATOR_DEVELOPMENT_TOKEN,
  type Simulator,
  startSimulator,
} from './index.js';
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

/**
 * Starts the simulator and prints its base URL on one line (drivers wait for it), then the account id
 * and the environment line that starts a gateway on it; a taken port is one line and exit 2. Stops on
 * SIGTERM / SIGINT.
 */
export async function runStandalone(options: SimulatorOptions): Promise<Simulator> {
  const simulator = await startSimulator(options).catch((error: NodeJS.ErrnoException) => {
    const where = `${options.host ?? '127.0.0.1'}:${options.port ?? 0}`;
    const reason = error.code === 'EADDRINUSE' ? `${where} is already in use (set SIMULATOR_PORT)` : error.message;
    process.stderr.write(`simulator: ${reason}\n`);
    process.exit(2);
  });
  process.stdout.write(
    `Cloudflare simulator listening on ${simulator.baseUrl}\n` +
      `Account id ${SIMULATOR_ACCOUNT_ID}; any API token is accepted except one starting with "invalid".\n` +
      'Start a gateway on it (AUTH_DISABLED=true: every caller gets every scope; or use the AUTH_ variables `npm run token` prints):\n' +
      `  CLOUDFLARE_BASE_URL=${simulator.baseUrl} CLOUDFLARE_ACCOUNT_ID=${SIMULATOR_ACCOUNT_ID} CLOUDFLARE_API_TOKEN=${SIMULATOR_DEVELOPMENT_TOKEN} AUTH_DISABLED=true npm start\n`,
  );
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
