import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ASSERT, expectTyped, MESSAGES, nastyString, run, t, useFuzzGateway } from './helpers.js';

useFuzzGateway();

const dateTimeArb = fc.oneof(
  fc
    .date({ min: new Date(-8_639_000_000_000_000), max: new Date(8_639_000_000_000_000), noInvalidDate: true })
    .map((date) => date.toISOString()),
  fc
    .date({ min: new Date('2020-01-01'), max: new Date('2035-01-01'), noInvalidDate: true })
    .map((date) => date.toISOString()),
  fc.constantFrom(
    '0001-01-01T00:00:00Z',
    '1970-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '+275760-09-13T00:00:00Z',
    '-271821-04-20T00:00:00Z',
    '2024-02-30T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-01-01T25:00:00Z',
    '2024-01-01T00:00:00+25:00',
    '2024-01-01',
    '2024-01-01T00:00:00',
    'yesterday',
    '',
    'NaN',
    '2024-01-01T00:00:00.000000000000Z',
    '2024-01-01T00:00:00Z\u0000',
  ),
  nastyString,
);

describe('dates', () => {
  test('filter.start / filter.end DateTime strings (valid, invalid, far past, far future) answer data or a typed error; refusals cost zero calls', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(dateTimeArb, { nil: undefined }),
        fc.option(dateTimeArb, { nil: undefined }),
        async (start, end) => {
          const outcome = await run(MESSAGES, { first: 3, filter: { start, end } });
          const refused = expectTyped(outcome, { start, end });
          if (!refused) expect(outcome.simCalls).toBeLessThanOrEqual(2);
          if (start !== undefined && Date.parse(start) > Date.now() + 60_000 && /^\d{4}-\d\d-\d\dT/.test(start))
            expect(refused, start).toBe(true);
        },
      ),
      ASSERT,
    );
  });

  test('a window the gateway accepts is never answered 400 by Cloudflare (no invalid date reaches upstream)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(dateTimeArb, { nil: undefined }),
        fc.option(dateTimeArb, { nil: undefined }),
        async (start, end) => {
          const outcome = await run(MESSAGES, { first: 3, filter: { start, end } });
          expectTyped(outcome, { start, end });
          expect(t.sim.count(undefined, { status: 400 }), JSON.stringify({ start, end })).toBe(0);
        },
      ),
      { ...ASSERT, numRuns: 100 },
    );
  });
});
