import { describe, expect, test } from 'vitest';
import { MemoryIdempotencyStore } from '../src/idempotency.js';
import { StateUnavailableError } from '../src/state/unavailable.js';

/** A store on a clock the test moves. */
function storeAt(leaseMs = 1_000, maxKeys = 50_000) {
  const clock = { now: 1_000_000 };
  return { clock, store: new MemoryIdempotencyStore(leaseMs, maxKeys, () => clock.now) };
}

describe('MemoryIdempotencyStore', () => {
  test('a full store refuses a new key with StateUnavailableError and keeps every unexpired record, OUTCOME_UNKNOWN included', async () => {
    const { store } = storeAt(1_000, 3);
    await store.reserve('unknown', 'fp', 'o1', 60);
    await store.markSending('unknown', 'o1');
    await store.settle('unknown', 'o1', { state: 'outcome-unknown', fingerprint: 'fp', message: 'maybe applied' }, 60);
    await store.reserve('done', 'fp', 'o2', 60);
    await store.settle('done', 'o2', { state: 'done', fingerprint: 'fp', result: { ok: 1 } }, 60);
    await store.reserve('pending', 'fp', 'o3', 60);

    await expect(store.reserve('one-too-many', 'fp', 'o4', 60)).rejects.toBeInstanceOf(StateUnavailableError);
    expect(await store.reserve('unknown', 'fp', 'o5', 60)).toEqual({
      state: 'outcome-unknown',
      fingerprint: 'fp',
      message: 'maybe applied',
    });
    expect(await store.reserve('done', 'fp', 'o5', 60)).toMatchObject({ state: 'done', result: { ok: 1 } });
  });

  test('a reservation whose owner never sent is taken over once its lease lapses', async () => {
    const { clock, store } = storeAt(1_000);
    expect(await store.reserve('k', 'fp', 'dead-owner', 60)).toBeNull();
    expect(await store.reserve('k', 'fp', 'retry', 60)).toEqual({ state: 'pending', fingerprint: 'fp' });
    clock.now += 1_001;
    expect(await store.reserve('k', 'fp', 'retry', 60)).toBeNull();
    // The first owner lost it: it may not send any more.
    expect(await store.markSending('k', 'dead-owner')).toBe(false);
    expect(await store.markSending('k', 'retry')).toBe(true);
  });

  test('a reservation whose owner stopped after marking it sent reads OUTCOME_UNKNOWN once its lease lapses, never free', async () => {
    const { clock, store } = storeAt(1_000);
    await store.reserve('k', 'fp', 'dead-owner', 60);
    await store.markSending('k', 'dead-owner');
    clock.now += 900;
    expect(await store.reserve('k', 'fp', 'retry', 60)).toEqual({ state: 'pending', fingerprint: 'fp' });
    clock.now += 101;
    expect(await store.reserve('k', 'fp', 'retry', 60)).toMatchObject({ state: 'outcome-unknown' });
    // The owner's late answer is still the truth, and it wins.
    await store.settle('k', 'dead-owner', { state: 'done', fingerprint: 'fp', result: { moved: 1 } }, 60);
    expect(await store.reserve('k', 'fp', 'retry', 60)).toMatchObject({ state: 'done' });
  });

  test('a renewed lease keeps a long write "in progress" for as long as its owner lives', async () => {
    const { clock, store } = storeAt(1_000);
    await store.reserve('k', 'fp', 'owner', 60);
    await store.markSending('k', 'owner');
    for (let step = 0; step < 5; step++) {
      clock.now += 600;
      await store.renew('k', 'owner');
    }
    expect(await store.reserve('k', 'fp', 'retry', 60)).toEqual({ state: 'pending', fingerprint: 'fp' });
  });

  test("a key that answered OUTCOME_UNKNOWN is never freed again, not even by its owner's release", async () => {
    const { clock, store } = storeAt(1_000);
    await store.reserve('k', 'fp', 'slow-owner', 60);
    await store.markSending('k', 'slow-owner');
    clock.now += 1_001;
    expect(await store.reserve('k', 'fp', 'retry', 60)).toMatchObject({ state: 'outcome-unknown' });
    // The owner then learns its request was refused: the key still must not offer a second send.
    await store.release('k', 'slow-owner');
    expect(await store.reserve('k', 'fp', 'retry', 60)).toMatchObject({ state: 'outcome-unknown' });
  });
});
