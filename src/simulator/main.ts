/**
 * Standalone simulator (`npm run simulator`). Env: SIMULATOR_PORT (default 8787), SIMULATOR_HOST
 * (default 127.0.0.1, loopback only), SIMULATOR_LATENCY_MS (default 0). Prints the base URL on one
 * line and stops on SIGTERM / SIGINT.
 */
import { startSimulator } from './index.js';

const port = Number(process.env.SIMULATOR_PORT ?? 8787);
const host = process.env.SIMULATOR_HOST ?? '127.0.0.1';
const latencyMs = Number(process.env.SIMULATOR_LATENCY_MS ?? 0);

const simulator = await startSimulator({ host, port, latencyMs });
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
