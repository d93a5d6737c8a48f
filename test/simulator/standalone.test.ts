import { spawn } from 'node:child_process';
import { describe, expect, test, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { SIMULATOR_ACCOUNT_ID as ACCOUNT } from '../../src/simulator/index.js';

describe('npm run simulator (the standalone entry)', () => {
  test('prints the account id and an environment line that configures a gateway against it', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/simulator/main.ts'], {
      env: { PATH: process.env.PATH, SIMULATOR_PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      const line = await vi.waitFor(
        () => {
          const found = /^ {2}(CLOUDFLARE_BASE_URL=.*) npm start$/m.exec(output)?.[1];
          if (!found) throw new Error('no environment line yet');
          return found;
        },
        { timeout: 20_000, interval: 50 },
      );
      const env = Object.fromEntries(line.split(' ').map((assignment) => assignment.split('=', 2) as [string, string]));
      const config = loadConfig(env);
      expect(config.upstreamMode).toBe('cloudflare');
      expect(config.accountId).toBe(ACCOUNT);
      expect(output).toContain(`Account id ${ACCOUNT}`);
      const answer = await fetch(`${config.baseUrl}/accounts/${ACCOUNT}/email-security/investigate?limit=1`, {
        headers: { authorization: `Bearer ${(config.credentials as { token: string }).token}` },
      });
      expect(answer.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  }, 30_000);
});
