import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { SIMULATOR_ACCOUNT_ID, type Simulator, startSimulator } from '../../src/simulator/index.js';
import { createCloudflareClient } from '../../src/upstream/client.js';
import { IDLE_RESET_MS } from '../../src/upstream/deadline.js';
import { UpstreamTimeoutError } from '../../src/upstream/errors.js';
import { CloudflareHttp } from '../../src/upstream/http.js';

let sim: Simulator;
let http: CloudflareHttp;

beforeAll(async () => {
  sim = await startSimulator({ budget: null });
  http = new CloudflareHttp({
    baseUrl: sim.baseUrl,
    logger: createLogger({ level: 'silent', pretty: false }),
    timeoutMs: 5_000,
    maxRetries: 2,
    retryBaseMs: 10,
    retryMaxDelayMs: 20,
    retryAfterCapMs: 1_000,
    searchPollTimeoutMs: 5_000,
    requestDeadlineMs: 800,
  });
});
afterAll(async () => {
  await http.close();
  await sim.close();
});
beforeEach(() => sim.reset());

const id = () => sim.state.listMessages(SIMULATOR_ACCOUNT_ID)[0]?.id as string;
const bind = () => createCloudflareClient(http, { credentials: { kind: 'token', token: 'test-token' } });

describe('the request-wide deadline', () => {
  test('calls back to back share one deadline: the second fails UPSTREAM_TIMEOUT when the first used most of it', async () => {
    sim.setLatency(500);
    const client = bind();
    // A call that hangs keeps the request busy throughout, so however the machine schedules the two
    // calls, no idle gap can start a fresh deadline between them.
    sim.injectFault({ endpoint: 'emailSecurity.investigate.trace.get', response: { kind: 'hang' } });
    const busy = client.emailSecurity.investigate.trace.get(SIMULATOR_ACCOUNT_ID, id()).catch((e: unknown) => e);
    await expect(client.emailSecurity.investigate.get(SIMULATOR_ACCOUNT_ID, id())).resolves.toMatchObject({ id: id() });
    const started = Date.now();
    const error = await client.emailSecurity.investigate.get(SIMULATOR_ACCOUNT_ID, id()).catch((e: unknown) => e);
    // A fresh deadline would have let it answer (500 ms < 800 ms); the 5 s attempt timeout is far off.
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await busy).toBeInstanceOf(UpstreamTimeoutError);
  });

  test('calls separated by an idle gap (a subscription’s polls) each get a fresh deadline', async () => {
    sim.setLatency(500);
    const client = bind();
    await client.emailSecurity.investigate.get(SIMULATOR_ACCOUNT_ID, id());
    // The idle gap is the scenario (a subscription sleeping between polls), not a wait for work.
    await sleep(IDLE_RESET_MS + 50);
    await expect(client.emailSecurity.investigate.get(SIMULATOR_ACCOUNT_ID, id())).resolves.toMatchObject({ id: id() });
  });

  test('retries stop at the deadline: UPSTREAM_TIMEOUT at 800 ms instead of UPSTREAM_UNAVAILABLE after three 350 ms attempts', async () => {
    sim.setLatency(350);
    sim.injectFault({
      endpoint: 'emailSecurity.investigate.get',
      times: Number.POSITIVE_INFINITY,
      response: { kind: 'status', status: 503 },
    });
    const client = bind();
    const started = Date.now();
    const error = await client.emailSecurity.investigate.get(SIMULATOR_ACCOUNT_ID, id()).catch((e: unknown) => e);
    // Three attempts would end UPSTREAM_UNAVAILABLE (503); the deadline cut the retries short.
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(sim.count('emailSecurity.investigate.get')).toBeGreaterThanOrEqual(2);
    sim.clearFaults();
  });
});
