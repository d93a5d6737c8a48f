import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { RedisServer, VOLATILE_FLAGS } from '../../helpers/redis-server.js';

/*
 * A Redis command that times out while this process's own event loop was stalled says nothing about
 * Redis: the answer was waiting in the socket. Taking it for an outage would refuse keyed writes and,
 * on "recovery", drop the whole team's cache.
 */

const OUTAGE = /Redis is unavailable/;
let redis: RedisServer;
let t: TestGateway;

beforeAll(async () => {
  redis = await RedisServer.start(VOLATILE_FLAGS);
  t = await startTestGateway({ env: { REDIS_URL: redis.url, CACHE_ENABLED: 'true' } });
});
afterAll(async () => {
  await t.close();
  await redis.close();
});

/** Keeps this process's event loop busy for `ms` (as a burst of heavy pages would). */
const stall = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
};

describe('the Redis link under a stalled event loop', () => {
  test('a command that times out during a 900 ms stall of the gateway itself is not taken for a Redis outage', async () => {
    const cache = t.gateway.services.state.cache;
    await cache.set('stall-probe', 'kept', 60_000);
    // A command on its way (written to the socket), then a stall past the 500 ms command timeout:
    // the answer waits in the socket while the timeout fires first.
    const pending = cache.get('stall-probe');
    await new Promise((resolve) => setImmediate(resolve));
    stall(900);
    await pending;
    expect(t.gateway.services.state.health().redis).toBe('ready');
    expect(t.logs.filter((line) => OUTAGE.test(String(line.msg)))).toHaveLength(0);
    // And the link answers from Redis right away, not from a fallback.
    expect(await cache.get('stall-probe')).toBe('kept');
  });

  test('a paused Redis is still found down within about a second, stall or not', async () => {
    stall(900);
    redis.pause();
    try {
      await vi.waitFor(() => expect(t.gateway.services.state.health().redis).toBe('down'), {
        timeout: 5_000,
        interval: 50,
      });
      expect(t.logs.filter((line) => OUTAGE.test(String(line.msg)))).toHaveLength(1);
    } finally {
      redis.resume();
    }
    await vi.waitFor(() => expect(t.gateway.services.state.health().redis).toBe('ready'), {
      timeout: 10_000,
      interval: 50,
    });
  });
});
