/**
 * Slow upstream while clients disconnect, over a real HTTP server on loopback: undici clients abort
 * mid-flight; the gateway must abort its upstream calls (no retry after the abort), leave no socket
 * open at the simulator or in its own server, apply no mutation twice, and keep serving.
 */
import type { Server } from 'node:http';
import { type DocumentNode, print } from 'graphql';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import {
  actionLog,
  closeAndExpectNoLeak,
  MOVE,
  movable,
  SETTLE,
  seededIds,
  tcpSockets,
  TRIAGE,
  upstreamPool,
} from './helpers.js';

const LATENCY_MS = 800;

let t: TestGateway;
let server: Server;
let url: string;
let tcpBaseline = 0;

beforeAll(async () => {
  tcpBaseline = tcpSockets();
  t = await startTestGateway({ env: { UPSTREAM_TIMEOUT_MS: '5000' } });
  ({ url, server } = await t.listen());
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function serverConnections(): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

async function post(
  agent: Agent,
  query: string | DocumentNode,
  variables: Record<string, unknown>,
  signal?: AbortSignal,
) {
  const response = await request(url, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: typeof query === 'string' ? query : print(query), variables }),
    ...(signal ? { signal } : {}),
  });
  return {
    status: response.statusCode,
    body: (await response.body.json()) as {
      data?: Record<string, unknown> | null;
      errors?: { extensions?: { code?: string } }[];
    },
  };
}

describe('clients disconnecting from a slow upstream', () => {
  test('12 triage requests aborted mid-flight leave no upstream call running, no simulator socket, no server connection, and no retry after the abort', async () => {
    t.sim.reset();
    t.sim.setLatency(LATENCY_MS);
    const simBaseline = t.sim.openConnections();
    const logsBefore = t.logs.length;
    const agent = new Agent({ connections: 16 });
    const abortAfter = [40, 80, 120, 160, 200, 260, 320, 400, 500, 650, 900, 1200];
    const outcomes = await Promise.all(
      abortAfter.map(async (ms) => {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), ms);
        try {
          await post(agent, TRIAGE, { first: 6 }, controller.signal);
          return 'answered';
        } catch (error) {
          return (error as Error).name;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    expect(outcomes.every((outcome) => outcome === 'AbortError')).toBe(true);
    await agent.close();

    await vi.waitFor(() => expect(upstreamPool(t).running, 'upstream requests running').toBe(0), SETTLE);
    await vi.waitFor(
      () =>
        expect(t.sim.openConnections(), 'simulator sockets beyond the pool').toBeLessThanOrEqual(
          Math.max(simBaseline, upstreamPool(t).connected),
        ),
      SETTLE,
    );
    expect(await serverConnections()).toBe(0);
    const sent = t.sim.count();
    // Every request stopped at its abort: 12 searches at most, and detections only for those whose search had returned.
    expect(t.sim.count('emailSecurity.investigate.list')).toBeLessThanOrEqual(12);
    expect(t.sim.count('emailSecurity.investigate.detections.get')).toBeLessThanOrEqual(12 * 6);
    await new Promise((resolve) => setTimeout(resolve, LATENCY_MS + 200));
    expect(t.sim.count()).toBe(sent); // nothing was retried or started after the aborts
    expect(t.logs.slice(logsBefore).some((line) => line.errorCode === 'REQUEST_ABORTED')).toBe(true);
    // yoga logs each aborted operation at error level ("The caller aborted the request"); nothing else may be.
    const severe = t.logs
      .slice(logsBefore)
      .filter((line) => (line.level as number) >= 50 && !String(line.msg).startsWith('The caller aborted the request'));
    expect(severe).toEqual([]);
  });

  test('a client that disconnects during a slow move leaves the move applied exactly once and no socket behind', async () => {
    t.sim.reset();
    t.sim.setLatency(LATENCY_MS);
    const [id] = seededIds(t, movable, 1) as [string];
    const movesBefore = actionLog(t, id).filter((op) => op === 'MOVE').length;
    const agent = new Agent();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const outcome = await post(
      agent,
      MOVE,
      { input: { ids: [id], destination: 'JUNK_EMAIL' } },
      controller.signal,
    ).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    expect(outcome).toBe('AbortError');
    await agent.close();
    await vi.waitFor(() => expect(upstreamPool(t).running, 'upstream requests running').toBe(0), SETTLE);
    await vi.waitFor(
      () =>
        expect(t.sim.openConnections(), 'simulator sockets beyond the pool').toBeLessThanOrEqual(
          upstreamPool(t).connected,
        ),
      SETTLE,
    );
    expect(t.sim.count('emailSecurity.investigate.move.create')).toBe(1);
    expect(actionLog(t, id).filter((op) => op === 'MOVE').length - movesBefore).toBe(1);
    expect(await serverConnections()).toBe(0);
  });

  // Regression guard (found by this suite, fixed in 974e211): the caller's abort after the write was sent
  // used to surface as REQUEST_ABORTED, which runIdempotent treated as "nothing applied", releasing the key.
  test('a keyed move whose client disconnected after it was sent is not sent again by a retry with the same idempotency key', async () => {
    t.sim.reset();
    t.sim.setLatency(LATENCY_MS);
    const [id] = seededIds(t, movable, 1) as [string];
    const movesBefore = actionLog(t, id).filter((op) => op === 'MOVE').length;
    const input = { ids: [id], destination: 'JUNK_EMAIL', idempotencyKey: 'disconnect-move' };
    const agent = new Agent();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    await post(agent, MOVE, { input }, controller.signal).catch(() => undefined);
    await agent.close();
    await vi.waitFor(() => expect(upstreamPool(t).running, 'upstream requests running').toBe(0), SETTLE);
    expect(t.sim.count('emailSecurity.investigate.move.create')).toBe(1);

    t.sim.setLatency(0);
    const again = new Agent();
    const retry = await post(again, MOVE, { input });
    await again.close();
    expect(retry.status).toBe(200);
    // Acceptable answers: the unknown outcome, or a replay; never a second send.
    const retried = retry.body.data?.moveMessages as { __typename: string } | undefined;
    expect(['OutcomeUnknownError', 'MoveMessagesPayload', 'ConflictError']).toContain(retried?.__typename);
    expect(t.sim.count('emailSecurity.investigate.move.create')).toBe(1);
    expect(actionLog(t, id).filter((op) => op === 'MOVE').length - movesBefore).toBe(1);
  });

  test('after the disconnects a healthy query over HTTP resolves fully', async () => {
    t.sim.reset();
    const agent = new Agent();
    const { status, body } = await post(agent, TRIAGE, { first: 4 });
    await agent.close();
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const nodes = (body.data?.messages as { nodes: { detection: unknown }[] } | undefined)?.nodes ?? [];
    expect(nodes).toHaveLength(4);
    expect(nodes.every((node) => node.detection !== null)).toBe(true);
  });

  test('closing the server and the gateway leaves zero simulator connections and no extra TCP socket in the process', async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await closeAndExpectNoLeak(t, tcpBaseline);
  });
});
