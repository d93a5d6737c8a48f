import { afterEach, describe, expect, test } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

const PAGE = '{ messages(first: 10) { nodes { id detection { action } } } }';
let t: TestGateway | undefined;

afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Most upstream requests the simulator had open at once, from arrival times and its fixed latency. */
function peakConcurrency(gateway: TestGateway, latencyMs: number): number {
  const arrivals = gateway.sim.requests.map((r) => r.at);
  return Math.max(
    ...arrivals.map((at) => arrivals.filter((other) => other >= at && other < at + latencyMs * 0.8).length),
  );
}

describe('process-wide upstream pacer', () => {
  test('UPSTREAM_MAX_IN_FLIGHT caps upstream requests across concurrent GraphQL requests', async () => {
    t = await startTestGateway({ env: { UPSTREAM_MAX_IN_FLIGHT: '4' }, simulator: { latencyMs: 150 } });
    const gateway = t;
    const results = await Promise.all([gateway.query(PAGE), gateway.query(PAGE)]);
    for (const { body } of results) expect(body.errors).toBeUndefined();
    expect(gateway.sim.count('emailSecurity.investigate.detections.get')).toBe(20);
    expect(peakConcurrency(gateway, 150)).toBeLessThanOrEqual(4);
  });

  test('without the cap a page goes out in one wave', async () => {
    t = await startTestGateway({ simulator: { latencyMs: 150 } });
    await t.query(PAGE);
    const detections = t.sim.requests
      .filter((r) => r.endpoint === 'emailSecurity.investigate.detections.get')
      .map((r) => r.at);
    expect(Math.max(...detections) - Math.min(...detections)).toBeLessThan(120);
  });

  test('UPSTREAM_MAX_RPS spreads a burst to the rate: 11 calls at 5 per second take more than a second', async () => {
    t = await startTestGateway({ env: { UPSTREAM_MAX_RPS: '5' } });
    const { body } = await t.query(PAGE);
    expect(body.errors).toBeUndefined();
    const arrivals = t.sim.requests.map((r) => r.at).sort((a, b) => a - b);
    expect(arrivals).toHaveLength(11);
    // A full bucket lets 5 start at once; the other 6 follow at one per 200 ms.
    expect(arrivals.filter((at) => at - (arrivals[0] as number) < 150).length).toBeLessThanOrEqual(5);
    expect((arrivals.at(-1) as number) - (arrivals[0] as number)).toBeGreaterThanOrEqual(1000);
  });
});
