import {
  createLocalJWKSet,
  createRemoteJWKSet,
  importSPKI,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { LRUCache } from 'lru-cache';
import { type CloudflareCredentials, type Config, ConfigError } from './config.js';
import type { Logger } from './logger.js';
import { credentialFingerprint } from './upstream/fingerprint.js';

/** The three scopes a caller's token can carry (README "Access control"). */
export const SCOPES = {
  read: 'email-security:read',
  write: 'email-security:write',
  raw: 'email-security:raw',
} as const;
const ALL_SCOPES: ReadonlySet<string> = new Set(Object.values(SCOPES));

/**
 * Only asymmetric algorithms: the gateway holds a public key, so an HMAC token "signed" with that
 * public key (algorithm confusion) must never verify. `none` is never accepted by jose.
 */
const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export interface AuthInfo {
  /** `jwt`: a verified token; `forward`: the caller's own Cloudflare credentials decide; `development`: all scopes, no verifier. */
  mode: 'jwt' | 'forward' | 'development';
  /**
   * The caller's stable identity, used as the idempotency namespace and the audit actor: `issuer#sub`
   * (or `issuer#client_id` / `issuer#azp` for service tokens), a fingerprint of the forwarded
   * credential, or `development`. Never a secret.
   */
  subject: string;
  scopes: ReadonlySet<string>;
  /** Epoch ms when the token stops being valid (subscriptions end then); null when it does not expire. */
  expiresAt: number | null;
}

export type Authentication =
  | { ok: true; auth: AuthInfo }
  /** `tokenSent`: a credential was presented but is not valid (RFC 6750 `error="invalid_token"`). */
  | { ok: false; reason: string; tokenSent: boolean };

export type Authenticator = (request: Request) => Promise<Authentication>;

/**
 * Gateway mode uses the configured credentials. Forward mode uses the caller's own
 * `Authorization: Bearer` or `X-Auth-Email` + `X-Auth-Key`, so Cloudflare decides what they may do.
 */
export function resolveCredentials(config: Config, request: Request): CloudflareCredentials | null {
  if (config.credentialsMode === 'gateway') return config.credentials;
  const bearer = bearerToken(request);
  if (bearer) return { kind: 'token', token: bearer };
  const email = request.headers.get('x-auth-email');
  const key = request.headers.get('x-auth-key');
  if (email && key) return { kind: 'key', email, key };
  return null;
}

function bearerToken(request: Request): string | null {
  return request.headers.get('authorization')?.match(/^Bearer\s+(\S+)\s*$/i)?.[1] ?? null;
}

/**
 * Who is calling. Every GraphQL request must authenticate (src/plugins/authentication.ts refuses
 * the others with 401 before anything is parsed):
 * - gateway mode with a verifier: a Bearer JWT checked with jose against the JWKS URL or public key,
 *   issuer, audience, `exp`/`nbf`; scopes from `scope` (space-separated) or `scp` (array);
 * - forward mode: the caller's own Cloudflare credentials (Cloudflare decides what they may do);
 * - development: no verifier, only where it is harmless (the embedded simulator) or explicitly
 *   opted into with AUTH_DISABLED=true outside production (config validation enforces both).
 */
export async function createAuthenticator(config: Config, logger: Logger): Promise<Authenticator> {
  if (config.credentialsMode === 'forward') {
    return async (request) => {
      const credentials = resolveCredentials(config, request);
      if (!credentials) {
        return {
          ok: false,
          reason: 'no Cloudflare credentials (Authorization: Bearer or X-Auth-Email + X-Auth-Key)',
          tokenSent: false,
        };
      }
      const secret = credentials.kind === 'token' ? credentials.token : `${credentials.email}:${credentials.key}`;
      return {
        ok: true,
        auth: { mode: 'forward', subject: credentialFingerprint(secret), scopes: ALL_SCOPES, expiresAt: null },
      };
    };
  }
  const { jwksUrl, publicKey, issuer, audience } = config.auth;
  if (!jwksUrl && !publicKey) {
    const development: Authentication = {
      ok: true,
      auth: { mode: 'development', subject: 'development', scopes: ALL_SCOPES, expiresAt: null },
    };
    logger.warn(
      config.auth.disabled
        ? 'AUTH DISABLED (AUTH_DISABLED=true): every caller gets every scope against a non-simulated upstream. For local work against a Cloudflare fake only; refused in production.'
        : 'DEVELOPMENT AUTH MODE: the upstream is the embedded simulator and no AUTH_JWKS_URL / AUTH_PUBLIC_KEY is configured, so every caller gets every scope.',
    );
    return async () => development;
  }
  const key = await verificationKey(jwksUrl, publicKey);
  // A verified token is re-used until it expires: verification is pure CPU (RSA) and the same token
  // arrives on every request of a triage screen. Bounded, and never outlives the token itself.
  const verified = new LRUCache<string, AuthInfo>({ max: 10_000 });
  return async (request) => {
    const token = bearerToken(request);
    if (!token) return { ok: false, reason: 'no bearer token', tokenSent: false };
    const cached = verified.get(token);
    if (cached && (cached.expiresAt === null || cached.expiresAt > Date.now())) return { ok: true, auth: cached };
    try {
      const { payload } = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], {
        issuer: issuer ?? undefined,
        audience: audience ?? undefined,
        algorithms: ALLOWED_ALGORITHMS,
        requiredClaims: ['exp'],
        clockTolerance: 5,
      });
      const principal = principalOf(payload);
      if (!principal) return { ok: false, reason: 'token has no sub, client_id or azp claim', tokenSent: true };
      const auth: AuthInfo = {
        mode: 'jwt',
        subject: `${payload.iss ?? issuer}#${principal}`,
        scopes: scopesOf(payload),
        expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : null,
      };
      if (auth.expiresAt !== null) verified.set(token, auth, { ttl: Math.max(1, auth.expiresAt - Date.now()) });
      return { ok: true, auth };
    } catch (error) {
      return { ok: false, reason: `token rejected: ${(error as Error).message}`, tokenSent: true };
    }
  };
}

async function verificationKey(jwksUrl: string | null, publicKey: string | null): Promise<JWTVerifyGetKey | CryptoKey> {
  if (jwksUrl) return createRemoteJWKSet(new URL(jwksUrl));
  const text = (publicKey ?? '').trim();
  try {
    if (text.startsWith('{')) {
      const parsed = JSON.parse(text) as { keys?: unknown[] };
      return createLocalJWKSet((parsed.keys ? parsed : { keys: [parsed] }) as Parameters<typeof createLocalJWKSet>[0]);
    }
    return await importSPKI(text.replace(/\\n/g, '\n'), 'RS256');
  } catch {
    throw new ConfigError([
      {
        variable: 'AUTH_PUBLIC_KEY',
        message:
          'is not a usable public key: expected an RS256 SPKI PEM ("-----BEGIN PUBLIC KEY-----…") or a JWK / JWKS as JSON',
      },
    ]);
  }
}

/** Identity: `sub`; a service token without one is identified by `client_id`, then `azp`. */
function principalOf(payload: JWTPayload): string | null {
  for (const claim of [payload.sub, payload.client_id, payload.azp]) {
    if (typeof claim === 'string' && claim.trim() !== '') return claim;
  }
  return null;
}

function scopesOf(payload: JWTPayload): ReadonlySet<string> {
  const scopes = new Set<string>();
  for (const claim of [payload.scope, payload.scp]) {
    if (typeof claim === 'string') for (const scope of claim.split(/\s+/)) if (scope) scopes.add(scope);
    if (Array.isArray(claim)) for (const scope of claim) scopes.add(String(scope));
  }
  return scopes;
}
