/**
 * Shared checks of the resilience suites: "the gateway still serves", "no socket is left behind",
 * and the closed set of error codes a client may see.
 */
import { expect, vi } from 'vitest';
import {
  MoveMessagesDocument,
  ReclassifyMessageDocument,
  ReleaseMessagesDocument,
} from '../../client/generated/gql/graphql.js';
import { ERROR_CODES } from '../../src/graphql/errors.js';
import { SIMULATOR_ACCOUNT_ID } from '../../src/simulator/index.js';
import type { GraphQLErrorJson, TestGateway } from '../helpers/gateway.js';

/** Every `extensions.code` the gateway may answer with (its closed list), plus graphql-js validation. */
export const TYPED_CODES = new Set<string>([...ERROR_CODES, 'GRAPHQL_VALIDATION_FAILED']);

export const TRIAGE = /* GraphQL */ `
  query Triage($first: Int) {
    messages(first: $first) { totalCount nodes { id subject detection { action finalDisposition } } }
  }
`;

// The mutations exactly as the app's clients send them (schema/operations, generated documents).
export const MOVE = MoveMessagesDocument;
export const RELEASE = ReleaseMessagesDocument;
export const RECLASSIFY = ReclassifyMessageDocument;

export type Body<T> = { data?: T | null; errors?: GraphQLErrorJson[] };

/** How long the resilience checks wait for sockets and in-flight calls to settle. */
export const SETTLE = { timeout: 5_000, interval: 20 };

/** Connected TCP sockets of this process (client and server ends of loopback connections alike). */
export function tcpSockets(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap' || kind === 'TCPWRAP').length;
}

interface PoolStats {
  connected: number;
  free: number;
  pending: number;
  queued: number;
  running: number;
  size: number;
}

/** The gateway's upstream keep-alive pool towards the simulator (undici Agent stats). */
export function upstreamPool(t: TestGateway): PoolStats {
  const dispatcher = (t.gateway.services.http as unknown as { dispatcher: { stats: Record<string, PoolStats> } })
    .dispatcher;
  return dispatcher.stats[t.sim.origin] ?? { connected: 0, free: 0, pending: 0, queued: 0, running: 0, size: 0 };
}

/**
 * No upstream request is still in flight and every socket the simulator holds is an idle keep-alive
 * socket of the gateway's pool: nothing hung, nothing orphaned.
 */
export async function expectUpstreamSettled(t: TestGateway, timeoutMs = SETTLE.timeout): Promise<void> {
  await vi.waitFor(
    () => {
      const { running, pending, queued, connected } = upstreamPool(t);
      expect({ running, pending, queued }, 'upstream requests in flight').toEqual({
        running: 0,
        pending: 0,
        queued: 0,
      });
      expect(t.sim.openConnections(), 'simulator sockets beyond the pool (orphaned)').toBeLessThanOrEqual(connected);
    },
    { ...SETTLE, timeout: timeoutMs },
  );
  const pool = upstreamPool(t);
  expect(pool.connected).toBeLessThanOrEqual(t.gateway.services.config.upstream.connections);
}

/** Closes the gateway and checks every socket it opened is gone; then closes the simulator. */
export async function closeAndExpectNoLeak(t: TestGateway, tcpBaseline: number): Promise<void> {
  await t.gateway.close();
  await vi.waitFor(
    () => expect(t.sim.openConnections(), 'simulator connections after the gateway closed').toBe(0),
    SETTLE,
  );
  await t.sim.close();
  await vi.waitFor(() => expect(tcpSockets(), 'TCP sockets of this process').toBeLessThanOrEqual(tcpBaseline), SETTLE);
}

/** A healthy query right after a fault: the gateway did not crash and serves normally again. */
export async function expectHealthy(t: TestGateway): Promise<void> {
  const { status, body } = await t.query<{
    messages: { nodes: { id: string; subject: string | null; detection: { action: string } | null }[] };
  }>(TRIAGE, { first: 3 });
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  expect(body.data?.messages.nodes).toHaveLength(3);
  expect(body.data?.messages.nodes.every((node) => node.detection !== null)).toBe(true);
}

/** Ids of seeded messages straight from the simulator state (costs no request). */
export function seededIds(
  t: TestGateway,
  predicate: (m: { is_quarantined: boolean; delivery_status?: string[] | null | undefined }) => boolean,
  count: number,
): string[] {
  return t.sim.state
    .listMessages(SIMULATOR_ACCOUNT_ID)
    .filter((m) => predicate(m as never))
    .slice(0, count)
    .map((m) => m.id);
}

export const movable = (m: { delivery_status?: string[] | null | undefined }) =>
  !(m.delivery_status ?? []).some((s) => s === 'rejected' || s === 'bounced');

/** Operations recorded in the simulator's action log of one message. */
export function actionLog(t: TestGateway, id: string): string[] {
  return (t.sim.state.getMessage(SIMULATOR_ACCOUNT_ID, id)?.action_log ?? []).map((entry) => String(entry.operation));
}

export function codes(body: Body<unknown>): string[] {
  return (body.errors ?? []).map((error) => String(error.extensions?.code));
}
