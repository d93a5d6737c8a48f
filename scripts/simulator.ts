/**
 * `npm run simulator`: the Cloudflare simulator alone, for pointing a gateway (or another tool) at it
 * with CLOUDFLARE_BASE_URL. Env: SIMULATOR_PORT (default 8787), SIMULATOR_HOST (default 127.0.0.1,
 * loopback only), SIMULATOR_LATENCY_MS (default 0). Prints its base URL, then the account id and a
 * token it accepts as the environment line to start the gateway with. Stops on SIGTERM / SIGINT.
 */
import { SIMULATOR_ACCOUNT_ID, startSimulator } from '../src/simulator/index.js';

/** The simulator accepts any token except those starting with `invalid` (`readonly…` may not write). */
const SIMULATOR_TOKEN = 'simulator-development-token';

const port = Number(process.env.SIMULATOR_PORT ?? 8787);
const host = process.env.SIMULATOR_HOST ?? '127.0.0.1';
const latencyMs = Number(process.env.SIMULATOR_LATENCY_MS ?? 0);

const simulator = await startSimulator({ host, port, latencyMs }).catch((error: NodeJS.ErrnoException) => {
  const reason = error.code === 'EADDRINUSE' ? `${host}:${port} is already in use (set SIMULATOR_PORT)` : error.message;
  process.stderr.write(`simulator: ${reason}\n`);
  process.exit(2);
});
process.stdout.write(
  `Cloudflare simulator listening on ${simulator.baseUrl}\n` +
    `Account id ${SIMULATOR_ACCOUNT_ID}; any API token is accepted except one starting with "invalid".\n` +
    'Start a gateway on it (AUTH_DISABLED=true: every caller gets every scope; or use the AUTH_ variables `npm run token` prints):\n' +
    `  CLOUDFLARE_BASE_URL=${simulator.baseUrl} CLOUDFLARE_ACCOUNT_ID=${SIMULATOR_ACCOUNT_ID} CLOUDFLARE_API_TOKEN=${SIMULATOR_TOKEN} AUTH_DISABLED=true npm start\n`,
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
