import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { vi } from 'vitest';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import { freePort } from './redis-server.js';

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
