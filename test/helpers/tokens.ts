import { exportSPKI, generateKeyPair, SignJWT } from 'jose';

export const TEST_ISSUER = 'https://idp.test/';
export const TEST_AUDIENCE = 'email-security-gateway';
export const READ_SCOPE = 'email-security:read';

export interface TokenSigner {
  /** The gateway environment that trusts this signer (JWT mode). */
  env: Record<string, string>;
  /** A bearer token for `sub` with `scope`, valid for `ttlSeconds`. */
  sign(options?: { sub?: string; scope?: string; ttlSeconds?: number }): Promise<string>;
}

/** One RS256 key pair per suite; the gateway verifies with its public half (AUTH_PUBLIC_KEY). */
export async function createTokenSigner(): Promise<TokenSigner> {
  const keys = await generateKeyPair('RS256');
  const publicPem = await exportSPKI(keys.publicKey);
  return {
    env: { AUTH_PUBLIC_KEY: publicPem, AUTH_ISSUER: TEST_ISSUER, AUTH_AUDIENCE: TEST_AUDIENCE },
    async sign({ sub = 'analyst-1', scope = READ_SCOPE, ttlSeconds = 300 } = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub, scope, iat: now, exp: now + ttlSeconds })
        .setProtectedHeader({ alg: 'RS256' })
        .sign(keys.privateKey);
    },
  };
}
