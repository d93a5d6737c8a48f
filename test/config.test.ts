import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { createGateway } from '../src/app.js';
import { ConfigError, DEFAULT_CLOUDFLARE_BASE_URL, loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { TEST_AUDIENCE, TEST_ISSUER } from './helpers/tokens.js';

const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353';

function issuesOf(env: Record<string, string>) {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  test('no credentials and no base URL selects the embedded simulator with defaults', () => {
    const config = loadConfig({});
    expect(config.upstreamMode).toBe('simulator');
    expect(config.baseUrl).toBe(DEFAULT_CLOUDFLARE_BASE_URL);
    expect(config.server).toEqual({ host: '127.0.0.1', port: 4000, keepAliveMs: 65_000 });
    expect(config.credentials).toBeNull();
  });

  test('an API token with an account selects Cloudflare and the token credential', () => {
    const config = loadConfig({ CLOUDFLARE_API_TOKEN: 'tok', CLOUDFLARE_ACCOUNT_ID: ACCOUNT, AUTH_DISABLED: 'true' });
    expect(config.upstreamMode).toBe('cloudflare');
    expect(config.credentials).toEqual({ kind: 'token', token: 'tok' });
  });

  test('the legacy email and key pair is used together', () => {
    const config = loadConfig({
      CLOUDFLARE_EMAIL: 'a@example.com',
      CLOUDFLARE_API_KEY: 'k',
      CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
      AUTH_DISABLED: 'true',
    });
    expect(config.credentials).toEqual({ kind: 'key', email: 'a@example.com', key: 'k' });
  });

  test('an email without a key is refused naming CLOUDFLARE_API_KEY', () => {
    expect(
      issuesOf({ CLOUDFLARE_EMAIL: 'a@example.com', CLOUDFLARE_ACCOUNT_ID: ACCOUNT }).map((i) => i.variable),
    ).toContain('CLOUDFLARE_API_KEY');
  });

  test('an account id that is not 32 hex characters is refused naming CLOUDFLARE_ACCOUNT_ID', () => {
    const issues = issuesOf({ CLOUDFLARE_API_TOKEN: 't', CLOUDFLARE_ACCOUNT_ID: 'not-an-account' });
    expect(issues[0]?.variable).toBe('CLOUDFLARE_ACCOUNT_ID');
  });

  test('credentials without an account id are refused', () => {
    expect(issuesOf({ CLOUDFLARE_API_TOKEN: 't', AUTH_DISABLED: 'true' }).map((i) => i.variable)).toEqual([
      'CLOUDFLARE_ACCOUNT_ID',
    ]);
  });

  test('a non-numeric PORT is refused naming PORT, in a sentence', () => {
    expect(issuesOf({ PORT: 'eighty' })).toEqual([{ variable: 'PORT', message: 'must be a port number (0 to 65535)' }]);
  });

  test('a verifier without issuer and audience names both at once', () => {
    expect(issuesOf({ AUTH_PUBLIC_KEY: 'x' }).map((i) => i.variable)).toEqual(['AUTH_ISSUER', 'AUTH_AUDIENCE']);
  });

  test("an embedded simulator on the gateway's own PORT is refused naming SIMULATOR_PORT", () => {
    expect(issuesOf({ PORT: '4100', SIMULATOR_PORT: '4100' }).map((i) => i.variable)).toEqual(['SIMULATOR_PORT']);
  });

  test('a SIMULATOR_PORT that is taken stops start-up with a ConfigError naming it, not a listen stack', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      const config = loadConfig({ SIMULATOR_PORT: String(port) });
      const error = await createGateway(config, createLogger({ level: 'silent', pretty: false })).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues.map((i) => i.variable)).toEqual(['SIMULATOR_PORT']);
    } finally {
      taken.close();
    }
  });

  test('a bad base URL and a bad LOG_LEVEL are both reported', () => {
    const variables = issuesOf({ CLOUDFLARE_BASE_URL: 'not a url', LOG_LEVEL: 'loud' }).map((i) => i.variable);
    expect(variables).toEqual(expect.arrayContaining(['CLOUDFLARE_BASE_URL', 'LOG_LEVEL']));
  });

  test('a malformed variable does not hide the rules about combinations: every problem is reported at once', () => {
    const issues = issuesOf({ PORT: 'eighty', NODE_ENV: 'production', AUTH_DISABLED: 'true' });
    expect(issues.map((i) => i.variable)).toEqual(['PORT', 'AUTH_DISABLED', 'AUTH_JWKS_URL', 'CLOUDFLARE_API_TOKEN']);
  });

  test('a variable that is malformed is reported once, not again by a rule about combinations', () => {
    const issues = issuesOf({ NODE_ENV: 'production', AUTH_DISABLED: 'maybe', SIMULATOR: 'true' });
    expect(issues.filter((i) => i.variable === 'AUTH_DISABLED')).toEqual([
      { variable: 'AUTH_DISABLED', message: expect.stringMatching(/^Invalid option/) },
    ]);
  });

  test('a base URL without credentials names what is missing instead of claiming the gateway has its own credentials', () => {
    const [issue] = issuesOf({ CLOUDFLARE_BASE_URL: 'http://127.0.0.1:8787/client/v4' });
    expect(issue?.variable).toBe('AUTH_PUBLIC_KEY');
    expect(issue?.message).not.toMatch(/with its own credentials/);
    expect(issue?.message).toMatch(/CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID/);
  });

  test('production without a JWT verifier is refused, because development mode grants every scope', () => {
    expect(issuesOf({ NODE_ENV: 'production' }).map((i) => i.variable)).toContain('AUTH_JWKS_URL');
  });

  test('a trailing slash on the base URL is removed', () => {
    expect(loadConfig({ CLOUDFLARE_BASE_URL: 'http://127.0.0.1:9/client/v4/', AUTH_DISABLED: 'true' }).baseUrl).toBe(
      'http://127.0.0.1:9/client/v4',
    );
  });

  test('empty variables count as unset', () => {
    expect(loadConfig({ CLOUDFLARE_API_TOKEN: '', PORT: '' }).upstreamMode).toBe('simulator');
  });
});

describe('start-up hints', () => {
  test('a CLOUDFLARE_BASE_URL without /client/v4 is warned about at start, naming the expected root', async () => {
    const { Writable } = await import('node:stream');
    const { createGateway } = await import('../src/app.js');
    const { createLogger } = await import('../src/logger.js');
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        callback();
      },
    });
    const config = loadConfig({
      CLOUDFLARE_API_TOKEN: 't',
      CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
      CLOUDFLARE_BASE_URL: 'http://127.0.0.1:9/api',
      AUTH_DISABLED: 'true',
    });
    const gateway = await createGateway(config, createLogger({ level: 'info', pretty: false, destination }));
    try {
      expect(
        lines.some(
          (line) => line.level === 40 && /CLOUDFLARE_BASE_URL does not end with \/client\/v4/.test(String(line.msg)),
        ),
      ).toBe(true);
    } finally {
      await gateway.close();
    }
  });
});

describe('start-up refusals', () => {
  const account = '023e105f4ecef8ad9ca31a8372d0c353';
  const variablesOf = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.issues.map((issue) => issue.variable);
      throw error;
    }
  };

  test('real Cloudflare credentials without a verifier are refused, naming AUTH_PUBLIC_KEY', () => {
    expect(variablesOf({ CLOUDFLARE_API_TOKEN: 't', CLOUDFLARE_ACCOUNT_ID: account })).toEqual(['AUTH_PUBLIC_KEY']);
  });

  test('AUTH_DISABLED=true opts out outside production and is refused in production', () => {
    expect(variablesOf({ CLOUDFLARE_API_TOKEN: 't', CLOUDFLARE_ACCOUNT_ID: account, AUTH_DISABLED: 'true' })).toEqual(
      [],
    );
    expect(
      variablesOf({
        NODE_ENV: 'production',
        CLOUDFLARE_API_TOKEN: 't',
        CLOUDFLARE_ACCOUNT_ID: account,
        AUTH_DISABLED: 'true',
      }),
    ).toContain('AUTH_DISABLED');
  });

  test('production without Cloudflare credentials is refused unless SIMULATOR=true says so', () => {
    const verifier = { AUTH_PUBLIC_KEY: 'x', AUTH_ISSUER: TEST_ISSUER, AUTH_AUDIENCE: TEST_AUDIENCE };
    expect(variablesOf({ NODE_ENV: 'production', ...verifier })).toEqual(['CLOUDFLARE_API_TOKEN']);
    expect(variablesOf({ NODE_ENV: 'production', SIMULATOR: 'true', ...verifier })).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'production', SIMULATOR: 'true', ...verifier }).upstreamMode).toBe('simulator');
  });

  test('an AUTH_PUBLIC_KEY that is not a key stops start-up with a ConfigError naming it', async () => {
    const config = loadConfig({
      AUTH_PUBLIC_KEY: 'definitely not a PEM',
      AUTH_ISSUER: TEST_ISSUER,
      AUTH_AUDIENCE: TEST_AUDIENCE,
    });
    const failure = await createGateway(config, createLogger({ level: 'silent', pretty: false })).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).issues[0]?.variable).toBe('AUTH_PUBLIC_KEY');
  });

  test('a CORS_ORIGINS entry that is a wildcard is refused', () => {
    expect(variablesOf({ CORS_ORIGINS: '*' })).toEqual(['CORS_ORIGINS']);
  });
});
