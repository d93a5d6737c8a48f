/**
 * The compiled gateway as production runs it (`node dist/server.js`, NODE_ENV=production, a JWT
 * verifier), started by a benchmark against the simulator, and the issuer of the bench's tokens.
 */
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/constants.js';
import { createTokenSigner } from '../../test/helpers/tokens.js';
import { type Server, startServer } from './processes.js';

export interface BenchIssuer {
  /** AUTH_PUBLIC_KEY, AUTH_ISSUER and AUTH_AUDIENCE for a gateway that trusts this issuer. */
  gatewayEnv: Record<string, string>;
  /** An RS256 token for `subject` with `scope`, valid for 2 h. */
  sign(subject: string, scope: string): Promise<string>;
}

/** The tests' token signer (one RS256 key pair), issuing as `issuer`: the gateways verify with its public key. */
export async function createIssuer(issuer: string): Promise<BenchIssuer> {
  const signer = await createTokenSigner();
  return {
    gatewayEnv: { ...signer.env, AUTH_ISSUER: issuer },
    sign: (subject, scope) => signer.sign({ iss: issuer, sub: subject, scope }, { ttlSeconds: 2 * 3600 }),
  };
}

export function startGateway(options: {
  name: string;
  logDir: string;
  /** The simulator's Cloudflare API base URL (`<origin>/client/v4`). */
  cloudflareBaseUrl: string;
  apiToken: string;
  issuer: BenchIssuer;
  logLevel: 'info' | 'warn';
  /** Settings on top of the defaults (cache, pacer, Redis…). */
  env?: Record<string, string>;
  script?: string;
  nodeArgs?: string[];
}): Promise<Server> {
  return startServer({
    name: options.name,
    args: [...(options.nodeArgs ?? []), options.script ?? 'dist/server.js'],
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: options.logLevel,
      CLOUDFLARE_API_TOKEN: options.apiToken,
      CLOUDFLARE_ACCOUNT_ID: SIMULATOR_ACCOUNT_ID,
      CLOUDFLARE_BASE_URL: options.cloudflareBaseUrl,
      ...options.issuer.gatewayEnv,
      ...options.env,
    },
    logDir: options.logDir,
  });
}
