import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { vi } from 'vitest';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import { startTestGateway, type TestGateway } from './gateway.js';
import { freePort, type RedisServer } from './redis-server.js';

let prefixSeq = 0;

/**
 * `count` replicas of the gateway in this process, on one simulator ("Cloudflare") and one Redis
 * under a key prefix of their own; `cleanups` gets their shutdown.
 */
export async function startReplicas(
  cleanups: (() => Promise<void>)[],
  count: number,
  redis: RedisServer,
  env: Record<string, string> = {},
) {
  const shared = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `replicas${process.pid}-${++prefixSeq}:`, ...env };
  const first = await startTestGateway({ env: shared });
  const all: TestGateway[] = [first];
  for (let index = 1; index < count; index++)
    all.push(await startTestGateway({ env: { ...shared, CLOUDFLARE_BASE_URL: first.sim.baseUrl } }));
  cleanups.push(async () => {
    for (const gateway of all.slice().reverse()) await gateway.close();
  });
  return { all, sim: first.sim, prefix: shared.REDIS_KEY_PREFIX, env: shared };
}

/**
 * `npm start` as a separate process (so it can be SIGKILLed mid-work), on a loopback port of its
 * own; `cleanups` gets its kill. Resolves once `/health` answers.
 */
export async function startReplicaProcess(cleanups: (() => Promise<void>)[], env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      AUTH_DISABLED: 'true',
      CLOUDFLARE_API_TOKEN: 'test-token',
      CLOUDFLARE_ACCOUNT_ID: SIMULATOR_ACCOUNT_ID,
      CACHE_ENABLED: 'false',
      BUDGET_ENABLED: 'false',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  cleanups.push(kill);
  const url = `http://127.0.0.1:${port}`;
  await vi.waitFor(
    async () => {
      const response = await fetch(`${url}/health`).catch(() => null);
      if (response?.status !== 200) throw new Error('not up yet');
    },
    { timeout: 30_000, interval: 50 },
  );
  return { child, url, kill };
}
