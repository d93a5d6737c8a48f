import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { SCOPES } from '../../src/auth.js';

export const TEST_ISSUER = 'https://idp.test/';
export const TEST_AUDIENCE = 'email-security-gateway';
/** The `sub` of a token unless a test names another; audit actors read `${TEST_ISSUER}#${TEST_SUBJECT}`. */
export const TEST_SUBJECT = 'analyst-1';
export const READ_SCOPE = SCOPES.read;
export const ALL_SCOPES = Object.values(SCOPES).join(' ');

type SigningKey = Parameters<SignJWT['sign']>[0];

export interface SignOptions {
  /** Lifetime from now; ignored when the claims set `exp` themselves. */
  ttlSeconds?: number;
  /** Another key than the signer's own, to forge a token the gateway must refuse. */
  key?: SigningKey;
  alg?: string;
}

export interface TokenSigner {
  /** The gateway environment that trusts this signer (JWT mode, AUTH_PUBLIC_KEY). */
  env: { AUTH_PUBLIC_KEY: string; AUTH_ISSUER: string; AUTH_AUDIENCE: string };
  publicPem: string;
  /**
   * A token from the test identity provider: `iss`, `aud`, `sub`, `scope` (read only), `iat` and
   * `exp` by default; `claims` override them, and a claim set to `undefined` is left out.
   */
  sign(claims?: Record<string, unknown>, options?: SignOptions): Promise<string>;
  /** The `authorization` header carrying such a token. */
  bearer(claims?: Record<string, unknown>, options?: SignOptions): Promise<{ authorization: string }>;
}

/** One RS256 key pair per suite; the gateway verifies with its public half (AUTH_PUBLIC_KEY). */
export async function createTokenSigner(): Promise<TokenSigner> {
  const keys = await generateKeyPair('RS256');
  const publicPem = await exportSPKI(keys.publicKey);
  const sign = async (claims: Record<string, unknown> = {}, options: SignOptions = {}) => {
    const { ttlSeconds = 300, key = keys.privateKey, alg = 'RS256' } = options;
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {
      iss: TEST_ISSUER,
      aud: TEST_AUDIENCE,
      sub: TEST_SUBJECT,
      scope: READ_SCOPE,
      iat: now,
      exp: now + ttlSeconds,
      ...claims,
    };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    return new SignJWT(payload).setProtectedHeader({ alg }).sign(key);
  };
  return {
    env: { AUTH_PUBLIC_KEY: publicPem, AUTH_ISSUER: TEST_ISSUER, AUTH_AUDIENCE: TEST_AUDIENCE },
    publicPem,
    sign,
    async bearer(claims, options) {
      return { authorization: `Bearer ${await sign(claims, options)}` };
    },
  };
}
