import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { MemoryBudgetStore, BudgetGovernor, BudgetExhaustedError } from '../../src/upstream/budget.js';
import { endpointIds, endpoints } from '../../src/upstream/endpoints.js';
import { boundedRetryAfter, MAX_LOCKOUT_MS } from '../../src/upstream/retry.js';

describe('the endpoint catalogue', () => {
  test('every GET is a read, E5 is a read although it is a POST, and every other method is a write', () => {
    for (const id of endpointIds) {
      const { method, semantics, ref } = endpoints[id];
      const expected = method === 'GET' || ref === 'E5' ? 'read' : 'write';
      expect(semantics, id).toBe(expected);
    }
  });

  test('only I1, S2 and S3 are envelope-only, only E1 polls a 202, and writes are never cached', () => {
    const envelopeOnly = endpointIds
      .filter((id) => endpoints[id].result === 'envelope-only')
      .map((id) => endpoints[id].ref);
    expect(envelopeOnly.sort()).toEqual(['I1', 'S2', 'S3']);
    const polling = endpointIds.filter((id) => 'poll202' in endpoints[id]).map((id) => endpoints[id].ref);
    expect(polling).toEqual(['E1']);
    for (const id of endpointIds)
      if (endpoints[id].semantics === 'write') expect(endpoints[id].cache, id).toBe('never');
  });

  test('the transport, retry policy, envelope and cached layer name no endpoint id', () => {
    for (const file of ['transport', 'retry', 'envelope', 'http', 'cache', 'budget']) {
      const source = readFileSync(new URL(`../../src/upstream/${file}.ts`, import.meta.url), 'utf8');
      const named = endpointIds.filter((id) => source.includes(`'${id}'`));
      expect(named, file).toEqual([]);
    }
  });
});

describe('Retry-After bounds', () => {
  test('a Retry-After beyond Cloudflare’s 5-minute lockout is capped and flagged, a sane one passes unchanged', () => {
    expect(boundedRetryAfter({ 'retry-after': '999999999' })).toEqual({ ms: MAX_LOCKOUT_MS, absurd: '999999999' });
    expect(boundedRetryAfter({ 'retry-after': new Date(Date.now() + 86_400_000).toUTCString() })?.ms).toBe(
      MAX_LOCKOUT_MS,
    );
    expect(boundedRetryAfter({ 'retry-after': '1' })).toEqual({ ms: 1000, absurd: null });
    expect(boundedRetryAfter({})).toBeNull();
  });

  test('the governor caps a lockout at 5 minutes whatever it is asked', async () => {
    const governor = new BudgetGovernor(new MemoryBudgetStore(), {
      limit: 100,
      windowMs: 300_000,
      writeReserve: 0,
      safetyMargin: 0,
      maxQueueMs: 0,
    });
    const before = Date.now();
    await governor.lockout('c', 999_999_999_000);
    const { lockedUntil } = await governor.remaining('c');
    expect((lockedUntil as number) - before).toBeLessThanOrEqual(MAX_LOCKOUT_MS + 50);
  });

  test('the governor waits out a lockout that ends within maxQueueMs and refuses a longer one at once', async () => {
    const governor = new BudgetGovernor(new MemoryBudgetStore(), {
      limit: 100,
      windowMs: 300_000,
      writeReserve: 0,
      safetyMargin: 0,
      maxQueueMs: 1_000,
    });
    await governor.lockout('short', 100);
    const started = Date.now();
    await governor.acquire('short', 'read');
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    await governor.lockout('long', 30_000);
    const error = await governor.acquire('long', 'read').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExhaustedError);
    expect((error as BudgetExhaustedError).lockedOut).toBe(true);
  });
});
