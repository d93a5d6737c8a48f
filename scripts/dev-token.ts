import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, SignJWT } from 'jose';
import { SCOPES } from '../src/auth.js';

/**
 * Mints a development JWT the gateway can be told to trust (`npm run token`):
 *   npm run -s token -- --scope "email-security:read email-security:write" [--sub analyst] [--ttl 3600]
 * The token goes to stdout (so `TOKEN=$(npm run -s token -- …)` works); stderr says how to start the
 * gateway trusting it, and .dev-keys/gateway.env holds the same variables. The key pair is made on
 * first use under .dev-keys/ (gitignored, never in the image) and reused, so tokens minted later keep
 * verifying against the same gateway.
 * A usage error exits 2 with one line; no stack traces.
 */

export const DEV_ISSUER = 'urn:email-security-gateway:development';
export const DEV_AUDIENCE = 'email-security-gateway';
const DEFAULT_KEY_DIRECTORY = '.dev-keys';
const USAGE =
  'usage: npm run -s token -- [--scope "email-security:read email-security:write email-security:raw"] [--sub NAME] [--ttl SECONDS] [--keys DIR]';

class UsageError extends Error {}

export interface DevTokenOptions {
  scopes: string[];
  subject: string;
  ttlSeconds: number;
  keyDirectory: string;
}

export function parseArguments(args: string[]): DevTokenOptions {
  const options: DevTokenOptions = {
    scopes: [SCOPES.read],
    subject: 'developer',
    ttlSeconds: 3600,
    keyDirectory: DEFAULT_KEY_DIRECTORY,
  };
  for (let i = 0; i < args.length; i++) {
    const name = args[i] as string;
    const value = args[i + 1];
    if (!['--scope', '--sub', '--ttl', '--keys'].includes(name)) throw new UsageError(`unknown argument ${name}`);
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${name} needs a value`);
    i++;
    if (name === '--scope') options.scopes = value.split(/[\s,]+/).filter(Boolean);
    else if (name === '--sub') options.subject = value;
    else if (name === '--keys') options.keyDirectory = value;
    else {
      options.ttlSeconds = Number(value);
      if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds <= 0)
        throw new UsageError(`--ttl must be a positive number of seconds, got "${value}"`);
    }
  }
  const known: string[] = Object.values(SCOPES);
  const unknown = options.scopes.filter((scope) => !known.includes(scope));
  // A misspelt scope would only show up later as a FORBIDDEN that is hard to trace back here.
  if (unknown.length > 0)
    throw new UsageError(`unknown scope ${unknown.join(', ')}: the gateway knows ${known.join(', ')}`);
  return options;
}

/** The development key pair under `directory`, made on first use (private key readable by its owner only). */
async function developmentKeys(directory: string): Promise<{ privateKey: CryptoKey; publicPem: string }> {
  const privatePath = join(directory, 'private.pem');
  const publicPath = join(directory, 'public.pem');
  try {
    const [privatePem, publicPem] = await Promise.all([readFile(privatePath, 'utf8'), readFile(publicPath, 'utf8')]);
    return { privateKey: await importPKCS8(privatePem, 'RS256'), publicPem };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const pair = await generateKeyPair('RS256', { extractable: true });
  const publicPem = await exportSPKI(pair.publicKey);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await writeFile(privatePath, await exportPKCS8(pair.privateKey), { mode: 0o600 });
  await writeFile(publicPath, publicPem);
  return { privateKey: pair.privateKey, publicPem };
}

/** The environment that makes the gateway trust tokens from this key pair. */
export function gatewayEnvironment(publicPem: string): Record<string, string> {
  return {
    // One line (`\n` escapes, which the gateway accepts): pastes into a shell or a .env file as is.
    AUTH_PUBLIC_KEY: publicPem.trim().replace(/\n/g, '\\n'),
    AUTH_ISSUER: DEV_ISSUER,
    AUTH_AUDIENCE: DEV_AUDIENCE,
  };
}

export async function mintDevelopmentToken(
  options: DevTokenOptions,
): Promise<{ token: string; env: Record<string, string> }> {
  const { privateKey, publicPem } = await developmentKeys(options.keyDirectory);
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ scope: options.scopes.join(' ') })
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setSubject(options.subject)
    .setIssuedAt(now)
    .setExpirationTime(now + options.ttlSeconds)
    .sign(privateKey);
  const env = gatewayEnvironment(publicPem);
  // The same variables as a file, for `compose --env-file` or `node --env-file` (single quotes: both
  // keep the `\n` escapes as they are, and the gateway reads them).
  const envFile = Object.entries(env)
    .map(([name, value]) => `${name}='${value}'\n`)
    .join('');
  await writeFile(join(options.keyDirectory, 'gateway.env'), envFile);
  return { token, env };
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  try {
    const options = parseArguments(process.argv.slice(2));
    const { token, env } = await mintDevelopmentToken(options);
    const assignments = Object.entries(env)
      .map(([name, value]) => `${name}='${value}'`)
      .join(' ');
    process.stderr.write(
      `Development token for ${options.subject} (${options.scopes.join(' ')}), valid ${options.ttlSeconds} s, on stdout.\n` +
        `Start the gateway trusting ${options.keyDirectory}/public.pem with:\n  ${assignments} npm start\n` +
        `(the same variables are in ${join(options.keyDirectory, 'gateway.env')}, for compose --env-file)\n`,
    );
    process.stdout.write(`${token}\n`);
  } catch (error) {
    process.stderr.write(`token: ${(error as Error).message}\n`);
    if (error instanceof UsageError) process.stderr.write(`${USAGE}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  }
}
