import { connect } from 'node:net';
import type { Plugin } from 'graphql-yoga';
import type { GatewayServices } from '../context.js';
import { type SharedStateHealth, sharedStateUsable } from '../state/shared-state.js';
import { createCloudflareClient } from '../upstream/client.js';
import type { CredentialState } from '../upstream/credential-trust.js';
import { fingerprintCredentials } from '../upstream/fingerprint.js';

/** How often `/ready` may spend one budgeted Cloudflare call to learn whether the credential is accepted. */
const CREDENTIAL_PROBE_INTERVAL_MS = 60_000;

/**
 * `/ready`: config is valid (or the process would not run), Cloudflare is reachable (a TCP connect,
 * which costs no budget), Cloudflare accepts the gateway's own credential, and the shared-state store
 * is up. 503 when not ready. The credential's state is learned from real calls; only when none was
 * made for a minute does `/ready` spend one cheap read (E13, one item) — at most once a minute.
 * Redis being down is reported but not fatal, because the gateway keeps serving on local state.
 */
export function useReadiness(services: GatewayServices): Plugin {
  let cached: { at: number; reachable: boolean; error: string | null } | null = null;
  let lastProbeAt = 0;
  const checkUpstream = async () => {
    if (cached && Date.now() - cached.at < 5_000) return cached;
    const url = new URL(services.http.baseUrl);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const result = await new Promise<{ reachable: boolean; error: string | null }>((resolve) => {
      const socket = connect({ host: url.hostname, port, timeout: 1_500 });
      socket.once('connect', () => {
        socket.destroy();
        resolve({ reachable: true, error: null });
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve({ reachable: false, error: 'timeout' });
      });
      socket.once('error', (error) =>
        resolve({ reachable: false, error: (error as NodeJS.ErrnoException).code ?? error.message }),
      );
    });
    cached = { at: Date.now(), ...result };
    return cached;
  };
  const checkCredential = async (): Promise<CredentialState | 'forwarded'> => {
    const { config } = services;
    if (config.credentialsMode === 'forward' || !config.credentials || !config.accountId) return 'forwarded';
    const fingerprint = fingerprintCredentials(config.credentials);
    const known = services.credentialTrust.state(fingerprint);
    const stale = known.at === null || Date.now() - known.at > CREDENTIAL_PROBE_INTERVAL_MS;
    if (stale && Date.now() - lastProbeAt >= CREDENTIAL_PROBE_INTERVAL_MS) {
      lastProbeAt = Date.now();
      const client = createCloudflareClient(services.http, {
        credentials: config.credentials,
        signal: AbortSignal.timeout(3_000),
        logger: services.logger,
        headers: { 'x-request-id': 'readiness-probe' },
      });
      // The verdict is recorded by CredentialTrust through the attempt observer; failures are the answer.
      await client.emailSecurity.investigate.bulk.list(config.accountId, { per_page: 1 }).catch(() => undefined);
    }
    return services.credentialTrust.state(fingerprint).state;
  };
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== '/ready' || request.method !== 'GET') return;
      const upstream = await checkUpstream();
      const credential = upstream.reachable ? await checkCredential() : 'unknown';
      const shared = services.state.health();
      // Never reached (a mistyped REDIS_URL): not ready, so no traffic multiplies the budget.
      // Lost after start: degraded but still serving (see describeSharedState).
      const ready = upstream.reachable && credential !== 'rejected' && shared.redis !== 'never-connected';
      const degraded = shared.redis === 'down';
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({
            status: !ready ? 'not-ready' : degraded ? 'degraded' : 'ready',
            checks: {
              config: 'ok',
              // No URL: /ready is unauthenticated and the upstream address is nobody else's business.
              upstream: {
                simulated: services.config.upstreamMode === 'simulator',
                reachable: upstream.reachable,
                error: upstream.error,
                credential,
              },
              state: describeSharedState(services.state.kind, shared),
              live: services.live.stats(),
            },
          }),
          { status: ready ? 200 : 503, headers: { 'content-type': 'application/json' } },
        ),
      );
    },
    // yoga's own /health check answers first, with an empty body; give probes and people a small JSON
    // one (liveness only: no upstream or state check, so a Cloudflare outage never restarts pods).
    onResponse({ request, response, setResponse, fetchAPI }) {
      if (request.method !== 'GET' || new URL(request.url).pathname !== '/health' || response.status !== 200) return;
      if (response.headers.get('content-type')) return;
      const headers = new fetchAPI.Headers(response.headers);
      headers.set('content-type', 'application/json');
      setResponse(new fetchAPI.Response(JSON.stringify({ status: 'ok' }), { status: 200, headers }));
    },
  };
}

/**
 * What shared state means for this replica right now. Degraded (Redis configured, unavailable):
 * reads are served (from the per-replica cache, within this replica's share of the budget), writes
 * without an idempotency key are sent, keyed writes are refused with STATE_UNAVAILABLE.
 */
function describeSharedState(kind: 'memory' | 'redis', health: SharedStateHealth) {
  const usable = sharedStateUsable(health);
  return {
    kind,
    redis: health.redis,
    unavailableSince: health.unavailableSince === null ? null : new Date(health.unavailableSince).toISOString(),
    durability: health.durability,
    dataLostAt: health.dataLostAt === null ? null : new Date(health.dataLostAt).toISOString(),
    replicas: health.replicas,
    keyedWrites: usable ? 'accepted' : 'refused',
    budget: kind === 'memory' ? 'this process' : usable ? 'shared' : `this replica's share (1/${health.replicas})`,
    cache: kind === 'memory' || !usable ? 'this process' : 'shared',
  };
}
