import { createLocalJWKSet, createRemoteJWKSet, importSPKI, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Config } from './config.js';
import type { AuthInfo } from './context.js';
import { resolveCredentials } from './context.js';
import type { Logger } from './logger.js';
import { credentialFingerprint } from './upstream/fingerprint.js';

export const SCOPES = { write: 'email-security:write', raw: 'email-security:raw' } as const;
const ALL_SCOPES: ReadonlySet<string> = new Set(Object.values(SCOPES));
const NO_SCOPES: ReadonlySet<string> = new Set();


/**
 * Who is calling:
 * - forward mode: the caller's own Cloudflare credentials decide what they may do, so the gateway
 *   grants its scopes and identifies the caller by a fingerprint of the credential;
 * - gateway mode with a verifier: a JWT (Bearer) checked with `jose` against the JWKS URL or public
 *   key, issuer and audience; its `scope` claim (space-separated, or `scp` array) gives the scopes;
 * - gateway mode without a verifier: development mode, every scope granted (refused in production
 *   by config validation).
 */
export async function createAuthenticator(config: Config, logger: Logger): Promise<(request: Request) => Promise<AuthInfo>> {
  if (config.credentialsMode === 'forward') {
    return async (request) => {
      const credentials = resolveCredentials(config, request);
      if (!credentials) return { mode: 'forward', subject: 'anonymous', scopes: NO_SCOPES };
      const secret = credentials.kind === 'token' ? credentials.token : `${credentials.email}:${credentials.key}`;
      return { mode: 'forward', subject: credentialFingerprint(secret), scopes: ALL_SCOPES };
    };
  }
  const { jwksUrl, publicKey, issuer, audience } = config.auth;
  if (!jwksUrl && !publicKey) {
    logger.warn(
      'DEVELOPMENT AUTH MODE: no AUTH_JWKS_URL / AUTH_PUBLIC_KEY configured, so every caller gets every scope (email-security:write, email-security:raw). Never run this way in production.',
    );
    return async () => ({ mode: 'development', subject: 'development', scopes: ALL_SCOPES });
  }
  let key: JWTVerifyGetKey | CryptoKey;
  if (jwksUrl) key = createRemoteJWKSet(new URL(jwksUrl));
  else if (publicKey?.trim().startsWith('{')) key = createLocalJWKSet(JSON.parse(publicKey));
  else key = await importSPKI(publicKey as string, 'RS256');
  return async (request) => {
    const token = request.headers.get('authorization')?.match(/^Bearer\s+(.+)$/i)?.[1];
    if (!token) return { mode: 'jwt', subject: 'anonymous', scopes: NO_SCOPES };
    try {
      const { payload } = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], {
        issuer: issuer ?? undefined,
        audience: audience ?? undefined,
      });
      const claim = payload.scope ?? payload.scp;
      const scopes = new Set(Array.isArray(claim) ? claim.map(String) : typeof claim === 'string' ? claim.split(/\s+/) : []);
      return { mode: 'jwt', subject: payload.sub ?? 'unknown', scopes };
    } catch (error) {
      logger.info({ reason: (error as Error).message }, 'JWT rejected');
      return { mode: 'jwt', subject: 'anonymous', scopes: NO_SCOPES };
    }
  };
}
