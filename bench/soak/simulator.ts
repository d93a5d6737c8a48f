/**
 * The soak's simulator child process: like `npm run simulator`, but its default budget (the one a
 * `/__simulator/reset` restores) matches the gateway's governor limit in the soak, so the Ratelimit
 * headers the governor aligns itself with always describe the same budget. Loopback only, random port;
 * prints the base URL on one line and stops on SIGTERM / SIGINT.
 */
import { startSimulator } from '../../src/simulator/index.js';

const limit = Number(process.env.SOAK_SIM_BUDGET_LIMIT ?? 100_000_000);
const simulator = await startSimulator({
  host: '127.0.0.1',
  port: 0,
  latencyMs: Number(process.env.SIMULATOR_LATENCY_MS ?? 0),
  budget: { limit, windowSeconds: 300, lockoutSeconds: 300 },
});
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
