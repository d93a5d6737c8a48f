import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bearer, post, READ_MAIL } from '../helpers/auth.js';
import { startTestGateway } from '../helpers/gateway.js';

describe('npm run token (scripts/dev-token.ts)', () => {
  const run = promisify(execFile);
  let keyDirectory: string;
  beforeAll(async () => {
    keyDirectory = await mkdtemp(join(tmpdir(), 'dev-token-'));
  });
  afterAll(async () => {
    await rm(keyDirectory, { recursive: true, force: true });
  });

  /** Runs the script as `npm run token` does; returns the token and the variables it tells you to start with. */
  async function mint(scope: string) {
    const { stdout, stderr } = await run(process.execPath, [
      '--import',
      'tsx',
      'scripts/dev-token.ts',
      '--keys',
      keyDirectory,
      '--scope',
      scope,
    ]);
    const env = Object.fromEntries([...stderr.matchAll(/(AUTH_\w+)='([^']*)'/g)].map((match) => [match[1], match[2]]));
    return { token: stdout.trim(), env: env as Record<string, string> };
  }

  test('a minted token is accepted by a gateway started with the printed variables, and a second token from the same keys too', async () => {
    const first = await mint('email-security:read');
    expect(Object.keys(first.env).sort()).toEqual(['AUTH_AUDIENCE', 'AUTH_ISSUER', 'AUTH_PUBLIC_KEY']);
    // The env file (for compose --env-file) holds exactly the printed assignments.
    expect(await readFile(join(keyDirectory, 'gateway.env'), 'utf8')).toBe(
      Object.entries(first.env)
        .map(([name, value]) => `${name}='${value}'\n`)
        .join(''),
    );
    const t = await startTestGateway({ env: first.env });
    try {
      const anonymous = await post(t, { query: READ_MAIL });
      expect(anonymous.status).toBe(401);
      const second = await mint('email-security:read email-security:write');
      expect(second.env).toEqual(first.env);
      for (const { token: minted } of [first, second]) {
        const body = (await (await post(t, { query: READ_MAIL }, bearer(minted))).json()) as {
          data: { messages: { nodes: unknown[] } };
          errors?: unknown;
        };
        expect(body.errors).toBeUndefined();
        expect(body.data.messages.nodes.length).toBeGreaterThan(0);
      }
    } finally {
      await t.close();
    }
  }, 60_000);

  test('a minted token without the scope an operation needs is refused with FORBIDDEN naming it', async () => {
    const { token: readOnly, env } = await mint('email-security:read');
    const t = await startTestGateway({ env });
    try {
      const response = await post(t, { query: '{ messages(first: 1) { nodes { raw } } }' }, bearer(readOnly));
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]?.extensions.code).toBe('FORBIDDEN');
      expect(body.errors[0]?.message).toMatch(/email-security:raw/);
    } finally {
      await t.close();
    }
  }, 60_000);

  test('a misspelt scope is refused by the script with one line and exit 2, before any token is made', async () => {
    const failed = await mint('email-security:reed').catch(
      (error: { code: number; stderr: string; stdout: string }) => error,
    );
    expect((failed as { code: number }).code).toBe(2);
    expect((failed as { stdout: string }).stdout).toBe('');
    expect((failed as { stderr: string }).stderr).toMatch(/^token: unknown scope email-security:reed/);
  }, 30_000);
});
